#include "mcptool.h"

#include "serverconnection.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace agency::mcp {

using core::ErrorCode;
using core::makeError;

McpTool::McpTool(ServerConnection *server, QString serverName, const QJsonObject &tool)
    : m_server(server), m_serverName(std::move(serverName)),
      m_toolName(tool.value(QStringLiteral("name")).toString()),
      m_name(exposedName(m_serverName, m_toolName)),
      m_parameters(tool.value(QStringLiteral("inputSchema")).toObject())
{
    m_description = tool.value(QStringLiteral("description")).toString();
    if (m_description.isEmpty())
        m_description = tool.value(QStringLiteral("title")).toString();
    if (m_parameters.isEmpty())
        m_parameters = QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}};
}

QString McpTool::exposedName(const QString &server, const QString &tool)
{
    static const QRegularExpression invalid(QStringLiteral("[^A-Za-z0-9_-]"));
    if (tool.isEmpty())
        return {};
    QString name = server + QStringLiteral("__") + tool;
    name.replace(invalid, QStringLiteral("_"));
    return name.left(64);
}

core::Result<QJsonObject> McpTool::toPayload(const QString &server, const QString &tool,
                                             const QJsonObject &result)
{
    QStringList texts;
    QJsonArray other;
    for (const QJsonValue &value : result.value(QStringLiteral("content")).toArray()) {
        const QJsonObject block = value.toObject();
        if (block.value(QStringLiteral("type")).toString() == QLatin1String("text")) {
            texts.append(block.value(QStringLiteral("text")).toString());
            continue;
        }
        // Images, audio and resources: the model gets what they are, not their bytes.
        QJsonObject shown = block;
        shown.remove(QStringLiteral("data"));
        other.append(shown);
    }
    const QString text = texts.join(u'\n');
    if (result.value(QStringLiteral("isError")).toBool()) {
        return makeError(ErrorCode::ProviderBadRequest,
                         QStringLiteral("MCP tool %1 of server \"%2\" reported an error: %3")
                             .arg(tool, server, text.isEmpty() ? QStringLiteral("(no message)") : text),
                         {{QStringLiteral("mcp_server"), server}, {QStringLiteral("is_error"), true}});
    }
    QJsonObject payload;
    if (!text.isEmpty() || other.isEmpty())
        payload.insert(QStringLiteral("text"), text);
    if (result.value(QStringLiteral("structuredContent")).isObject())
        payload.insert(QStringLiteral("structured_content"),
                       result.value(QStringLiteral("structuredContent")));
    if (!other.isEmpty())
        payload.insert(QStringLiteral("content"), other);
    return payload;
}

core::Async<QJsonObject> McpTool::execute(const QJsonObject &arguments, const tools::ToolContext &context,
                                          const core::CancelTokenPtr &cancel)
{
    Q_UNUSED(context)
    if (!m_server) {
        return core::failedAsync<QJsonObject>(
            makeError(ErrorCode::ProviderUnavailable,
                      QStringLiteral("MCP server \"%1\" is no longer configured").arg(m_serverName)));
    }
    return m_server->call(m_toolName, arguments, cancel)
        .then([server = m_serverName,
               tool = m_toolName](const core::Result<QJsonObject> &result) -> core::Result<QJsonObject> {
            if (!result) {
                core::Error error = result.error();
                if (error.code != ErrorCode::Cancelled)
                    error.message =
                        QStringLiteral("MCP server \"%1\", tool %2: %3").arg(server, tool, error.message);
                error.details.insert(QStringLiteral("mcp_server"), server);
                return error;
            }
            return toPayload(server, tool, result.value());
        });
}

} // namespace agency::mcp

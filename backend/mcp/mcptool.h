#pragma once

#include "tools/tool.h"

#include <QPointer>

namespace agency::mcp {

class ServerConnection;

/// One tool of an MCP server as the model sees it (docs/mcp.md#using-mcp-servers-in-flows):
/// named `<server>__<tool>` (characters outside A-Z a-z 0-9 _ - become '_', cut at 64), with the
/// server's description and input schema passed through. A call's CallToolResult becomes the
/// payload {"text": the text content joined, "structured_content": structuredContent,
/// "content": the other content blocks}; `isError` becomes a failed result carrying the text.
/// A server that is down answers at once with the reason.
class McpTool : public tools::Tool
{
public:
    McpTool(ServerConnection *server, QString serverName, const QJsonObject &tool);
    QString origin() const override { return QStringLiteral("mcp:") + m_serverName; }

    /// The model-facing name of `tool` of `server`; empty when nothing usable remains.
    static QString exposedName(const QString &server, const QString &tool);
    /// The payload a CallToolResult becomes (exposed for tests).
    static core::Result<QJsonObject> toPayload(const QString &server, const QString &tool,
                                               const QJsonObject &result);

    QString name() const override { return m_name; }
    QString description() const override { return m_description; }
    QJsonObject parameters() const override { return m_parameters; }
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const tools::ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override;

private:
    QPointer<ServerConnection> m_server;
    QString m_serverName;
    QString m_toolName; ///< as the server names it
    QString m_name;
    QString m_description;
    QJsonObject m_parameters;
};

} // namespace agency::mcp

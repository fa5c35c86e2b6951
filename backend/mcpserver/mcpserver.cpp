#include "mcpserver.h"

#include "agencytools.h"
#include "mcp/protocol.h"
#include "mcp/schemavalidator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

namespace agency::mcpserver {

Q_LOGGING_CATEGORY(lcMcp, "agency.mcp.server")

using mcp::Message;
using mcp::RequestId;
namespace errorcode = mcp::errorcode;
namespace method = mcp::method;

struct McpServer::Incoming
{
    Message message;
};

struct McpServer::Pending
{
    RequestId id;
    QString method;
    Send send;
    core::CancelTokenPtr cancel = core::CancelToken::create();
    bool done = false;
};

namespace {

const QString kCursorPrefix = QStringLiteral("tools:");

std::unique_ptr<mcp::SchemaValidator> validatorFor(const QString &version)
{
    if (auto v = mcp::SchemaValidator::forVersion(version))
        return std::make_unique<mcp::SchemaValidator>(std::move(*v));
    // Built in from resources/mcp: only a broken build lacks it.
    qFatal("MCP schema %s is not built in", qPrintable(version));
}

QString encodeCursor(int offset)
{
    return QString::fromLatin1((kCursorPrefix + QString::number(offset))
                                   .toUtf8()
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

/// The offset a cursor names; -1 when it is not one of ours.
int decodeCursor(const QString &cursor)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        cursor.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    const QString text = QString::fromUtf8(decoded.decoded);
    if (!decoded || !text.startsWith(kCursorPrefix))
        return -1;
    bool ok = false;
    const int offset = text.mid(kCursorPrefix.size()).toInt(&ok);
    return ok && offset >= 0 ? offset : -1;
}

QJsonObject toolJson(const ToolEntry &tool)
{
    return {{QStringLiteral("name"), tool.name},
            {QStringLiteral("title"), tool.title},
            {QStringLiteral("description"), tool.description},
            {QStringLiteral("inputSchema"), tool.inputSchema},
            {QStringLiteral("outputSchema"), tool.outputSchema}};
}

} // namespace

McpServer::McpServer(service::AgencyService &service, QString tenantId, McpServerOptions options,
                     QObject *parent)
    : QObject(parent), m_service(service), m_tenantId(std::move(tenantId)), m_options(options),
      m_tools(std::make_unique<AgencyTools>(service, m_tenantId)),
      // Until initialize negotiates, messages are read as the revision initialize belongs to.
      m_validator(validatorFor(mcp::kProtocol20251125))
{
    m_options.pageSize = std::max(1, m_options.pageSize);
}

McpServer::~McpServer()
{
    cancelAll();
}

QStringList McpServer::supportedVersions()
{
    // 2026-07-28 has no initialize (server/discover and a version in every request's _meta):
    // this server speaks the session revision.
    return {mcp::kProtocol20251125};
}

bool McpServer::isInitializeRequest(const QByteArray &bytes)
{
    const mcp::ParsedMessage parsed = mcp::parseMessage(bytes);
    return parsed.ok() && parsed.message->isRequest() && parsed.message->method == method::initialize;
}

void McpServer::cancelAll()
{
    const auto pending = m_pending.values();
    m_pending.clear();
    for (const auto &p : pending) {
        p->done = true;
        p->cancel->cancel();
        p->send(QByteArray());
    }
}

bool McpServer::receive(const QByteArray &bytes, Send send)
{
    mcp::ParsedMessage parsed = mcp::parseMessage(bytes);
    if (!parsed.ok()) {
        send(parsed.error.toBytes());
        return true;
    }
    Incoming in{std::move(*parsed.message)};
    const Message &m = in.message;
    const mcp::SchemaValidator &validator = *m_validator;
    if (m.isResponse()) {
        // This server sends no requests, so no response is awaited.
        qCDebug(lcMcp) << "ignoring a response to request" << (m.id ? m.id->key() : QString());
        return false;
    }
    if (m.isNotification()) {
        if (const QStringList problems = validator.validate(m); !problems.isEmpty()) {
            qCWarning(lcMcp).noquote()
                << "ignoring an invalid" << m.method << "notification:" << problems.join(u"; ");
            return false;
        }
        if (m.method == method::initialized)
            m_clientReady = true;
        else if (m.method == method::cancelled)
            cancel(in);
        return false;
    }
    if (m_pending.contains(m.id->key())) {
        send(Message::errorFor(
                 m.id, errorcode::invalidRequest,
                 QStringLiteral("Invalid Request: request id %1 is still in use").arg(m.id->key()))
                 .toBytes());
        return true;
    }
    auto pending = std::make_shared<Pending>();
    pending->id = *m.id;
    pending->method = m.method;
    pending->send = std::move(send);
    m_pending.insert(m.id->key(), pending);
    if (const QStringList problems = validator.validate(m); !problems.isEmpty()) {
        fail(pending, errorcode::invalidParams, QStringLiteral("Invalid params: ") + problems.join(u"; "));
        return true;
    }
    dispatch(in, pending);
    return true;
}

void McpServer::dispatch(const Incoming &in, const std::shared_ptr<Pending> &pending)
{
    const QString &name = in.message.method;
    if (name == method::ping)
        return answer(pending, {});
    if (name == method::initialize)
        return initialize(in, pending);
    if (!initialized()) {
        return fail(pending, errorcode::invalidRequest,
                    QStringLiteral("Invalid Request: the session is not initialized; send initialize first"));
    }
    if (name == method::toolsList)
        return listTools(in, pending);
    if (name == method::toolsCall)
        return callTool(in, pending);
    fail(pending, errorcode::methodNotFound, QStringLiteral("Method not found: ") + name);
}

void McpServer::initialize(const Incoming &in, const std::shared_ptr<Pending> &pending)
{
    if (initialized()) {
        return fail(pending, errorcode::invalidRequest,
                    QStringLiteral("Invalid Request: the session is already initialized"));
    }
    const QString requested = in.message.params.value(QLatin1String("protocolVersion")).toString();
    m_version = mcp::negotiateVersion(requested, supportedVersions());
    m_validator = validatorFor(m_version);
    const QJsonObject result{
        {QStringLiteral("protocolVersion"), m_version},
        {QStringLiteral("capabilities"),
         QJsonObject{{QStringLiteral("tools"), QJsonObject{{QStringLiteral("listChanged"), false}}}}},
        {QStringLiteral("serverInfo"),
         QJsonObject{{QStringLiteral("name"), QStringLiteral("aiagency")},
                     {QStringLiteral("title"), QStringLiteral("Agency Console")},
                     {QStringLiteral("version"), QStringLiteral(AGENCY_VERSION)}}},
        {QStringLiteral("instructions"),
         QStringLiteral("The agents (ask_<flow>), stored conversations and documents of tenant \"%1\". "
                        "ask_<flow> answers are stored; pass conversation_id to continue a conversation.")
             .arg(m_tenantId)}};
    answer(pending, result);
}

void McpServer::listTools(const Incoming &in, const std::shared_ptr<Pending> &pending)
{
    int offset = 0;
    if (in.message.params.contains(QLatin1String("cursor"))) {
        offset = decodeCursor(in.message.params.value(QLatin1String("cursor")).toString());
        if (offset < 0)
            return fail(pending, errorcode::invalidParams, QStringLiteral("Invalid params: unknown cursor"));
    }
    const QList<ToolEntry> tools = m_tools->list();
    QJsonArray page;
    for (qsizetype i = offset; i < tools.size() && page.size() < m_options.pageSize; ++i)
        page.append(toolJson(tools.at(i)));
    QJsonObject result{{QStringLiteral("tools"), page}};
    if (offset + m_options.pageSize < tools.size())
        result.insert(QStringLiteral("nextCursor"), encodeCursor(offset + m_options.pageSize));
    answer(pending, result);
}

void McpServer::callTool(const Incoming &in, const std::shared_ptr<Pending> &pending)
{
    const QString name = in.message.params.value(QLatin1String("name")).toString();
    const std::optional<ToolEntry> tool = m_tools->find(name);
    if (!tool)
        return fail(pending, errorcode::invalidParams,
                    QStringLiteral("Invalid params: unknown tool ") + name);
    const QJsonObject arguments = in.message.params.value(QLatin1String("arguments")).toObject();
    // Bad arguments are the model's to correct: a tool error, not a protocol error.
    if (const QStringList problems = mcp::SchemaValidator::validateValue(arguments, tool->inputSchema);
        !problems.isEmpty())
        return answer(pending,
                      AgencyTools::errorResult(QStringLiteral("invalid arguments: ") + problems.join(u"; ")));
    std::weak_ptr<Pending> weak = pending;
    m_tools->call(*tool, arguments, pending->cancel, this, [this, weak](const QJsonObject &result) {
        if (auto p = weak.lock())
            answer(p, result);
    });
}

void McpServer::cancel(const Incoming &in)
{
    const auto id = RequestId::fromJson(in.message.params.value(QLatin1String("requestId")));
    const auto it = id ? m_pending.find(id->key()) : m_pending.end();
    if (it == m_pending.end() || it.value()->method == method::initialize)
        return; // finished already, or never known; initialize must not be cancelled
    const std::shared_ptr<Pending> pending = it.value();
    m_pending.erase(it);
    pending->done = true;
    pending->cancel->cancel();
    qCInfo(lcMcp).noquote() << "request" << pending->id.key() << "cancelled by the client";
    pending->send(QByteArray());
    if (m_pending.isEmpty())
        Q_EMIT idle();
}

void McpServer::answer(const std::shared_ptr<Pending> &pending, const QJsonObject &result)
{
    if (pending->done)
        return;
    const Message message = Message::resultFor(pending->id, result);
    if (const QStringList problems = m_validator->validate(message, pending->method); !problems.isEmpty()) {
        qCWarning(lcMcp).noquote() << "a" << pending->method
                                   << "result fails the schema:" << problems.join(u"; ");
        return fail(pending, errorcode::internalError,
                    QStringLiteral("Internal error: the answer does not match the MCP schema"));
    }
    pending->done = true;
    m_pending.remove(pending->id.key());
    pending->send(message.toBytes());
    if (m_pending.isEmpty())
        Q_EMIT idle();
}

void McpServer::fail(const std::shared_ptr<Pending> &pending, int code, const QString &text)
{
    if (pending->done)
        return;
    pending->done = true;
    m_pending.remove(pending->id.key());
    pending->send(Message::errorFor(pending->id, code, text).toBytes());
    if (m_pending.isEmpty())
        Q_EMIT idle();
}

} // namespace agency::mcpserver

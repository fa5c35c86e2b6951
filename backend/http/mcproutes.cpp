// /mcp: the agency as an MCP server over Streamable HTTP (docs/design.md#mcp). POST carries one
// JSON-RPC message; initialize opens a session (Mcp-Session-Id) of the key's tenant, every later
// message names it; DELETE ends it. The answer is JSON, or one Server-Sent Event when the client
// accepts only text/event-stream. GET (a server-initiated stream) is not offered: 405.
#include "mcpserver/mcpsessions.h"
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"

#include <QJsonArray>
#include <QUrl>

namespace agency::http {

namespace {

using namespace oa;

const QByteArray kSessionHeader = QByteArrayLiteral("Mcp-Session-Id");
const QByteArray kVersionHeader = QByteArrayLiteral("MCP-Protocol-Version");

/// A transport-level refusal as a JSON-RPC error without id (what MCP clients read).
void refuse(const CallPtr &call, int status, const QString &message, const httpserver::Headers &extra = {})
{
    const QJsonObject body{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                           {QStringLiteral("id"), QJsonValue(QJsonValue::Null)},
                           {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), -32000},
                                                                 {QStringLiteral("message"), message}}}};
    call->sendJson(status, body, extra);
}

bool isLoopbackHost(const QString &host)
{
    return host == QLatin1String("localhost") || host == QLatin1String("127.0.0.1") ||
           host == QLatin1String("::1") || host == QLatin1String("[::1]");
}

/// DNS rebinding defence: a browser's Origin must be this server itself or a loopback page.
bool originAllowed(const ApiCall &call)
{
    const QByteArray origin = call.header("Origin");
    if (origin.isEmpty())
        return true; // not a browser
    const QUrl url(QString::fromLatin1(origin));
    if (!url.isValid() || url.host().isEmpty())
        return false;
    if (isLoopbackHost(url.host()))
        return true;
    const QString authority = url.port() < 0 ? url.host() : url.host() + u':' + QString::number(url.port());
    return authority.compare(QString::fromLatin1(call.header("Host")), Qt::CaseInsensitive) == 0;
}

enum class Answer { Json, EventStream, Unacceptable };

Answer answerKind(const ApiCall &call)
{
    const QByteArray accept = call.header("Accept").toLower();
    if (accept.isEmpty() || accept.contains("application/json") || accept.contains("*/*"))
        return Answer::Json;
    if (accept.contains("text/event-stream"))
        return Answer::EventStream;
    return Answer::Unacceptable;
}

/// The JSON-RPC id of a request body (for the cancellation sent when its client leaves).
QJsonValue requestId(const QByteArray &body)
{
    const QJsonObject message = QJsonDocument::fromJson(body).object();
    return message.contains(QLatin1String("method")) ? message.value(QLatin1String("id")) : QJsonValue();
}

/// One JSON-RPC message as the answer: JSON, or a single `message` event for an event-stream client.
void sendMessage(const CallPtr &call, Answer kind, int status, const QByteArray &message,
                 const httpserver::Headers &headers)
{
    if (kind == Answer::Json || status != 200) {
        call->sendBytes(status, QByteArrayLiteral("application/json"), message, headers);
        return;
    }
    if (call->beginStream(200, QByteArrayLiteral("text/event-stream"), headers)) {
        call->writeChunk("event: message\ndata: " + message + "\n\n");
        call->endStream();
    }
}

/// Hands `call`'s message to `server` and answers the HTTP request with what comes back.
void deliver(mcpserver::McpServer *server, const CallPtr &call, Answer kind,
             const httpserver::Headers &headers)
{
    auto answer = [call, kind, headers](const QByteArray &message) {
        if (message.isEmpty()) {
            call->sendEmpty(202, headers); // cancelled: nothing to say
            return;
        }
        // An error without id answers a message that could not be read at all: a bad request.
        const QJsonObject json = QJsonDocument::fromJson(message).object();
        const int status =
            json.contains(QLatin1String("error")) && json.value(QLatin1String("id")).isNull() ? 400 : 200;
        sendMessage(call, kind, status, message, headers);
    };
    const QByteArray body = call->body();
    if (!server->receive(body, answer)) {
        call->sendEmpty(202, headers);
        return;
    }
    if (call->answered())
        return;
    const QJsonValue id = requestId(body);
    if (id.isString() || id.isDouble()) {
        // A client that leaves before its answer gave up on it: cancel the call, as MCP's own
        // cancellation would.
        QPointer<mcpserver::McpServer> guarded(server);
        call->onClientGone(server, [guarded, id] {
            if (!guarded)
                return;
            const QJsonObject cancel{
                {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                {QStringLiteral("method"), QStringLiteral("notifications/cancelled")},
                {QStringLiteral("params"),
                 QJsonObject{{QStringLiteral("requestId"), id},
                             {QStringLiteral("reason"), QStringLiteral("client left")}}}};
            guarded->receive(QJsonDocument(cancel).toJson(QJsonDocument::Compact), [](const QByteArray &) {});
        });
    }
}

/// The first top-level member JSON-RPC does not define; empty when there is none. Such a body is
/// refused (422) as every JSON body of the API refuses unknown fields.
QString unknownMember(const QByteArray &body)
{
    const QJsonObject message = QJsonDocument::fromJson(body).object();
    for (const QString &key : message.keys()) {
        if (key != QLatin1String("jsonrpc") && key != QLatin1String("id") && key != QLatin1String("method") &&
            key != QLatin1String("params") && key != QLatin1String("result") && key != QLatin1String("error"))
            return key;
    }
    return {};
}

/// A global admin acting in a tenant through MCP is recorded like its other reads: the session it
/// opens and each tool it calls (never the arguments).
void audit(RouteContext &ctx, const CallPtr &call, const QString &tenantId)
{
    const QJsonObject message = QJsonDocument::fromJson(call->body()).object();
    const QString method = message.value(QLatin1String("method")).toString();
    if (method == QLatin1String("initialize"))
        ctx.audit(call, QStringLiteral("mcp.session"), tenantId, QStringLiteral("mcp"));
    else if (method == QLatin1String("tools/call"))
        ctx.audit(
            call, QStringLiteral("mcp.tool_call"), tenantId,
            QStringLiteral("mcp/") +
                message.value(QLatin1String("params")).toObject().value(QLatin1String("name")).toString());
}

void post(RouteContext &ctx, mcpserver::McpSessions &sessions, const CallPtr &call)
{
    if (!originAllowed(*call))
        return refuse(call, 403, QStringLiteral("Origin not allowed"));
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const Answer kind = answerKind(*call);
    if (kind == Answer::Unacceptable)
        return refuse(call, 406, QStringLiteral("Accept must allow application/json or text/event-stream"));
    if (const QString member = unknownMember(call->body()); !member.isEmpty())
        return refuse(call, 422, QStringLiteral("Invalid Request: unknown member ") + member);
    audit(ctx, call, tenant.value());
    const QString keyId = call->principal().keyId;
    const QString sessionId = QString::fromLatin1(call->header(kSessionHeader));
    if (mcpserver::McpServer::isInitializeRequest(call->body())) {
        if (!sessionId.isEmpty())
            return refuse(call, 400,
                          QStringLiteral("initialize opens a session: send it without Mcp-Session-Id"));
        const mcpserver::McpSessions::Opened opened = sessions.open(tenant.value(), keyId);
        if (!opened.server)
            return refuse(call, 503, QStringLiteral("too many open MCP sessions; try again later"));
        // initialize is answered at once: a refused one (bad params) leaves no session behind.
        QByteArray answer;
        opened.server->receive(call->body(), [&answer](const QByteArray &message) { answer = message; });
        if (!opened.server->initialized()) {
            sessions.close(opened.id, tenant.value(), keyId);
            return call->sendBytes(400, QByteArrayLiteral("application/json"), answer);
        }
        return sendMessage(call, kind, 200, answer, {{kSessionHeader, opened.id.toLatin1()}});
    }
    if (sessionId.isEmpty())
        return refuse(call, 400, QStringLiteral("Mcp-Session-Id is required (send initialize first)"));
    mcpserver::McpServer *server = sessions.find(sessionId, tenant.value(), keyId);
    if (!server)
        return refuse(call, 404,
                      QStringLiteral("no such MCP session (it ended or expired): initialize again"));
    const QByteArray version = call->header(kVersionHeader);
    if (!version.isEmpty() && QString::fromLatin1(version) != server->protocolVersion()) {
        return refuse(call, 400,
                      QStringLiteral("MCP-Protocol-Version %1 is not this session's (%2)")
                          .arg(QString::fromLatin1(version), server->protocolVersion()));
    }
    deliver(server, call, kind, {});
}

void remove(mcpserver::McpSessions &sessions, const CallPtr &call)
{
    if (!originAllowed(*call))
        return refuse(call, 403, QStringLiteral("Origin not allowed"));
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const QString sessionId = QString::fromLatin1(call->header(kSessionHeader));
    if (sessionId.isEmpty())
        return refuse(call, 400, QStringLiteral("Mcp-Session-Id is required"));
    if (!sessions.close(sessionId, tenant.value(), call->principal().keyId))
        return refuse(call, 404, QStringLiteral("no such MCP session"));
    call->sendEmpty(204);
}

QJsonObject headerParam(const QString &name, const QString &description)
{
    return {{QStringLiteral("name"), name},
            {QStringLiteral("in"), QStringLiteral("header")},
            {QStringLiteral("description"), description},
            {QStringLiteral("schema"), string()}};
}

QJsonArray mcpParameters()
{
    return {headerParam(
                QString::fromLatin1(kSessionHeader),
                QStringLiteral("the session, as initialize's answer named it; required after initialize")),
            headerParam(QString::fromLatin1(kVersionHeader),
                        QStringLiteral("the negotiated protocol revision (2025-11-25)")),
            queryParam(
                QStringLiteral("tenant_id"),
                QStringLiteral("the tenant; required with a global admin key, else the key's own or omitted"),
                string())};
}

} // namespace

void registerMcpRoutes(Router &router, RouteContext &ctx)
{
    // The sessions live as long as the routes (the server); the handlers share them.
    auto sessions = std::make_shared<mcpserver::McpSessions>(ctx.service());
    const QString tag = QStringLiteral("mcp");
    const QJsonObject message = closed(object({{QStringLiteral("jsonrpc"), string()},
                                               {QStringLiteral("id"), QJsonObject{}},
                                               {QStringLiteral("method"), string()},
                                               {QStringLiteral("params"), anyObject()},
                                               {QStringLiteral("result"), anyObject()},
                                               {QStringLiteral("error"), anyObject()}},
                                              {QStringLiteral("jsonrpc")}));
    const QJsonObject example{
        {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
        {QStringLiteral("id"), 1},
        {QStringLiteral("method"), QStringLiteral("initialize")},
        {QStringLiteral("params"),
         QJsonObject{{QStringLiteral("protocolVersion"), QStringLiteral("2025-11-25")},
                     {QStringLiteral("capabilities"), QJsonObject{}},
                     {QStringLiteral("clientInfo"),
                      QJsonObject{{QStringLiteral("name"), QStringLiteral("client")},
                                  {QStringLiteral("version"), QStringLiteral("1.0")}}}}}};
    QJsonObject answers{
        {QStringLiteral("200"),
         QJsonObject{
             {QStringLiteral("description"),
              QStringLiteral("the JSON-RPC answer of a request: application/json, or one `message` event "
                             "of text/event-stream when the client accepts only that; initialize's "
                             "answer carries the Mcp-Session-Id header")},
             {QStringLiteral("content"), QJsonObject{{QStringLiteral("application/json"),
                                                      QJsonObject{{QStringLiteral("schema"), message}}},
                                                     {QStringLiteral("text/event-stream"),
                                                      QJsonObject{{QStringLiteral("schema"), string()}}}}}}},
        {QStringLiteral("202"),
         QJsonObject{{QStringLiteral("description"),
                      QStringLiteral("a notification or response was accepted (no body)")}}},
        {QStringLiteral("404"),
         QJsonObject{{QStringLiteral("description"),
                      QStringLiteral("the session ended or expired: initialize again")}}}};
    router.add({"POST",
                QStringLiteral("/mcp"),
                Access::Member,
                [&ctx, sessions](const CallPtr &c) { post(ctx, *sessions, c); },
                operation(QStringLiteral("MCP (Streamable HTTP): one JSON-RPC message of the Model Context "
                                         "Protocol; tools ask_<flow>, search_conversations, search_documents "
                                         "of the key's tenant"),
                          tag, answers, mcpParameters(), jsonBody(message, example)),
                {}});
    router.add({"DELETE",
                QStringLiteral("/mcp"),
                Access::Member,
                [sessions](const CallPtr &c) { remove(*sessions, c); },
                operation(QStringLiteral("End an MCP session"), tag,
                          {{QStringLiteral("204"), QJsonObject{{QStringLiteral("description"),
                                                                QStringLiteral("the session ended")}}}},
                          mcpParameters()),
                {}});
}

} // namespace agency::http

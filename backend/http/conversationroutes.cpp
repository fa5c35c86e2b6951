// /conversations: list or search, read, messages, export, rename, delete. Every operation names
// its tenant (a tenant key's own, or tenant_id for a global admin); another tenant's conversation
// is a 404. A global admin's reads and deletes are audited.
#include "jsonviews.h"
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "schemas.h"
#include "service/agencyservice.h"

#include <QJsonArray>

namespace agency::http {

namespace {

using namespace oa;

QString resource(const CallPtr &call)
{
    return QStringLiteral("conversation/") + call->pathParam(QStringLiteral("id"));
}

QJsonObject searchHit(const core::SearchHit &hit)
{
    return {{QStringLiteral("message_id"), hit.messageId},
            {QStringLiteral("conversation_id"), hit.conversationId.toString(QUuid::WithoutBraces)},
            {QStringLiteral("flow_type"), hit.flowType},
            {QStringLiteral("conversation_title"), hit.conversationTitle},
            {QStringLiteral("role"), core::roleName(hit.role)},
            {QStringLiteral("snippet"), hit.snippet},
            {QStringLiteral("created_at"), json::timestamp(hit.createdAt)}};
}

void list(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    auto limit = queryLimit(*call, 50, core::limits::kMaxPageSize);
    if (!proceed(call, limit))
        return;
    const QString q = call->query(QStringLiteral("q"));
    const QString flowType = call->query(QStringLiteral("flow_type"));
    const QString tenantId = tenant.value();
    if (!q.isEmpty()) {
        if (call->hasQuery(QStringLiteral("cursor"))) {
            call->sendError(core::ErrorCode::InvalidArgument,
                            QStringLiteral("cursor: search results are not paged; raise limit instead"),
                            {{QStringLiteral("field"), QStringLiteral("cursor")}});
            return;
        }
        core::SearchQuery query{tenantId, q, flowType, limit.value()};
        ctx.then(call, ctx.service().searchConversations(query),
                 [&ctx, call, tenantId](const QList<core::SearchHit> &hits) {
                     ctx.audit(call, QStringLiteral("conversation.search"), tenantId,
                               QStringLiteral("conversations"));
                     QJsonArray items;
                     for (const auto &hit : hits)
                         items.append(searchHit(hit));
                     call->sendJson(200, json::page(items, {}));
                 });
        return;
    }
    core::ConversationQuery query{tenantId, flowType, limit.value(), call->query(QStringLiteral("cursor"))};
    ctx.then(call, ctx.service().listConversations(query),
             [&ctx, call, tenantId](const core::Page<core::Conversation> &page) {
                 ctx.audit(call, QStringLiteral("conversation.list"), tenantId,
                           QStringLiteral("conversations"));
                 call->sendJson(200, json::page(page, json::conversation));
             });
}

void get(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("conversation_id"));
    if (!id)
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().getConversation(tenantId, *id),
             [&ctx, call, tenantId](const core::Conversation &c) {
                 ctx.audit(call, QStringLiteral("conversation.read"), tenantId, resource(call));
                 QJsonObject view = json::conversation(c);
                 view.insert(QStringLiteral("state"), c.awaitingApproval ? QStringLiteral("awaiting_approval")
                                                                         : QStringLiteral("idle"));
                 call->sendJson(200, view);
             });
}

void messages(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("conversation_id"));
    if (!id)
        return;
    auto limit = queryLimit(*call, 100, core::limits::kMaxPageSize);
    if (!proceed(call, limit))
        return;
    const QString tenantId = tenant.value();
    ctx.then(call,
             ctx.service().listMessages(tenantId, *id, limit.value(), call->query(QStringLiteral("cursor"))),
             [&ctx, call, tenantId](const core::Page<core::Message> &page) {
                 ctx.audit(call, QStringLiteral("conversation.messages.read"), tenantId, resource(call));
                 call->sendJson(200, json::page(page, json::message));
             });
}

void exportConversation(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("conversation_id"));
    if (!id)
        return;
    const QString format = call->query(QStringLiteral("format")).isEmpty()
                               ? QStringLiteral("markdown")
                               : call->query(QStringLiteral("format"));
    if (format != QLatin1String("markdown") && format != QLatin1String("json")) {
        call->sendError(core::ErrorCode::InvalidArgument, QStringLiteral("format: must be markdown or json"),
                        {{QStringLiteral("field"), QStringLiteral("format")}});
        return;
    }
    const bool markdown = format == QLatin1String("markdown");
    const QString tenantId = tenant.value();
    ctx.then(call,
             ctx.service().exportConversation(
                 tenantId, *id, markdown ? service::ExportFormat::Markdown : service::ExportFormat::Json),
             [&ctx, call, tenantId, markdown](const QByteArray &document) {
                 ctx.audit(call, QStringLiteral("conversation.export"), tenantId, resource(call));
                 call->sendBytes(200,
                                 markdown ? QByteArrayLiteral("text/markdown; charset=utf-8")
                                          : QByteArrayLiteral("application/json"),
                                 document);
             });
}

void rename(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("conversation_id"));
    if (!id)
        return;
    auto body = call->jsonBody();
    if (!proceed(call, body) || !proceed(call, onlyKnownFields(body.value(), {QStringLiteral("title")})))
        return;
    auto title = requiredString(body.value(), QStringLiteral("title"));
    if (!proceed(call, title))
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().renameConversation(tenantId, *id, title.value()),
             [&ctx, call, tenantId](const core::Conversation &c) {
                 ctx.audit(call, QStringLiteral("conversation.rename"), tenantId, resource(call));
                 call->sendJson(200, json::conversation(c));
             });
}

/// "Edit and resend", as the console does it: a new conversation holding the messages before user
/// message `message_id`; the client then sends the edited text to it with POST /chat/{flow}.
void fork(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("conversation_id"));
    if (!id)
        return;
    auto body = call->jsonBody();
    if (!proceed(call, body) || !proceed(call, onlyKnownFields(body.value(), {QStringLiteral("message_id")})))
        return;
    const QJsonValue messageId = body->value(QStringLiteral("message_id"));
    // JSON numbers are doubles: a whole number in the exactly representable range, nothing else.
    constexpr double kMaxExactInteger = 9007199254740991.0;
    if (!messageId.isDouble() || messageId.toDouble() < 1 || messageId.toDouble() > kMaxExactInteger ||
        messageId.toDouble() != static_cast<double>(static_cast<qint64>(messageId.toDouble()))) {
        call->sendError(
            core::ErrorCode::InvalidArgument,
            QStringLiteral("message_id: must be the id of one of the conversation's user messages "
                           "(a whole number)"),
            {{QStringLiteral("field"), QStringLiteral("message_id")}});
        return;
    }
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().forkConversation(tenantId, *id, static_cast<qint64>(messageId.toDouble())),
             [&ctx, call, tenantId](const core::Conversation &c) {
                 ctx.audit(call, QStringLiteral("conversation.fork"), tenantId, resource(call));
                 call->sendJson(201, json::conversation(c),
                                {{QByteArrayLiteral("Location"),
                                  QByteArrayLiteral("/conversations/") +
                                      c.conversationId.toString(QUuid::WithoutBraces).toLatin1()}});
             });
}

void remove(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("conversation_id"));
    if (!id)
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().deleteConversation(tenantId, *id), [&ctx, call, tenantId](bool) {
        ctx.audit(call, QStringLiteral("conversation.delete"), tenantId, resource(call));
        call->sendEmpty(204);
    });
}

QJsonObject tenantParam()
{
    return queryParam(
        QStringLiteral("tenant_id"),
        QStringLiteral("the tenant; required with a global admin key, else the key's own or omitted"),
        string());
}

} // namespace

void registerConversationRoutes(Router &router, RouteContext &ctx)
{
    const QString tag = QStringLiteral("conversations");
    const QJsonObject conversation = jsonResponse(
        QStringLiteral("the conversation"), ref(QStringLiteral("Conversation")), examples::conversation());
    router.add(
        {"GET",
         QStringLiteral("/conversations"),
         Access::Member,
         [&ctx](const CallPtr &c) { list(ctx, c); },
         operation(QStringLiteral(
                       "A tenant's conversations, most recently active first; with q, a full-text search "
                       "(items are then message hits)"),
                   tag,
                   {{QStringLiteral("200"),
                     jsonResponse(QStringLiteral("a page of conversations (or search hits)"),
                                  object({{QStringLiteral("items"), array(anyObject())},
                                          {QStringLiteral("next_cursor"), nullableString()}},
                                         {QStringLiteral("items"), QStringLiteral("next_cursor")}),
                                  json::page(QJsonArray{examples::conversation()}, {}))}},
                   {tenantParam(),
                    queryParam(QStringLiteral("flow_type"), QStringLiteral("only this flow"), string()),
                    queryParam(QStringLiteral("q"),
                               QStringLiteral("full-text search: words, \"phrases\", -excluded"), string()),
                    queryParam(QStringLiteral("limit"), QStringLiteral("1-200, default 50"), integer()),
                    queryParam(QStringLiteral("cursor"), QStringLiteral("next_cursor of the previous page"),
                               string())}),
         {}});
    router.add({"GET",
                QStringLiteral("/conversations/{id}"),
                Access::Member,
                [&ctx](const CallPtr &c) { get(ctx, c); },
                operation(QStringLiteral("One conversation"), tag, {{QStringLiteral("200"), conversation}},
                          {tenantParam()}),
                {}});
    router.add(
        {"GET",
         QStringLiteral("/conversations/{id}/messages"),
         Access::Member,
         [&ctx](const CallPtr &c) { messages(ctx, c); },
         operation(QStringLiteral("A conversation's messages, oldest first"), tag,
                   {{QStringLiteral("200"),
                     jsonResponse(QStringLiteral("a page of messages"), page(ref(QStringLiteral("Message"))),
                                  json::page(QJsonArray{examples::message()}, {}))}},
                   {tenantParam(),
                    queryParam(QStringLiteral("limit"), QStringLiteral("1-200, default 100"), integer()),
                    queryParam(QStringLiteral("cursor"), QStringLiteral("next_cursor of the previous page"),
                               string())}),
         {}});
    QJsonObject exportOp = operation(
        QStringLiteral("Export as Markdown (default) or JSON"), tag,
        {{QStringLiteral("200"),
          QJsonObject{{QStringLiteral("description"), QStringLiteral("the document")},
                      {QStringLiteral("content"),
                       QJsonObject{{QStringLiteral("text/markdown"),
                                    QJsonObject{{QStringLiteral("schema"), string()}}},
                                   {QStringLiteral("application/json"),
                                    QJsonObject{{QStringLiteral("schema"), anyObject()}}}}}}}},
        {tenantParam(), queryParam(QStringLiteral("format"), QStringLiteral("markdown | json"), string())});
    router.add({"GET",
                QStringLiteral("/conversations/{id}/export"),
                Access::TenantAdmin,
                [&ctx](const CallPtr &c) { exportConversation(ctx, c); },
                exportOp,
                {}});
    router.add(
        {"PATCH",
         QStringLiteral("/conversations/{id}"),
         Access::Member,
         [&ctx](const CallPtr &c) { rename(ctx, c); },
         operation(QStringLiteral("Rename (title, 1-200 characters)"), tag,
                   {{QStringLiteral("200"), conversation}}, {tenantParam()},
                   jsonBody(closed(object({{QStringLiteral("title"), string()}}, {QStringLiteral("title")})),
                            QJsonObject{{QStringLiteral("title"), QStringLiteral("Paris trip")}})),
         {}});
    router.add(
        {"POST",
         QStringLiteral("/conversations/{id}/fork"),
         Access::Member,
         [&ctx](const CallPtr &c) { fork(ctx, c); },
         operation(QStringLiteral("Edit and resend: a new conversation with the messages before user message "
                                  "message_id (metadata.forked_from names the original and the message); "
                                  "the original is unchanged. Then send the edited text to the new one."),
                   tag,
                   {{QStringLiteral("201"),
                     jsonResponse(QStringLiteral("the new conversation"), ref(QStringLiteral("Conversation")),
                                  examples::conversation())}},
                   {tenantParam()},
                   jsonBody(closed(object({{QStringLiteral("message_id"), integer()}},
                                          {QStringLiteral("message_id")})),
                            QJsonObject{{QStringLiteral("message_id"), 42}})),
         {}});
    router.add({"DELETE",
                QStringLiteral("/conversations/{id}"),
                Access::TenantAdmin,
                [&ctx](const CallPtr &c) { remove(ctx, c); },
                operation(QStringLiteral("Delete a conversation and its messages"), tag,
                          {{QStringLiteral("204"),
                            QJsonObject{{QStringLiteral("description"), QStringLiteral("deleted")}}}},
                          {tenantParam()}),
                {}});
}

} // namespace agency::http

// /approvals: tool calls waiting for a person's approval (docs/flows-and-tools.md#approvals):
// list, read, approve (runs the call, then the conversation's turn goes on), reject. Tenant admins
// only: an approval lets the agent act on another system in the tenant's name.
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

core::AuditEntry actorOf(const CallPtr &call)
{
    const core::Principal &p = call->principal();
    core::AuditEntry actor;
    actor.actorKeyId = p.keyId;
    actor.actorName = p.unauthenticatedAdmin ? QStringLiteral("(no-auth)") : p.keyName;
    actor.requestId = call->requestId();
    return actor;
}

QJsonObject outcomeJson(const core::ApprovalOutcome &outcome)
{
    QJsonObject out{{QStringLiteral("approval"), json::approval(outcome.approval)},
                    {QStringLiteral("continued"), outcome.turn.has_value()},
                    {QStringLiteral("response"), QJsonValue(QJsonValue::Null)},
                    {QStringLiteral("approvals"), QJsonArray{}},
                    {QStringLiteral("error"), QJsonValue(QJsonValue::Null)}};
    if (outcome.turn) {
        out.insert(QStringLiteral("response"), outcome.turn->content);
        QJsonArray again;
        for (const core::ToolApproval &a : outcome.turn->approvals)
            again.append(json::approval(a));
        out.insert(QStringLiteral("approvals"), again);
    }
    if (outcome.turnError) {
        out.insert(QStringLiteral("error"),
                   QJsonObject{{QStringLiteral("code"), outcome.turnError->codeName()},
                               {QStringLiteral("message"), outcome.turnError->message}});
    }
    return out;
}

void list(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    auto limit = queryLimit(*call, 100, 500);
    if (!proceed(call, limit))
        return;
    const QString tenantId = tenant.value();
    ctx.then(call,
             ctx.service().listApprovals(tenantId, call->query(QStringLiteral("status")),
                                         call->query(QStringLiteral("conversation_id")), limit.value()),
             [&ctx, call, tenantId](const QList<core::ToolApproval> &approvals) {
                 ctx.audit(call, QStringLiteral("approval.list"), tenantId, QStringLiteral("approvals"));
                 QJsonArray items;
                 for (const core::ToolApproval &a : approvals)
                     items.append(json::approval(a));
                 call->sendJson(200, QJsonObject{{QStringLiteral("items"), items}});
             });
}

void get(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("approval_id"));
    if (!id)
        return;
    ctx.then(call, ctx.service().getApproval(tenant.value(), *id),
             [call](const core::ToolApproval &a) { call->sendJson(200, json::approval(a)); });
}

void decide(RouteContext &ctx, const CallPtr &call, bool approve)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("approval_id"));
    if (!id)
        return;
    QString reason;
    if (!call->body().trimmed().isEmpty()) {
        auto body = call->jsonBody();
        if (!proceed(call, body))
            return;
        const QStringList known = approve ? QStringList{} : QStringList{QStringLiteral("reason")};
        if (!proceed(call, onlyKnownFields(body.value(), known)))
            return;
        auto given = optionalString(body.value(), QStringLiteral("reason"));
        if (!proceed(call, given))
            return;
        reason = given.value().value_or(QString());
    }
    const core::AuditEntry actor = actorOf(call);
    auto decided = approve ? ctx.service().approveToolCall(tenant.value(), *id, actor)
                           : ctx.service().rejectToolCall(tenant.value(), *id, reason, actor);
    ctx.then(call, decided,
             [call](const core::ApprovalOutcome &outcome) { call->sendJson(200, outcomeJson(outcome)); });
}

QJsonObject tenantParam()
{
    return queryParam(
        QStringLiteral("tenant_id"),
        QStringLiteral("the tenant; required with a global admin key, else the key's own or omitted"),
        string());
}

QJsonObject outcomeSchema()
{
    return object({{QStringLiteral("approval"), ref(QStringLiteral("Approval"))},
                   {QStringLiteral("continued"), boolean()},
                   {QStringLiteral("response"), nullableString()},
                   {QStringLiteral("approvals"), array(ref(QStringLiteral("Approval")))},
                   {QStringLiteral("error"),
                    QJsonObject{{QStringLiteral("type"),
                                 QJsonArray{QStringLiteral("object"), QStringLiteral("null")}}}}},
                  {QStringLiteral("approval"), QStringLiteral("continued")});
}

} // namespace

void registerApprovalRoutes(Router &router, RouteContext &ctx)
{
    const QString tag = QStringLiteral("approvals");
    router.addSchema(QStringLiteral("Approval"), approvalSchema());
    const QJsonObject outcome = jsonResponse(
        QStringLiteral(
            "the decision; when it was the last one waiting in its answer, the conversation's turn "
            "went on: `response` is its answer (or `approvals` what waits now, `error` why it failed)"),
        outcomeSchema());
    router.add(
        {"GET",
         QStringLiteral("/approvals"),
         Access::TenantAdmin,
         [&ctx](const CallPtr &c) { list(ctx, c); },
         operation(QStringLiteral("A tenant's tool calls that need (or had) approval, newest first"), tag,
                   {{QStringLiteral("200"),
                     jsonResponse(QStringLiteral("the approvals"),
                                  object({{QStringLiteral("items"), array(ref(QStringLiteral("Approval")))}},
                                         {QStringLiteral("items")}),
                                  QJsonObject{{QStringLiteral("items"), QJsonArray{examples::approval()}}})}},
                   {tenantParam(),
                    queryParam(QStringLiteral("status"),
                               QStringLiteral("pending | approved | rejected | expired"), string()),
                    queryParam(QStringLiteral("conversation_id"), QStringLiteral("only this conversation's"),
                               string()),
                    queryParam(QStringLiteral("limit"), QStringLiteral("1-500, default 100"), integer())}),
         {}});
    router.add({"GET",
                QStringLiteral("/approvals/{id}"),
                Access::TenantAdmin,
                [&ctx](const CallPtr &c) { get(ctx, c); },
                operation(QStringLiteral("One approval"), tag,
                          {{QStringLiteral("200"),
                            jsonResponse(QStringLiteral("the approval"), ref(QStringLiteral("Approval")),
                                         examples::approval())}},
                          {tenantParam()}),
                {}});
    router.add(
        {"POST",
         QStringLiteral("/approvals/{id}/approve"),
         Access::TenantAdmin,
         [&ctx](const CallPtr &c) { decide(ctx, c, true); },
         operation(QStringLiteral("Approve: runs the call with its stored arguments, then the "
                                  "conversation's turn continues (409 when already decided or expired)"),
                   tag, {{QStringLiteral("200"), outcome}}, {tenantParam()}),
         {}});
    router.add(
        {"POST",
         QStringLiteral("/approvals/{id}/reject"),
         Access::TenantAdmin,
         [&ctx](const CallPtr &c) { decide(ctx, c, false); },
         operation(QStringLiteral("Reject: nothing is sent; the model is told, with the reason, and the "
                                  "turn continues (409 when already decided or expired)"),
                   tag, {{QStringLiteral("200"), outcome}}, {tenantParam()},
                   jsonBody(closed(object({{QStringLiteral("reason"), string()}})),
                            QJsonObject{{QStringLiteral("reason"), QStringLiteral("wrong repository")}})),
         {}});
}

} // namespace agency::http

#include "jsonviews.h"

#include <QJsonArray>

namespace agency::http::json {

namespace {
QJsonValue uuidOrNull(const QUuid &id)
{
    return id.isNull() ? QJsonValue() : QJsonValue(id.toString(QUuid::WithoutBraces));
}
QJsonValue timeOrNull(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(timestamp(t)) : QJsonValue();
}
QJsonObject usage(const core::Usage &u)
{
    return {{QStringLiteral("prompt_tokens"), u.promptTokens},
            {QStringLiteral("completion_tokens"), u.completionTokens},
            {QStringLiteral("total_tokens"), u.totalTokens}};
}
} // namespace

QString timestamp(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonObject tenant(const core::Tenant &t)
{
    return {{QStringLiteral("tenant_id"), t.tenantId},
            {QStringLiteral("name"), t.name},
            {QStringLiteral("settings"), t.settings},
            {QStringLiteral("conversation_count"), t.conversationCount},
            {QStringLiteral("created_at"), timestamp(t.createdAt)},
            {QStringLiteral("updated_at"), timestamp(t.updatedAt)}};
}

QJsonObject conversation(const core::Conversation &c)
{
    return {{QStringLiteral("conversation_id"), c.conversationId.toString(QUuid::WithoutBraces)},
            {QStringLiteral("tenant_id"), c.tenantId},
            {QStringLiteral("flow_type"), c.flowType},
            {QStringLiteral("title"), c.title},
            {QStringLiteral("metadata"), c.metadata},
            {QStringLiteral("message_count"), c.messageCount},
            {QStringLiteral("created_at"), timestamp(c.createdAt)},
            {QStringLiteral("updated_at"), timestamp(c.updatedAt)}};
}

QJsonObject approval(const core::ToolApproval &a)
{
    const auto nullableId = [](const QUuid &id) {
        return id.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(id.toString(QUuid::WithoutBraces));
    };
    return {{QStringLiteral("approval_id"), a.approvalId.toString(QUuid::WithoutBraces)},
            {QStringLiteral("tenant_id"), a.tenantId},
            {QStringLiteral("conversation_id"), nullableId(a.conversationId)},
            {QStringLiteral("flow_type"), a.flowType},
            {QStringLiteral("tool"), a.toolName},
            {QStringLiteral("arguments"), a.arguments},
            {QStringLiteral("tool_call_id"), a.toolCallId},
            {QStringLiteral("status"), core::approvalStatusName(a.status)},
            {QStringLiteral("reason"), a.reason},
            {QStringLiteral("decided_by"), a.decidedBy},
            {QStringLiteral("created_at"), timestamp(a.createdAt)},
            {QStringLiteral("expires_at"), timestamp(a.expiresAt)},
            {QStringLiteral("decided_at"),
             a.decidedAt.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(timestamp(a.decidedAt))},
            {QStringLiteral("result"), a.result ? QJsonValue(*a.result) : QJsonValue(QJsonValue::Null)}};
}

QJsonObject message(const core::Message &m)
{
    QJsonArray calls;
    for (const core::ToolCall &call : m.toolCalls)
        calls.append(core::toolCallToJson(call));
    QJsonObject out{{QStringLiteral("id"), m.id},
                    {QStringLiteral("conversation_id"), m.conversationId.toString(QUuid::WithoutBraces)},
                    {QStringLiteral("role"), core::roleName(m.role)},
                    {QStringLiteral("content"), m.content},
                    {QStringLiteral("metadata"), m.metadata},
                    {QStringLiteral("created_at"), timestamp(m.createdAt)}};
    if (!calls.isEmpty())
        out.insert(QStringLiteral("tool_calls"), calls);
    if (!m.toolCallId.isEmpty())
        out.insert(QStringLiteral("tool_call_id"), m.toolCallId);
    return out;
}

QJsonObject run(const core::Run &r)
{
    QJsonObject out{{QStringLiteral("run_id"), r.runId.toString(QUuid::WithoutBraces)},
                    {QStringLiteral("tenant_id"), r.tenantId},
                    {QStringLiteral("flow_type"), r.flowType},
                    {QStringLiteral("input"), r.input},
                    {QStringLiteral("provider"), r.provider},
                    {QStringLiteral("model"), r.model},
                    {QStringLiteral("status"), core::runStatusName(r.status)},
                    {QStringLiteral("output"),
                     r.status == core::RunStatus::Completed ? QJsonValue(r.output) : QJsonValue()},
                    {QStringLiteral("usage"), usage(r.usage)},
                    {QStringLiteral("conversation_id"), uuidOrNull(r.conversationId)},
                    {QStringLiteral("attempts"), r.attempts},
                    {QStringLiteral("cancel_requested"), r.cancelRequested},
                    {QStringLiteral("created_at"), timestamp(r.createdAt)},
                    {QStringLiteral("started_at"), timeOrNull(r.startedAt)},
                    {QStringLiteral("finished_at"), timeOrNull(r.finishedAt)}};
    if (r.error) {
        out.insert(QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), r.error->codeName()},
                                                        {QStringLiteral("message"), r.error->message},
                                                        {QStringLiteral("details"), r.error->details}});
    } else {
        out.insert(QStringLiteral("error"), QJsonValue());
    }
    return out;
}

QJsonObject auditEntry(const core::AuditEntry &e)
{
    return {
        {QStringLiteral("id"), e.id},
        {QStringLiteral("at"), timestamp(e.at)},
        {QStringLiteral("actor_key_id"), e.actorKeyId.isEmpty() ? QJsonValue() : QJsonValue(e.actorKeyId)},
        {QStringLiteral("actor_name"), e.actorName},
        {QStringLiteral("action"), e.action},
        {QStringLiteral("tenant_id"), e.tenantId},
        {QStringLiteral("resource"), e.resource},
        {QStringLiteral("request_id"), e.requestId}};
}

QJsonObject usageRow(const core::UsageSummaryRow &row)
{
    return {{QStringLiteral("day"), row.day.toString(Qt::ISODate)},
            {QStringLiteral("provider"), row.provider},
            {QStringLiteral("calls"), row.calls},
            {QStringLiteral("errors"), row.errors},
            {QStringLiteral("prompt_tokens"), row.promptTokens},
            {QStringLiteral("completion_tokens"), row.completionTokens},
            {QStringLiteral("total_tokens"), row.totalTokens},
            {QStringLiteral("average_latency_ms"), row.averageLatencyMs},
            {QStringLiteral("cost_usd"), row.costUsd},
            {QStringLiteral("unpriced_calls"), row.unpricedCalls}};
}

QJsonObject limitStatus(const core::LimitStatus &status)
{
    const auto window = [](const core::WindowStatus &w) {
        return QJsonObject{{QStringLiteral("limit"), w.limit},
                           {QStringLiteral("remaining"), w.remaining},
                           {QStringLiteral("reset_ms"), w.resetMs}};
    };
    return {{QStringLiteral("provider"), status.provider},
            {QStringLiteral("minute"), window(status.minute)},
            {QStringLiteral("hour"), window(status.hour)}};
}

QJsonObject page(const QJsonArray &items, const QString &nextCursor)
{
    return {{QStringLiteral("items"), items},
            {QStringLiteral("next_cursor"), nextCursor.isEmpty() ? QJsonValue() : QJsonValue(nextCursor)}};
}

} // namespace agency::http::json

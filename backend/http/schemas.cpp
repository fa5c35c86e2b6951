#include "schemas.h"

#include "jsonviews.h"
#include "openapi.h"

#include <QJsonArray>

namespace agency::http {

using namespace oa;

namespace {

const QString kTenant = QStringLiteral("acme");
const QUuid kConversation = QUuid::fromString(QStringLiteral("6f1c2f3e-9a53-4a4e-8a43-1d2b3c4d5e6f"));
const QDateTime kTime = QDateTime(QDate(2025, 1, 31), QTime(9, 30), Qt::UTC);

QJsonObject windowSchema()
{
    return object({{QStringLiteral("limit"), integer()},
                   {QStringLiteral("remaining"), integer()},
                   {QStringLiteral("reset_ms"), integer()}},
                  {QStringLiteral("limit"), QStringLiteral("remaining"), QStringLiteral("reset_ms")});
}

} // namespace

QJsonObject approvalSchema()
{
    const QJsonObject nullableObject{
        {QStringLiteral("type"), QJsonArray{QStringLiteral("object"), QStringLiteral("null")}}};
    return object({{QStringLiteral("approval_id"), string()},
                   {QStringLiteral("tenant_id"), string()},
                   {QStringLiteral("conversation_id"), nullableString()},
                   {QStringLiteral("flow_type"), string()},
                   {QStringLiteral("tool"), string()},
                   {QStringLiteral("arguments"), anyObject()},
                   {QStringLiteral("tool_call_id"), string()},
                   {QStringLiteral("status"),
                    QJsonObject{{QStringLiteral("enum"),
                                 QJsonArray{QStringLiteral("pending"), QStringLiteral("approved"),
                                            QStringLiteral("rejected"), QStringLiteral("expired")}}}},
                   {QStringLiteral("reason"), string()},
                   {QStringLiteral("decided_by"), string()},
                   {QStringLiteral("created_at"), string()},
                   {QStringLiteral("expires_at"), string()},
                   {QStringLiteral("decided_at"), nullableString()},
                   {QStringLiteral("result"), nullableObject}},
                  {QStringLiteral("approval_id"), QStringLiteral("tenant_id"), QStringLiteral("tool"),
                   QStringLiteral("arguments"), QStringLiteral("status"), QStringLiteral("created_at"),
                   QStringLiteral("expires_at")});
}

void addValueSchemas(httpserver::Router &router)
{
    router.addSchema(QStringLiteral("Tenant"),
                     object({{QStringLiteral("tenant_id"), string()},
                             {QStringLiteral("name"), string()},
                             {QStringLiteral("settings"), anyObject()},
                             {QStringLiteral("conversation_count"), integer()},
                             {QStringLiteral("created_at"), string()},
                             {QStringLiteral("updated_at"), string()}},
                            {QStringLiteral("tenant_id"), QStringLiteral("name"), QStringLiteral("settings"),
                             QStringLiteral("created_at")}));
    router.addSchema(
        QStringLiteral("Conversation"),
        object({{QStringLiteral("conversation_id"), string()},
                {QStringLiteral("tenant_id"), string()},
                {QStringLiteral("flow_type"), string()},
                {QStringLiteral("title"), string()},
                {QStringLiteral("metadata"), anyObject()},
                {QStringLiteral("message_count"), integer()},
                {QStringLiteral("created_at"), string()},
                {QStringLiteral("updated_at"), string()},
                // GET /conversations/{id} only: awaiting_approval while calls of its last answer
                // wait for a decision (no new message is taken meanwhile).
                {QStringLiteral("state"),
                 QJsonObject{{QStringLiteral("enum"),
                              QJsonArray{QStringLiteral("idle"), QStringLiteral("awaiting_approval")}}}}},
               {QStringLiteral("conversation_id"), QStringLiteral("tenant_id"), QStringLiteral("flow_type"),
                QStringLiteral("title"), QStringLiteral("created_at"), QStringLiteral("updated_at")}));
    router.addSchema(QStringLiteral("Message"),
                     object({{QStringLiteral("id"), integer()},
                             {QStringLiteral("conversation_id"), string()},
                             {QStringLiteral("role"),
                              QJsonObject{{QStringLiteral("enum"),
                                           QJsonArray{QStringLiteral("system"), QStringLiteral("user"),
                                                      QStringLiteral("assistant"), QStringLiteral("tool")}}}},
                             {QStringLiteral("content"), string()},
                             {QStringLiteral("tool_calls"), array(anyObject())},
                             {QStringLiteral("tool_call_id"), string()},
                             {QStringLiteral("metadata"), anyObject()},
                             {QStringLiteral("created_at"), string()}},
                            {QStringLiteral("id"), QStringLiteral("conversation_id"), QStringLiteral("role"),
                             QStringLiteral("content"), QStringLiteral("created_at")}));
    router.addSchema(
        QStringLiteral("Run"),
        object({{QStringLiteral("run_id"), string()},
                {QStringLiteral("tenant_id"), string()},
                {QStringLiteral("flow_type"), string()},
                {QStringLiteral("input"), string()},
                {QStringLiteral("provider"), string()},
                {QStringLiteral("model"), string()},
                {QStringLiteral("status"),
                 QJsonObject{{QStringLiteral("enum"),
                              QJsonArray{QStringLiteral("queued"), QStringLiteral("running"),
                                         QStringLiteral("completed"), QStringLiteral("failed"),
                                         QStringLiteral("cancelled")}}}},
                {QStringLiteral("output"), nullableString()},
                {QStringLiteral("error"),
                 QJsonObject{
                     {QStringLiteral("type"), QJsonArray{QStringLiteral("object"), QStringLiteral("null")}}}},
                {QStringLiteral("usage"), object({{QStringLiteral("prompt_tokens"), integer()},
                                                  {QStringLiteral("completion_tokens"), integer()},
                                                  {QStringLiteral("total_tokens"), integer()}})},
                {QStringLiteral("conversation_id"), nullableString()},
                {QStringLiteral("attempts"), integer()},
                {QStringLiteral("cancel_requested"), boolean()},
                {QStringLiteral("created_at"), string()},
                {QStringLiteral("started_at"), nullableString()},
                {QStringLiteral("finished_at"), nullableString()}},
               {QStringLiteral("run_id"), QStringLiteral("tenant_id"), QStringLiteral("flow_type"),
                QStringLiteral("status"), QStringLiteral("created_at")}));
    router.addSchema(QStringLiteral("AuditEntry"),
                     object({{QStringLiteral("id"), integer()},
                             {QStringLiteral("at"), string()},
                             {QStringLiteral("actor_key_id"), nullableString()},
                             {QStringLiteral("actor_name"), string()},
                             {QStringLiteral("action"), string()},
                             {QStringLiteral("tenant_id"), string()},
                             {QStringLiteral("resource"), string()},
                             {QStringLiteral("request_id"), string()}},
                            {QStringLiteral("id"), QStringLiteral("at"), QStringLiteral("action"),
                             QStringLiteral("tenant_id")}));
    router.addSchema(QStringLiteral("UsageRow"),
                     object({{QStringLiteral("day"), string()},
                             {QStringLiteral("provider"), string()},
                             {QStringLiteral("calls"), integer()},
                             {QStringLiteral("errors"), integer()},
                             {QStringLiteral("prompt_tokens"), integer()},
                             {QStringLiteral("completion_tokens"), integer()},
                             {QStringLiteral("total_tokens"), integer()},
                             {QStringLiteral("average_latency_ms"), integer()},
                             {QStringLiteral("cost_usd"),
                              QJsonObject{{QStringLiteral("type"), QStringLiteral("number")},
                                          {QStringLiteral("description"),
                                           QStringLiteral("US dollars, from the price table when each call "
                                                          "was recorded (unpriced calls count 0)")}}},
                             {QStringLiteral("unpriced_calls"), integer()}},
                            {QStringLiteral("day"), QStringLiteral("provider"), QStringLiteral("calls")}));
    router.addSchema(QStringLiteral("LimitStatus"),
                     object({{QStringLiteral("provider"), string()},
                             {QStringLiteral("minute"), windowSchema()},
                             {QStringLiteral("hour"), windowSchema()}},
                            {QStringLiteral("provider"), QStringLiteral("minute"), QStringLiteral("hour")}));
}

namespace examples {

QJsonObject approval()
{
    core::ToolApproval a;
    a.approvalId = QUuid::fromString(QStringLiteral("0b6d7c1e-2f3a-4b5c-9d8e-7f6a5b4c3d2e"));
    a.tenantId = kTenant;
    a.conversationId = kConversation;
    a.flowType = QStringLiteral("github");
    a.toolName = QStringLiteral("create_issue");
    a.arguments = QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/site")},
                              {QStringLiteral("title"), QStringLiteral("Broken link on the home page")}};
    a.toolCallId = QStringLiteral("call_1");
    a.createdAt = kTime;
    a.expiresAt = kTime.addDays(1);
    return json::approval(a);
}

QJsonObject tenant()
{
    core::Tenant t;
    t.tenantId = kTenant;
    t.name = QStringLiteral("Acme Corp");
    t.settings = QJsonObject{{QStringLiteral("default_provider"), QStringLiteral("openai")}};
    t.conversationCount = 12;
    t.createdAt = kTime;
    t.updatedAt = kTime;
    return json::tenant(t);
}

QJsonObject conversation()
{
    core::Conversation c;
    c.conversationId = kConversation;
    c.tenantId = kTenant;
    c.flowType = QStringLiteral("weather");
    c.title = QStringLiteral("Weather in Paris");
    c.messageCount = 4;
    c.createdAt = kTime;
    c.updatedAt = kTime;
    return json::conversation(c);
}

QJsonObject message()
{
    core::Message m;
    m.id = 42;
    m.conversationId = kConversation;
    m.tenantId = kTenant;
    m.flowType = QStringLiteral("weather");
    m.role = core::Role::Assistant;
    m.content = QStringLiteral("It is 18 °C and sunny in Paris.");
    m.createdAt = kTime;
    return json::message(m);
}

QJsonObject run()
{
    core::Run r;
    r.runId = QUuid::fromString(QStringLiteral("0b7e6a43-3f6c-4c8e-9d7b-2a1f0e9d8c7b"));
    r.tenantId = kTenant;
    r.flowType = QStringLiteral("consulting");
    r.input = QStringLiteral("Summarise our Q1 risks.");
    r.status = core::RunStatus::Queued;
    r.createdAt = kTime;
    return json::run(r);
}

QJsonObject auditEntry()
{
    core::AuditEntry e;
    e.id = 7;
    e.at = kTime;
    e.actorKeyId = QStringLiteral("b55d5f51-04fb-4783-b90f-f1c9354b6ecf");
    e.actorName = QStringLiteral("ops");
    e.action = QStringLiteral("conversation.read");
    e.tenantId = kTenant;
    e.resource = QStringLiteral("conversation/") + kConversation.toString(QUuid::WithoutBraces);
    e.requestId = QStringLiteral("trace-42");
    return json::auditEntry(e);
}

QJsonObject usageRow()
{
    core::UsageSummaryRow row;
    row.day = kTime.date();
    row.provider = QStringLiteral("openai");
    row.calls = 10;
    row.errors = 1;
    row.promptTokens = 1200;
    row.completionTokens = 300;
    row.totalTokens = 1500;
    row.averageLatencyMs = 850;
    row.costUsd = 0.00036;
    return json::usageRow(row);
}

QJsonObject limitStatus()
{
    core::LimitStatus s;
    s.tenantId = kTenant;
    s.provider = QStringLiteral("openai");
    s.minute = {90000, 88000, 1300};
    s.hour = {5000000, 4998000, 1500};
    return json::limitStatus(s);
}

} // namespace examples

} // namespace agency::http

// POST /weather/chat and POST /chat/{flow_type}: one chat turn, answered as JSON or, with
// "stream": true, as server-sent events (delta, tool_call, tool_result, done, error).
#include "chatwire.h"
#include "httpserver/ssewriter.h"
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "turncall.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace agency::http {

namespace {

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

/// The SSE answer of one streamed turn. The stream (and its 200) begins with the first event
/// worth sending: a turn refused before that (unknown flow or conversation, rate limit, provider
/// down) is answered with its own status and error body, as without streaming.
class ChatStream
{
public:
    explicit ChatStream(CallPtr call) : m_call(std::move(call)) {}

    void onEvent(const core::TurnEvent &event)
    {
        const QByteArray name = chat::eventName(event);
        if (name.isEmpty() || event.kind == core::TurnEvent::Kind::Error)
            return; // errors are answered from the outcome, which knows the deadline and shutdown
        if (begin())
            m_writer->event(name, compact(chat::eventObject(event)));
    }

    void onDone(const core::Result<core::TurnResult> &result)
    {
        if (!m_writer && !result) {
            m_call->sendError(result.error());
            return;
        }
        if (!begin())
            return;
        if (result)
            m_writer->event(QByteArrayLiteral("done"), compact(chat::responseObject(result.value())));
        else
            m_writer->event(QByteArrayLiteral("error"), compact(chat::errorObject(result.error())));
        m_writer->finish();
    }

private:
    bool begin()
    {
        if (!m_writer) {
            m_writer = httpserver::SseWriter::create(m_call);
            m_writer->start();
        }
        return m_writer->isOpen();
    }

    CallPtr m_call;
    std::shared_ptr<httpserver::SseWriter> m_writer;
};

void runChat(RouteContext &ctx, const CallPtr &call, const QString &flowType)
{
    auto json = call->jsonBody();
    if (!json)
        return call->sendError(json.error());
    auto body = chat::parseChatBody(json.value());
    if (!body)
        return call->sendError(body.error());
    auto tenant = scopeTenant(*call, body->tenantId);
    if (!tenant)
        return call->sendError(tenant.error());
    call->setLogTenant(tenant.value());

    TurnCall turn;
    turn.request.tenantId = tenant.value();
    turn.request.flowType = flowType;
    turn.request.conversationId = body->conversationId;
    turn.request.message = body->message;
    turn.request.provider = body->provider;
    turn.request.model = body->model;
    if (body->stream) {
        auto stream = std::make_shared<ChatStream>(call);
        turn.onEvent = [stream](const core::TurnEvent &event) { stream->onEvent(event); };
        turn.onDone = [stream](const core::Result<core::TurnResult> &result) { stream->onDone(result); };
    } else {
        turn.onDone = [call](const core::Result<core::TurnResult> &result) {
            if (!result)
                return call->sendError(result.error());
            call->sendJson(200, chat::responseObject(result.value()));
        };
    }
    runTurnCall(ctx, call, std::move(turn));
}

QJsonObject property(const QString &type, const QString &description)
{
    return {{QStringLiteral("type"), type}, {QStringLiteral("description"), description}};
}

QJsonObject chatRequestSchema()
{
    return {
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("additionalProperties"), false},
        {QStringLiteral("required"), QJsonArray{QStringLiteral("message")}},
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("message"),
              property(QStringLiteral("string"), QStringLiteral("the user's message"))},
             {QStringLiteral("tenant_id"),
              property(
                  QStringLiteral("string"),
                  QStringLiteral("must match the key's tenant (or be omitted); required for global admins"))},
             {QStringLiteral("conversation_id"),
              property(QStringLiteral("string"), QStringLiteral("continue this conversation (UUID)"))},
             {QStringLiteral("provider"),
              property(QStringLiteral("string"), QStringLiteral("provider name; default: the flow's"))},
             {QStringLiteral("model"),
              property(QStringLiteral("string"), QStringLiteral("model; default: the flow's"))},
             {QStringLiteral("stream"),
              property(QStringLiteral("boolean"),
                       QStringLiteral(
                           "answer as text/event-stream: delta, tool_call, tool_result, done, error"))}}}};
}

QJsonObject usageSchema()
{
    const QJsonObject integer{{QStringLiteral("type"), QStringLiteral("integer")}};
    return {{QStringLiteral("type"), QStringLiteral("object")},
            {QStringLiteral("required"),
             QJsonArray{QStringLiteral("prompt_tokens"), QStringLiteral("completion_tokens"),
                        QStringLiteral("total_tokens")}},
            {QStringLiteral("properties"), QJsonObject{{QStringLiteral("prompt_tokens"), integer},
                                                       {QStringLiteral("completion_tokens"), integer},
                                                       {QStringLiteral("total_tokens"), integer}}}};
}

QJsonObject chatResponseSchema()
{
    const QJsonObject string{{QStringLiteral("type"), QStringLiteral("string")}};
    const QJsonObject toolResult{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("required"),
         QJsonArray{QStringLiteral("tool_call_id"), QStringLiteral("name"), QStringLiteral("arguments"),
                    QStringLiteral("result"), QStringLiteral("success")}},
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("tool_call_id"), string},
             {QStringLiteral("name"), string},
             {QStringLiteral("arguments"), QJsonObject{}},
             {QStringLiteral("result"), QJsonObject{}},
             {QStringLiteral("success"), QJsonObject{{QStringLiteral("type"), QStringLiteral("boolean")}}}}}};
    return {
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("required"),
         QJsonArray{QStringLiteral("response"), QStringLiteral("conversation_id"),
                    QStringLiteral("tool_used"), QStringLiteral("tool_results"), QStringLiteral("usage"),
                    QStringLiteral("provider"), QStringLiteral("model")}},
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("response"), string},
             {QStringLiteral("conversation_id"), string},
             {QStringLiteral("tool_used"), QJsonObject{{QStringLiteral("type"), QStringLiteral("boolean")}}},
             {QStringLiteral("tool_results"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")},
                                                          {QStringLiteral("items"), toolResult}}},
             // The passages the answer cites as [n] (search_documents), also in the message's metadata.
             {QStringLiteral("citations"), oa::array(oa::ref(QStringLiteral("Citation")))},
             // Present when the turn paused: these calls wait for a tenant admin's decision
             // (POST /approvals/{id}/approve | reject); `response` says so in words.
             {QStringLiteral("approvals"), oa::array(oa::ref(QStringLiteral("Approval")))},
             {QStringLiteral("usage"), oa::ref(QStringLiteral("Usage"))},
             {QStringLiteral("provider"), string},
             {QStringLiteral("model"), string}}}};
}

QJsonObject chatExample()
{
    return {
        {QStringLiteral("response"), QStringLiteral("It is 21 \u00b0C and sunny in Rome.")},
        {QStringLiteral("conversation_id"), QStringLiteral("6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f")},
        {QStringLiteral("tool_used"), true},
        {QStringLiteral("tool_results"),
         QJsonArray{QJsonObject{
             {QStringLiteral("tool_call_id"), QStringLiteral("call_1")},
             {QStringLiteral("name"), QStringLiteral("get_weather")},
             {QStringLiteral("arguments"), QJsonObject{{QStringLiteral("location"), QStringLiteral("Rome")}}},
             {QStringLiteral("result"),
              QJsonObject{{QStringLiteral("success"), true}, {QStringLiteral("temperature"), 21}}},
             {QStringLiteral("success"), true}}}},
        {QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), 120},
                                              {QStringLiteral("completion_tokens"), 18},
                                              {QStringLiteral("total_tokens"), 138}}},
        {QStringLiteral("provider"), QStringLiteral("openai")},
        {QStringLiteral("model"), QStringLiteral("gpt-4o-mini")}};
}

QJsonObject chatOperation(const QString &summary, bool flowParameter)
{
    QJsonObject responses{
        {QStringLiteral("200"),
         QJsonObject{
             {QStringLiteral("description"),
              QStringLiteral(
                  "the answer; with \"stream\": true a text/event-stream of delta, tool_call, "
                  "tool_result, approval_required (an Approval: the call waits for a tenant admin) "
                  "and done (carrying this object) or error events")},
             {QStringLiteral("content"),
              QJsonObject{
                  {QStringLiteral("application/json"),
                   QJsonObject{{QStringLiteral("schema"), oa::ref(QStringLiteral("ChatResponse"))},
                               {QStringLiteral("example"), chatExample()}}},
                  {QStringLiteral("text/event-stream"),
                   QJsonObject{{QStringLiteral("schema"),
                                QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}}}}}}}}};
    QJsonObject operation = oa::operation(summary, QStringLiteral("chat"), responses);
    operation.insert(
        QStringLiteral("requestBody"),
        QJsonObject{
            {QStringLiteral("required"), true},
            {QStringLiteral("content"),
             QJsonObject{{QStringLiteral("application/json"),
                          QJsonObject{{QStringLiteral("schema"), oa::ref(QStringLiteral("ChatRequest"))},
                                      {QStringLiteral("example"),
                                       QJsonObject{{QStringLiteral("message"),
                                                    QStringLiteral("What is the weather in Rome?")}}}}}}}});
    if (flowParameter) {
        operation.insert(
            QStringLiteral("parameters"),
            QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("flow_type")},
                                   {QStringLiteral("in"), QStringLiteral("path")},
                                   {QStringLiteral("required"), true},
                                   {QStringLiteral("schema"),
                                    QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}}}});
    }
    return operation;
}

} // namespace

void registerChatRoutes(Router &router, RouteContext &ctx)
{
    router.addSchema(QStringLiteral("ChatRequest"), chatRequestSchema());
    router.addSchema(QStringLiteral("ChatResponse"), chatResponseSchema());
    router.addSchema(QStringLiteral("Usage"), usageSchema());
    router.add({"POST",
                QStringLiteral("/weather/chat"),
                Access::Member,
                [&ctx](const CallPtr &call) { runChat(ctx, call, QStringLiteral("weather")); },
                withIdempotencyKey(chatOperation(QStringLiteral("Chat with the weather agent"), false)),
                {}});
    router.add(
        {"POST",
         QStringLiteral("/chat/{flow_type}"),
         Access::Member,
         [&ctx](const CallPtr &call) { runChat(ctx, call, call->pathParam(QStringLiteral("flow_type"))); },
         withIdempotencyKey(chatOperation(QStringLiteral("Chat with any flow"), true)),
         {}});
}

} // namespace agency::http

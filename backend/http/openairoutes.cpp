// GET /v1/models and POST /v1/chat/completions: the agency's flows behind OpenAI's
// chat-completions API, so any OpenAI client can use them. The flows' tools run here; every
// exchange is stored as a conversation, named by the X-Conversation-Id response header.
#include "openairoutes.h"
#include "chatwire.h"
#include "httpserver/errorbody.h"
#include "httpserver/ssewriter.h"
#include "openaicompat.h"
#include "openaischemas.h"
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "service/agencyservice.h"
#include "turncall.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace agency::http {

namespace {

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray idText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces).toLatin1();
}

/// The streamed answer: chat.completion.chunk objects as data-only events, then `data: [DONE]`.
/// As with the chat routes, the stream begins with the first text, so a turn refused before it
/// gets its own status and OpenAI's error body. An error after that is a data event holding the
/// error object (what OpenAI's SDKs raise from), and the stream ends without [DONE].
class CompletionStream
{
public:
    CompletionStream(CallPtr call, openai::CompletionIdentity identity, bool includeUsage)
        : m_call(std::move(call)), m_identity(std::move(identity)), m_includeUsage(includeUsage)
    {
    }

    void onEvent(const core::TurnEvent &event)
    {
        if (event.kind == core::TurnEvent::Kind::Started)
            m_conversationId = event.conversationId;
        // Tool calls ran here, not in the client: only text goes out.
        if (event.kind == core::TurnEvent::Kind::TextDelta && !event.text.isEmpty() && begin()) {
            m_writer->data(compact(openai::chunkObject(m_identity, event.text, false, {}, m_includeUsage)));
            m_textSent = true;
        }
    }

    void onDone(const core::Result<core::TurnResult> &result)
    {
        if (!m_writer && !result) {
            m_call->sendError(result.error());
            return;
        }
        if (result)
            m_conversationId = result->conversationId;
        if (!begin())
            return;
        if (!result) {
            m_writer->data(compact(openai::errorObject(result.error())));
            m_writer->finish();
            return;
        }
        if (!m_textSent) // a provider that did not stream: the answer in one piece
            m_writer->data(
                compact(openai::chunkObject(m_identity, result->content, false, {}, m_includeUsage)));
        else if (!result->approvals.isEmpty()) // paused: what waits for approval, after what streamed
            m_writer->data(compact(openai::chunkObject(m_identity, QStringLiteral("\n\n") + result->content,
                                                       false, {}, m_includeUsage)));
        m_writer->data(compact(openai::chunkObject(
            m_identity, {}, false,
            result->finishReason.isEmpty() ? QStringLiteral("stop") : result->finishReason, m_includeUsage)));
        if (m_includeUsage)
            m_writer->data(compact(openai::usageChunkObject(m_identity, result->usage)));
        m_writer->data(QByteArrayLiteral("[DONE]"));
        m_writer->finish();
    }

private:
    /// Starts the stream with the chunk that names the role; false once the client is gone.
    bool begin()
    {
        if (!m_writer) {
            m_writer = httpserver::SseWriter::create(m_call);
            httpserver::Headers headers;
            if (!m_conversationId.isNull())
                headers.append({kConversationHeader, idText(m_conversationId)});
            m_writer->start(headers);
            m_writer->data(compact(openai::chunkObject(m_identity, {}, true, {}, m_includeUsage)));
        }
        return m_writer->isOpen();
    }

    CallPtr m_call;
    openai::CompletionIdentity m_identity;
    bool m_includeUsage = false;
    bool m_textSent = false;
    QUuid m_conversationId;
    std::shared_ptr<httpserver::SseWriter> m_writer;
};

void completions(RouteContext &ctx, const CallPtr &call)
{
    auto json = call->jsonBody();
    if (!json)
        return call->sendError(json.error());
    auto parsed = openai::parseChatCompletionRequest(json.value());
    if (!parsed)
        return call->sendError(parsed.error());
    // A tenant key chats in its own tenant; a global admin names one with X-Tenant-Id (OpenAI's
    // body has no place for it, and SDKs can send default headers).
    auto tenant = scopeTenant(*call, QString::fromUtf8(call->header(QByteArrayLiteral("X-Tenant-Id"))));
    if (!tenant)
        return call->sendError(tenant.error());
    call->setLogTenant(tenant.value());

    const QByteArray header = call->header(kConversationHeader);
    const QString continued = header.isEmpty() ? parsed->conversationId : QString::fromUtf8(header);
    auto conversationId = parseId(continued, header.isEmpty() ? QStringLiteral("metadata.conversation_id")
                                                              : QStringLiteral("X-Conversation-Id"));
    if (!conversationId)
        return call->sendError(conversationId.error());

    TurnCall turn;
    turn.request.tenantId = tenant.value();
    turn.request.flowType = parsed->flowType;
    turn.request.conversationId = conversationId.value();
    turn.request.message = parsed->userMessage;
    turn.request.responseFormat = parsed->responseFormat;
    // Continuing: the stored conversation is the history. New: the client's messages are.
    if (conversationId->isNull())
        turn.history = parsed->history;
    const auto identity = openai::newCompletionIdentity(parsed->flowType, QDateTime::currentSecsSinceEpoch());
    if (parsed->stream) {
        auto stream = std::make_shared<CompletionStream>(call, identity, parsed->includeUsage);
        turn.onEvent = [stream](const core::TurnEvent &event) { stream->onEvent(event); };
        turn.onDone = [stream](const core::Result<core::TurnResult> &result) { stream->onDone(result); };
    } else {
        turn.onDone = [call, identity](const core::Result<core::TurnResult> &result) {
            if (!result)
                return call->sendError(result.error());
            call->sendJson(
                200, openai::completionObject(identity, result->content, result->finishReason, result->usage),
                {{kConversationHeader, idText(result->conversationId)}});
        };
    }
    runTurnCall(ctx, call, std::move(turn));
}

/// The request members OpenAI documents, each described as this server treats it; any other is
/// refused (additionalProperties: false).
QJsonObject chatCompletionRequestSchema()
{
    const auto described = [](QJsonObject schema, const QString &description) {
        schema.insert(QStringLiteral("description"), description);
        return schema;
    };
    QJsonObject properties{
        {QStringLiteral("model"), described(oa::string(), QStringLiteral("The flow type to chat with."))},
        {QStringLiteral("messages"),
         described(oa::array(oa::anyObject()),
                   QStringLiteral("The conversation so far, ending with the user's message. Only text "
                                  "content; no tool messages or assistant tool calls."))},
        {QStringLiteral("stream"),
         described(oa::boolean(), QStringLiteral("Answer as chat.completion.chunk server-sent events."))},
        {QStringLiteral("stream_options"),
         described(oa::closed(oa::object({{QStringLiteral("include_usage"), oa::boolean()},
                                          {QStringLiteral("include_obfuscation"), oa::boolean()}})),
                   QStringLiteral("include_usage adds a last chunk with the usage; include_obfuscation "
                                  "is accepted and ignored."))},
        {QStringLiteral("metadata"),
         described(oa::anyObject(), QStringLiteral("metadata.conversation_id continues a stored "
                                                   "conversation; other members are ignored."))},
        {QStringLiteral("n"), described(oa::integer(), QStringLiteral("Only 1 is supported."))},
        {QStringLiteral("tools"),
         described(oa::array(oa::anyObject()), QStringLiteral("Refused unless empty: each flow has its own "
                                                              "tools, which run on the server."))},
        {QStringLiteral("functions"),
         described(oa::array(oa::anyObject()), QStringLiteral("Refused unless empty, as tools."))},
        {QStringLiteral("response_format"), oa::ref(QStringLiteral("OpenAiResponseFormat"))}};
    for (const QString &field : openai::ignoredChatCompletionFields()) {
        properties.insert(field, QJsonObject{{QStringLiteral("description"),
                                              QStringLiteral("Accepted and ignored: the flow decides its "
                                                             "provider's settings.")}});
    }
    return oa::closed(oa::object(properties, {QStringLiteral("model"), QStringLiteral("messages")}));
}

} // namespace

httpserver::RenderedError renderOpenAiError(const core::Error &error)
{
    httpserver::RenderedError rendered;
    rendered.status = openai::statusFor(error);
    if (error.code == core::ErrorCode::Cancelled)
        rendered.status = httpserver::statusForError(error);
    rendered.body = compact(openai::errorObject(error));
    rendered.headers = httpserver::rateLimitHeaders(error);
    return rendered;
}

QJsonObject openAiOperation(const QString &summary, const QString &schema, const QJsonObject &example,
                            const QString &streamSchema)
{
    QJsonObject content{
        {QStringLiteral("application/json"),
         QJsonObject{{QStringLiteral("schema"), oa::ref(schema)}, {QStringLiteral("example"), example}}}};
    QString description = QStringLiteral("OpenAI's shape");
    if (!streamSchema.isEmpty()) {
        // With stream: true the same status carries server-sent events, each event's data one
        // `streamSchema` object.
        content.insert(QStringLiteral("text/event-stream"),
                       QJsonObject{{QStringLiteral("schema"), oa::ref(streamSchema)}});
        description = QStringLiteral("OpenAI's shape: JSON, or with stream: true server-sent events");
    }
    return oa::operation(summary, QStringLiteral("openai"),
                         {{QStringLiteral("200"), QJsonObject{{QStringLiteral("description"), description},
                                                              {QStringLiteral("content"), content}}}});
}

void registerOpenAiRoutes(Router &router, RouteContext &ctx)
{
    const qint64 started = QDateTime::currentSecsSinceEpoch();
    router.setPrefixErrorRenderer(QStringLiteral("/v1/"), renderOpenAiError);
    addOpenAiSchemas(router);
    router.addSchema(QStringLiteral("OpenAiChatCompletionRequest"), chatCompletionRequestSchema());

    router.add(
        {"GET", QStringLiteral("/v1/models"), Access::Member,
         [&ctx, started](const CallPtr &call) {
             QStringList flowTypes;
             for (const auto &flow : ctx.service().flows())
                 flowTypes.append(flow.flowType);
             call->sendJson(200, openai::modelListObject(flowTypes, started, QStringLiteral("agency")));
         },
         openAiOperation(
             QStringLiteral("The flows as OpenAI models (id = flow_type)"), QStringLiteral("OpenAiModelList"),
             openai::modelListObject({QStringLiteral("weather")}, 1700000000, QStringLiteral("agency"))),
         renderOpenAiError});

    router.add(
        {"GET", QStringLiteral("/v1/models/{id}"), Access::Member,
         [&ctx, started](const CallPtr &call) {
             const QString id = call->pathParam(QStringLiteral("id"));
             for (const auto &flow : ctx.service().flows()) {
                 if (flow.flowType == id)
                     return call->sendJson(200, openai::modelObject(id, started, QStringLiteral("agency")));
             }
             call->sendError(core::makeError(
                 core::ErrorCode::NotFound,
                 QStringLiteral("The model \"%1\" does not exist: the models are the flows (GET /v1/models)")
                     .arg(id),
                 {{QStringLiteral("flow_type"), id}, {QStringLiteral("param"), QStringLiteral("model")}}));
         },
         openAiOperation(
             QStringLiteral("One flow as an OpenAI model; 404 model_not_found for an unknown id"),
             QStringLiteral("OpenAiModel"),
             openai::modelObject(QStringLiteral("weather"), 1700000000, QStringLiteral("agency"))),
         renderOpenAiError});

    QJsonObject completion = openAiOperation(
        QStringLiteral("OpenAI-compatible chat: model = flow_type; X-Conversation-Id or "
                       "metadata.conversation_id continues a stored conversation"),
        QStringLiteral("OpenAiChatCompletion"),
        openai::completionObject({QStringLiteral("chatcmpl-0"), 1700000000, QStringLiteral("weather")},
                                 QStringLiteral("Sunny."), QStringLiteral("stop"), {12, 3, 15}),
        QStringLiteral("OpenAiChatCompletionChunk"));
    completion.insert(
        QStringLiteral("requestBody"),
        QJsonObject{
            {QStringLiteral("required"), true},
            {QStringLiteral("content"),
             QJsonObject{
                 {QStringLiteral("application/json"),
                  QJsonObject{
                      {QStringLiteral("schema"), oa::ref(QStringLiteral("OpenAiChatCompletionRequest"))},
                      {QStringLiteral("example"),
                       QJsonObject{{QStringLiteral("model"), QStringLiteral("weather")},
                                   {QStringLiteral("messages"),
                                    QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                           {QStringLiteral("content"),
                                                            QStringLiteral("Weather in Rome?")}}}}}}}}}}});
    router.add({"POST", QStringLiteral("/v1/chat/completions"), Access::Member,
                [&ctx](const CallPtr &call) { completions(ctx, call); }, withIdempotencyKey(completion),
                renderOpenAiError});
    registerResponsesRoutes(router, ctx);
}

} // namespace agency::http

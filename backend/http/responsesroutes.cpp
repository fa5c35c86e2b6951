// POST /v1/responses and GET /v1/responses/{id}: the agency's flows behind OpenAI's Responses
// API. Each response is one stored turn, run like a chat completion (the model names the flow,
// its tools run here); its id names the conversation and the turn's user message, so
// previous_response_id continues that conversation and GET reads the turn back.
#include "core/limits.h"
#include "httpserver/ssewriter.h"
#include "openaicompat.h"
#include "openairoutes.h"
#include "openapi.h"
#include "requestparsing.h"
#include "responsescompat.h"
#include "service/agencyservice.h"
#include "turncall.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace agency::http {

namespace {

using openai::ResponseSnapshot;

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray idText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces).toLatin1();
}

qint64 nowSecs()
{
    return QDateTime::currentSecsSinceEpoch();
}

/// The snapshot of a finished turn.
void complete(ResponseSnapshot &snapshot, const core::TurnResult &result)
{
    snapshot.ref.conversationId = result.conversationId;
    if (!result.messages.isEmpty() && snapshot.ref.userMessageId == 0)
        snapshot.ref.userMessageId = result.messages.constFirst().id;
    snapshot.status = QStringLiteral("completed");
    snapshot.completedAt = nowSecs();
    snapshot.text = result.content;
    snapshot.finishReason = result.finishReason;
    snapshot.usage = result.usage;
    snapshot.hasUsage = true;
}

/// The streamed response: Responses API events, named as OpenAI names them. As on
/// /v1/chat/completions the stream begins with the first text, so a turn refused before it gets
/// its own status and OpenAI's error body; a failure after that is response.failed.
class ResponseStream
{
public:
    ResponseStream(CallPtr call, ResponseSnapshot snapshot)
        : m_call(std::move(call)), m_snapshot(std::move(snapshot))
    {
    }

    void onEvent(const core::TurnEvent &event)
    {
        if (event.kind == core::TurnEvent::Kind::Started) {
            m_snapshot.ref.conversationId = event.conversationId;
            m_snapshot.ref.userMessageId = event.messageId;
        }
        if (event.kind == core::TurnEvent::Kind::TextDelta && !event.text.isEmpty() && begin()) {
            sendDelta(event.text);
            m_textSent = true;
        }
    }

    void onDone(const core::Result<core::TurnResult> &result)
    {
        if (!m_writer && !result) {
            m_call->sendError(result.error());
            return;
        }
        if (!begin())
            return;
        if (!result) {
            m_snapshot.status = QStringLiteral("failed");
            m_snapshot.error = result.error();
            send(QStringLiteral("response.failed"),
                 {{QStringLiteral("response"), openai::responseObject(m_snapshot)}});
            m_writer->finish();
            return;
        }
        complete(m_snapshot, result.value());
        if (!m_textSent && !m_snapshot.text.isEmpty()) // a provider that did not stream
            sendDelta(m_snapshot.text);
        send(QStringLiteral("response.output_text.done"),
             {{QStringLiteral("item_id"), openai::outputItemId(m_snapshot.ref)},
              {QStringLiteral("output_index"), 0},
              {QStringLiteral("content_index"), 0},
              {QStringLiteral("text"), m_snapshot.text},
              {QStringLiteral("logprobs"), QJsonArray{}}});
        send(QStringLiteral("response.content_part.done"),
             {{QStringLiteral("item_id"), openai::outputItemId(m_snapshot.ref)},
              {QStringLiteral("output_index"), 0},
              {QStringLiteral("content_index"), 0},
              {QStringLiteral("part"), openai::outputTextPart(m_snapshot.text)}});
        send(QStringLiteral("response.output_item.done"),
             {{QStringLiteral("output_index"), 0},
              {QStringLiteral("item"), openai::outputItem(m_snapshot, QStringLiteral("completed"))}});
        const QJsonObject response = openai::responseObject(m_snapshot);
        send(response.value(QStringLiteral("status")).toString() == QLatin1String("incomplete")
                 ? QStringLiteral("response.incomplete")
                 : QStringLiteral("response.completed"),
             {{QStringLiteral("response"), response}});
        m_writer->finish();
    }

private:
    void send(const QString &type, QJsonObject fields)
    {
        const QJsonObject event = m_sequence.event(type, std::move(fields));
        m_writer->event(type.toLatin1(), compact(event));
    }

    void sendDelta(const QString &text)
    {
        send(QStringLiteral("response.output_text.delta"),
             {{QStringLiteral("item_id"), openai::outputItemId(m_snapshot.ref)},
              {QStringLiteral("output_index"), 0},
              {QStringLiteral("content_index"), 0},
              {QStringLiteral("delta"), text},
              {QStringLiteral("logprobs"), QJsonArray{}}});
    }

    /// Starts the stream: the response in progress, its message item and text part.
    bool begin()
    {
        if (!m_writer) {
            m_writer = httpserver::SseWriter::create(m_call);
            m_writer->start({{kConversationHeader, idText(m_snapshot.ref.conversationId)}});
            const QJsonObject response = openai::responseObject(m_snapshot);
            send(QStringLiteral("response.created"), {{QStringLiteral("response"), response}});
            send(QStringLiteral("response.in_progress"), {{QStringLiteral("response"), response}});
            send(QStringLiteral("response.output_item.added"),
                 {{QStringLiteral("output_index"), 0},
                  {QStringLiteral("item"), openai::outputItem(m_snapshot, QStringLiteral("in_progress"))}});
            send(QStringLiteral("response.content_part.added"),
                 {{QStringLiteral("item_id"), openai::outputItemId(m_snapshot.ref)},
                  {QStringLiteral("output_index"), 0},
                  {QStringLiteral("content_index"), 0},
                  {QStringLiteral("part"), openai::outputTextPart({})}});
        }
        return m_writer->isOpen();
    }

    CallPtr m_call;
    ResponseSnapshot m_snapshot;
    openai::ResponseEventSequence m_sequence;
    bool m_textSent = false;
    std::shared_ptr<httpserver::SseWriter> m_writer;
};

core::Result<QString> callTenantFromHeader(const CallPtr &call)
{
    // As on /v1/chat/completions: a tenant key acts in its own tenant; a global admin names one
    // with X-Tenant-Id.
    return scopeTenant(*call, QString::fromUtf8(call->header(QByteArrayLiteral("X-Tenant-Id"))));
}

void create(RouteContext &ctx, const CallPtr &call)
{
    auto json = call->jsonBody();
    if (!json)
        return call->sendError(json.error());
    auto parsed = openai::parseResponseRequest(json.value());
    if (!parsed)
        return call->sendError(parsed.error());
    auto tenant = callTenantFromHeader(call);
    if (!tenant)
        return call->sendError(tenant.error());
    call->setLogTenant(tenant.value());

    QUuid conversationId;
    if (!parsed->previousResponseId.isEmpty()) {
        auto ref =
            openai::parseResponseId(parsed->previousResponseId, QStringLiteral("previous_response_id"));
        if (!ref)
            return call->sendError(ref.error());
        conversationId = ref->conversationId;
    } else if (!parsed->conversationId.isEmpty()) {
        auto id = parseId(parsed->conversationId, QStringLiteral("conversation"));
        if (!id)
            return call->sendError(id.error());
        conversationId = id.value();
    }

    TurnCall turn;
    turn.request.tenantId = tenant.value();
    turn.request.flowType = parsed->flowType;
    turn.request.conversationId = conversationId;
    turn.request.message = parsed->userMessage;
    turn.request.responseFormat = parsed->format;
    if (conversationId.isNull())
        turn.history = parsed->history;

    ResponseSnapshot snapshot;
    snapshot.createdAt = nowSecs();
    snapshot.model = parsed->flowType;
    snapshot.status = QStringLiteral("in_progress");
    snapshot.instructions = parsed->instructions;
    snapshot.previousResponseId = parsed->previousResponseId;
    snapshot.format = parsed->format;
    if (parsed->stream) {
        auto stream = std::make_shared<ResponseStream>(call, snapshot);
        turn.onEvent = [stream](const core::TurnEvent &event) { stream->onEvent(event); };
        turn.onDone = [stream](const core::Result<core::TurnResult> &result) { stream->onDone(result); };
    } else {
        turn.onDone = [call, snapshot](const core::Result<core::TurnResult> &result) mutable {
            if (!result)
                return call->sendError(result.error());
            complete(snapshot, result.value());
            call->sendJson(200, openai::responseObject(snapshot),
                           {{kConversationHeader, idText(result->conversationId)}});
        };
    }
    runTurnCall(ctx, call, std::move(turn));
}

/// Reading a response back: the conversation's messages, page by page, up to the turn's user
/// message and on to the next one; the turn's answer is its last assistant message without tool
/// calls.
struct ResponseLookup
{
    RouteContext *ctx = nullptr;
    CallPtr call;
    QString tenantId;
    openai::ResponseRef ref;
    bool foundUser = false;
    std::optional<core::Message> user;
    std::optional<core::Message> answer;
};

void answerLookup(const std::shared_ptr<ResponseLookup> &lookup)
{
    if (!lookup->user) {
        return lookup->call->sendError(core::makeError(
            core::ErrorCode::NotFound,
            QStringLiteral("No response found with id \"%1\"").arg(openai::responseId(lookup->ref)),
            {{QStringLiteral("param"), QStringLiteral("response_id")}}));
    }
    ResponseSnapshot snapshot;
    snapshot.ref = lookup->ref;
    snapshot.createdAt = lookup->user->createdAt.toSecsSinceEpoch();
    snapshot.model = lookup->user->flowType;
    if (!lookup->answer) {
        // The turn failed (nothing after its message is stored) or is still running.
        snapshot.status = QStringLiteral("failed");
        snapshot.error = core::makeError(core::ErrorCode::Internal,
                                         QStringLiteral("no answer is stored for this response: its turn "
                                                        "failed, or is still running"));
        return lookup->call->sendJson(200, openai::responseObject(snapshot));
    }
    const QJsonObject metadata = lookup->answer->metadata;
    snapshot.status = QStringLiteral("completed");
    snapshot.completedAt = lookup->answer->createdAt.toSecsSinceEpoch();
    snapshot.text = lookup->answer->content;
    snapshot.finishReason = metadata.value(QStringLiteral("finish_reason")).toString();
    const QJsonObject usage = metadata.value(QStringLiteral("turn_usage")).toObject();
    snapshot.hasUsage = !usage.isEmpty();
    snapshot.usage = {usage.value(QStringLiteral("prompt_tokens")).toInteger(),
                      usage.value(QStringLiteral("completion_tokens")).toInteger(),
                      usage.value(QStringLiteral("total_tokens")).toInteger()};
    lookup->call->sendJson(200, openai::responseObject(snapshot),
                           {{kConversationHeader, idText(lookup->ref.conversationId)}});
}

void readPage(const std::shared_ptr<ResponseLookup> &lookup, const QString &cursor)
{
    const QString conversation = lookup->ref.conversationId.toString(QUuid::WithoutBraces);
    lookup->ctx->then(lookup->call,
                      lookup->ctx->service().listMessages(lookup->tenantId, conversation,
                                                          core::limits::kMaxPageSize, cursor),
                      [lookup](const core::Page<core::Message> &page) {
                          for (const core::Message &message : page.items) {
                              if (!lookup->user) {
                                  if (message.id == lookup->ref.userMessageId &&
                                      message.role == core::Role::User)
                                      lookup->user = message;
                                  continue;
                              }
                              if (message.role == core::Role::User)
                                  return answerLookup(lookup);
                              if (message.role == core::Role::Assistant && message.toolCalls.isEmpty())
                                  lookup->answer = message;
                          }
                          if (page.nextCursor.isEmpty())
                              return answerLookup(lookup);
                          readPage(lookup, page.nextCursor);
                      });
}

void retrieve(RouteContext &ctx, const CallPtr &call)
{
    auto tenant = callTenantFromHeader(call);
    if (!tenant)
        return call->sendError(tenant.error());
    call->setLogTenant(tenant.value());
    auto ref = openai::parseResponseId(call->pathParam(QStringLiteral("id")), QStringLiteral("response_id"));
    if (!ref) {
        core::Error error = ref.error();
        error.code = core::ErrorCode::NotFound; // as OpenAI answers an id it does not know
        return call->sendError(error);
    }
    auto lookup = std::make_shared<ResponseLookup>();
    lookup->ctx = &ctx;
    lookup->call = call;
    lookup->tenantId = tenant.value();
    lookup->ref = ref.value();
    readPage(lookup, {});
}

} // namespace

void registerResponsesRoutes(Router &router, RouteContext &ctx)
{
    ResponseSnapshot example;
    example.ref = {QUuid(QStringLiteral("{3f2a1c9e-8b7d-4e6f-a5c4-1b2d3e4f5a6b}")), 42};
    example.createdAt = 1700000000;
    example.completedAt = 1700000002;
    example.model = QStringLiteral("weather");
    example.status = QStringLiteral("completed");
    example.text = QStringLiteral("Sunny, 24 °C.");
    example.finishReason = QStringLiteral("stop");
    example.usage = {12, 3, 15};
    example.hasUsage = true;
    const QJsonObject exampleResponse = openai::responseObject(example);

    QJsonObject post = openAiOperation(
        QStringLiteral("OpenAI Responses API: model = flow_type; previous_response_id or conversation "
                       "continues a stored conversation; stream: true answers Responses stream events"),
        QStringLiteral("OpenAiResponse"), exampleResponse, QStringLiteral("OpenAiResponseStreamEvent"));
    post.insert(QStringLiteral("requestBody"),
                oa::jsonBody(oa::ref(QStringLiteral("OpenAiCreateResponse")),
                             QJsonObject{{QStringLiteral("model"), QStringLiteral("weather")},
                                         {QStringLiteral("input"), QStringLiteral("Weather in Rome?")}}));
    router.add({"POST", QStringLiteral("/v1/responses"), Access::Member,
                [&ctx](const CallPtr &call) { create(ctx, call); }, withIdempotencyKey(post),
                renderOpenAiError});
    router.add({"GET", QStringLiteral("/v1/responses/{id}"), Access::Member,
                [&ctx](const CallPtr &call) { retrieve(ctx, call); },
                openAiOperation(QStringLiteral("A stored response (one turn of a conversation)"),
                                QStringLiteral("OpenAiResponse"), exampleResponse),
                renderOpenAiError});
}

} // namespace agency::http

#pragma once

// The OpenAI Responses API as a server speaks it (POST /v1/responses, GET /v1/responses/{id}):
// request parsing, response ids, the Response object and its stream events. Pure functions over
// plain values, tested against OpenAI's published schemas (CreateResponse, Response,
// ResponseStreamEvent in openai-openapi.yaml).
//
// A response is one stored turn: its id names the conversation and the user message the turn
// began with, so no table is needed to find it again, and reading it is scoped to the caller's
// tenant like any conversation.

#include "core/error.h"
#include "core/message.h"
#include "core/responseformat.h"
#include "core/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUuid>

namespace agency::http::openai {

/// A validated POST /v1/responses body.
struct ResponseRequest
{
    QString flowType;                 ///< `model`
    QList<core::ChatMessage> history; ///< a new conversation's instructions and earlier input items
    QString userMessage;              ///< the last input item, which must be the user's
    QString instructions;             ///< as given (echoed in the Response)
    bool stream = false;
    QString previousResponseId;  ///< as given; continuing reads its conversation
    QString conversationId;      ///< `conversation` (a string or {"id"}); empty when absent
    core::ResponseFormat format; ///< text.format
};

/// The members this server reads (model, input, instructions, stream, stream_options,
/// previous_response_id, conversation, text) or checks to refuse what it cannot do (tools,
/// tool_choice, background, prompt).
QStringList readResponseFields();
/// The rest of CreateResponse's documented members: accepted and ignored, because the flow
/// decides its provider's settings and every turn is stored.
QStringList ignoredResponseFields();

/// Validates a request body; everything wrong is BadRequest naming the member in `param`:
/// a missing model or input, input items other than text messages (function calls and their
/// outputs, item references, images, files), a last item that is not a user message,
/// client-side tools, background mode, prompt templates, and undocumented members. Continuing a
/// conversation (previous_response_id or conversation, not both) takes one new user message and
/// no instructions: the stored conversation already holds its own.
core::Result<ResponseRequest> parseResponseRequest(const QJsonObject &body);

/// The stored turn a response id names.
struct ResponseRef
{
    QUuid conversationId;
    qint64 userMessageId = 0; ///< the message the turn began with
};

/// "resp_" + 32 hex digits of the conversation id + 16 of the message id.
QString responseId(const ResponseRef &ref);
/// The output message item's id: "msg_" + the same digits.
QString outputItemId(const ResponseRef &ref);
/// Reads a response id exactly; BadRequest naming `param` for anything else, or for a
/// well-formed id whose parts are not a conversation and a message (NotFound would say the
/// same for every tenant).
core::Result<ResponseRef> parseResponseId(const QString &id, const QString &param);

/// What a Response object says.
struct ResponseSnapshot
{
    ResponseRef ref;
    qint64 createdAt = 0;   ///< Unix seconds
    qint64 completedAt = 0; ///< 0 while not completed
    QString model;          ///< the flow type
    QString status;         ///< in_progress, completed, incomplete, failed
    QString text;           ///< the answer so far
    QString finishReason;   ///< ours; length or content_filter make the response incomplete
    core::Usage usage;
    bool hasUsage = false;
    QString instructions;
    QString previousResponseId;
    core::ResponseFormat format;
    core::Error error; ///< status failed
};

/// The Response object: output holds one assistant message with one output_text part (the
/// flow's tool calls ran on the server and are not the client's to answer).
QJsonObject responseObject(const ResponseSnapshot &snapshot);
/// The output message item, `status` in_progress or completed.
QJsonObject outputItem(const ResponseSnapshot &snapshot, const QString &status);
/// {"type": "output_text", "text", "annotations": [], "logprobs": []}.
QJsonObject outputTextPart(const QString &text);
/// ResponseError.code for one of our errors: rate_limit_exceeded, invalid_prompt, server_error.
QString responseErrorCode(const core::Error &error);

/// Numbers stream events: each gets its `type` and the next `sequence_number` from 0.
class ResponseEventSequence
{
public:
    QJsonObject event(const QString &type, QJsonObject fields);

private:
    qint64 m_next = 0;
};

} // namespace agency::http::openai

#pragma once

// The OpenAI chat-completions wire format as a server speaks it (POST /v1/chat/completions,
// GET /v1/models): request parsing and validation, response, chunk, model-list and error
// objects. Pure functions over plain values, so they are tested against OpenAI's published
// schemas without a network. Field names follow openai-openapi.yaml (CreateChatCompletionRequest,
// CreateChatCompletionResponse, CreateChatCompletionStreamResponse, ListModelsResponse,
// ErrorResponse).

#include "core/error.h"
#include "core/message.h"
#include "core/responseformat.h"
#include "core/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace agency::http::openai {

/// A validated POST /v1/chat/completions body.
struct ChatCompletionRequest
{
    QString flowType;                 ///< `model`: the agency's flows are the models
    QList<core::ChatMessage> history; ///< every message before the last one (system, user, assistant)
    QString userMessage;              ///< the last message, which must be the user's
    bool stream = false;
    bool includeUsage = false;           ///< stream_options.include_usage
    QString conversationId;              ///< metadata.conversation_id; empty when absent
    core::ResponseFormat responseFormat; ///< response_format; Text when absent
};

/// A response format as OpenAI documents it: {"type": "text" | "json_object" | "json_schema"},
/// with json_schema's {name, description, schema, strict} inside `json_schema` (chat
/// completions' response_format) or beside `type` (`flat`: the Responses API's text.format).
/// BadRequest naming `param` (or the member inside it) for anything else. The schema itself is
/// checked when the turn starts (422 naming response_format).
core::Result<core::ResponseFormat> parseResponseFormat(const QJsonValue &value, const QString &param,
                                                       bool flat);

/// The members of a request body this server reads: model, messages, stream, stream_options,
/// metadata, response_format, and n, tools and functions (to refuse what it cannot do).
QStringList readChatCompletionFields();
/// The rest of OpenAI's documented request members (CreateChatCompletionRequest): accepted and
/// ignored, because the flow decides its provider's settings (temperature, max_tokens, …).
QStringList ignoredChatCompletionFields();
/// The members of `stream_options` (ChatCompletionStreamOptions); include_obfuscation is ignored.
QStringList streamOptionsFields();

/// Validates a request body. Everything wrong is BadRequest (OpenAI answers 400 to invalid
/// requests) with details {"param": the offending field}: a missing or empty `model` or
/// `messages`, an unknown role, non-text content parts, a last message that is not the user's,
/// `n` other than 1, and client-side tools (`tools`, `functions`, tool messages or assistant
/// tool calls), because the flow's own tools run on the server, and a member OpenAI does not
/// document (at the top level or in stream_options; details as onlyKnownFields() gives them).
/// The documented members this server ignores are ignoredChatCompletionFields().
core::Result<ChatCompletionRequest> parseChatCompletionRequest(const QJsonObject &body);

/// The fields every completion object and chunk of one answer share.
struct CompletionIdentity
{
    QString id;         ///< "chatcmpl-…", the same on every chunk
    qint64 created = 0; ///< Unix seconds
    QString model;      ///< the flow type the client asked for
};

/// A fresh identity: a random "chatcmpl-" id and `created` = `nowSecs`.
CompletionIdentity newCompletionIdentity(const QString &model, qint64 nowSecs);

/// Our finish reasons (a provider's, or "round_limit") as one of OpenAI's: stop, length,
/// content_filter. Tool calls never reach the client (they ran on the server).
QString finishReasonFor(const QString &ours);

QJsonObject usageObject(const core::Usage &usage);

/// A whole chat.completion object with one choice.
QJsonObject completionObject(const CompletionIdentity &identity, const QString &content,
                             const QString &finishReason, const core::Usage &usage);

/// One chat.completion.chunk with one choice. `role` and `content` are left out of the delta
/// when empty unless `first` (the first chunk carries role "assistant" and content ""), and
/// finish_reason is null unless given. With `includeUsage` the chunk carries "usage": null, as
/// OpenAI's are when stream_options.include_usage is set.
QJsonObject chunkObject(const CompletionIdentity &identity, const QString &content, bool first,
                        const QString &finishReason, bool includeUsage);

/// The chunk stream_options.include_usage asks for, before [DONE]: no choices, the usage.
QJsonObject usageChunkObject(const CompletionIdentity &identity, const core::Usage &usage);

/// {"id", "object": "model", "created", "owned_by"}: OpenAI's Model object for one flow.
QJsonObject modelObject(const QString &flowType, qint64 created, const QString &ownedBy);

/// {"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}…]}.
QJsonObject modelListObject(const QStringList &flowTypes, qint64 created, const QString &ownedBy);

/// The HTTP status of an error on /v1: as core::httpStatusFor, except that validation errors
/// are 400 as OpenAI's are.
int statusFor(const core::Error &error);

/// {"error": {"message", "type", "param", "code"}}: OpenAI's error shape, which the SDKs parse.
/// `type` follows the status (invalid_request_error, authentication_error, permission_error,
/// not_found_error, rate_limit_error, api_error); `code` is ours (e.g. "rate_limited"), or
/// "model_not_found" for an unknown flow; `param` names the field when there is one.
QJsonObject errorObject(const core::Error &error);

} // namespace agency::http::openai

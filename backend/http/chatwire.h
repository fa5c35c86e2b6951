#pragma once

// The JSON of the agency's own chat routes (POST /weather/chat, POST /chat/{flow_type}): the
// request body, the response object and the streamed events. Pure functions over plain values.

#include "core/result.h"
#include "service/agencyservice.h"

#include <QJsonObject>
#include <QUuid>

namespace agency::http::chat {

/// A validated chat body: {message, tenant_id?, conversation_id?, provider?, model?, stream?}.
struct ChatBody
{
    QString message;
    QString tenantId; ///< empty: the caller's key decides
    QUuid conversationId;
    QString provider;
    QString model;
    bool stream = false;
};

/// The members a chat body may have.
QStringList chatBodyFields();

/// InvalidArgument naming the field (HTTP 422) for an unknown field (a misspelt
/// `conversation_id` would otherwise start a new conversation), a missing or empty `message`, a
/// field of the wrong type, or a `conversation_id` that is not exactly a UUID.
core::Result<ChatBody> parseChatBody(const QJsonObject &body);

/// {"prompt_tokens", "completion_tokens", "total_tokens"}.
QJsonObject usageObject(const core::Usage &usage);

/// The response: {response, conversation_id, tool_used, tool_results, usage, provider, model}.
/// `tool_results` lists every tool call of the turn in order as {tool_call_id, name, arguments,
/// result, success}; arguments and result are JSON when they parse, else their text.
QJsonObject responseObject(const core::TurnResult &result);

/// The data of a streamed event, by kind: delta {"text"}, tool_call {"id", "name", "arguments"},
/// tool_result {"id", "name", "result"}, error {"error": {"code", "message", "details"}}.
/// Each carries "conversation_id" and "round". Started and Done have none here (done carries
/// responseObject()).
QJsonObject eventObject(const core::TurnEvent &event);

/// The SSE event name of a turn event: delta, tool_call, tool_result, error; empty for the rest.
QByteArray eventName(const core::TurnEvent &event);

/// {"error": {"code", "message", "details"}} (docs/design.md#http).
QJsonObject errorObject(const core::Error &error);

} // namespace agency::http::chat

#include "chatwire.h"
#include "jsonviews.h"
#include "requestparsing.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace agency::http::chat {

using core::ErrorCode;

namespace {

core::Error invalid(const QString &field, const QString &message)
{
    return core::makeError(ErrorCode::InvalidArgument, message, {{QStringLiteral("field"), field}});
}

/// An optional string field: absent or null is empty; any other type is refused.
core::Result<QString> optionalString(const QJsonObject &body, const QString &field)
{
    const QJsonValue value = body.value(field);
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isString())
        return invalid(field, field + QStringLiteral(": must be a string"));
    return value.toString();
}

/// JSON text as JSON when it parses (tool arguments and results are JSON text), else the text.
QJsonValue jsonOrText(const QString &text)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error == QJsonParseError::NoError) {
        if (doc.isObject())
            return doc.object();
        if (doc.isArray())
            return doc.array();
    }
    return text;
}

} // namespace

QStringList chatBodyFields()
{
    return {QStringLiteral("message"),  QStringLiteral("tenant_id"), QStringLiteral("conversation_id"),
            QStringLiteral("provider"), QStringLiteral("model"),     QStringLiteral("stream")};
}

core::Result<ChatBody> parseChatBody(const QJsonObject &body)
{
    if (auto known = onlyKnownFields(body, chatBodyFields()); !known)
        return known.error();
    ChatBody chat;
    const QJsonValue message = body.value(QStringLiteral("message"));
    if (!message.isString() || message.toString().trimmed().isEmpty())
        return invalid(QStringLiteral("message"), QStringLiteral("message: required, a non-empty string"));
    chat.message = message.toString();
    QString conversationId;
    for (auto [field, target] : {std::pair{QStringLiteral("tenant_id"), &chat.tenantId},
                                 std::pair{QStringLiteral("conversation_id"), &conversationId},
                                 std::pair{QStringLiteral("provider"), &chat.provider},
                                 std::pair{QStringLiteral("model"), &chat.model}}) {
        auto value = optionalString(body, field);
        if (!value)
            return value.error();
        *target = value.value();
    }
    auto id = parseId(conversationId, QStringLiteral("conversation_id"));
    if (!id)
        return id.error();
    chat.conversationId = id.value();
    const QJsonValue stream = body.value(QStringLiteral("stream"));
    if (!stream.isUndefined() && !stream.isNull() && !stream.isBool())
        return invalid(QStringLiteral("stream"), QStringLiteral("stream: must be a boolean"));
    chat.stream = stream.toBool();
    return chat;
}

QJsonObject usageObject(const core::Usage &usage)
{
    return {{QStringLiteral("prompt_tokens"), usage.promptTokens},
            {QStringLiteral("completion_tokens"), usage.completionTokens},
            {QStringLiteral("total_tokens"), usage.totalTokens}};
}

QJsonObject responseObject(const core::TurnResult &result)
{
    QHash<QString, core::ToolCall> calls; // by id, from the assistant messages of this turn
    QJsonArray toolResults;
    for (const auto &message : result.messages) {
        for (const core::ToolCall &call : message.toolCalls)
            calls.insert(call.id, call);
        if (message.role != core::Role::Tool)
            continue;
        const core::ToolCall call = calls.value(message.toolCallId);
        toolResults.append(QJsonObject{
            {QStringLiteral("tool_call_id"), message.toolCallId},
            {QStringLiteral("name"), message.metadata.value(QStringLiteral("tool")).toString(call.name)},
            {QStringLiteral("arguments"), jsonOrText(call.arguments)},
            {QStringLiteral("result"), jsonOrText(message.content)},
            {QStringLiteral("success"), message.metadata.value(QStringLiteral("success")).toBool()}});
    }
    // The passages the answer cites, as stored with it (empty when it cites none).
    QJsonArray citations;
    if (!result.messages.isEmpty() && result.messages.last().role == core::Role::Assistant)
        citations = result.messages.last().metadata.value(QStringLiteral("citations")).toArray();
    QJsonObject response{
        {QStringLiteral("response"), result.content},
        {QStringLiteral("conversation_id"), result.conversationId.toString(QUuid::WithoutBraces)},
        {QStringLiteral("tool_used"), !toolResults.isEmpty()},
        {QStringLiteral("tool_results"), toolResults},
        {QStringLiteral("citations"), citations},
        {QStringLiteral("usage"), usageObject(result.usage)},
        {QStringLiteral("provider"), result.provider},
        {QStringLiteral("model"), result.model}};
    // A paused turn: the calls that wait for a person (docs/flows-and-tools.md#approvals).
    if (!result.approvals.isEmpty()) {
        QJsonArray approvals;
        for (const core::ToolApproval &approval : result.approvals)
            approvals.append(json::approval(approval));
        response.insert(QStringLiteral("approvals"), approvals);
    }
    return response;
}

QByteArray eventName(const core::TurnEvent &event)
{
    using Kind = core::TurnEvent::Kind;
    switch (event.kind) {
    case Kind::TextDelta:
        return QByteArrayLiteral("delta");
    case Kind::ToolCallStarted:
        return QByteArrayLiteral("tool_call");
    case Kind::ToolResult:
        return QByteArrayLiteral("tool_result");
    case Kind::ApprovalRequired:
        return QByteArrayLiteral("approval_required");
    case Kind::Error:
        return QByteArrayLiteral("error");
    case Kind::Started:
    case Kind::Done:
        break;
    }
    return {};
}

QJsonObject errorObject(const core::Error &error)
{
    return {{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), error.codeName()},
                                                  {QStringLiteral("message"), error.message},
                                                  {QStringLiteral("details"), error.details}}}};
}

QJsonObject eventObject(const core::TurnEvent &event)
{
    using Kind = core::TurnEvent::Kind;
    QJsonObject object;
    switch (event.kind) {
    case Kind::TextDelta:
        object.insert(QStringLiteral("text"), event.text);
        break;
    case Kind::ToolCallStarted:
        object.insert(QStringLiteral("id"), event.toolCall.id);
        object.insert(QStringLiteral("name"), event.toolCall.name);
        object.insert(QStringLiteral("arguments"), jsonOrText(event.toolCall.arguments));
        break;
    case Kind::ToolResult:
        object.insert(QStringLiteral("id"), event.toolCall.id);
        object.insert(QStringLiteral("name"), event.toolCall.name);
        object.insert(QStringLiteral("result"), event.toolResult);
        break;
    case Kind::ApprovalRequired:
        object = json::approval(event.approval);
        break;
    case Kind::Error:
        object = errorObject(event.error);
        break;
    case Kind::Started:
    case Kind::Done:
        break;
    }
    if (!event.conversationId.isNull())
        object.insert(QStringLiteral("conversation_id"), event.conversationId.toString(QUuid::WithoutBraces));
    object.insert(QStringLiteral("round"), event.round);
    return object;
}

} // namespace agency::http::chat

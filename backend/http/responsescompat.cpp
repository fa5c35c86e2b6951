#include "responsescompat.h"
#include "openaicompat.h"
#include "openaifields.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace agency::http::openai {

using core::ErrorCode;

namespace {

const QString kContinue = QStringLiteral(
    "when continuing a conversation (previous_response_id or conversation), input is the new user "
    "message only: the stored conversation holds everything before it");

core::Result<core::ChatMessage> inputItem(const QJsonValue &value, qsizetype index)
{
    const QString param = QStringLiteral("input[%1]").arg(index);
    if (!value.isObject())
        return invalid(param, param + QStringLiteral(": must be an object"));
    const QJsonObject item = value.toObject();
    const QString type = item.value(QStringLiteral("type")).toString(QStringLiteral("message"));
    if (type == QLatin1String("function_call") || type == QLatin1String("function_call_output") ||
        type.endsWith(QLatin1String("_call")) || type.endsWith(QLatin1String("_call_output"))) {
        return invalid(param + QStringLiteral(".type"),
                       param + QStringLiteral(": client-side tool calls are not supported; each flow "
                                              "(model) has its own tools, which run on the server"));
    }
    if (type == QLatin1String("item_reference")) {
        return invalid(param + QStringLiteral(".type"),
                       param + QStringLiteral(": item references are not supported; continue a stored "
                                              "conversation with previous_response_id or conversation"));
    }
    if (type != QLatin1String("message"))
        return invalid(param + QStringLiteral(".type"),
                       param + QStringLiteral(": only message items are supported (got \"%1\")").arg(type));
    const QString role = item.value(QStringLiteral("role")).toString();
    core::ChatMessage message;
    if (role == QLatin1String("user"))
        message.role = core::Role::User;
    else if (role == QLatin1String("assistant"))
        message.role = core::Role::Assistant;
    else if (role == QLatin1String("system") || role == QLatin1String("developer"))
        message.role = core::Role::System;
    else
        return invalid(param + QStringLiteral(".role"),
                       param + QStringLiteral(".role: must be one of user, assistant, system, developer"));
    auto text = contentText(item.value(QStringLiteral("content")), param + QStringLiteral(".content"),
                            {QStringLiteral("input_text"), QStringLiteral("output_text")});
    if (!text)
        return text.error();
    message.content = text.value();
    return message;
}

/// `conversation`: a string id or {"id": …}.
core::Result<QString> conversationParam(const QJsonValue &value)
{
    if (value.isUndefined() || value.isNull())
        return QString();
    if (value.isString())
        return value.toString();
    if (value.isObject()) {
        if (auto ok = onlyDocumentedFields(value.toObject(), {QStringLiteral("id")},
                                           QStringLiteral("conversation"));
            !ok)
            return ok.error();
        if (value.toObject().value(QStringLiteral("id")).isString())
            return value.toObject().value(QStringLiteral("id")).toString();
    }
    return invalid(QStringLiteral("conversation"),
                   QStringLiteral("conversation: must be a conversation id, or an object with its id"));
}

core::Status refuseUnsupported(const QJsonObject &body)
{
    const QJsonValue tools = body.value(QStringLiteral("tools"));
    if (!tools.isUndefined() && !tools.isNull() && !(tools.isArray() && tools.toArray().isEmpty()))
        return invalid(QStringLiteral("tools"),
                       QStringLiteral("tools: client-side tools are not supported; each flow (model) "
                                      "has its own tools, which run on the server"));
    if (body.value(QStringLiteral("background")).toBool())
        return invalid(QStringLiteral("background"),
                       QStringLiteral("background: background responses are not supported; use the "
                                      "/runs API for queued work"));
    const QJsonValue prompt = body.value(QStringLiteral("prompt"));
    if (!prompt.isUndefined() && !prompt.isNull())
        return invalid(QStringLiteral("prompt"),
                       QStringLiteral("prompt: prompt templates are not supported; each flow has its "
                                      "own system prompt"));
    const QJsonValue store = body.value(QStringLiteral("store"));
    if (store.isBool() && !store.toBool())
        return invalid(QStringLiteral("store"),
                       QStringLiteral("store: every turn is stored as a conversation; store: false "
                                      "cannot be honoured"));
    return {};
}

core::Result<QString> optionalString(const QJsonObject &body, const QString &key)
{
    const QJsonValue value = body.value(key);
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isString())
        return invalid(key, key + QStringLiteral(": must be a string"));
    return value.toString();
}

core::Status readInput(const QJsonValue &input, bool continuing, ResponseRequest &request)
{
    if (input.isString()) {
        request.userMessage = input.toString();
    } else if (input.isArray() && !input.toArray().isEmpty()) {
        const QJsonArray items = input.toArray();
        if (continuing && items.size() > 1)
            return invalid(QStringLiteral("input"), QStringLiteral("input: ") + kContinue);
        for (qsizetype i = 0; i < items.size(); ++i) {
            auto message = inputItem(items.at(i), i);
            if (!message)
                return message.error();
            if (i + 1 < items.size()) {
                if (!message->content.isEmpty())
                    request.history.append(message.value());
                continue;
            }
            if (message->role != core::Role::User)
                return invalid(QStringLiteral("input[%1]").arg(i),
                               QStringLiteral("input: the last item must be a user message"));
            request.userMessage = message->content;
        }
    } else {
        return invalid(QStringLiteral("input"),
                       QStringLiteral("input: required, a string or a non-empty list of messages ending "
                                      "with the user's"));
    }
    if (request.userMessage.trimmed().isEmpty())
        return invalid(QStringLiteral("input"), QStringLiteral("input: the user message must not be empty"));
    return {};
}

QJsonObject formatObject(const core::ResponseFormat &format)
{
    switch (format.kind) {
    case core::ResponseFormat::Kind::Text:
        return {{QStringLiteral("type"), QStringLiteral("text")}};
    case core::ResponseFormat::Kind::JsonObject:
        return {{QStringLiteral("type"), QStringLiteral("json_object")}};
    case core::ResponseFormat::Kind::JsonSchema:
        break;
    }
    QJsonObject object{{QStringLiteral("type"), QStringLiteral("json_schema")},
                       {QStringLiteral("name"), format.name},
                       {QStringLiteral("schema"), format.schema},
                       {QStringLiteral("strict"), format.strict}};
    if (!format.description.isEmpty())
        object.insert(QStringLiteral("description"), format.description);
    return object;
}

QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QString hexDigits(const ResponseRef &ref)
{
    return ref.conversationId.toString(QUuid::Id128) +
           QStringLiteral("%1").arg(static_cast<quint64>(ref.userMessageId), 16, 16, QLatin1Char('0'));
}

} // namespace

QStringList readResponseFields()
{
    return {QStringLiteral("model"),          QStringLiteral("input"),
            QStringLiteral("instructions"),   QStringLiteral("stream"),
            QStringLiteral("stream_options"), QStringLiteral("previous_response_id"),
            QStringLiteral("conversation"),   QStringLiteral("text"),
            QStringLiteral("tools"),          QStringLiteral("background"),
            QStringLiteral("prompt"),         QStringLiteral("store")};
}

QStringList ignoredResponseFields()
{
    return {QStringLiteral("context_management"),
            QStringLiteral("include"),
            QStringLiteral("max_output_tokens"),
            QStringLiteral("max_tool_calls"),
            QStringLiteral("metadata"),
            QStringLiteral("moderation"),
            QStringLiteral("parallel_tool_calls"),
            QStringLiteral("prompt_cache_key"),
            QStringLiteral("prompt_cache_options"),
            QStringLiteral("prompt_cache_retention"),
            QStringLiteral("reasoning"),
            QStringLiteral("safety_identifier"),
            QStringLiteral("service_tier"),
            QStringLiteral("temperature"),
            QStringLiteral("tool_choice"),
            QStringLiteral("top_logprobs"),
            QStringLiteral("top_p"),
            QStringLiteral("truncation"),
            QStringLiteral("user")};
}

core::Result<ResponseRequest> parseResponseRequest(const QJsonObject &body)
{
    if (auto ok = onlyDocumentedFields(body, readResponseFields() + ignoredResponseFields()); !ok)
        return ok.error();
    auto common = readModelAndStream(body, {QStringLiteral("include_obfuscation")});
    if (!common)
        return common.error();
    if (auto ok = refuseUnsupported(body); !ok)
        return ok.error();
    ResponseRequest request;
    request.flowType = common->flowType;
    request.stream = common->stream;
    const QJsonValue text = body.value(QStringLiteral("text"));
    if (text.isObject()) {
        if (auto ok =
                onlyDocumentedFields(text.toObject(), {QStringLiteral("format"), QStringLiteral("verbosity")},
                                     QStringLiteral("text"));
            !ok)
            return ok.error();
        auto format = parseResponseFormat(text.toObject().value(QStringLiteral("format")),
                                          QStringLiteral("text.format"), true);
        if (!format)
            return format.error();
        request.format = format.value();
    } else if (!text.isUndefined() && !text.isNull()) {
        return invalid(QStringLiteral("text"), QStringLiteral("text: must be an object"));
    }
    auto previous = optionalString(body, QStringLiteral("previous_response_id"));
    if (!previous)
        return previous.error();
    request.previousResponseId = previous.value();
    auto conversation = conversationParam(body.value(QStringLiteral("conversation")));
    if (!conversation)
        return conversation.error();
    request.conversationId = conversation.value();
    if (!request.previousResponseId.isEmpty() && !request.conversationId.isEmpty())
        return invalid(QStringLiteral("conversation"),
                       QStringLiteral("conversation: give previous_response_id or conversation, not both"));
    const bool continuing = !request.previousResponseId.isEmpty() || !request.conversationId.isEmpty();
    auto instructions = optionalString(body, QStringLiteral("instructions"));
    if (!instructions)
        return instructions.error();
    request.instructions = instructions.value();
    if (continuing && !request.instructions.isEmpty())
        return invalid(QStringLiteral("instructions"),
                       QStringLiteral("instructions: only for a new conversation; a stored conversation "
                                      "keeps the instructions it began with"));
    if (auto ok = readInput(body.value(QStringLiteral("input")), continuing, request); !ok)
        return ok.error();
    if (!request.instructions.isEmpty())
        request.history.prepend(core::ChatMessage{core::Role::System, request.instructions, {}, {}, {}});
    return request;
}

QString responseId(const ResponseRef &ref)
{
    return QStringLiteral("resp_") + hexDigits(ref);
}

QString outputItemId(const ResponseRef &ref)
{
    return QStringLiteral("msg_") + hexDigits(ref);
}

core::Result<ResponseRef> parseResponseId(const QString &id, const QString &param)
{
    static const QRegularExpression pattern(QStringLiteral("^resp_([0-9a-f]{32})([0-9a-f]{16})$"));
    const auto match = pattern.match(id);
    const auto refused = [&] {
        return core::makeError(
            ErrorCode::BadRequest,
            QStringLiteral("%1: \"%2\" is not a response id of this server").arg(param, id),
            {{QStringLiteral("param"), param}});
    };
    if (!match.hasMatch())
        return refused();
    ResponseRef ref;
    const QString hex = match.captured(1);
    ref.conversationId = QUuid::fromString(
        QStringLiteral("%1-%2-%3-%4-%5")
            .arg(hex.mid(0, 8), hex.mid(8, 4), hex.mid(12, 4), hex.mid(16, 4), hex.mid(20, 12)));
    bool ok = false;
    ref.userMessageId = static_cast<qint64>(match.captured(2).toULongLong(&ok, 16));
    if (ref.conversationId.isNull() || !ok || ref.userMessageId <= 0)
        return refused();
    return ref;
}

QJsonObject outputTextPart(const QString &text)
{
    return {{QStringLiteral("type"), QStringLiteral("output_text")},
            {QStringLiteral("text"), text},
            {QStringLiteral("annotations"), QJsonArray{}},
            {QStringLiteral("logprobs"), QJsonArray{}}};
}

QJsonObject outputItem(const ResponseSnapshot &snapshot, const QString &status)
{
    QJsonArray content;
    if (status == QLatin1String("completed"))
        content.append(outputTextPart(snapshot.text));
    return {{QStringLiteral("type"), QStringLiteral("message")},
            {QStringLiteral("id"), outputItemId(snapshot.ref)},
            {QStringLiteral("status"), status},
            {QStringLiteral("role"), QStringLiteral("assistant")},
            {QStringLiteral("content"), content}};
}

QString responseErrorCode(const core::Error &error)
{
    switch (error.code) {
    case ErrorCode::RateLimited:
    case ErrorCode::ProviderRateLimited:
        return QStringLiteral("rate_limit_exceeded");
    case ErrorCode::InvalidArgument:
    case ErrorCode::BadRequest:
    case ErrorCode::PayloadTooLarge:
        return QStringLiteral("invalid_prompt");
    default:
        return QStringLiteral("server_error");
    }
}

QJsonObject responseObject(const ResponseSnapshot &snapshot)
{
    QString status = snapshot.status;
    QJsonValue incomplete = QJsonValue::Null;
    const QString reason =
        snapshot.finishReason.isEmpty() ? QString() : finishReasonFor(snapshot.finishReason);
    if (status == QLatin1String("completed") && reason == QLatin1String("length")) {
        status = QStringLiteral("incomplete");
        incomplete = QJsonObject{{QStringLiteral("reason"), QStringLiteral("max_output_tokens")}};
    } else if (status == QLatin1String("completed") && reason == QLatin1String("content_filter")) {
        status = QStringLiteral("incomplete");
        incomplete = QJsonObject{{QStringLiteral("reason"), QStringLiteral("content_filter")}};
    }
    QJsonArray output;
    if (snapshot.status == QLatin1String("completed"))
        output.append(outputItem(snapshot, QStringLiteral("completed")));
    QJsonObject usage;
    if (snapshot.hasUsage) {
        usage = QJsonObject{
            {QStringLiteral("input_tokens"), snapshot.usage.promptTokens},
            {QStringLiteral("input_tokens_details"),
             QJsonObject{{QStringLiteral("cached_tokens"), 0}, {QStringLiteral("cache_write_tokens"), 0}}},
            {QStringLiteral("output_tokens"), snapshot.usage.completionTokens},
            {QStringLiteral("output_tokens_details"), QJsonObject{{QStringLiteral("reasoning_tokens"), 0}}},
            {QStringLiteral("total_tokens"), snapshot.usage.totalTokens}};
    }
    QJsonValue error = QJsonValue::Null;
    if (snapshot.status == QLatin1String("failed"))
        error = QJsonObject{{QStringLiteral("code"), responseErrorCode(snapshot.error)},
                            {QStringLiteral("message"), snapshot.error.message}};
    QJsonObject response{
        {QStringLiteral("id"), responseId(snapshot.ref)},
        {QStringLiteral("object"), QStringLiteral("response")},
        {QStringLiteral("created_at"), snapshot.createdAt},
        {QStringLiteral("status"), status},
        {QStringLiteral("completed_at"),
         snapshot.completedAt > 0 ? QJsonValue(snapshot.completedAt) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("error"), error},
        {QStringLiteral("incomplete_details"), incomplete},
        {QStringLiteral("instructions"), orNull(snapshot.instructions)},
        {QStringLiteral("max_output_tokens"), QJsonValue::Null},
        {QStringLiteral("model"), snapshot.model},
        {QStringLiteral("output"), output},
        {QStringLiteral("parallel_tool_calls"), true},
        {QStringLiteral("previous_response_id"), orNull(snapshot.previousResponseId)},
        {QStringLiteral("conversation"),
         QJsonObject{{QStringLiteral("id"), snapshot.ref.conversationId.toString(QUuid::WithoutBraces)}}},
        {QStringLiteral("store"), true},
        {QStringLiteral("temperature"), QJsonValue::Null},
        {QStringLiteral("top_p"), QJsonValue::Null},
        {QStringLiteral("text"), QJsonObject{{QStringLiteral("format"), formatObject(snapshot.format)}}},
        {QStringLiteral("tool_choice"), QStringLiteral("auto")},
        {QStringLiteral("tools"), QJsonArray{}},
        {QStringLiteral("truncation"), QStringLiteral("disabled")},
        {QStringLiteral("metadata"), QJsonObject{}}};
    // OpenAI leaves usage out until it is known (its schema has no null for it).
    if (snapshot.hasUsage)
        response.insert(QStringLiteral("usage"), usage);
    return response;
}

QJsonObject ResponseEventSequence::event(const QString &type, QJsonObject fields)
{
    fields.insert(QStringLiteral("type"), type);
    fields.insert(QStringLiteral("sequence_number"), m_next++);
    return fields;
}

} // namespace agency::http::openai

#include "openaicompat.h"
#include "openaifields.h"
#include "requestparsing.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUuid>

namespace agency::http::openai {

using core::ErrorCode;

core::Error invalid(const QString &param, const QString &message)
{
    return core::makeError(ErrorCode::BadRequest, message, {{QStringLiteral("param"), param}});
}

namespace {

core::Result<core::ChatMessage> parseMessage(const QJsonValue &value, qsizetype index)
{
    const QString param = QStringLiteral("messages[%1]").arg(index);
    if (!value.isObject())
        return invalid(param, param + QStringLiteral(": must be an object"));
    const QJsonObject message = value.toObject();
    const QString role = message.value(QStringLiteral("role")).toString();
    core::ChatMessage chat;
    if (role == QLatin1String("system") || role == QLatin1String("developer")) {
        chat.role = core::Role::System;
    } else if (role == QLatin1String("user")) {
        chat.role = core::Role::User;
    } else if (role == QLatin1String("assistant")) {
        chat.role = core::Role::Assistant;
        const QJsonValue calls = message.value(QStringLiteral("tool_calls"));
        if ((calls.isArray() && !calls.toArray().isEmpty()) ||
            message.contains(QStringLiteral("function_call"))) {
            return invalid(param + QStringLiteral(".tool_calls"),
                           param + QStringLiteral(": client-side tool calls are not supported; the "
                                                  "flow's own tools run on the server"));
        }
    } else if (role == QLatin1String("tool") || role == QLatin1String("function")) {
        return invalid(param + QStringLiteral(".role"),
                       param + QStringLiteral(": tool messages are not supported; the flow's own "
                                              "tools run on the server"));
    } else {
        return invalid(param + QStringLiteral(".role"),
                       param + QStringLiteral(".role: must be one of system, developer, user, assistant"));
    }
    // Images, audio and files are refused: no flow can read them.
    auto text = contentText(message.value(QStringLiteral("content")), param + QStringLiteral(".content"),
                            {QStringLiteral("text")});
    if (!text)
        return text.error();
    chat.content = text.value();
    return chat;
}

core::Status checkNoClientTools(const QJsonObject &body)
{
    for (const QString &field : {QStringLiteral("tools"), QStringLiteral("functions")}) {
        const QJsonValue value = body.value(field);
        if (value.isUndefined() || value.isNull() || (value.isArray() && value.toArray().isEmpty()))
            continue;
        return invalid(field, QStringLiteral("%1: client-side tools are not supported; each flow (model) "
                                             "has its own tools, which run on the server")
                                  .arg(field));
    }
    const QJsonValue n = body.value(QStringLiteral("n"));
    if (!n.isUndefined() && !n.isNull() && n.toDouble(-1) != 1.0)
        return invalid(QStringLiteral("n"),
                       QStringLiteral("n: only one choice per request is supported (n = 1)"));
    return {};
}

} // namespace

/// onlyKnownFields() in this format's terms: BadRequest with the first unknown member as `param`.
core::Status onlyDocumentedFields(const QJsonObject &object, const QStringList &fields, const QString &parent)
{
    const core::Status known = onlyKnownFields(object, fields, parent);
    if (known)
        return {};
    core::Error error = known.error();
    error.code = ErrorCode::BadRequest;
    error.details.insert(QStringLiteral("param"), error.details.value(QStringLiteral("field")));
    return error;
}

core::Result<QString> contentText(const QJsonValue &content, const QString &param,
                                  const QStringList &textTypes)
{
    if (content.isString())
        return content.toString();
    if (content.isNull() || content.isUndefined())
        return QString();
    if (!content.isArray())
        return invalid(param, param + QStringLiteral(": must be a string or an array of text parts"));
    QString text;
    const QJsonArray parts = content.toArray();
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QJsonObject part = parts.at(i).toObject();
        const QString type = part.value(QStringLiteral("type")).toString();
        if (!textTypes.contains(type) || !part.value(QStringLiteral("text")).isString()) {
            return invalid(param, QStringLiteral("%1[%2]: only %3 parts are supported (got \"%4\")")
                                      .arg(param)
                                      .arg(i)
                                      .arg(textTypes.join(QStringLiteral(" and ")), type));
        }
        text += part.value(QStringLiteral("text")).toString();
    }
    return text;
}

core::Result<bool> optionalBool(const QJsonObject &object, const QString &key, const QString &param)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return false;
    if (!value.isBool())
        return invalid(param, param + QStringLiteral(": must be a boolean"));
    return value.toBool();
}

core::Result<ModelAndStream> readModelAndStream(const QJsonObject &body, const QStringList &streamOptions)
{
    ModelAndStream read;
    const QJsonValue model = body.value(QStringLiteral("model"));
    if (!model.isString() || model.toString().isEmpty())
        return invalid(QStringLiteral("model"),
                       QStringLiteral("model: required, the flow type to chat with"));
    read.flowType = model.toString();
    auto stream = optionalBool(body, QStringLiteral("stream"), QStringLiteral("stream"));
    if (!stream)
        return stream.error();
    read.stream = stream.value();
    const QJsonValue options = body.value(QStringLiteral("stream_options"));
    if (options.isUndefined() || options.isNull())
        return read;
    if (!options.isObject())
        return invalid(QStringLiteral("stream_options"), QStringLiteral("stream_options: must be an object"));
    if (auto known =
            onlyDocumentedFields(options.toObject(), streamOptions, QStringLiteral("stream_options"));
        !known)
        return known.error();
    auto usage = optionalBool(options.toObject(), QStringLiteral("include_usage"),
                              QStringLiteral("stream_options.include_usage"));
    if (!usage)
        return usage.error();
    read.includeUsage = usage.value();
    return read;
}

core::Result<core::ResponseFormat> parseResponseFormat(const QJsonValue &value, const QString &param,
                                                       bool flat)
{
    core::ResponseFormat format;
    if (value.isUndefined() || value.isNull())
        return format;
    if (!value.isObject())
        return invalid(param, param + QStringLiteral(": must be an object with a type"));
    const QJsonObject object = value.toObject();
    const QString type = object.value(QStringLiteral("type")).toString();
    const QStringList schemaFields{QStringLiteral("name"), QStringLiteral("description"),
                                   QStringLiteral("schema"), QStringLiteral("strict")};
    QStringList known{QStringLiteral("type")};
    if (type == QLatin1String("json_schema"))
        known += flat ? schemaFields : QStringList{QStringLiteral("json_schema")};
    if (type != QLatin1String("text") && type != QLatin1String("json_object") &&
        type != QLatin1String("json_schema")) {
        return invalid(param + QStringLiteral(".type"),
                       param + QStringLiteral(".type: must be one of text, json_object, json_schema"));
    }
    if (auto ok = onlyDocumentedFields(object, known, param); !ok)
        return ok.error();
    if (type == QLatin1String("text"))
        return format;
    if (type == QLatin1String("json_object")) {
        format.kind = core::ResponseFormat::Kind::JsonObject;
        return format;
    }
    QJsonObject schema = object;
    QString inner = param;
    if (!flat) {
        inner = param + QStringLiteral(".json_schema");
        if (!object.value(QStringLiteral("json_schema")).isObject())
            return invalid(inner, inner + QStringLiteral(": required, an object with name and schema"));
        schema = object.value(QStringLiteral("json_schema")).toObject();
        if (auto ok = onlyDocumentedFields(schema, schemaFields, inner); !ok)
            return ok.error();
    }
    format.kind = core::ResponseFormat::Kind::JsonSchema;
    const QJsonValue name = schema.value(QStringLiteral("name"));
    static const QRegularExpression namePattern(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    if (!name.isString() || !namePattern.match(name.toString()).hasMatch())
        return invalid(inner + QStringLiteral(".name"),
                       inner + QStringLiteral(".name: required, 1 to 64 letters, digits, _ or -"));
    format.name = name.toString();
    const QJsonValue description = schema.value(QStringLiteral("description"));
    if (!description.isUndefined() && !description.isNull() && !description.isString())
        return invalid(inner + QStringLiteral(".description"),
                       inner + QStringLiteral(".description: must be a string"));
    format.description = description.toString();
    if (!schema.value(QStringLiteral("schema")).isObject())
        return invalid(inner + QStringLiteral(".schema"),
                       inner + QStringLiteral(".schema: required, a JSON Schema object"));
    format.schema = schema.value(QStringLiteral("schema")).toObject();
    auto strict = optionalBool(schema, QStringLiteral("strict"), inner + QStringLiteral(".strict"));
    if (!strict)
        return strict.error();
    format.strict = strict.value();
    return format;
}

QStringList readChatCompletionFields()
{
    return {QStringLiteral("model"),          QStringLiteral("messages"),  QStringLiteral("stream"),
            QStringLiteral("stream_options"), QStringLiteral("metadata"),  QStringLiteral("n"),
            QStringLiteral("tools"),          QStringLiteral("functions"), QStringLiteral("response_format")};
}

QStringList ignoredChatCompletionFields()
{
    return {QStringLiteral("audio"),
            QStringLiteral("frequency_penalty"),
            QStringLiteral("function_call"),
            QStringLiteral("logit_bias"),
            QStringLiteral("logprobs"),
            QStringLiteral("max_completion_tokens"),
            QStringLiteral("max_tokens"),
            QStringLiteral("modalities"),
            QStringLiteral("moderation"),
            QStringLiteral("parallel_tool_calls"),
            QStringLiteral("prediction"),
            QStringLiteral("presence_penalty"),
            QStringLiteral("prompt_cache_key"),
            QStringLiteral("prompt_cache_options"),
            QStringLiteral("prompt_cache_retention"),
            QStringLiteral("reasoning_effort"),
            QStringLiteral("safety_identifier"),
            QStringLiteral("seed"),
            QStringLiteral("service_tier"),
            QStringLiteral("stop"),
            QStringLiteral("store"),
            QStringLiteral("temperature"),
            QStringLiteral("tool_choice"),
            QStringLiteral("top_logprobs"),
            QStringLiteral("top_p"),
            QStringLiteral("user"),
            QStringLiteral("verbosity"),
            QStringLiteral("web_search_options")};
}

QStringList streamOptionsFields()
{
    return {QStringLiteral("include_usage"), QStringLiteral("include_obfuscation")};
}

core::Result<ChatCompletionRequest> parseChatCompletionRequest(const QJsonObject &body)
{
    if (auto known = onlyDocumentedFields(body, readChatCompletionFields() + ignoredChatCompletionFields());
        !known)
        return known.error();
    auto common = readModelAndStream(body, streamOptionsFields());
    if (!common)
        return common.error();
    if (auto ok = checkNoClientTools(body); !ok)
        return ok.error();
    ChatCompletionRequest request;
    request.flowType = common->flowType;
    request.stream = common->stream;
    request.includeUsage = common->includeUsage;
    auto format = parseResponseFormat(body.value(QStringLiteral("response_format")),
                                      QStringLiteral("response_format"), false);
    if (!format)
        return format.error();
    request.responseFormat = format.value();
    const QJsonValue metadata = body.value(QStringLiteral("metadata"));
    if (metadata.isObject()) {
        const QJsonValue id = metadata.toObject().value(QStringLiteral("conversation_id"));
        if (!id.isUndefined() && !id.isString()) {
            return invalid(QStringLiteral("metadata.conversation_id"),
                           QStringLiteral("metadata.conversation_id: must be a string"));
        }
        request.conversationId = id.toString();
    } else if (!metadata.isUndefined() && !metadata.isNull()) {
        return invalid(QStringLiteral("metadata"), QStringLiteral("metadata: must be an object"));
    }

    const QJsonValue messagesValue = body.value(QStringLiteral("messages"));
    if (!messagesValue.isArray() || messagesValue.toArray().isEmpty()) {
        return invalid(QStringLiteral("messages"),
                       QStringLiteral("messages: required, a non-empty array ending with a user message"));
    }
    const QJsonArray messages = messagesValue.toArray();
    for (qsizetype i = 0; i < messages.size(); ++i) {
        auto message = parseMessage(messages.at(i), i);
        if (!message)
            return message.error();
        if (i + 1 < messages.size()) {
            // An empty message adds nothing to the history a flow reads.
            if (!message->content.isEmpty())
                request.history.append(message.value());
            continue;
        }
        if (message->role != core::Role::User || message->content.trimmed().isEmpty()) {
            return invalid(QStringLiteral("messages[%1]").arg(i),
                           QStringLiteral("messages: the last message must be a non-empty user message"));
        }
        request.userMessage = message->content;
    }
    return request;
}

CompletionIdentity newCompletionIdentity(const QString &model, qint64 nowSecs)
{
    return {QStringLiteral("chatcmpl-") + QUuid::createUuid().toString(QUuid::Id128), nowSecs, model};
}

QString finishReasonFor(const QString &ours)
{
    const QString reason = ours.toLower();
    if (reason == QLatin1String("length") || reason == QLatin1String("max_tokens"))
        return QStringLiteral("length");
    if (reason == QLatin1String("content_filter") || reason == QLatin1String("safety") ||
        reason == QLatin1String("recitation") || reason == QLatin1String("blocklist") ||
        reason == QLatin1String("prohibited_content")) {
        return QStringLiteral("content_filter");
    }
    // "stop", Gemini's "STOP", and "round_limit" (the turn ended with an answer in words).
    return QStringLiteral("stop");
}

QJsonObject usageObject(const core::Usage &usage)
{
    return {{QStringLiteral("prompt_tokens"), usage.promptTokens},
            {QStringLiteral("completion_tokens"), usage.completionTokens},
            {QStringLiteral("total_tokens"), usage.totalTokens}};
}

namespace {
QJsonObject envelope(const CompletionIdentity &identity, const QString &object, const QJsonArray &choices)
{
    return {{QStringLiteral("id"), identity.id},
            {QStringLiteral("object"), object},
            {QStringLiteral("created"), identity.created},
            {QStringLiteral("model"), identity.model},
            {QStringLiteral("choices"), choices}};
}
} // namespace

QJsonObject completionObject(const CompletionIdentity &identity, const QString &content,
                             const QString &finishReason, const core::Usage &usage)
{
    const QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")},
                              {QStringLiteral("content"), content},
                              {QStringLiteral("refusal"), QJsonValue::Null}};
    const QJsonObject choice{{QStringLiteral("index"), 0},
                             {QStringLiteral("message"), message},
                             {QStringLiteral("logprobs"), QJsonValue::Null},
                             {QStringLiteral("finish_reason"), finishReasonFor(finishReason)}};
    QJsonObject object = envelope(identity, QStringLiteral("chat.completion"), QJsonArray{choice});
    object.insert(QStringLiteral("usage"), usageObject(usage));
    return object;
}

QJsonObject chunkObject(const CompletionIdentity &identity, const QString &content, bool first,
                        const QString &finishReason, bool includeUsage)
{
    QJsonObject delta;
    if (first)
        delta.insert(QStringLiteral("role"), QStringLiteral("assistant"));
    if (first || !content.isEmpty())
        delta.insert(QStringLiteral("content"), content);
    const QJsonObject choice{
        {QStringLiteral("index"), 0},
        {QStringLiteral("delta"), delta},
        {QStringLiteral("logprobs"), QJsonValue::Null},
        {QStringLiteral("finish_reason"),
         finishReason.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(finishReasonFor(finishReason))}};
    QJsonObject chunk = envelope(identity, QStringLiteral("chat.completion.chunk"), QJsonArray{choice});
    if (includeUsage)
        chunk.insert(QStringLiteral("usage"), QJsonValue::Null);
    return chunk;
}

QJsonObject usageChunkObject(const CompletionIdentity &identity, const core::Usage &usage)
{
    QJsonObject chunk = envelope(identity, QStringLiteral("chat.completion.chunk"), QJsonArray{});
    chunk.insert(QStringLiteral("usage"), usageObject(usage));
    return chunk;
}

QJsonObject modelObject(const QString &flowType, qint64 created, const QString &ownedBy)
{
    return {{QStringLiteral("id"), flowType},
            {QStringLiteral("object"), QStringLiteral("model")},
            {QStringLiteral("created"), created},
            {QStringLiteral("owned_by"), ownedBy}};
}

QJsonObject modelListObject(const QStringList &flowTypes, qint64 created, const QString &ownedBy)
{
    QJsonArray data;
    for (const QString &flowType : flowTypes)
        data.append(modelObject(flowType, created, ownedBy));
    return {{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}};
}

int statusFor(const core::Error &error)
{
    return error.code == ErrorCode::InvalidArgument ? 400 : core::httpStatusFor(error.code);
}

QJsonObject errorObject(const core::Error &error)
{
    const int status = statusFor(error);
    QString type = QStringLiteral("api_error");
    if (status == 401)
        type = QStringLiteral("authentication_error");
    else if (status == 403)
        type = QStringLiteral("permission_error");
    else if (status == 404)
        type = QStringLiteral("not_found_error");
    else if (status == 429)
        type = QStringLiteral("rate_limit_error");
    else if (status >= 400 && status < 500)
        type = QStringLiteral("invalid_request_error");
    QString code = error.codeName();
    if (error.code == ErrorCode::NotFound && error.details.contains(QStringLiteral("flow_type")))
        code = QStringLiteral("model_not_found");
    const QJsonValue param = error.details.contains(QStringLiteral("param"))
                                 ? error.details.value(QStringLiteral("param"))
                                 : error.details.value(QStringLiteral("field"));
    return {{QStringLiteral("error"),
             QJsonObject{{QStringLiteral("message"), error.message},
                         {QStringLiteral("type"), type},
                         {QStringLiteral("param"), param.isString() ? param : QJsonValue(QJsonValue::Null)},
                         {QStringLiteral("code"), code}}}};
}

} // namespace agency::http::openai

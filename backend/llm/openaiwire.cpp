#include "openaiwire.h"

#include "core/json.h"
#include "llm/jsonwriter.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace agency::llm {

using core::ErrorCode;
using namespace Qt::Literals::StringLiterals;

OpenAiDialect OpenAiDialect::openAi(const QUrl &baseUrl)
{
    OpenAiDialect d;
    d.name = QStringLiteral("openai");
    d.displayName = QStringLiteral("OpenAI");
    const QString host = baseUrl.host().toLower();
    d.maxCompletionTokens =
        host == QLatin1String("openai.com") || host.endsWith(QLatin1String(".openai.com"));
    return d;
}

OpenAiDialect OpenAiDialect::mistral()
{
    OpenAiDialect d;
    d.name = QStringLiteral("mistral");
    d.displayName = QStringLiteral("Mistral");
    d.requiredToolChoice = QStringLiteral("any");
    d.streamUsageOption = false;
    d.normaliseToolCallIds = true;
    d.toolMessageName = true;
    return d;
}

QString mistralToolCallId(const QString &id)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9]{9}$"));
    if (valid.match(id).hasMatch())
        return id;
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const QByteArray digest = QCryptographicHash::hash(id.toUtf8(), QCryptographicHash::Sha256);
    QString out;
    for (int i = 0; i < 9; ++i)
        out.append(QLatin1Char(alphabet[static_cast<unsigned char>(digest.at(i)) % 62]));
    return out;
}

QString fallbackToolCallId(int index, const QString &name, const QString &arguments)
{
    const QByteArray seed = QByteArray::number(index) + '|' + name.toUtf8() + '|' + arguments.toUtf8();
    return QStringLiteral("call_") +
           QString::fromLatin1(QCryptographicHash::hash(seed, QCryptographicHash::Sha256).toHex().left(24));
}

namespace {

// The request is written straight as JSON text (JsonWriter): each object's keys in ascending
// order, as QJsonObject kept them, so the bytes sent are what they were with QJsonDocument.

void writeToolCall(JsonWriter &w, const core::ToolCall &call, const OpenAiDialect &dialect)
{
    const bool noArguments = call.arguments.trimmed().isEmpty();
    w.beginObject().key("function"_L1).beginObject();
    if (noArguments)
        w.key("arguments"_L1).value("{}"_L1);
    else
        w.key("arguments"_L1).value(call.arguments);
    w.key("name"_L1).value(call.name).endObject();
    w.key("id"_L1).value(dialect.normaliseToolCallIds ? mistralToolCallId(call.id) : call.id);
    w.key("type"_L1).value("function"_L1).endObject();
}

void writeMessage(JsonWriter &w, const core::ChatMessage &message, const OpenAiDialect &dialect)
{
    w.beginObject();
    const QString role = core::roleName(message.role);
    switch (message.role) {
    case core::Role::System:
    case core::Role::User:
        w.key("content"_L1).value(message.content).key("role"_L1).value(role);
        break;
    case core::Role::Assistant:
        w.key("content"_L1);
        if (!message.toolCalls.isEmpty() && message.content.isEmpty())
            w.null();
        else
            w.value(message.content);
        w.key("role"_L1).value(role);
        if (!message.toolCalls.isEmpty()) {
            w.key("tool_calls"_L1).beginArray();
            for (const core::ToolCall &call : message.toolCalls)
                writeToolCall(w, call, dialect);
            w.endArray();
        }
        break;
    case core::Role::Tool:
        w.key("content"_L1).value(message.content);
        if (dialect.toolMessageName && !message.name.isEmpty())
            w.key("name"_L1).value(message.name);
        w.key("role"_L1).value(role);
        w.key("tool_call_id"_L1)
            .value(dialect.normaliseToolCallIds ? mistralToolCallId(message.toolCallId) : message.toolCallId);
        break;
    }
    w.endObject();
}

void writeToolChoice(JsonWriter &w, const ToolChoice &choice, const OpenAiDialect &dialect)
{
    switch (choice.mode) {
    case ToolChoice::Mode::Auto:
        w.value("auto"_L1);
        return;
    case ToolChoice::Mode::None:
        w.value("none"_L1);
        return;
    case ToolChoice::Mode::Required:
        w.value(dialect.requiredToolChoice);
        return;
    case ToolChoice::Mode::Function:
        w.beginObject().key("function"_L1).beginObject().key("name"_L1).value(choice.functionName);
        w.endObject().key("type"_L1).value("function"_L1).endObject();
        return;
    }
    w.value("auto"_L1);
}

void writeTool(JsonWriter &w, const core::ToolDefinition &tool)
{
    w.beginObject().key("function"_L1).beginObject();
    if (!tool.description.isEmpty())
        w.key("description"_L1).value(tool.description);
    w.key("name"_L1).value(tool.name).key("parameters"_L1);
    if (tool.parameters.isEmpty())
        w.raw(QByteArrayLiteral(R"({"properties":{},"type":"object"})"));
    else
        w.raw(core::toCompactJson(tool.parameters));
    w.endObject().key("type"_L1).value("function"_L1).endObject();
}

/// Message content may be a string, null, or (Mistral) an array of typed chunks.
QString contentText(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QString text;
    for (const QJsonValue &part : content.toArray()) {
        const QJsonObject chunk = part.toObject();
        if (chunk.value(QStringLiteral("type")).toString() == QLatin1String("text"))
            text += chunk.value(QStringLiteral("text")).toString();
    }
    return text;
}

QString argumentsText(const QJsonValue &arguments)
{
    if (arguments.isString())
        return arguments.toString();
    if (arguments.isObject())
        return QString::fromUtf8(core::toCompactJson(arguments.toObject()));
    return {};
}

core::Usage usageFrom(const QJsonObject &usage)
{
    core::Usage u;
    u.promptTokens = usage.value(QStringLiteral("prompt_tokens")).toInteger();
    u.completionTokens = usage.value(QStringLiteral("completion_tokens")).toInteger();
    u.totalTokens = usage.value(QStringLiteral("total_tokens")).toInteger();
    return u;
}

core::Error errorInBody(const QString &who, const QJsonObject &obj)
{
    const QJsonValue error = obj.value(QStringLiteral("error"));
    const QString message =
        error.isObject() ? error.toObject().value(QStringLiteral("message")).toString() : error.toString();
    return core::makeError(ErrorCode::ProviderUnavailable,
                           who + QStringLiteral(": the server reported an error: ") + message,
                           {{QStringLiteral("provider_message"), message}});
}

/// `response_format` as OpenAI and Mistral document it: {"type": "json_object"} or
/// {"json_schema": {description?, name, schema, strict}, "type": "json_schema"}.
void writeResponseFormat(JsonWriter &w, const core::ResponseFormat &format)
{
    using Kind = core::ResponseFormat::Kind;
    if (format.kind == Kind::Text)
        return;
    w.key("response_format"_L1).beginObject();
    if (format.kind == Kind::JsonSchema) {
        w.key("json_schema"_L1).beginObject();
        if (!format.description.isEmpty())
            w.key("description"_L1).value(format.description);
        w.key("name"_L1).value(format.name.isEmpty() ? QStringLiteral("answer") : format.name);
        w.key("schema"_L1).raw(QJsonDocument(format.schema).toJson(QJsonDocument::Compact));
        w.key("strict"_L1).value(format.strict);
        w.endObject();
        w.key("type"_L1).value("json_schema"_L1);
    } else {
        w.key("type"_L1).value("json_object"_L1);
    }
    w.endObject();
}

} // namespace

QByteArray buildChatRequest(const CompletionRequest &request, const OpenAiDialect &dialect,
                            const QString &model, bool stream)
{
    qsizetype size = 256;
    for (const core::ChatMessage &message : request.messages)
        size += 48 + message.content.size() + (message.toolCalls.isEmpty() ? 0 : 256);
    JsonWriter w(size);
    w.beginObject();
    if (request.maxTokens) {
        w.key(dialect.maxCompletionTokens ? "max_completion_tokens"_L1 : "max_tokens"_L1)
            .value(*request.maxTokens);
    }
    w.key("messages"_L1).beginArray();
    for (const core::ChatMessage &message : request.messages)
        writeMessage(w, message, dialect);
    w.endArray();
    w.key("model"_L1).value(model);
    writeResponseFormat(w, request.responseFormat);
    if (stream) {
        w.key("stream"_L1).value(true);
        if (dialect.streamUsageOption)
            w.key("stream_options"_L1).beginObject().key("include_usage"_L1).value(true).endObject();
    }
    if (request.temperature)
        w.key("temperature"_L1).value(*request.temperature);
    if (!request.tools.isEmpty()) {
        w.key("tool_choice"_L1);
        writeToolChoice(w, request.toolChoice, dialect);
        w.key("tools"_L1).beginArray();
        for (const core::ToolDefinition &tool : request.tools)
            writeTool(w, tool);
        w.endArray();
    }
    w.endObject();
    return w.take();
}

core::Result<Completion> parseChatResponse(const QByteArray &body)
{
    const auto parsed = core::parseJsonObject(body);
    if (!parsed)
        return core::makeError(ErrorCode::ProviderMalformed,
                               QStringLiteral("the answer is not a JSON object: ") + parsed.error().message);
    const QJsonObject obj = parsed.value();
    if (obj.contains(QStringLiteral("error")) && !obj.contains(QStringLiteral("choices")))
        return errorInBody(QStringLiteral("the provider"), obj);
    const QJsonArray choices = obj.value(QStringLiteral("choices")).toArray();
    if (choices.isEmpty() || !choices.first().isObject())
        return core::makeError(ErrorCode::ProviderMalformed, QStringLiteral("the answer has no choices"));
    const QJsonObject choice = choices.first().toObject();
    const QJsonObject message = choice.value(QStringLiteral("message")).toObject();
    if (message.isEmpty())
        return core::makeError(ErrorCode::ProviderMalformed,
                               QStringLiteral("the answer's choice has no message"));

    Completion c;
    c.content = contentText(message.value(QStringLiteral("content")));
    if (c.content.isEmpty())
        c.content = message.value(QStringLiteral("refusal")).toString();
    int index = 0;
    for (const QJsonValue &v : message.value(QStringLiteral("tool_calls")).toArray()) {
        const QJsonObject call = v.toObject();
        const QJsonObject fn = call.value(QStringLiteral("function")).toObject();
        core::ToolCall tc{call.value(QStringLiteral("id")).toString(),
                          fn.value(QStringLiteral("name")).toString(),
                          argumentsText(fn.value(QStringLiteral("arguments")))};
        if (tc.name.isEmpty())
            return core::makeError(ErrorCode::ProviderMalformed,
                                   QStringLiteral("a tool call has no function name"));
        if (tc.id.isEmpty())
            tc.id = fallbackToolCallId(index, tc.name, tc.arguments);
        c.toolCalls.append(tc);
        ++index;
    }
    c.finishReason = choice.value(QStringLiteral("finish_reason")).toString();
    c.usage = usageFrom(obj.value(QStringLiteral("usage")).toObject());
    c.model = obj.value(QStringLiteral("model")).toString();
    return c;
}

OpenAiStreamAccumulator::OpenAiStreamAccumulator(QString who, std::function<void(const Delta &)> onDelta)
    : m_who(std::move(who)), m_onDelta(std::move(onDelta))
{
}

void OpenAiStreamAccumulator::reset()
{
    *this = OpenAiStreamAccumulator(std::move(m_who), std::move(m_onDelta));
}

core::Status OpenAiStreamAccumulator::feed(const QByteArray &bytes)
{
    if (m_events == 0 && m_raw.size() < 4 * 1024 * 1024)
        m_raw.append(bytes);
    for (const SseEvent &event : m_parser.feed(bytes)) {
        const core::Status status = onEvent(event);
        if (!status)
            return status;
    }
    return {};
}

core::Status OpenAiStreamAccumulator::end()
{
    for (const SseEvent &event : m_parser.finish()) {
        const core::Status status = onEvent(event);
        if (!status)
            return status;
    }
    if (m_events == 0) {
        // Not an event stream: a server that ignored `stream: true` and sent one JSON answer.
        auto whole = parseChatResponse(m_raw);
        if (!whole)
            return core::makeError(whole.error().code, m_who + QStringLiteral(": ") + whole.error().message);
        const Completion &c = whole.value();
        if (!c.content.isEmpty())
            emitDelta(Delta{c.content, -1, {}, {}, {}});
        for (int i = 0; i < c.toolCalls.size(); ++i) {
            const core::ToolCall &call = c.toolCalls.at(i);
            emitDelta(Delta{{}, i, call.id, call.name, call.arguments});
        }
        m_content = c.content;
        m_calls = c.toolCalls;
        m_finishReason = c.finishReason.isEmpty() ? finish::Stop : c.finishReason;
        m_usage = c.usage;
        m_model = c.model;
        m_done = true;
        return {};
    }
    if (!m_done && m_finishReason.isEmpty())
        return core::makeError(ErrorCode::ProviderUnavailable,
                               m_who + QStringLiteral(": the stream ended before the answer was complete"));
    if (m_content.isEmpty() && m_calls.isEmpty() && m_finishReason.isEmpty())
        return core::makeError(ErrorCode::ProviderMalformed,
                               m_who + QStringLiteral(": the stream carried no answer"));
    return {};
}

core::Status OpenAiStreamAccumulator::onEvent(const SseEvent &event)
{
    ++m_events;
    m_raw.clear();
    if (event.isDone()) {
        m_done = true;
        return {};
    }
    if (m_done)
        return {}; // nothing is expected after [DONE]; ignore rather than fail a complete answer
    const auto parsed = core::parseJsonObject(event.data.toUtf8());
    if (!parsed)
        return core::makeError(ErrorCode::ProviderMalformed,
                               m_who + QStringLiteral(": a stream event is not JSON: ") +
                                   parsed.error().message);
    return onChunk(parsed.value());
}

core::Status OpenAiStreamAccumulator::onChunk(const QJsonObject &chunk)
{
    if (chunk.contains(QStringLiteral("error")))
        return errorInBody(m_who, chunk);
    if (const QString model = chunk.value(QStringLiteral("model")).toString(); !model.isEmpty())
        m_model = model;
    if (const QJsonValue usage = chunk.value(QStringLiteral("usage")); usage.isObject())
        m_usage = usageFrom(usage.toObject());
    const QJsonArray choices = chunk.value(QStringLiteral("choices")).toArray();
    if (choices.isEmpty())
        return {};
    const QJsonObject choice = choices.first().toObject();
    const QJsonObject delta = choice.value(QStringLiteral("delta")).toObject();
    QString text = contentText(delta.value(QStringLiteral("content")));
    if (text.isEmpty())
        text = delta.value(QStringLiteral("refusal")).toString();
    if (!text.isEmpty()) {
        m_content += text;
        emitDelta(Delta{text, -1, {}, {}, {}});
    }
    for (const QJsonValue &v : delta.value(QStringLiteral("tool_calls")).toArray()) {
        const QJsonObject call = v.toObject();
        const QJsonObject fn = call.value(QStringLiteral("function")).toObject();
        const int wireIndex = call.value(QStringLiteral("index")).toInt(static_cast<int>(m_calls.size()));
        const QString id = call.value(QStringLiteral("id")).toString();
        const QString name = fn.value(QStringLiteral("name")).toString();
        const QString args = argumentsText(fn.value(QStringLiteral("arguments")));
        auto slot = m_slotForIndex.constFind(wireIndex);
        const bool newCall =
            slot == m_slotForIndex.constEnd() || (!id.isEmpty() && id != m_calls.at(slot.value()).id);
        Delta d;
        if (newCall) {
            if (name.isEmpty())
                return core::makeError(ErrorCode::ProviderMalformed,
                                       m_who +
                                           QStringLiteral(": a streamed tool call starts without a name"));
            const int position = static_cast<int>(m_calls.size());
            m_slotForIndex.insert(wireIndex, position);
            m_calls.append(
                core::ToolCall{id.isEmpty() ? fallbackToolCallId(position, name, {}) : id, name, args});
            d.toolCallIndex = position;
            d.toolCallId = m_calls.last().id;
            d.toolCallName = name;
        } else {
            core::ToolCall &existing = m_calls[slot.value()];
            existing.arguments += args;
            d.toolCallIndex = slot.value();
            if (args.isEmpty())
                continue;
        }
        d.argumentsFragment = args;
        emitDelta(d);
    }
    if (const QString reason = choice.value(QStringLiteral("finish_reason")).toString(); !reason.isEmpty())
        m_finishReason = reason;
    return {};
}

void OpenAiStreamAccumulator::emitDelta(const Delta &delta)
{
    m_delivered = true;
    if (m_onDelta)
        m_onDelta(delta);
}

Completion OpenAiStreamAccumulator::completion() const
{
    Completion c;
    c.content = m_content;
    c.toolCalls = m_calls;
    c.finishReason = m_finishReason;
    c.usage = m_usage;
    c.model = m_model;
    return c;
}

} // namespace agency::llm

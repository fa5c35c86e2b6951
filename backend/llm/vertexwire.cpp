#include "vertexwire.h"

#include "core/json.h"

#include <QCryptographicHash>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace agency::llm {

using core::ErrorCode;

namespace {

QJsonValue vertexSchemaValue(const QJsonValue &value)
{
    return value.isObject() ? QJsonValue(toVertexSchema(value.toObject())) : value;
}

QString enumText(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble());
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

/// Function-call arguments as the object Gemini wants; invalid JSON becomes {} (the model sent it,
/// so replaying it verbatim is impossible anyway).
QJsonObject argumentsObject(const QString &arguments)
{
    const auto parsed = core::parseJsonObject(arguments.toUtf8());
    return parsed ? parsed.value() : QJsonObject();
}

/// A tool result as a functionResponse.response object: JSON objects as they are, anything else
/// under "output" (the key Google documents for function output).
QJsonObject responseObject(const QString &content)
{
    const QJsonDocument doc = QJsonDocument::fromJson(content.toUtf8());
    if (doc.isObject())
        return doc.object();
    if (doc.isArray())
        return QJsonObject{{QStringLiteral("output"), doc.array()}};
    return QJsonObject{{QStringLiteral("output"), content}};
}

} // namespace

QJsonObject toVertexSchema(const QJsonObject &s)
{
    QJsonObject out;
    const QJsonValue type = s.value(QStringLiteral("type"));
    if (type.isString()) {
        out.insert(QStringLiteral("type"), type.toString().toUpper());
    } else if (type.isArray()) {
        for (const QJsonValue &t : type.toArray()) {
            if (t.toString() == QLatin1String("null"))
                out.insert(QStringLiteral("nullable"), true);
            else if (!out.contains(QStringLiteral("type")))
                out.insert(QStringLiteral("type"), t.toString().toUpper());
        }
    }
    for (const char *key : {"description", "title", "pattern"}) {
        const QString k = QLatin1String(key);
        if (s.value(k).isString())
            out.insert(k, s.value(k));
    }
    static const QStringList formats = {QStringLiteral("date-time"), QStringLiteral("enum"),
                                        QStringLiteral("float"),     QStringLiteral("double"),
                                        QStringLiteral("int32"),     QStringLiteral("int64")};
    if (formats.contains(s.value(QStringLiteral("format")).toString()))
        out.insert(QStringLiteral("format"), s.value(QStringLiteral("format")));
    for (const char *key :
         {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"}) {
        const QString k = QLatin1String(key);
        if (s.value(k).isDouble())
            out.insert(k, s.value(k).toInteger());
    }
    for (const char *key : {"minimum", "maximum"}) {
        const QString k = QLatin1String(key);
        if (s.value(k).isDouble())
            out.insert(k, s.value(k));
    }
    if (s.value(QStringLiteral("nullable")).isBool())
        out.insert(QStringLiteral("nullable"), s.value(QStringLiteral("nullable")));
    for (const char *key : {"default", "example"}) {
        const QString k = QLatin1String(key);
        if (s.contains(k))
            out.insert(k, s.value(k));
    }
    QJsonArray values;
    for (const QJsonValue &v : s.value(QStringLiteral("enum")).toArray())
        values.append(enumText(v));
    if (s.contains(QStringLiteral("const")))
        values.append(enumText(s.value(QStringLiteral("const"))));
    if (!values.isEmpty()) {
        out.insert(QStringLiteral("enum"), values);
        if (!out.contains(QStringLiteral("type")))
            out.insert(QStringLiteral("type"), QStringLiteral("STRING"));
    }
    if (s.value(QStringLiteral("properties")).isObject()) {
        QJsonObject props;
        const QJsonObject in = s.value(QStringLiteral("properties")).toObject();
        for (auto it = in.begin(); it != in.end(); ++it)
            props.insert(it.key(), vertexSchemaValue(it.value()));
        out.insert(QStringLiteral("properties"), props);
        if (!out.contains(QStringLiteral("type")))
            out.insert(QStringLiteral("type"), QStringLiteral("OBJECT"));
    }
    if (s.value(QStringLiteral("required")).isArray()) {
        QJsonArray required;
        for (const QJsonValue &r : s.value(QStringLiteral("required")).toArray()) {
            if (r.isString())
                required.append(r);
        }
        out.insert(QStringLiteral("required"), required);
    }
    if (s.value(QStringLiteral("items")).isObject())
        out.insert(QStringLiteral("items"), vertexSchemaValue(s.value(QStringLiteral("items"))));
    QJsonArray anyOf;
    for (const char *key : {"anyOf", "oneOf"}) {
        for (const QJsonValue &alt : s.value(QLatin1String(key)).toArray()) {
            if (alt.toObject().value(QStringLiteral("type")).toString() == QLatin1String("null"))
                out.insert(QStringLiteral("nullable"), true);
            else if (alt.isObject())
                anyOf.append(toVertexSchema(alt.toObject()));
        }
    }
    if (anyOf.size() == 1 && !out.contains(QStringLiteral("type"))) {
        // ["T", null] written as anyOf: fold the single alternative in.
        const QJsonObject only = anyOf.first().toObject();
        for (auto it = only.begin(); it != only.end(); ++it) {
            if (!out.contains(it.key()))
                out.insert(it.key(), it.value());
        }
    } else if (!anyOf.isEmpty()) {
        out.insert(QStringLiteral("anyOf"), anyOf);
    }
    return out;
}

QString vertexToolCallId(qsizetype conversationPosition, int index, const QString &name,
                         const QString &arguments)
{
    const QByteArray seed = "vertex|" + QByteArray::number(conversationPosition) + '|' +
                            QByteArray::number(index) + '|' + name.toUtf8() + '|' + arguments.toUtf8();
    return QStringLiteral("call_") +
           QString::fromLatin1(QCryptographicHash::hash(seed, QCryptographicHash::Sha256).toHex().left(24));
}

QJsonObject buildGenerateContentRequest(const CompletionRequest &request)
{
    QStringList systemTexts;
    QJsonArray contents;
    QHash<QString, QString> nameForCallId;
    auto append = [&contents](const QString &role, const QJsonArray &parts) {
        if (parts.isEmpty())
            return;
        if (!contents.isEmpty()) {
            QJsonObject last = contents.last().toObject();
            if (last.value(QStringLiteral("role")).toString() == role) {
                QJsonArray merged = last.value(QStringLiteral("parts")).toArray();
                for (const QJsonValue &p : parts)
                    merged.append(p);
                last.insert(QStringLiteral("parts"), merged);
                contents.replace(contents.size() - 1, last);
                return;
            }
        }
        contents.append(QJsonObject{{QStringLiteral("role"), role}, {QStringLiteral("parts"), parts}});
    };
    for (const core::ChatMessage &m : request.messages) {
        switch (m.role) {
        case core::Role::System:
            if (!m.content.isEmpty())
                systemTexts.append(m.content);
            break;
        case core::Role::User:
            append(QStringLiteral("user"), QJsonArray{QJsonObject{{QStringLiteral("text"), m.content}}});
            break;
        case core::Role::Assistant: {
            QJsonArray parts;
            if (!m.content.isEmpty())
                parts.append(QJsonObject{{QStringLiteral("text"), m.content}});
            for (const core::ToolCall &call : m.toolCalls) {
                nameForCallId.insert(call.id, call.name);
                parts.append(
                    QJsonObject{{QStringLiteral("functionCall"),
                                 QJsonObject{{QStringLiteral("name"), call.name},
                                             {QStringLiteral("args"), argumentsObject(call.arguments)}}}});
            }
            append(QStringLiteral("model"), parts);
            break;
        }
        case core::Role::Tool: {
            QString name = m.name;
            if (name.isEmpty())
                name = nameForCallId.value(m.toolCallId);
            append(QStringLiteral("user"),
                   QJsonArray{
                       QJsonObject{{QStringLiteral("functionResponse"),
                                    QJsonObject{{QStringLiteral("name"), name},
                                                {QStringLiteral("response"), responseObject(m.content)}}}}});
            break;
        }
        }
    }
    QJsonObject body{{QStringLiteral("contents"), contents}};
    if (!systemTexts.isEmpty()) {
        body.insert(QStringLiteral("systemInstruction"),
                    QJsonObject{{QStringLiteral("parts"),
                                 QJsonArray{QJsonObject{
                                     {QStringLiteral("text"), systemTexts.join(QStringLiteral("\n\n"))}}}}});
    }
    if (!request.tools.isEmpty()) {
        QJsonArray declarations;
        for (const core::ToolDefinition &tool : request.tools) {
            QJsonObject decl{{QStringLiteral("name"), tool.name}};
            if (!tool.description.isEmpty())
                decl.insert(QStringLiteral("description"), tool.description);
            if (!tool.parameters.isEmpty())
                decl.insert(QStringLiteral("parameters"), toVertexSchema(tool.parameters));
            declarations.append(decl);
        }
        body.insert(QStringLiteral("tools"),
                    QJsonArray{QJsonObject{{QStringLiteral("functionDeclarations"), declarations}}});
        QJsonObject config;
        switch (request.toolChoice.mode) {
        case ToolChoice::Mode::Auto:
            config.insert(QStringLiteral("mode"), QStringLiteral("AUTO"));
            break;
        case ToolChoice::Mode::None:
            config.insert(QStringLiteral("mode"), QStringLiteral("NONE"));
            break;
        case ToolChoice::Mode::Required:
            config.insert(QStringLiteral("mode"), QStringLiteral("ANY"));
            break;
        case ToolChoice::Mode::Function:
            config.insert(QStringLiteral("mode"), QStringLiteral("ANY"));
            config.insert(QStringLiteral("allowedFunctionNames"),
                          QJsonArray{request.toolChoice.functionName});
            break;
        }
        body.insert(QStringLiteral("toolConfig"),
                    QJsonObject{{QStringLiteral("functionCallingConfig"), config}});
    }
    QJsonObject generation;
    if (request.temperature)
        generation.insert(QStringLiteral("temperature"), *request.temperature);
    if (request.maxTokens)
        generation.insert(QStringLiteral("maxOutputTokens"), *request.maxTokens);
    // JSON mode; a schema goes in Gemini's OpenAPI subset (toVertexSchema), and the turn checks
    // the answer against the full schema, so keywords the subset lacks still hold.
    if (request.responseFormat.isJson())
        generation.insert(QStringLiteral("responseMimeType"), QStringLiteral("application/json"));
    if (request.responseFormat.kind == core::ResponseFormat::Kind::JsonSchema)
        generation.insert(QStringLiteral("responseSchema"), toVertexSchema(request.responseFormat.schema));
    if (!generation.isEmpty())
        body.insert(QStringLiteral("generationConfig"), generation);
    return body;
}

VertexResponseAccumulator::VertexResponseAccumulator(QString who, qsizetype conversationPosition,
                                                     std::function<void(const Delta &)> onDelta)
    : m_who(std::move(who)), m_position(conversationPosition), m_onDelta(std::move(onDelta))
{
}

void VertexResponseAccumulator::reset()
{
    *this = VertexResponseAccumulator(std::move(m_who), m_position, std::move(m_onDelta));
}

core::Status VertexResponseAccumulator::add(const QJsonObject &response)
{
    if (response.contains(QStringLiteral("error"))) {
        const QString message =
            response.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
        return core::makeError(ErrorCode::ProviderUnavailable,
                               m_who + QStringLiteral(": the server reported an error: ") + message,
                               {{QStringLiteral("provider_message"), message}});
    }
    m_sawResponse = true;
    const QJsonObject feedback = response.value(QStringLiteral("promptFeedback")).toObject();
    if (const QString reason = feedback.value(QStringLiteral("blockReason")).toString(); !reason.isEmpty()) {
        QString message = m_who + QStringLiteral(": the prompt was blocked (%1)").arg(reason);
        if (const QString why = feedback.value(QStringLiteral("blockReasonMessage")).toString();
            !why.isEmpty())
            message += QStringLiteral(": ") + why;
        return core::makeError(ErrorCode::ProviderBadRequest, message,
                               {{QStringLiteral("block_reason"), reason},
                                {QStringLiteral("finish_reason"), finish::ContentFilter}});
    }
    if (const QString version = response.value(QStringLiteral("modelVersion")).toString(); !version.isEmpty())
        m_model = version;
    if (response.value(QStringLiteral("usageMetadata")).isObject()) {
        const QJsonObject usage = response.value(QStringLiteral("usageMetadata")).toObject();
        m_usage.promptTokens = usage.value(QStringLiteral("promptTokenCount")).toInteger();
        m_usage.completionTokens = usage.value(QStringLiteral("candidatesTokenCount")).toInteger() +
                                   usage.value(QStringLiteral("thoughtsTokenCount")).toInteger();
        m_usage.totalTokens = usage.value(QStringLiteral("totalTokenCount")).toInteger();
    }
    const QJsonArray candidates = response.value(QStringLiteral("candidates")).toArray();
    if (candidates.isEmpty())
        return {};
    const QJsonObject candidate = candidates.first().toObject();
    for (const QJsonValue &p :
         candidate.value(QStringLiteral("content")).toObject().value(QStringLiteral("parts")).toArray()) {
        const QJsonObject part = p.toObject();
        if (part.value(QStringLiteral("thought")).toBool())
            continue; // thinking summaries are not part of the answer
        if (part.value(QStringLiteral("text")).isString()) {
            const QString text = part.value(QStringLiteral("text")).toString();
            if (text.isEmpty())
                continue;
            m_content += text;
            emitDelta(Delta{text, -1, {}, {}, {}});
        } else if (part.value(QStringLiteral("functionCall")).isObject()) {
            const QJsonObject fc = part.value(QStringLiteral("functionCall")).toObject();
            const QString name = fc.value(QStringLiteral("name")).toString();
            if (name.isEmpty())
                return core::makeError(ErrorCode::ProviderMalformed,
                                       m_who + QStringLiteral(": a function call has no name"));
            const QString args =
                QString::fromUtf8(core::toCompactJson(fc.value(QStringLiteral("args")).toObject()));
            const int index = static_cast<int>(m_calls.size());
            m_calls.append(core::ToolCall{vertexToolCallId(m_position, index, name, args), name, args});
            emitDelta(Delta{{}, index, m_calls.last().id, name, args});
        }
    }
    if (const QString reason = candidate.value(QStringLiteral("finishReason")).toString();
        !reason.isEmpty()) {
        m_finishReason = reason;
        m_finishMessage = candidate.value(QStringLiteral("finishMessage")).toString();
    }
    return {};
}

core::Status VertexResponseAccumulator::feed(const QByteArray &bytes)
{
    for (const SseEvent &event : m_parser.feed(bytes)) {
        const auto parsed = core::parseJsonObject(event.data.toUtf8());
        if (!parsed)
            return core::makeError(ErrorCode::ProviderMalformed,
                                   m_who + QStringLiteral(": a stream event is not JSON: ") +
                                       parsed.error().message);
        const core::Status status = add(parsed.value());
        if (!status)
            return status;
    }
    return {};
}

core::Status VertexResponseAccumulator::end()
{
    for (const SseEvent &event : m_parser.finish()) {
        const auto parsed = core::parseJsonObject(event.data.toUtf8());
        if (!parsed)
            return core::makeError(ErrorCode::ProviderMalformed,
                                   m_who + QStringLiteral(": a stream event is not JSON: ") +
                                       parsed.error().message);
        const core::Status status = add(parsed.value());
        if (!status)
            return status;
    }
    if (m_finishReason.isEmpty())
        return core::makeError(ErrorCode::ProviderUnavailable,
                               m_who + QStringLiteral(": the stream ended before the answer was complete"));
    return {};
}

core::Result<Completion> VertexResponseAccumulator::completion() const
{
    if (!m_sawResponse)
        return core::makeError(ErrorCode::ProviderMalformed, m_who + QStringLiteral(": empty answer"));
    Completion c;
    c.content = m_content;
    c.toolCalls = m_calls;
    c.finishReason = normaliseFinishReason(m_finishReason);
    if (c.finishReason == QLatin1String("finish_reason_unspecified") ||
        c.finishReason == QLatin1String("other"))
        c.finishReason = m_content.isEmpty() && m_calls.isEmpty() ? finish::Error : finish::Stop;
    c.usage = m_usage;
    c.model = m_model;
    if (c.content.isEmpty() && c.toolCalls.isEmpty()) {
        if (m_finishReason.isEmpty())
            return core::makeError(ErrorCode::ProviderMalformed,
                                   m_who + QStringLiteral(": the answer has no candidates"));
        if (c.finishReason != finish::Stop && c.finishReason != finish::Length &&
            c.finishReason != finish::ContentFilter) {
            QString message =
                m_who + QStringLiteral(": the model produced no usable answer (%1)").arg(m_finishReason);
            if (!m_finishMessage.isEmpty())
                message += QStringLiteral(": ") + m_finishMessage;
            return core::makeError(ErrorCode::ProviderMalformed, message,
                                   {{QStringLiteral("finish_reason"), m_finishReason}});
        }
    }
    return c;
}

void VertexResponseAccumulator::emitDelta(const Delta &delta)
{
    m_delivered = true;
    if (m_onDelta)
        m_onDelta(delta);
}

} // namespace agency::llm

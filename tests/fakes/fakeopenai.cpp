#include "fakeopenai.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace agency::test {

namespace openai {

namespace {

QJsonObject usageJson(const core::Usage &usage)
{
    return QJsonObject{{QStringLiteral("prompt_tokens"), usage.promptTokens},
                       {QStringLiteral("completion_tokens"), usage.completionTokens},
                       {QStringLiteral("total_tokens"), usage.totalTokens}};
}

QByteArray compact(const QJsonObject &obj)
{
    return QJsonDocument(obj).toJson(QJsonDocument::Compact);
}

QJsonObject chunk(const QJsonObject &delta, const QJsonValue &finishReason = QJsonValue::Null)
{
    return QJsonObject{
        {QStringLiteral("id"), QStringLiteral("chatcmpl-fake")},
        {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
        {QStringLiteral("created"), 1700000000},
        {QStringLiteral("model"), QStringLiteral("gpt-fake")},
        {QStringLiteral("choices"), QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                           {QStringLiteral("delta"), delta},
                                                           {QStringLiteral("finish_reason"), finishReason}}}},
    };
}

} // namespace

QJsonObject completion(const QString &content, const QList<core::ToolCall> &calls,
                       const QString &finishReason, const core::Usage &usage, const QString &model)
{
    QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")},
                        {QStringLiteral("content"), content.isEmpty() && !calls.isEmpty()
                                                        ? QJsonValue(QJsonValue::Null)
                                                        : QJsonValue(content)}};
    if (!calls.isEmpty())
        message.insert(QStringLiteral("tool_calls"), core::toolCallsToJson(calls));
    const QString finish = !finishReason.isEmpty() ? finishReason
                           : calls.isEmpty()       ? QStringLiteral("stop")
                                                   : QStringLiteral("tool_calls");
    return QJsonObject{
        {QStringLiteral("id"), QStringLiteral("chatcmpl-fake")},
        {QStringLiteral("object"), QStringLiteral("chat.completion")},
        {QStringLiteral("created"), 1700000000},
        {QStringLiteral("model"), model},
        {QStringLiteral("choices"), QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                           {QStringLiteral("message"), message},
                                                           {QStringLiteral("finish_reason"), finish}}}},
        {QStringLiteral("usage"), usageJson(usage)},
    };
}

FakeResponse textReply(const QString &content, const core::Usage &usage)
{
    return FakeResponse::json(200, completion(content, {}, {}, usage));
}

FakeResponse toolCallReply(const QList<core::ToolCall> &calls, const core::Usage &usage)
{
    return FakeResponse::json(200, completion({}, calls, {}, usage));
}

QList<QByteArray> streamPayloads(const QStringList &textPieces, const QList<core::ToolCall> &calls,
                                 std::optional<core::Usage> usage, int argumentPieceSize, bool done)
{
    QList<QByteArray> out;
    out.append(compact(chunk(QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                                         {QStringLiteral("content"), QString()}})));
    for (const QString &piece : textPieces)
        out.append(compact(chunk(QJsonObject{{QStringLiteral("content"), piece}})));
    for (int i = 0; i < calls.size(); ++i) {
        const core::ToolCall &call = calls.at(i);
        const QJsonObject head{
            {QStringLiteral("index"), i},
            {QStringLiteral("id"), call.id},
            {QStringLiteral("type"), QStringLiteral("function")},
            {QStringLiteral("function"),
             QJsonObject{{QStringLiteral("name"), call.name}, {QStringLiteral("arguments"), QString()}}}};
        out.append(compact(chunk(QJsonObject{{QStringLiteral("tool_calls"), QJsonArray{head}}})));
        const int step = std::max(1, argumentPieceSize);
        for (qsizetype at = 0; at < call.arguments.size(); at += step) {
            const QJsonObject fragment{
                {QStringLiteral("index"), i},
                {QStringLiteral("function"),
                 QJsonObject{{QStringLiteral("arguments"), call.arguments.mid(at, step)}}}};
            out.append(compact(chunk(QJsonObject{{QStringLiteral("tool_calls"), QJsonArray{fragment}}})));
        }
    }
    out.append(compact(
        chunk(QJsonObject(), calls.isEmpty() ? QStringLiteral("stop") : QStringLiteral("tool_calls"))));
    if (usage) {
        QJsonObject usageChunk = chunk(QJsonObject());
        usageChunk.insert(QStringLiteral("choices"), QJsonArray());
        usageChunk.insert(QStringLiteral("usage"), usageJson(*usage));
        out.append(compact(usageChunk));
    }
    if (done)
        out.append("[DONE]");
    return out;
}

FakeResponse streamReply(const QStringList &textPieces, const QList<core::ToolCall> &calls,
                         std::optional<core::Usage> usage, int delayMs)
{
    return FakeResponse::sse(streamPayloads(textPieces, calls, usage), delayMs);
}

FakeResponse errorReply(int status, const QString &message, const QString &type)
{
    return FakeResponse::json(status, QJsonObject{{QStringLiteral("error"),
                                                   QJsonObject{{QStringLiteral("message"), message},
                                                               {QStringLiteral("type"), type},
                                                               {QStringLiteral("param"), QJsonValue::Null},
                                                               {QStringLiteral("code"), QJsonValue::Null}}}});
}

} // namespace openai

void FakeOpenAiServer::enqueueText(const QString &content, const core::Usage &usage)
{
    enqueue(openai::textReply(content, usage));
}

void FakeOpenAiServer::enqueueToolCalls(const QList<core::ToolCall> &calls, const core::Usage &usage)
{
    enqueue(openai::toolCallReply(calls, usage));
}

void FakeOpenAiServer::enqueueStream(const QStringList &textPieces, const QList<core::ToolCall> &calls,
                                     int delayMs)
{
    enqueue(openai::streamReply(textPieces, calls, core::Usage{12, 7, 19}, delayMs));
}

QList<RecordedRequest> FakeOpenAiServer::chatRequests() const
{
    QList<RecordedRequest> out;
    for (const RecordedRequest &r : requests()) {
        if (r.method == "POST" && r.path().endsWith(QLatin1String("/chat/completions")))
            out.append(r);
    }
    return out;
}

} // namespace agency::test

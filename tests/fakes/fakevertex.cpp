#include "fakevertex.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace agency::test::vertex {

namespace {

QJsonObject usageJson(const core::Usage &usage)
{
    return QJsonObject{{QStringLiteral("promptTokenCount"), usage.promptTokens},
                       {QStringLiteral("candidatesTokenCount"), usage.completionTokens},
                       {QStringLiteral("totalTokenCount"), usage.totalTokens}};
}

QJsonArray parts(const QString &text, const QList<core::ToolCall> &calls)
{
    QJsonArray out;
    if (!text.isEmpty())
        out.append(QJsonObject{{QStringLiteral("text"), text}});
    for (const core::ToolCall &call : calls) {
        out.append(QJsonObject{{QStringLiteral("functionCall"),
                                QJsonObject{{QStringLiteral("name"), call.name},
                                            {QStringLiteral("args"),
                                             QJsonDocument::fromJson(call.arguments.toUtf8()).object()}}}});
    }
    return out;
}

QJsonObject candidateResponse(const QString &text, const QList<core::ToolCall> &calls,
                              const QString &finishReason, std::optional<core::Usage> usage)
{
    QJsonObject candidate{
        {QStringLiteral("content"), QJsonObject{{QStringLiteral("role"), QStringLiteral("model")},
                                                {QStringLiteral("parts"), parts(text, calls)}}},
        {QStringLiteral("index"), 0}};
    if (!finishReason.isEmpty())
        candidate.insert(QStringLiteral("finishReason"), finishReason);
    QJsonObject out{{QStringLiteral("candidates"), QJsonArray{candidate}},
                    {QStringLiteral("modelVersion"), QStringLiteral("gemini-fake-001")}};
    if (usage)
        out.insert(QStringLiteral("usageMetadata"), usageJson(*usage));
    return out;
}

} // namespace

QJsonObject response(const QString &text, const QList<core::ToolCall> &calls, const QString &finishReason,
                     const core::Usage &usage)
{
    return candidateResponse(text, calls, finishReason, usage);
}

FakeResponse textReply(const QString &text, const core::Usage &usage)
{
    return FakeResponse::json(200, response(text, {}, QStringLiteral("STOP"), usage));
}

FakeResponse functionCallReply(const QList<core::ToolCall> &calls, const core::Usage &usage)
{
    return FakeResponse::json(200, response({}, calls, QStringLiteral("STOP"), usage));
}

FakeResponse blockedPromptReply(const QString &reason)
{
    return FakeResponse::json(
        200, QJsonObject{{QStringLiteral("promptFeedback"),
                          QJsonObject{{QStringLiteral("blockReason"), reason},
                                      {QStringLiteral("blockReasonMessage"), QStringLiteral("fake block")}}},
                         {QStringLiteral("usageMetadata"), usageJson({5, 0, 5})}});
}

QList<QByteArray> streamPayloads(const QStringList &textPieces, const QList<core::ToolCall> &calls,
                                 const core::Usage &usage)
{
    QList<QByteArray> out;
    for (qsizetype i = 0; i < textPieces.size(); ++i) {
        const bool last = i == textPieces.size() - 1 && calls.isEmpty();
        out.append(
            QJsonDocument(candidateResponse(textPieces.at(i), {}, last ? QStringLiteral("STOP") : QString(),
                                            last ? std::optional<core::Usage>(usage) : std::nullopt))
                .toJson(QJsonDocument::Compact));
    }
    if (!calls.isEmpty()) {
        out.append(QJsonDocument(candidateResponse({}, calls, QStringLiteral("STOP"), usage))
                       .toJson(QJsonDocument::Compact));
    }
    return out;
}

FakeResponse streamReply(const QStringList &textPieces, const QList<core::ToolCall> &calls, int delayMs)
{
    // Google ends SSE events with CRLF pairs; exercise that on the client.
    QList<FakeChunk> chunks;
    for (const QByteArray &payload : streamPayloads(textPieces, calls))
        chunks.append(FakeChunk{"data: " + payload + "\r\n\r\n", chunks.isEmpty() ? 0 : delayMs});
    return FakeResponse::sseChunks(chunks);
}

FakeResponse errorReply(int status, const QString &message, const QString &statusText)
{
    return FakeResponse::json(
        status, QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), status},
                                                                  {QStringLiteral("message"), message},
                                                                  {QStringLiteral("status"), statusText}}}});
}

} // namespace agency::test::vertex

#pragma once

// Response builders for Gemini's generateContent wire format (Vertex AI and the Gemini API), and a
// FakeHttpServer preset speaking it. Function calls are given as ToolCalls whose `arguments` is a
// JSON object text; their ids are ignored (Gemini sends none).

#include "fakehttpserver.h"

#include "core/message.h"

#include <QStringList>

namespace agency::test {

namespace vertex {

/// A GenerateContentResponse with one candidate.
QJsonObject response(const QString &text, const QList<core::ToolCall> &calls = {},
                     const QString &finishReason = QStringLiteral("STOP"),
                     const core::Usage &usage = {20, 9, 29});

FakeResponse textReply(const QString &text, const core::Usage &usage = {20, 9, 29});
FakeResponse functionCallReply(const QList<core::ToolCall> &calls, const core::Usage &usage = {20, 9, 29});
/// promptFeedback.blockReason, no candidates.
FakeResponse blockedPromptReply(const QString &reason = QStringLiteral("SAFETY"));

/// `streamGenerateContent?alt=sse` payloads: one response per text piece (the last one carrying
/// finishReason and usageMetadata), function calls in a final chunk.
QList<QByteArray> streamPayloads(const QStringList &textPieces, const QList<core::ToolCall> &calls = {},
                                 const core::Usage &usage = {20, 9, 29});
FakeResponse streamReply(const QStringList &textPieces, const QList<core::ToolCall> &calls = {},
                         int delayMs = 0);

/// Google's error shape: {"error": {"code", "message", "status"}}.
FakeResponse errorReply(int status, const QString &message,
                        const QString &statusText = QStringLiteral("INVALID_ARGUMENT"));

} // namespace vertex

/// A FakeHttpServer preset for Vertex AI / Gemini API clients: baseUrl() is the origin (paths
/// /v1/projects/... and /v1beta/models/... are both served from the queue).
class FakeVertexServer : public FakeHttpServer
{
    Q_OBJECT

public:
    using FakeHttpServer::FakeHttpServer;

    QString baseUrl() const { return origin(); }
    void enqueueText(const QString &text) { enqueue(vertex::textReply(text)); }
    void enqueueFunctionCalls(const QList<core::ToolCall> &calls)
    {
        enqueue(vertex::functionCallReply(calls));
    }
    void enqueueStream(const QStringList &pieces, const QList<core::ToolCall> &calls = {}, int delayMs = 0)
    {
        enqueue(vertex::streamReply(pieces, calls, delayMs));
    }
};

} // namespace agency::test

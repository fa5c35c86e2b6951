#pragma once

// The Gemini generateContent wire format (Vertex AI v1 and the Gemini API v1beta share it):
// request conversion, response parsing and stream accumulation. Pure functions and plain values.

#include "core/result.h"
#include "llm/completion.h"
#include "llm/sseparser.h"

#include <QJsonObject>

#include <functional>

namespace agency::llm {

/// Converts a tool's JSON Schema to Vertex's OpenAPI-subset Schema object: upper-case `type`,
/// ["x","null"] → type + nullable, `const` → one-value enum, `oneOf` → `anyOf`, enum values as
/// strings; keywords Vertex does not know (`$schema`, `additionalProperties`, `$ref`, unsupported
/// `format`s…) are dropped rather than sent, because the API rejects unknown fields.
QJsonObject toVertexSchema(const QJsonObject &jsonSchema);

/// The GenerateContentRequest body: system messages → `systemInstruction`; user → role "user";
/// assistant → role "model" with `text` and `functionCall` parts; tool results → `functionResponse`
/// parts (role "user") named after the call they answer (by ToolCall id when the message has no
/// name); adjacent turns of the same role merged; tools → `functionDeclarations`; tool_choice →
/// `toolConfig.functionCallingConfig` (AUTO / NONE / ANY, + allowedFunctionNames for a named one);
/// temperature / max tokens → `generationConfig`; a JSON response format → its
/// `responseMimeType` "application/json" and (with a schema) `responseSchema`.
QJsonObject buildGenerateContentRequest(const CompletionRequest &request);

/// Gemini returns function calls without usable ids. Ours are derived from the conversation
/// position (number of messages sent, which grows every turn), the call's index in the answer, its
/// name and its arguments: the same answer to the same history always gets the same ids, and a
/// later turn never reuses an earlier turn's id.
QString vertexToolCallId(qsizetype conversationPosition, int index, const QString &name,
                         const QString &arguments);

/// Assembles one GenerateContentResponse (non-streamed) or a `streamGenerateContent?alt=sse`
/// sequence of them into a Completion, passing Deltas to the caller as they come.
/// Blocked prompts (promptFeedback.blockReason) and blocked or malformed answers with nothing in
/// them become errors (ProviderBadRequest / ProviderMalformed), never an empty success.
class VertexResponseAccumulator
{
public:
    VertexResponseAccumulator(QString who, qsizetype conversationPosition,
                              std::function<void(const Delta &)> onDelta = {});

    /// One GenerateContentResponse object.
    core::Status add(const QJsonObject &response);
    /// Network bytes of an SSE body, in any split.
    core::Status feed(const QByteArray &bytes);
    /// End of an SSE body: ProviderUnavailable if no finish reason arrived.
    core::Status end();
    void reset();

    bool delivered() const { return m_delivered; }
    /// The answer so far (call after add() or end() succeeded). Not yet finalised.
    core::Result<Completion> completion() const;

private:
    void emitDelta(const Delta &delta);

    QString m_who;
    qsizetype m_position;
    std::function<void(const Delta &)> m_onDelta;
    SseParser m_parser;
    bool m_delivered = false;
    bool m_sawResponse = false;
    QString m_content;
    QList<core::ToolCall> m_calls;
    QString m_finishReason; ///< raw Gemini value, e.g. "STOP", "SAFETY"
    QString m_finishMessage;
    QString m_model;
    core::Usage m_usage;
};

} // namespace agency::llm

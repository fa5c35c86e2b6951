#pragma once

// The OpenAI chat-completions wire format (also Mistral's and every OpenAI-compatible server's):
// request building, response parsing and stream accumulation. Pure functions and plain values,
// separated from the HTTP adapter so they can be tested and reused without a network.

#include "core/result.h"
#include "llm/completion.h"
#include "llm/sseparser.h"

#include <QHash>
#include <QJsonObject>
#include <QUrl>

#include <functional>

namespace agency::llm {

/// Where OpenAI-compatible servers differ, checked against each provider's published schema.
struct OpenAiDialect
{
    QString name;                                            ///< ProviderInfo::name ("openai", "mistral")
    QString displayName;                                     ///< for messages ("OpenAI", "Mistral")
    QString requiredToolChoice = QStringLiteral("required"); ///< Mistral also documents "any"
    bool streamUsageOption = true;     ///< send stream_options.include_usage (Mistral rejects it)
    bool normaliseToolCallIds = false; ///< Mistral: ids must be exactly 9 characters [a-zA-Z0-9]
    bool toolMessageName = false;      ///< send `name` on tool messages (Mistral's schema has it)
    bool maxCompletionTokens = false;  ///< api.openai.com: max_completion_tokens (max_tokens is deprecated)

    /// OpenAI proper when `baseUrl` is on openai.com; a generic OpenAI-compatible server otherwise
    /// (Ollama, llama.cpp, vLLM), which gets the widely supported `max_tokens`.
    static OpenAiDialect openAi(const QUrl &baseUrl);
    static OpenAiDialect mistral();
};

/// The body of POST {base}/chat/completions, as compact JSON text (keys in QJsonObject's order).
QByteArray buildChatRequest(const CompletionRequest &request, const OpenAiDialect &dialect,
                            const QString &model, bool stream);

/// Parses a non-streamed chat.completion body. Errors: ProviderMalformed (not JSON, no choices),
/// ProviderUnavailable (a 200 carrying an `error` object). The result is not yet finalised
/// (see finaliseCompletion).
core::Result<Completion> parseChatResponse(const QByteArray &body);

/// Deterministic 9-character [a-zA-Z0-9] id for Mistral: ids already in that form are kept,
/// others are hashed (so an assistant tool call and the tool message answering it still match).
QString mistralToolCallId(const QString &id);

/// Deterministic id for a tool call a server sent without one.
QString fallbackToolCallId(int index, const QString &name, const QString &arguments);

/// Assembles a streamed chat.completion.chunk sequence into a Completion while passing Deltas to
/// the caller. Tool-call fragments are keyed by their `index`; a fragment carrying a different
/// id at an index already in use starts a new call (Mistral sends whole calls, all at index 0).
/// Tolerates a server that ignored `stream: true` and answered with one JSON body.
class OpenAiStreamAccumulator
{
public:
    explicit OpenAiStreamAccumulator(QString who, std::function<void(const Delta &)> onDelta = {});

    /// Network bytes of the SSE body, in any split.
    core::Status feed(const QByteArray &bytes);
    /// End of body: ProviderUnavailable if the stream stopped before its end ([DONE] or a finish
    /// reason), ProviderMalformed if it carried nothing.
    core::Status end();
    /// Forget everything received (a new attempt); the delta callback is kept.
    void reset();

    bool delivered() const { return m_delivered; }
    Completion completion() const;

private:
    core::Status onEvent(const SseEvent &event);
    core::Status onChunk(const QJsonObject &chunk);
    void emitDelta(const Delta &delta);

    QString m_who;
    std::function<void(const Delta &)> m_onDelta;
    SseParser m_parser;
    QByteArray m_raw; ///< body bytes while no event was seen (non-SSE fallback)
    int m_events = 0;
    bool m_done = false;
    bool m_delivered = false;
    QString m_content;
    QList<core::ToolCall> m_calls;
    QHash<int, int> m_slotForIndex;
    QString m_finishReason;
    QString m_model;
    core::Usage m_usage;
};

} // namespace agency::llm

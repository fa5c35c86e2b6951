#pragma once

#include "llm/provider.h"

namespace agency::llm {

/// The offline, deterministic "demo" provider: the program works out of the box with no key and no
/// network, and exercises the same paths as a real model.
///
/// - When a `get_weather` tool is offered (and tool_choice is not none) and the last user message
///   asks about the weather somewhere ("weather in Paris", "What's the weather in New York?"), it
///   answers with a tool call get_weather {"location": "<place>"}.
/// - When GitHub tools are offered and the last user message names a repository ("owner/name"),
///   it calls the fitting GitHub read tool(s) (demo::gitHubCalls), then reports on their results.
/// - When the last message is a tool result, it answers from it (temperature, conditions…).
/// - Otherwise it explains that it is the offline demo provider and how to configure a real one.
/// - A JSON response format wraps the answer: {"answer": text} for JSON mode, a value generated
///   from the schema (llm::exampleForSchema) for a JSON schema, so structured output works offline.
///
/// Streams word by word through CallOptions::onDelta (one word every `wordDelayMs`), reports an
/// estimated usage, honours cancellation. Thread affinity: the thread it was created on; callbacks
/// and futures finish there, never inside complete(). Errors: only Cancelled.
class DemoProvider final : public Provider
{
    Q_OBJECT

public:
    explicit DemoProvider(QString defaultModel = QStringLiteral("demo"), int wordDelayMs = 15,
                          QObject *parent = nullptr);

    core::Async<Completion> complete(const CompletionRequest &request, CallOptions options = {}) override;
    core::ProviderInfo info() const override;

    /// The answer complete() gives to `request` (before usage estimation). Pure.
    static Completion answer(const CompletionRequest &request);
    /// The place a weather question asks about ("What's the weather in new york?" → "New York"),
    /// or empty when the text is not a weather question naming a place.
    static QString weatherPlace(const QString &text);

private:
    QString m_defaultModel;
    int m_wordDelayMs;
};

} // namespace agency::llm

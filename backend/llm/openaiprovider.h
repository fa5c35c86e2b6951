#pragma once

#include "core/clock.h"
#include "llm/openaiwire.h"
#include "llm/provider.h"
#include "llm/providerconfig.h"

class QNetworkAccessManager;

namespace agency::llm {

/// Adapter for the OpenAI chat-completions protocol: OpenAI itself, Mistral (with
/// OpenAiDialect::mistral()) and any OpenAI-compatible server (Ollama, llama.cpp, vLLM) reached
/// through OPENAI_BASE_URL. POST {base}/chat/completions with `Authorization: Bearer <key>` (no
/// header when the key is empty, for local servers); streams via SSE when CallOptions::onDelta is
/// set. Thread affinity, ownership and error contract: see Provider. `nam` and `clock` must outlive
/// the provider.
class OpenAiProvider final : public Provider
{
    Q_OBJECT

public:
    OpenAiProvider(OpenAiDialect dialect, HttpProviderConfig config, QNetworkAccessManager *nam,
                   const core::Clock &clock, QObject *parent = nullptr);

    core::Async<Completion> complete(const CompletionRequest &request, CallOptions options = {}) override;
    core::ProviderInfo info() const override;

private:
    OpenAiDialect m_dialect;
    HttpProviderConfig m_config;
    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;
};

} // namespace agency::llm

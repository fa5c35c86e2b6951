#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "llm/embedder.h"
#include "llm/providerconfig.h"

#include <memory>

class QNetworkAccessManager;

namespace agency::llm {

/// Builds embedders from the providers' typed config, as ProviderFactory builds chat providers
/// (docs/design.md#providers): `demo` (offline), `openai` (and OpenAI-compatible servers through
/// OPENAI_BASE_URL), `mistral`, `vertex` (Vertex AI; the Gemini API when only GEMINI_API_KEY is
/// set) and `gemini`. Keys and base URLs are the chat providers' own settings; the retry policy is
/// the chat one with EMBEDDING_MAX_ATTEMPTS / EMBEDDING_RETRY_MAX_TOTAL_MS.
///
/// Model choice: an explicit `model`, else EMBEDDING_MODEL when creating EMBEDDING_PROVIDER, else
/// the provider's default (defaultModel()). A tenant's own choice (its settings) is resolved by
/// the caller and passed in.
///
/// Thread affinity: create() must run on the thread owning `nam`; the embedders live there.
/// Ownership: `nam` and `clock` must outlive the factory and every embedder it made. Errors:
/// NotConfigured naming the missing setting, NotFound for an unknown provider name.
class EmbedderFactory
{
public:
    EmbedderFactory(ProviderConfig config, QNetworkAccessManager *nam, const core::Clock &clock);

    /// A new embedder; `provider` empty = EMBEDDING_PROVIDER.
    core::Result<std::shared_ptr<Embedder>> create(const QString &provider = {},
                                                   const QString &model = {}) const;

    /// "provider/model" that create(provider, model) would use, without creating it.
    QString resolveModelName(const QString &provider = {}, const QString &model = {}) const;

    /// demo, openai, mistral, vertex, gemini.
    static QStringList names();
    /// demo-embedding, text-embedding-3-small, mistral-embed, text-embedding-005, text-embedding-004.
    static QString defaultModel(const QString &provider);
    QString defaultProvider() const { return m_config.embedding.provider; }

private:
    QString resolveProvider(const QString &provider) const;
    QString resolveModel(const QString &provider, const QString &model) const;

    ProviderConfig m_config;
    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;
};

} // namespace agency::llm

#pragma once

#include "core/clock.h"
#include "llm/provider.h"
#include "llm/providerconfig.h"
#include "llm/vertexprovider.h"

#include <memory>

class QNetworkAccessManager;

namespace agency::llm {

/// Builds providers from their typed config (docs/design.md#providers): `demo`, `openai` (and any
/// OpenAI-compatible server via OPENAI_BASE_URL), `mistral`, `vertex` (Vertex AI; falls back to the Gemini
/// API when only GEMINI_API_KEY is set) and `gemini` (the Gemini API with GEMINI_API_KEY).
///
/// Model choice: an explicit `model` argument, else LLM_MODEL when creating the default provider
/// (LLM_PROVIDER), else the provider's own *_MODEL setting.
///
/// Thread affinity: create() must run on the thread owning `nam`; the providers live there.
/// Ownership: the factory keeps a copy of the config; `nam` and `clock` must outlive it and every
/// provider it made. Errors: NotConfigured naming the missing setting ("OPENAI_API_KEY is not
/// set"), NotFound for an unknown provider name.
class ProviderFactory
{
public:
    ProviderFactory(ProviderConfig config, QNetworkAccessManager *nam, const core::Clock &clock);

    /// A new provider; `name` empty = LLM_PROVIDER, `model` empty = see class comment.
    core::Result<std::shared_ptr<Provider>> create(const QString &name = {}, const QString &model = {}) const;

    /// A factory with provider `name`'s endpoint replaced field by field by the non-empty fields
    /// of `endpoint` (vertex and gemini: the Gemini API's URL and key, Vertex's model). Same
    /// network manager and clock. For "Test connection" with values not saved yet.
    ProviderFactory withEndpoint(const QString &name, const ProviderEndpoint &endpoint) const;
    /// A factory with Vertex AI's project, location and base URL replaced by the non-empty fields
    /// of `vertex` (its other fields are ignored). For "Test connection", like withEndpoint().
    ProviderFactory withVertexLocation(const VertexSettings &vertex) const;

    /// Every known provider with its default model and whether it is configured.
    QList<core::ProviderInfo> providers() const;
    /// One provider's description, without creating it. Unknown names give configured=false.
    core::ProviderInfo describe(const QString &name) const;

    /// demo, openai, mistral, vertex, gemini.
    static QStringList names();
    /// The default provider name (LLM_PROVIDER, lower case).
    QString defaultProvider() const { return m_config.defaultProvider; }

    /// Vertex AI's resolved endpoint and a new token source (owned by the caller; null in Gemini
    /// API mode, chosen when `forceGeminiApi` or when only GEMINI_API_KEY is set), for `model`.
    /// Shared by the chat provider and the embedder (EmbedderFactory).
    struct VertexSetup
    {
        VertexConfig config;
        std::unique_ptr<AccessTokenSource> tokens;
    };
    core::Result<std::shared_ptr<VertexSetup>> vertexSetup(bool forceGeminiApi, const QString &model) const;

private:
    QString resolveModel(const QString &name, const QString &model) const;
    /// The first missing setting for `name` with its message, or an empty error message when usable.
    core::Error missing(const QString &name) const;
    HttpProviderConfig httpConfig(const QString &baseUrl, const QString &apiKey, const QString &model) const;
    core::Result<std::shared_ptr<Provider>> createVertex(bool forceGeminiApi, const QString &model) const;

    ProviderConfig m_config;
    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;
};

} // namespace agency::llm

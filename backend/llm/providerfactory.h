#pragma once

#include "config/settings.h"
#include "core/clock.h"
#include "llm/provider.h"
#include "llm/providerconfig.h"

#include <memory>

class QNetworkAccessManager;

namespace agency::llm {

/// Builds providers from settings (DESIGN.md §4, §9): `demo`, `openai` (and any OpenAI-compatible
/// server via OPENAI_BASE_URL), `mistral`, `vertex` (Vertex AI; falls back to the Gemini API when
/// only GEMINI_API_KEY is set) and `gemini` (the Gemini API with GEMINI_API_KEY).
///
/// Model choice: an explicit `model` argument, else LLM_MODEL when creating the default provider
/// (LLM_PROVIDER), else the provider's own *_MODEL setting.
///
/// Thread affinity: create() must run on the thread owning `nam`; the providers live there.
/// Ownership: the factory keeps a copy of the settings; `nam` and `clock` must outlive it and every
/// provider it made. Errors: NotConfigured naming the missing setting ("OPENAI_API_KEY is not
/// set"), NotFound for an unknown provider name, InvalidArgument for a malformed setting.
class ProviderFactory
{
public:
    ProviderFactory(const config::Settings &settings, QNetworkAccessManager *nam, const core::Clock &clock);

    /// A new provider; `name` empty = LLM_PROVIDER, `model` empty = see class comment.
    core::Result<std::shared_ptr<Provider>> create(const QString &name = {}, const QString &model = {}) const;

    /// Every known provider with its default model and whether it is configured.
    QList<core::ProviderInfo> providers() const;
    /// One provider's description, without creating it. Unknown names give configured=false.
    core::ProviderInfo describe(const QString &name) const;

    /// demo, openai, mistral, vertex, gemini.
    static QStringList names();
    /// The effective default provider name (LLM_PROVIDER, lowercased; "demo" when empty).
    QString defaultProvider() const;

    core::Result<HttpTimeouts> timeouts() const;
    core::Result<RetryPolicy> retryPolicy() const;

private:
    QString resolveModel(const QString &name, const QString &model) const;
    /// The first missing setting for `name` with its message, or an empty error message when usable.
    core::Error missing(const QString &name) const;
    core::Result<HttpProviderConfig> httpConfig(const QString &baseKey, const QString &baseUrl,
                                                const QString &keyKey, const QString &model) const;
    core::Result<std::shared_ptr<Provider>> createVertex(bool forceGeminiApi, const QString &model) const;

    config::Settings m_settings;
    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;
};

} // namespace agency::llm

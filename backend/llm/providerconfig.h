#pragma once

#include "llm/httpcall.h"

#include <QString>

namespace agency::llm {

/// Settings shared by the HTTP adapters, resolved by ProviderFactory (or a test) from config.
/// Plain value. `apiKey` is a secret: adapters send it only to `baseUrl`'s origin and never log it.
struct HttpProviderConfig
{
    QString baseUrl;      ///< e.g. "https://api.openai.com/v1" (no trailing slash needed)
    QString apiKey;       ///< may be empty for local OpenAI-compatible servers
    QString defaultModel; ///< used when CompletionRequest::model is empty
    HttpTimeouts timeouts;
    RetryPolicy retry;
};

/// One HTTP provider's endpoint (OpenAI, Mistral, the Gemini API).
struct ProviderEndpoint
{
    QString baseUrl; ///< an http(s) URL (validated with the settings)
    QString apiKey;  ///< secret; may be empty
    QString model;   ///< the provider's default model (*_MODEL)
};

/// Vertex AI's settings (VERTEX_AI_*, GOOGLE_*, GCE_METADATA_HOST).
struct VertexSettings
{
    QString projectId;             ///< empty: the service-account file's project_id
    QString location;              ///< region, or "global"
    QString model;                 ///< also the Gemini API's default model
    QString baseUrl;               ///< empty: derived from the location
    QString accessToken;           ///< secret; an OAuth token used as is
    QString credentialsFile;       ///< service-account JSON key
    QString tokenUrl;              ///< OAuth token endpoint for the service account
    bool tokenUrlExplicit = false; ///< set by the user: wins over the key file's token_uri
    QString metadataHost;          ///< GCP metadata server host (on GCP)
};

/// The embedding model documents are indexed with (EMBEDDING_*; EmbedderFactory). Embedding runs
/// in the background, so it may wait longer for a rate-limited provider than a chat turn does.
struct EmbeddingSettings
{
    QString provider = QStringLiteral("demo"); ///< EMBEDDING_PROVIDER, lower case
    QString model;                             ///< EMBEDDING_MODEL; empty: the provider's default
    int maxAttempts = 6;                       ///< EMBEDDING_MAX_ATTEMPTS, per request
    qint64 retryMaxTotalMs = 300'000;          ///< EMBEDDING_RETRY_MAX_TOTAL_MS, per request
};

/// Everything ProviderFactory needs, resolved once from the validated settings by the
/// composition root. Plain value.
struct ProviderConfig
{
    QString defaultProvider = QStringLiteral("demo"); ///< LLM_PROVIDER, lower case
    QString defaultModel;                             ///< LLM_MODEL: the default provider's model
    HttpTimeouts timeouts;
    RetryPolicy retry;
    ProviderEndpoint openAi;
    ProviderEndpoint mistral;
    ProviderEndpoint gemini; ///< model unused: the Gemini API uses vertex.model
    VertexSettings vertex;
    EmbeddingSettings embedding;
};

/// `base` + `path` with exactly one slash between them.
inline QString joinUrl(const QString &base, const QString &path)
{
    QString b = base;
    while (b.endsWith(u'/'))
        b.chop(1);
    if (path.startsWith(u'/'))
        return b + path;
    return b + u'/' + path;
}

} // namespace agency::llm

#pragma once

#include <QString>

namespace agency::core {

/// What the UI/API shows about a provider, and whether it can be used as configured.
struct ProviderInfo
{
    QString name;         ///< value of LLM_PROVIDER / --provider: demo | openai | mistral | vertex | gemini
    QString displayName;  ///< human name, e.g. "OpenAI"
    QString defaultModel; ///< the model used when a request names none
    bool configured = false;
    QString missingSetting; ///< when not configured: the first setting to set, e.g. "OPENAI_API_KEY"
    bool supportsTools = true;
    bool supportsStreaming = true;
    bool offline = false; ///< works without network (the demo provider)
    /// Honours a JSON response format (ResponseFormat); a turn asking one of a provider that
    /// does not is refused before anything is stored.
    bool supportsResponseFormat = true;
};

/// Values typed for one provider and not saved yet ("Test connection"); empty fields keep the
/// running configuration. For vertex/gemini, apiKey and baseUrl are the Gemini API's.
struct ProviderOverride
{
    QString baseUrl;
    QString apiKey;
    QString model;
    // Vertex AI only.
    QString vertexProjectId; ///< VERTEX_AI_PROJECT_ID
    QString vertexLocation;  ///< VERTEX_AI_LOCATION
    QString vertexBaseUrl;   ///< VERTEX_AI_BASE_URL
};

/// What one short test call to a provider returned (AgencyService::testProvider).
struct ProviderCheck
{
    QString provider;     ///< the provider that answered
    QString model;        ///< the model that answered
    QString reply;        ///< its (short) answer
    qint64 elapsedMs = 0; ///< time to the whole answer
};

} // namespace agency::core

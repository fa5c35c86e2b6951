#include "settings.h"

namespace agency::config {

// The one list of settings. Names follow the seed's environment variables where it had them.
const QList<SettingSpec> &knownSettings()
{
    static const QList<SettingSpec> specs = {
        // Database and local state
        {QStringLiteral("DATABASE_URL"), {}, true,
         QStringLiteral("PostgreSQL URL; empty runs the embedded private cluster")},
        {QStringLiteral("AGENCY_DATA_DIR"), {}, false,
         QStringLiteral("Where the embedded cluster and local state live (default: XDG data dir)")},
        {QStringLiteral("AGENCY_DB_POOL_SIZE"), QStringLiteral("4"), false,
         QStringLiteral("Database worker threads, each owning one connection")},
        {QStringLiteral("AGENCY_PG_BINDIR"), {}, false,
         QStringLiteral("Directory with initdb/pg_ctl/postgres (default: newest /usr/lib/postgresql/*/bin)")},
        {QStringLiteral("LOG_LEVEL"), QStringLiteral("info"), false, QStringLiteral("debug | info | warning | error")},
        // LLM providers
        {QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo"), false,
         QStringLiteral("Default provider: demo | openai | mistral | vertex")},
        {QStringLiteral("LLM_MODEL"), {}, false, QStringLiteral("Model for the default provider (overrides *_MODEL)")},
        {QStringLiteral("LLM_TIMEOUT_CONNECT_MS"), QStringLiteral("10000"), false,
         QStringLiteral("Provider connect timeout")},
        {QStringLiteral("LLM_TIMEOUT_FIRST_BYTE_MS"), QStringLiteral("60000"), false,
         QStringLiteral("Provider time to first byte")},
        {QStringLiteral("LLM_TIMEOUT_TOTAL_MS"), QStringLiteral("300000"), false,
         QStringLiteral("Provider total time per attempt")},
        {QStringLiteral("LLM_MAX_ATTEMPTS"), QStringLiteral("3"), false,
         QStringLiteral("Attempts per provider call (retries on 429/5xx/network)")},
        {QStringLiteral("LLM_RETRY_MAX_TOTAL_MS"), QStringLiteral("60000"), false,
         QStringLiteral("Cap on the time spent retrying one call")},
        {QStringLiteral("OPENAI_API_KEY"), {}, true, QStringLiteral("OpenAI API key")},
        {QStringLiteral("OPENAI_MODEL"), QStringLiteral("gpt-4-turbo-2024-04-09"), false, QStringLiteral("OpenAI model")},
        {QStringLiteral("OPENAI_BASE_URL"), QStringLiteral("https://api.openai.com/v1"), false,
         QStringLiteral("OpenAI or any OpenAI-compatible server (Ollama, llama.cpp, vLLM)")},
        {QStringLiteral("MISTRAL_API_KEY"), {}, true, QStringLiteral("Mistral API key")},
        {QStringLiteral("MISTRAL_MODEL"), QStringLiteral("mistral-medium-latest"), false, QStringLiteral("Mistral model")},
        {QStringLiteral("MISTRAL_BASE_URL"), QStringLiteral("https://api.mistral.ai/v1"), false,
         QStringLiteral("Mistral API base URL")},
        {QStringLiteral("VERTEX_AI_PROJECT_ID"), {}, false, QStringLiteral("Google Cloud project for Vertex AI")},
        {QStringLiteral("VERTEX_AI_LOCATION"), QStringLiteral("us-central1"), false, QStringLiteral("Vertex AI region")},
        {QStringLiteral("VERTEX_AI_MODEL"), QStringLiteral("gemini-2.0-flash-exp"), false, QStringLiteral("Gemini model")},
        {QStringLiteral("VERTEX_AI_BASE_URL"), {}, false,
         QStringLiteral("Vertex AI endpoint (default: https://{location}-aiplatform.googleapis.com)")},
        {QStringLiteral("VERTEX_AI_ACCESS_TOKEN"), {}, true, QStringLiteral("Explicit OAuth access token for Vertex AI")},
        {QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"), {}, false,
         QStringLiteral("Path to a service-account JSON key for Vertex AI")},
        {QStringLiteral("GOOGLE_TOKEN_URL"), QStringLiteral("https://oauth2.googleapis.com/token"), false,
         QStringLiteral("OAuth token endpoint for service-account auth")},
        {QStringLiteral("GCE_METADATA_HOST"), {}, false,
         QStringLiteral("GCP metadata server host; set to use its tokens (on GCP)")},
        {QStringLiteral("GEMINI_API_KEY"), {}, true,
         QStringLiteral("Gemini API key (generativelanguage endpoint) instead of Vertex auth")},
        {QStringLiteral("GEMINI_BASE_URL"), QStringLiteral("https://generativelanguage.googleapis.com"), false,
         QStringLiteral("Gemini API endpoint")},
        // Tools
        {QStringLiteral("OPENWEATHER_API_KEY"), {}, true, QStringLiteral("OpenWeatherMap key (else Open-Meteo)")},
        {QStringLiteral("OPENWEATHER_BASE_URL"), QStringLiteral("https://api.openweathermap.org/data/2.5"), false,
         QStringLiteral("OpenWeatherMap API base URL")},
        {QStringLiteral("OPEN_METEO_BASE_URL"), QStringLiteral("https://api.open-meteo.com/v1"), false,
         QStringLiteral("Open-Meteo forecast API base URL")},
        {QStringLiteral("OPEN_METEO_GEOCODING_URL"), QStringLiteral("https://geocoding-api.open-meteo.com/v1"), false,
         QStringLiteral("Open-Meteo geocoding API base URL")},
        {QStringLiteral("WEATHER_CACHE_TTL_S"), QStringLiteral("600"), false, QStringLiteral("Weather cache lifetime")},
        // Rate limits (tokens per minute / per hour, per tenant and provider)
        {QStringLiteral("RATE_LIMIT_BACKEND"), QStringLiteral("memory"), false,
         QStringLiteral("memory | postgres (shared by all processes on one database)")},
        {QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("90000"), false, QStringLiteral("OpenAI tokens/minute")},
        {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("5000000"), false, QStringLiteral("OpenAI tokens/hour")},
        {QStringLiteral("MISTRAL_RATE_LIMIT_TPM"), QStringLiteral("2000000"), false,
         QStringLiteral("Mistral tokens/minute")},
        {QStringLiteral("MISTRAL_RATE_LIMIT_TPH"), QStringLiteral("100000000"), false,
         QStringLiteral("Mistral tokens/hour")},
        {QStringLiteral("VERTEX_RATE_LIMIT_TPM"), QStringLiteral("4000000"), false, QStringLiteral("Vertex tokens/minute")},
        {QStringLiteral("VERTEX_RATE_LIMIT_TPH"), QStringLiteral("200000000"), false,
         QStringLiteral("Vertex tokens/hour")},
        {QStringLiteral("DEMO_RATE_LIMIT_TPM"), QStringLiteral("1000000"), false, QStringLiteral("Demo tokens/minute")},
        {QStringLiteral("DEMO_RATE_LIMIT_TPH"), QStringLiteral("60000000"), false, QStringLiteral("Demo tokens/hour")},
    };
    return specs;
}

} // namespace agency::config

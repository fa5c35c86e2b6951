#include "settingspec.h"

#include "core/route.h"

namespace agency::config {

namespace {

// Builders keep the table below one line per fact. Every spec gets its section from the group it
// is declared in.
SettingSpec text(const char *key, const char *def, const char *description)
{
    SettingSpec spec;
    spec.key = QLatin1String(key);
    spec.defaultValue = QLatin1String(def);
    spec.description = QString::fromUtf8(description);
    return spec;
}

SettingSpec secret(const char *key, const char *description)
{
    SettingSpec spec = text(key, "", description);
    spec.secret = true;
    return spec;
}

SettingSpec integer(const char *key, qint64 def, qint64 min, qint64 max, const char *description)
{
    SettingSpec spec = text(key, "", description);
    spec.defaultValue = QString::number(def);
    spec.type = SettingType::Integer;
    spec.minimum = min;
    spec.maximum = max;
    return spec;
}

SettingSpec choice(const char *key, const char *def, const QStringList &choices, const char *description)
{
    SettingSpec spec = text(key, def, description);
    spec.type = SettingType::Choice;
    spec.choices = choices;
    return spec;
}

SettingSpec url(const char *key, const char *def, const char *description)
{
    SettingSpec spec = text(key, def, description);
    spec.type = SettingType::Url;
    return spec;
}

QList<SettingSpec> inSection(const char *section, QList<SettingSpec> specs)
{
    for (SettingSpec &spec : specs)
        spec.section = QLatin1String(section);
    return specs;
}

SettingSpec route(const char *key, const char *description)
{
    SettingSpec spec = text(key, "", description);
    spec.check = [](const QString &value) { return core::Route::parse(value).ok(); };
    spec.format =
        QStringLiteral("provider:model[*weight],… [;on=STATUS,…] [;small=provider:model], or empty");
    return spec;
}

/// The largest accepted rate limit (tokens per window); ratelimit::kMaxLimitTokens.
constexpr qint64 kMaxTokens = 1'000'000'000'000;
constexpr qint64 kDayMs = 24LL * 3600 * 1000;

QList<SettingSpec> rateLimit(const char *prefix, const char *name, qint64 tpm, qint64 tph)
{
    QList<SettingSpec> specs;
    for (const auto &[suffix, window, def] :
         {std::tuple{"_RATE_LIMIT_TPM", "minute", tpm}, std::tuple{"_RATE_LIMIT_TPH", "hour", tph}}) {
        SettingSpec spec = integer("", def, 0, kMaxTokens, "");
        spec.key = QLatin1String(prefix) + QLatin1String(suffix);
        spec.description =
            QStringLiteral("%1 tokens per %2 (0: no limit)").arg(QLatin1String(name), QLatin1String(window));
        specs.append(spec);
    }
    return specs;
}

/// Base64 of exactly 32 bytes (the AES-256 key of tenants' secrets), or empty.
SettingSpec secretsKey()
{
    SettingSpec spec = secret(
        "SECRETS_KEY", "Key of tenants' stored secrets: base64 of 32 random bytes (over SECRETS_KEY_FILE)");
    spec.check = [](const QString &value) {
        if (value.isEmpty())
            return true;
        auto decoded = QByteArray::fromBase64Encoding(value.trimmed().toLatin1(),
                                                      QByteArray::AbortOnBase64DecodingErrors);
        return decoded && decoded.decoded.size() == 32;
    };
    spec.format = QStringLiteral("base64 of 32 bytes (openssl rand -base64 32), or empty");
    return spec;
}

QList<SettingSpec> buildSpecs()
{
    SettingSpec databaseUrl =
        secret("DATABASE_URL", "PostgreSQL URL; empty runs the embedded private cluster");
    databaseUrl.type = SettingType::Url;
    databaseUrl.schemes = {QStringLiteral("postgresql"), QStringLiteral("postgres")};
    const QStringList providers = {QStringLiteral("demo"), QStringLiteral("openai"),
                                   QStringLiteral("mistral"), QStringLiteral("vertex"),
                                   QStringLiteral("gemini")};

    QList<SettingSpec> specs;
    specs += inSection(
        "general",
        {databaseUrl,
         text("AGENCY_DATA_DIR", "",
              "Where the embedded cluster and local state live (default: XDG data dir)"),
         secretsKey(),
         text("SECRETS_KEY_FILE", "",
              "File holding the secrets key in base64 (default: secrets.key in the data dir, created mode "
              "0600 by the first `tenants secret set`)"),
         integer("AGENCY_DB_POOL_SIZE", 4, 1, 256, "Database worker threads, each owning one connection"),
         integer("AGENCY_DB_CONNECT_TIMEOUT_S", 5, 2, 600,
                 "Connecting to PostgreSQL gives up after this long"),
         integer("AGENCY_DB_STATEMENT_TIMEOUT_MS", 10'000, 0, 3'600'000,
                 "A statement is cancelled after this long, also when the server hangs (0: none)"),
         integer("AGENCY_DB_RETRY_MS", 10'000, 0, 600'000,
                 "Turn writes are retried through a database outage for this long"),
         integer("AGENCY_TURN_LEASE_S", 20, 2, 3600,
                 "A turn's lease on its conversation; a crashed process holds it at most this long"),
         integer("AGENCY_TURN_WAIT_MS", 10'000, 0, 600'000,
                 "A turn waits this long for another turn in the same conversation, then is refused "
                 "(0: refuse at once)"),
         text("AGENCY_PG_BINDIR", "",
              "Directory with initdb/pg_ctl/postgres (default: newest /usr/lib/postgresql/*/bin)"),
         choice("LOG_LEVEL", "info",
                {QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"),
                 QStringLiteral("warn"), QStringLiteral("error")},
                "Least important messages logged (JSON lines in server mode)")});
    specs += inSection(
        "providers",
        {choice("LLM_PROVIDER", "demo", providers, "Default provider"),
         text("LLM_MODEL", "", "Model for the default provider; overrides its *_MODEL"),
         integer("LLM_TIMEOUT_CONNECT_MS", 10000, 0, kDayMs,
                 "Per attempt: time to connect and send the request"),
         integer("LLM_TIMEOUT_FIRST_BYTE_MS", 60000, 0, kDayMs,
                 "Per attempt: time from the request sent to the response headers"),
         integer("LLM_TIMEOUT_TOTAL_MS", 300000, 0, kDayMs,
                 "Per attempt: time for the whole answer (a long stream included)"),
         integer("LLM_MAX_ATTEMPTS", 3, 1, 20, "Attempts per call, the first included (1 disables retries)"),
         integer("LLM_RETRY_MAX_TOTAL_MS", 60000, 0, kDayMs,
                 "No retry wait may push a call past this many ms since it started"),
         route("LLM_ROUTE",
               "Default route: targets tried in order when one fails (empty: LLM_PROVIDER alone)"),
         [] {
             SettingSpec spec =
                 text("LLM_CAPABILITIES", "",
                      "Capability rules over the built-in ones, e.g. openai:gpt-3.5*=no-json_schema");
             spec.check = [](const QString &value) { return core::CapabilityRule::parseList(value).ok(); };
             spec.format =
                 QStringLiteral("provider:model[*]=flag,…;… (tools, streaming, json_schema, images, "
                                "no-FLAG, context=N), or empty");
             return spec;
         }(),
         integer(
             "LLM_BREAKER_FAILURES", 5, 0, 1000,
             "Failed calls to one provider+model within the window that open its breaker (0: no breakers)"),
         integer("LLM_BREAKER_WINDOW_MS", 60000, 1, kDayMs,
                 "The window in which breaker failures are counted"),
         integer(
             "LLM_BREAKER_COOLDOWN_MS", 30000, 0, kDayMs,
             "An open breaker waits this long (or a longer Retry-After), then lets one trial call through"),
         integer("LLM_HTTP_CONNECTIONS_PER_HOST", 64, 1, 1024,
                 "Concurrent calls to one plain-http provider host (HTTPS multiplexes over HTTP/2)"),
         secret("OPENAI_API_KEY", "OpenAI key (Authorization: Bearer); optional for local servers"),
         text("OPENAI_MODEL", "gpt-4-turbo-2024-04-09", "OpenAI model"),
         url("OPENAI_BASE_URL", "https://api.openai.com/v1",
             "OpenAI or any OpenAI-compatible server (Ollama, llama.cpp, vLLM)"),
         secret("MISTRAL_API_KEY", "Mistral key"),
         text("MISTRAL_MODEL", "mistral-medium-latest", "Mistral model"),
         url("MISTRAL_BASE_URL", "https://api.mistral.ai/v1", "Mistral API"),
         text("VERTEX_AI_PROJECT_ID", "",
              "Google Cloud project for Vertex AI (default: the service-account file's project_id)"),
         text("VERTEX_AI_LOCATION", "us-central1", "Vertex AI region (global is accepted)"),
         text("VERTEX_AI_MODEL", "gemini-2.0-flash-exp", "Gemini model, for vertex and gemini"),
         url("VERTEX_AI_BASE_URL", "",
             "Vertex AI endpoint (empty: https://{location}-aiplatform.googleapis.com, or "
             "https://aiplatform.googleapis.com for global)"),
         secret("VERTEX_AI_ACCESS_TOKEN", "An OAuth access token for Vertex AI, used as is"),
         text("GOOGLE_APPLICATION_CREDENTIALS", "", "Path to a service-account JSON key for Vertex AI"),
         url("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token",
             "OAuth token endpoint for the service account (left at its default, the key file's token_uri "
             "is used)"),
         text("GCE_METADATA_HOST", "",
              "GCP metadata server, e.g. metadata.google.internal; set it on GCE/GKE/Cloud Run"),
         secret("GEMINI_API_KEY", "Gemini API key (sent as x-goog-api-key) instead of Vertex auth"),
         url("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com", "Gemini API endpoint"),
         // Embeddings for the knowledge base: the chat providers' keys and base URLs.
         choice("EMBEDDING_PROVIDER", "demo", providers,
                "Embedding provider for documents and searches (a tenant's embedding_provider overrides)"),
         text("EMBEDDING_MODEL", "",
              "Embedding model (empty: demo-embedding, text-embedding-3-small, mistral-embed, "
              "text-embedding-005, text-embedding-004 for gemini)"),
         integer("EMBEDDING_MAX_ATTEMPTS", 6, 1, 20,
                 "Attempts per embedding request, the first included (ingestion waits out rate limits)"),
         integer("EMBEDDING_RETRY_MAX_TOTAL_MS", 300'000, 0, kDayMs,
                 "No embedding retry wait may push a request past this many ms since it started")});
    specs += inSection(
        "tools",
        {secret("OPENWEATHER_API_KEY", "Use OpenWeatherMap with this key instead of Open-Meteo"),
         url("OPENWEATHER_BASE_URL", "https://api.openweathermap.org/data/2.5", "OpenWeatherMap API"),
         url("OPEN_METEO_BASE_URL", "https://api.open-meteo.com/v1", "Open-Meteo forecast API"),
         url("OPEN_METEO_GEOCODING_URL", "https://geocoding-api.open-meteo.com/v1",
             "Open-Meteo geocoding API"),
         integer("WEATHER_CACHE_TTL_S", 600, 0, 7 * 24 * 3600,
                 "Weather cache lifetime in seconds (0: no cache)"),
         integer("WEATHER_HTTP_TIMEOUT_MS", 8000, 100, 600'000, "Time limit of each weather service request"),
         url("GITHUB_API_BASE_URL", "https://api.github.com",
             "GitHub REST API (GitHub Enterprise Server: https://HOST/api/v3)"),
         integer("TOOL_TIMEOUT_MS", 20000, 100, 3'600'000,
                 "Time a tool call may take before the model gets a timeout result"),
         url("SLACK_API_BASE_URL", "https://slack.com/api",
             "Slack Web API (a tenant's slack_bot_token signs in)"),
         integer("MCP_START_TIMEOUT_MS", 10000, 100, 600'000,
                 "Time an MCP server has to start and list its tools before a turn goes on without them"),
         integer("MCP_RESTART_BACKOFF_MS", 500, 10, 60'000,
                 "First wait before a failed MCP server is started again (doubles up to a minute)"),
         integer("APPROVAL_TTL_S", 86'400, 60, 2'592'000,
                 "A tool call waiting for approval expires (counts as rejected) after this many seconds")});
    specs +=
        inSection("runs", {integer("RUN_WORKERS", 2, 0, 64,
                                   "Runs this process executes at once (0: none; the queue is shared)"),
                           integer("RUN_POLL_MS", 1000, 10, 3'600'000,
                                   "How often workers look for queued runs and cancel requests"),
                           integer("RUN_LEASE_S", 60, 2, 86'400,
                                   "A running run without a heartbeat for this long is recovered"),
                           integer("RUN_MAX_ATTEMPTS", 3, 1, 100,
                                   "Claims after which an abandoned run is failed instead of requeued"),
                           route("RUN_ROUTE", "Route of the queue's runs, over the flow's and the tenant's "
                                              "(empty: as interactive turns)")});
    // Knowledge: documents, their indexing and hybrid search (docs/knowledge.md).
    specs +=
        inSection("knowledge",
                  {integer("DOCUMENT_MAX_BYTES", 50LL * 1024 * 1024, 1, qint64(1) << 30,
                           "Largest document accepted; a larger one is refused (413 over HTTP)"),
                   integer("KNOWLEDGE_WORKERS", 1, 0, 16,
                           "Documents this process indexes at once (0: none; the queue is shared)"),
                   integer("KNOWLEDGE_KEYWORD_WEIGHT", 150, 0, 1000,
                           "Weight of the full-text ranking in hybrid search, in percent"),
                   integer("KNOWLEDGE_VECTOR_WEIGHT", 100, 0, 1000,
                           "Weight of the vector (meaning) ranking in hybrid search, in percent"),
                   choice("KNOWLEDGE_FUSION", "score", {QStringLiteral("score"), QStringLiteral("rrf")},
                          "How hybrid search fuses its two rankings: normalised scores, or reciprocal rank"),
                   integer("KNOWLEDGE_RRF_K", 60, 1, 1000,
                           "Rank constant of reciprocal rank fusion (KNOWLEDGE_FUSION=rrf)"),
                   integer("KNOWLEDGE_CHUNK_TOKENS", 500, 100, 4000, "Tokens a chunk of a document aims for"),
                   integer("KNOWLEDGE_CHUNK_OVERLAP_TOKENS", 60, 0, 1000,
                           "Tokens a chunk repeats from the end of the previous one"),
                   text("KNOWLEDGE_INDEX_DIR", "",
                        "Where vector index files are kept (default: indexes/ in the data dir); a cache of "
                        "the database")});
    specs += inSection(
        "server",
        {text("HOST", "127.0.0.1",
              "Address `serve` binds: an IP address or localhost (non-loopback needs an API key to exist)"),
         integer("PORT", 8080, 0, 65535, "Port `serve` listens on (0: any free)"),
         integer("HTTP_MAX_BODY_BYTES", 4'194'304, 1024, qint64(1) << 30,
                 "Largest request body; a larger one gets 413 as soon as the headers announce it, before it "
                 "is read"),
         integer("HTTP_MAX_HEADER_BYTES", 16'384, 1024, 1 << 20,
                 "Largest request line + headers; larger gets 431"),
         integer("HTTP_MAX_CONNECTIONS", 512, 1, 100'000,
                 "Open connections; more are answered 503 and closed"),
         integer("HTTP_MAX_CONNECTIONS_PER_CLIENT", 64, 1, 100'000,
                 "Open connections from one client address; more are answered 503 and closed at once"),
         integer("HTTP_IDLE_TIMEOUT_MS", 60'000, 100, 3'600'000,
                 "A keep-alive connection with nothing in progress this long is closed"),
         integer("HTTP_HEADER_TIMEOUT_MS", 10'000, 100, 3'600'000,
                 "A request's headers must arrive within this time of its first byte (else 408); a new "
                 "connection that sends nothing this long is closed"),
         integer("HTTP_REQUEST_TIMEOUT_MS", 30'000, 100, 3'600'000,
                 "A request must arrive completely within this time (else 408)"),
         integer("HTTP_TURN_DEADLINE_MS", 300'000, 100, kDayMs,
                 "A chat turn running longer is cancelled (504)"),
         integer("HTTP_SHUTDOWN_GRACE_MS", 20'000, 0, 3'600'000,
                 "On SIGTERM, turns in flight may finish this long before they are cancelled"),
         integer("HTTP_AUTH_FAIL_LIMIT", 10, 1, 1'000'000,
                 "Failed authentications from one address within a minute before it is refused (429)"),
         integer("HTTP_AUTH_BAN_MS", 300'000, 0, kDayMs,
                 "How long an address is refused after too many failed authentications"),
         integer("HTTP_KEY_CACHE_MS", 5'000, 0, 60'000,
                 "How long the server trusts an authenticated API key before reading it again (0: every "
                 "request); any change to a key is heard at once and forgets them all")});
    QList<SettingSpec> limits = {
        choice("RATE_LIMIT_BACKEND", "memory", {QStringLiteral("memory"), QStringLiteral("postgres")},
               "memory: per process; postgres: shared by all processes on one database"),
        integer("RATE_LIMIT_OVERRIDE_CACHE_S", 30, 0, 86'400,
                "How long per-tenant rate-limit overrides are cached"),
        text("LLM_PRICES_FILE", "",
             "JSON price table laid over the built-in prices (USD per million tokens, docs/costs.md)"),
        integer("LLM_CACHE_TTL_S", 86'400, 0, 31'536'000,
                "How long a cached answer of a flow with \"cache\": true is served (0: no expiry)")};
    limits += rateLimit("OPENAI", "OpenAI", 90'000, 5'000'000);
    limits += rateLimit("MISTRAL", "Mistral", 2'000'000, 100'000'000);
    limits += rateLimit("VERTEX", "Vertex AI", 4'000'000, 200'000'000);
    limits += rateLimit("GEMINI", "Gemini API", 4'000'000, 200'000'000);
    limits += rateLimit("DEMO", "Demo provider", 1'000'000, 60'000'000);
    specs += inSection("ratelimits", limits);
    return specs;
}

} // namespace

// The one list of settings. Names follow the seed's environment variables where it had them.
const QList<SettingSpec> &knownSettings()
{
    static const QList<SettingSpec> specs = buildSpecs();
    return specs;
}

const QList<SettingSection> &settingSections()
{
    static const QList<SettingSection> sections = {
        {QStringLiteral("general"), QStringLiteral("Database, logging and local state")},
        {QStringLiteral("providers"), QStringLiteral("LLM providers")},
        {QStringLiteral("tools"), QStringLiteral("Tools")},
        {QStringLiteral("runs"), QStringLiteral("Runs")},
        {QStringLiteral("knowledge"), QStringLiteral("Knowledge (documents)")},
        {QStringLiteral("server"), QStringLiteral("HTTP server (serve)")},
        {QStringLiteral("ratelimits"), QStringLiteral("Rate limits")},
    };
    return sections;
}

} // namespace agency::config

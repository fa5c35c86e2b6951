#include "runtimeconfig.h"

#include "config/settings.h"
#include "sql/embeddedpostgres.h"

#include <algorithm>

namespace agency::runtime {

namespace {

llm::ProviderConfig providerConfig(const config::Settings &s)
{
    llm::ProviderConfig c;
    c.defaultProvider = s.text(QStringLiteral("LLM_PROVIDER"));
    c.defaultModel = s.text(QStringLiteral("LLM_MODEL"));
    c.timeouts.connectMs = s.integer(QStringLiteral("LLM_TIMEOUT_CONNECT_MS"));
    c.timeouts.firstByteMs = s.integer(QStringLiteral("LLM_TIMEOUT_FIRST_BYTE_MS"));
    c.timeouts.totalMs = s.integer(QStringLiteral("LLM_TIMEOUT_TOTAL_MS"));
    c.retry.maxAttempts = s.intValue(QStringLiteral("LLM_MAX_ATTEMPTS"));
    c.retry.maxTotalMs = s.integer(QStringLiteral("LLM_RETRY_MAX_TOTAL_MS"));
    c.openAi = {s.text(QStringLiteral("OPENAI_BASE_URL")), s.text(QStringLiteral("OPENAI_API_KEY")),
                s.text(QStringLiteral("OPENAI_MODEL"))};
    c.mistral = {s.text(QStringLiteral("MISTRAL_BASE_URL")), s.text(QStringLiteral("MISTRAL_API_KEY")),
                 s.text(QStringLiteral("MISTRAL_MODEL"))};
    c.gemini = {s.text(QStringLiteral("GEMINI_BASE_URL")), s.text(QStringLiteral("GEMINI_API_KEY")), {}};
    llm::VertexSettings &v = c.vertex;
    v.projectId = s.text(QStringLiteral("VERTEX_AI_PROJECT_ID"));
    v.location = s.text(QStringLiteral("VERTEX_AI_LOCATION"));
    v.model = s.text(QStringLiteral("VERTEX_AI_MODEL"));
    v.baseUrl = s.text(QStringLiteral("VERTEX_AI_BASE_URL"));
    v.accessToken = s.text(QStringLiteral("VERTEX_AI_ACCESS_TOKEN"));
    v.credentialsFile = s.text(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"));
    v.tokenUrl = s.text(QStringLiteral("GOOGLE_TOKEN_URL"));
    v.tokenUrlExplicit = s.source(QStringLiteral("GOOGLE_TOKEN_URL")) != config::Source::Default;
    v.metadataHost = s.text(QStringLiteral("GCE_METADATA_HOST"));
    c.embedding.provider = s.text(QStringLiteral("EMBEDDING_PROVIDER"));
    c.embedding.model = s.text(QStringLiteral("EMBEDDING_MODEL"));
    c.embedding.maxAttempts = s.intValue(QStringLiteral("EMBEDDING_MAX_ATTEMPTS"));
    c.embedding.retryMaxTotalMs = s.integer(QStringLiteral("EMBEDDING_RETRY_MAX_TOTAL_MS"));
    return c;
}

tools::ToolsConfig toolsConfig(const config::Settings &s)
{
    tools::ToolsConfig c;
    c.timeoutMs = s.intValue(QStringLiteral("TOOL_TIMEOUT_MS"));
    c.weather.openMeteoBaseUrl = s.url(QStringLiteral("OPEN_METEO_BASE_URL"));
    c.weather.openMeteoGeocodingUrl = s.url(QStringLiteral("OPEN_METEO_GEOCODING_URL"));
    c.weather.openWeatherBaseUrl = s.url(QStringLiteral("OPENWEATHER_BASE_URL"));
    c.weather.openWeatherApiKey = s.text(QStringLiteral("OPENWEATHER_API_KEY"));
    c.weather.cacheTtlSeconds = s.intValue(QStringLiteral("WEATHER_CACHE_TTL_S"));
    c.weather.httpTimeoutMs = s.intValue(QStringLiteral("WEATHER_HTTP_TIMEOUT_MS"));
    c.github.apiBaseUrl = s.url(QStringLiteral("GITHUB_API_BASE_URL"));
    c.slack.baseUrl = s.url(QStringLiteral("SLACK_API_BASE_URL"));
    return c;
}

ratelimit::RateLimitConfig rateLimitConfig(const config::Settings &s)
{
    ratelimit::RateLimitConfig c;
    c.backend = s.text(QStringLiteral("RATE_LIMIT_BACKEND")) == QLatin1String("postgres")
                    ? ratelimit::RateLimitConfig::Backend::Postgres
                    : ratelimit::RateLimitConfig::Backend::Memory;
    c.overrideCacheMs = s.integer(QStringLiteral("RATE_LIMIT_OVERRIDE_CACHE_S")) * 1000;
    // Every <PROVIDER>_RATE_LIMIT_TPM setting has its _TPH twin (settingspecs.cpp).
    const QString tpmSuffix = QStringLiteral("_RATE_LIMIT_TPM");
    for (const config::SettingSpec &spec : config::knownSettings()) {
        if (!spec.key.endsWith(tpmSuffix))
            continue;
        const QString prefix = spec.key.chopped(tpmSuffix.size());
        c.providerDefaults.insert(
            prefix.toLower(),
            ratelimit::Limits{s.integer(spec.key), s.integer(prefix + QStringLiteral("_RATE_LIMIT_TPH"))});
    }
    return c;
}

llm::RoutingConfig routingConfig(const config::Settings &s)
{
    llm::RoutingConfig c;
    // Both were checked with the settings: they parse.
    c.defaultRoute = core::Route::parse(s.text(QStringLiteral("LLM_ROUTE"))).valueOr({});
    c.capabilities = core::CapabilityRule::parseList(s.text(QStringLiteral("LLM_CAPABILITIES"))).valueOr({});
    c.breakers.failures = s.intValue(QStringLiteral("LLM_BREAKER_FAILURES"));
    c.breakers.windowMs = s.integer(QStringLiteral("LLM_BREAKER_WINDOW_MS"));
    c.breakers.cooldownMs = s.integer(QStringLiteral("LLM_BREAKER_COOLDOWN_MS"));
    return c;
}

flows::RunWorkerOptions runWorkerOptions(const config::Settings &s)
{
    flows::RunWorkerOptions c;
    c.route = s.text(QStringLiteral("RUN_ROUTE"));
    c.slots = s.intValue(QStringLiteral("RUN_WORKERS"));
    c.pollMs = s.intValue(QStringLiteral("RUN_POLL_MS"));
    c.leaseSeconds = s.intValue(QStringLiteral("RUN_LEASE_S"));
    c.maxAttempts = s.intValue(QStringLiteral("RUN_MAX_ATTEMPTS"));
    return c;
}

knowledge::KnowledgeOptions knowledgeOptions(const config::Settings &s)
{
    knowledge::KnowledgeOptions c;
    c.maxDocumentBytes = s.integer(QStringLiteral("DOCUMENT_MAX_BYTES"));
    c.workers = s.intValue(QStringLiteral("KNOWLEDGE_WORKERS"));
    c.keywordWeight = s.intValue(QStringLiteral("KNOWLEDGE_KEYWORD_WEIGHT")) / 100.0;
    c.vectorWeight = s.intValue(QStringLiteral("KNOWLEDGE_VECTOR_WEIGHT")) / 100.0;
    c.fusion.method = s.text(QStringLiteral("KNOWLEDGE_FUSION")) == QLatin1String("rrf")
                          ? knowledge::FusionOptions::Method::ReciprocalRank
                          : knowledge::FusionOptions::Method::Score;
    c.fusion.rankConstant = s.intValue(QStringLiteral("KNOWLEDGE_RRF_K"));
    c.chunks.targetTokens = s.intValue(QStringLiteral("KNOWLEDGE_CHUNK_TOKENS"));
    // The chunker keeps chunks within 400..600 of its default 500: the same band around the target.
    c.chunks.maxTokens = c.chunks.targetTokens + c.chunks.targetTokens / 5;
    c.chunks.overlapTokens =
        std::min(s.intValue(QStringLiteral("KNOWLEDGE_CHUNK_OVERLAP_TOKENS")), c.chunks.targetTokens / 2);
    c.indexDirectory = s.text(QStringLiteral("KNOWLEDGE_INDEX_DIR"));
    if (c.indexDirectory.isEmpty()) {
        const QString data = s.text(QStringLiteral("AGENCY_DATA_DIR"));
        c.indexDirectory =
            (data.isEmpty() ? sql::EmbeddedPostgres::defaultDataDir() : data) + QStringLiteral("/indexes");
    }
    c.pollMs = s.intValue(QStringLiteral("RUN_POLL_MS"));
    c.leaseSeconds = s.intValue(QStringLiteral("RUN_LEASE_S"));
    c.maxAttempts = s.intValue(QStringLiteral("RUN_MAX_ATTEMPTS"));
    return c;
}

flows::TurnOptions turnOptions(const config::Settings &s)
{
    flows::TurnOptions c;
    c.leaseMs = s.intValue(QStringLiteral("AGENCY_TURN_LEASE_S")) * 1000;
    c.waitForTurnMs = s.intValue(QStringLiteral("AGENCY_TURN_WAIT_MS"));
    c.dbRetryMs = s.intValue(QStringLiteral("AGENCY_DB_RETRY_MS"));
    c.approvalTtlS = s.intValue(QStringLiteral("APPROVAL_TTL_S"));
    // A step may wait for a connection (connect timeout) and then a statement (statement
    // timeout, enforced by the executor even when the server hangs); a little on top for both.
    const int statementMs = s.intValue(QStringLiteral("AGENCY_DB_STATEMENT_TIMEOUT_MS"));
    c.dbStepTimeoutMs = (statementMs > 0 ? statementMs : 60'000) +
                        s.intValue(QStringLiteral("AGENCY_DB_CONNECT_TIMEOUT_S")) * 1000 + 2000;
    return c;
}

ServeConfig serveConfig(const config::Settings &s)
{
    ServeConfig c;
    c.host = s.text(QStringLiteral("HOST"));
    c.port = static_cast<quint16>(s.integer(QStringLiteral("PORT"))); // validated: 0–65535
    httpserver::ServerConfig &limits = c.server;
    limits.maxBodyBytes = s.integer(QStringLiteral("HTTP_MAX_BODY_BYTES"));
    // A document upload carries the file plus its multipart framing (boundaries, part headers).
    limits.uploadPaths = {QByteArrayLiteral("/documents")};
    limits.maxUploadBodyBytes = s.integer(QStringLiteral("DOCUMENT_MAX_BYTES")) + 64 * 1024;
    limits.maxHeaderBytes = s.intValue(QStringLiteral("HTTP_MAX_HEADER_BYTES"));
    limits.maxConnections = s.intValue(QStringLiteral("HTTP_MAX_CONNECTIONS"));
    limits.maxConnectionsPerClient = s.intValue(QStringLiteral("HTTP_MAX_CONNECTIONS_PER_CLIENT"));
    limits.idleTimeoutMs = s.intValue(QStringLiteral("HTTP_IDLE_TIMEOUT_MS"));
    limits.headerTimeoutMs = s.intValue(QStringLiteral("HTTP_HEADER_TIMEOUT_MS"));
    limits.requestTimeoutMs = s.intValue(QStringLiteral("HTTP_REQUEST_TIMEOUT_MS"));
    limits.turnDeadlineMs = s.intValue(QStringLiteral("HTTP_TURN_DEADLINE_MS"));
    limits.shutdownGraceMs = s.intValue(QStringLiteral("HTTP_SHUTDOWN_GRACE_MS"));
    limits.authFailLimit = s.intValue(QStringLiteral("HTTP_AUTH_FAIL_LIMIT"));
    limits.authBanMs = s.intValue(QStringLiteral("HTTP_AUTH_BAN_MS"));
    return c;
}

} // namespace

RuntimeConfig RuntimeConfig::fromSettings(const config::Settings &settings)
{
    RuntimeConfig c;
    c.database.url = settings.text(QStringLiteral("DATABASE_URL"));
    c.database.dataDir = settings.text(QStringLiteral("AGENCY_DATA_DIR"));
    c.database.pgBinDir = settings.text(QStringLiteral("AGENCY_PG_BINDIR"));
    c.secrets.key = settings.text(QStringLiteral("SECRETS_KEY")).toUtf8();
    c.secrets.keyFile = settings.text(QStringLiteral("SECRETS_KEY_FILE"));
    c.database.poolSize = settings.intValue(QStringLiteral("AGENCY_DB_POOL_SIZE"));
    c.database.connectTimeoutS = settings.intValue(QStringLiteral("AGENCY_DB_CONNECT_TIMEOUT_S"));
    c.database.statementTimeoutMs = settings.intValue(QStringLiteral("AGENCY_DB_STATEMENT_TIMEOUT_MS"));
    c.logLevel = settings.text(QStringLiteral("LOG_LEVEL"));
    c.httpConnectionsPerHost = settings.intValue(QStringLiteral("LLM_HTTP_CONNECTIONS_PER_HOST"));
    c.keyCacheMs = settings.intValue(QStringLiteral("HTTP_KEY_CACHE_MS"));
    c.providers = providerConfig(settings);
    c.routing = routingConfig(settings);
    c.tools = toolsConfig(settings);
    c.mcp.startTimeoutMs = settings.intValue(QStringLiteral("MCP_START_TIMEOUT_MS"));
    c.mcp.backoffMs = settings.intValue(QStringLiteral("MCP_RESTART_BACKOFF_MS"));
    c.mcp.clientVersion = QStringLiteral(AGENCY_VERSION);
    c.rateLimits = rateLimitConfig(settings);
    c.costs.pricesFile = settings.text(QStringLiteral("LLM_PRICES_FILE"));
    c.costs.cacheTtlS = settings.intValue(QStringLiteral("LLM_CACHE_TTL_S"));
    c.runs = runWorkerOptions(settings);
    c.turns = turnOptions(settings);
    c.knowledge = knowledgeOptions(settings);
    c.serve = serveConfig(settings);
    return c;
}

core::Result<RuntimeConfig> RuntimeConfig::fromValues(const QHash<QString, QString> &values)
{
    auto settings = config::Settings::fromValues(values);
    if (!settings)
        return settings.error();
    return fromSettings(settings.value());
}

} // namespace agency::runtime

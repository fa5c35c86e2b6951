#pragma once

#include "flows/runworker.h"
#include "flows/turnengine.h"
#include "httpserver/serverconfig.h"
#include "knowledge/knowledgeoptions.h"
#include "llm/providerconfig.h"
#include "llm/router.h"
#include "mcp/serverconnection.h"
#include "ratelimit/ratelimiting.h"
#include "tools/builtintools.h"

#include <QHash>
#include <QString>

namespace agency::config {
class Settings;
}

namespace agency::runtime {

/// Where the database is, how many connections to keep and how long to wait for it
/// (DATABASE_URL, AGENCY_DATA_DIR, AGENCY_PG_BINDIR, AGENCY_DB_POOL_SIZE, AGENCY_DB_*_TIMEOUT_*).
struct DatabaseConfig
{
    QString url;                     ///< empty: the embedded private cluster
    QString dataDir;                 ///< embedded cluster's directory; empty: the XDG data dir
    QString pgBinDir;                ///< PostgreSQL binaries; empty: the newest installed
    int poolSize = 4;                ///< database worker threads, each owning one connection
    int connectTimeoutS = 5;         ///< libpq connect_timeout
    int statementTimeoutMs = 10'000; ///< statement_timeout of every session (0: none)
};

/// The headless server's configuration (HOST, PORT, HTTP_*). `serve --host/--port` reach it as
/// the HOST and PORT settings given on the command line.
struct ServeConfig
{
    QString host = QStringLiteral("127.0.0.1"); ///< an IP address or "localhost" (`serve` checks it)
    quint16 port = 8080;                        ///< 0: any free port
    /// The limits and timeouts; authRequired and accessLog are left to the program that serves.
    httpserver::ServerConfig server;
};

/// The typed configuration of the whole backend: one small struct per component, each handed to
/// that component alone. Built once from the validated settings, so it holds no invalid value.
/// Prices and the response cache (docs/costs.md): LLM_PRICES_FILE, LLM_CACHE_TTL_S.
struct CostConfig
{
    QString pricesFile;        ///< laid over the built-in price table; empty: none
    qint64 cacheTtlS = 86'400; ///< a cached answer is served this long (0: no expiry)
};

/// Where tenants' secrets are keyed from (SECRETS_KEY, SECRETS_KEY_FILE; docs/secrets.md).
struct SecretsConfig
{
    QByteArray key;  ///< base64 of the key; empty: keyFile
    QString keyFile; ///< empty: secrets.key in the data dir (created by the first secret set)
};

struct RuntimeConfig
{
    DatabaseConfig database;
    SecretsConfig secrets;
    QString logLevel;                ///< debug | info | warning | warn | error
    int httpConnectionsPerHost = 64; ///< provider network lanes (LLM_HTTP_CONNECTIONS_PER_HOST)
    int keyCacheMs = 0;              ///< HTTP_KEY_CACHE_MS: how long an authenticated key is trusted
    llm::ProviderConfig providers;
    llm::RoutingConfig routing; ///< LLM_ROUTE, LLM_CAPABILITIES, LLM_BREAKER_*
    tools::ToolsConfig tools;
    /// MCP servers' start timeout and restart backoff (MCP_START_TIMEOUT_MS, MCP_RESTART_BACKOFF_MS).
    mcp::ServerConnection::Options mcp;
    ratelimit::RateLimitConfig rateLimits;
    CostConfig costs;
    flows::RunWorkerOptions runs;
    flows::TurnOptions turns;
    ServeConfig serve;
    /// Documents (DOCUMENT_*, KNOWLEDGE_*; the worker's lease and poll from RUN_*).
    knowledge::KnowledgeOptions knowledge;

    /// Maps settings (already validated by config::Settings) to the structs.
    static RuntimeConfig fromSettings(const config::Settings &settings);
    /// Defaults + `values` (as if from the environment), validated like the program's settings.
    /// For tests and benchmarks: InvalidArgument naming the setting for a bad value.
    static core::Result<RuntimeConfig> fromValues(const QHash<QString, QString> &values);
};

} // namespace agency::runtime

#pragma once

#include "core/result.h"
#include "runtime/runtimeconfig.h"
#include "sql/connectionparams.h"
#include "sql/dbexecutor.h"
#include "sql/embeddedpostgres.h"

#include <memory>

namespace agency::runtime {

/// The program's database: the external server named by DATABASE_URL, or the embedded cluster
/// (started here, stopped on destruction), plus the executor every backend component uses.
/// Opening is synchronous and happens once at start-up, before any event loop runs.
class DatabaseRuntime
{
public:
    enum class Migrate { No, Yes };

    /// Connects (starting the embedded cluster when needed) and, with Migrate::Yes, brings the
    /// schema up to date. Fails with what to fix: missing binaries, unreachable server, newer schema.
    static core::Result<std::unique_ptr<DatabaseRuntime>> open(const DatabaseConfig &config, Migrate migrate);

    ~DatabaseRuntime();

    const sql::ConnectionParams &params() const { return m_params; }
    sql::DbExecutor &executor() { return *m_executor; }
    sql::EmbeddedPostgres *embedded() { return m_embedded.get(); }

    /// The connection parameters the config calls for, starting the embedded cluster if needed.
    static core::Result<sql::ConnectionParams> resolve(const DatabaseConfig &config,
                                                       std::unique_ptr<sql::EmbeddedPostgres> *embedded);

private:
    DatabaseRuntime() = default;

    std::unique_ptr<sql::EmbeddedPostgres> m_embedded;
    std::unique_ptr<sql::DbExecutor> m_executor;
    sql::ConnectionParams m_params;
};

} // namespace agency::runtime

#pragma once

#include "core/result.h"
#include "db/connectionparams.h"
#include "db/dbexecutor.h"
#include "db/embeddedpostgres.h"
#include "runtime/runtimeconfig.h"

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

    const db::ConnectionParams &params() const { return m_params; }
    db::DbExecutor &executor() { return *m_executor; }
    db::EmbeddedPostgres *embedded() { return m_embedded.get(); }

    /// The connection parameters the config calls for, starting the embedded cluster if needed.
    static core::Result<db::ConnectionParams> resolve(const DatabaseConfig &config,
                                                      std::unique_ptr<db::EmbeddedPostgres> *embedded);

private:
    DatabaseRuntime() = default;

    std::unique_ptr<db::EmbeddedPostgres> m_embedded;
    std::unique_ptr<db::DbExecutor> m_executor;
    db::ConnectionParams m_params;
};

} // namespace agency::runtime

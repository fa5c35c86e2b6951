#include "databaseruntime.h"

#include "db/dbconnection.h"
#include "db/migrator.h"

namespace agency::runtime {

core::Result<db::ConnectionParams> DatabaseRuntime::resolve(const DatabaseConfig &config,
                                                            std::unique_ptr<db::EmbeddedPostgres> *embedded)
{
    if (!config.url.isEmpty())
        return db::parseDatabaseUrl(config.url);
    db::EmbeddedPostgres::Options options;
    options.dataDir = config.dataDir.isEmpty() ? db::EmbeddedPostgres::defaultDataDir() : config.dataDir;
    options.binDir = config.pgBinDir;
    *embedded = std::make_unique<db::EmbeddedPostgres>(options);
    return (*embedded)->start();
}

core::Result<std::unique_ptr<DatabaseRuntime>> DatabaseRuntime::open(const DatabaseConfig &config,
                                                                     Migrate migrate)
{
    std::unique_ptr<DatabaseRuntime> result(new DatabaseRuntime);
    auto params = resolve(config, &result->m_embedded);
    if (!params)
        return params.error();
    result->m_params = params.value();
    result->m_params.connectTimeoutS = config.connectTimeoutS;
    result->m_params.statementTimeoutMs = config.statementTimeoutMs;

    {
        // Start-up check on this thread, before any worker exists: reachable, schema compatible.
        // Migrations may legitimately run long (an index on a big table): no statement timeout.
        db::ConnectionParams startup = result->m_params;
        startup.statementTimeoutMs = 0;
        db::DbConnection conn(startup, QStringLiteral("aiagency-startup"));
        if (auto opened = conn.ensureOpen(); !opened)
            return opened.error();
        const db::Migrator migrator(db::Migrator::embedded());
        if (migrate == Migrate::Yes) {
            if (auto report = migrator.migrate(conn); !report)
                return report.error();
        } else if (auto status = migrator.status(conn); !status) {
            return status.error();
        }
    }

    result->m_executor = std::make_unique<db::DbExecutor>(result->m_params, config.poolSize);
    return result;
}

DatabaseRuntime::~DatabaseRuntime()
{
    // Workers close their connections before the embedded server goes away.
    m_executor.reset();
    if (m_embedded)
        (void)m_embedded->stop(db::EmbeddedPostgres::StopPolicy::LastUserOut);
}

} // namespace agency::runtime

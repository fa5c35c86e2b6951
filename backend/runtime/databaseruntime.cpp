#include "databaseruntime.h"

#include "sql/dbconnection.h"
#include "sql/migrator.h"

namespace agency::runtime {

core::Result<sql::ConnectionParams> DatabaseRuntime::resolve(const DatabaseConfig &config,
                                                             std::unique_ptr<sql::EmbeddedPostgres> *embedded)
{
    if (!config.url.isEmpty())
        return sql::parseDatabaseUrl(config.url);
    sql::EmbeddedPostgres::Options options;
    options.dataDir = config.dataDir.isEmpty() ? sql::EmbeddedPostgres::defaultDataDir() : config.dataDir;
    options.binDir = config.pgBinDir;
    *embedded = std::make_unique<sql::EmbeddedPostgres>(options);
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
        sql::ConnectionParams startup = result->m_params;
        startup.statementTimeoutMs = 0;
        sql::DbConnection conn(startup, QStringLiteral("aiagency-startup"));
        if (auto opened = conn.ensureOpen(); !opened)
            return opened.error();
        const sql::Migrator migrator(sql::Migrator::embedded());
        if (migrate == Migrate::Yes) {
            if (auto report = migrator.migrate(conn); !report)
                return report.error();
        } else if (auto status = migrator.status(conn); !status) {
            return status.error();
        }
    }

    result->m_executor = std::make_unique<sql::DbExecutor>(result->m_params, config.poolSize);
    return result;
}

DatabaseRuntime::~DatabaseRuntime()
{
    // Workers close their connections before the embedded server goes away.
    m_executor.reset();
    if (m_embedded)
        (void)m_embedded->stop(sql::EmbeddedPostgres::StopPolicy::LastUserOut);
}

} // namespace agency::runtime

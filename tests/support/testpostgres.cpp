#include "testpostgres.h"

#include "db/dbconnection.h"
#include "db/migrator.h"

#include <QFile>
#include <QSqlQuery>

namespace agency::test {

QString makeSharedTempDir(QTemporaryDir &dir)
{
    // QTemporaryDir is 0700; when the tests run as root, initdb runs as `postgres` and must enter it.
    QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                          QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                          QFile::ExeOther);
    return dir.path();
}

TestPostgres::TestPostgres()
{
    db::EmbeddedPostgres::Options options;
    options.dataDir = makeSharedTempDir(m_dir) + QStringLiteral("/data");
    options.fastUnsafe = true;
    options.databaseName = QStringLiteral("postgres");
    m_cluster = std::make_unique<db::EmbeddedPostgres>(options);
}

TestPostgres::~TestPostgres()
{
    (void)m_cluster->stop();
}

bool TestPostgres::start()
{
    auto params = m_cluster->start();
    if (!params) {
        m_error = params.error().toString();
        return false;
    }
    m_admin = params.value();
    return true;
}

core::Status TestPostgres::restart()
{
    if (auto stopped = m_cluster->stop(); !stopped)
        return stopped;
    auto params = m_cluster->start();
    if (!params)
        return params.error();
    // The socket directory is new on every start; tests reconnect through freshDatabase() params
    // only if they ask again, so keep the admin params current.
    m_admin = params.value();
    return {};
}

core::Result<db::ConnectionParams> TestPostgres::freshDatabase(bool migrated)
{
    const QString name = QStringLiteral("test_%1_%2").arg(QCoreApplication::applicationPid()).arg(++m_serial);
    {
        db::DbConnection admin(m_admin, QStringLiteral("test-admin"));
        if (auto opened = admin.ensureOpen(); !opened)
            return opened.error();
        if (auto created =
                admin.execScript(QStringLiteral("CREATE DATABASE ") + name, QStringLiteral("create test db"));
            !created)
            return created.error();
    }
    db::ConnectionParams params = m_admin;
    params.database = name;
    if (migrated) {
        db::DbConnection conn(params, QStringLiteral("test-migrate"));
        if (auto opened = conn.ensureOpen(); !opened)
            return opened.error();
        auto report = db::Migrator(db::Migrator::embedded()).migrate(conn);
        if (!report)
            return report.error();
    }
    return params;
}

} // namespace agency::test

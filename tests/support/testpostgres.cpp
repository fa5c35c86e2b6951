#include "testpostgres.h"

#include "sql/dbconnection.h"
#include "sql/migrator.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSqlQuery>

#include <csignal>
#include <unistd.h>

namespace agency::test {

QString makeSharedTempDir(QTemporaryDir &dir)
{
    // QTemporaryDir is 0700; when the tests run as root, initdb runs as `postgres` and must enter it.
    QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                          QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                          QFile::ExeOther);
    return dir.path();
}

bool processAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close < 0 || text.mid(close + 2, 1) != "Z";
}

TestPostgres::TestPostgres()
{
    sql::EmbeddedPostgres::Options options;
    options.dataDir = makeSharedTempDir(m_dir) + QStringLiteral("/data");
    options.fastUnsafe = true;
    options.databaseName = QStringLiteral("postgres");
    m_cluster = std::make_unique<sql::EmbeddedPostgres>(options);
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
    armWatchdog();
    return true;
}

void TestPostgres::armWatchdog()
{
    // A test that crashes, aborts or is killed by the CTest timeout never runs our destructor, and
    // its server would run on forever. A detached watcher polls for this process and then stops
    // the cluster and removes its directories. After a normal exit it finds nothing left to do.
    if (m_watchdogArmed)
        return;
    auto bin = sql::EmbeddedPostgres::findBinDir(QString());
    if (!bin)
        return;
    const QString script = QStringLiteral("while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
                                          "if [ -f \"$2/postmaster.pid\" ]; then "
                                          "%1 \"$3\" -D \"$2\" -m immediate -w stop >/dev/null 2>&1; fi; "
                                          "rm -rf \"$4\" \"$5\"")
                               .arg(::geteuid() == 0 ? QStringLiteral("runuser -u postgres --") : QString());
    QProcess watcher;
    watcher.setProgram(QStringLiteral("/bin/sh"));
    watcher.setArguments({QStringLiteral("-c"), script, QStringLiteral("aiagency-test-watchdog"),
                          QString::number(QCoreApplication::applicationPid()), m_cluster->clusterDir(),
                          bin.value() + QStringLiteral("/pg_ctl"), m_dir.path(), m_admin.host});
    watcher.setWorkingDirectory(QStringLiteral("/"));
    // Never hold CTest's output pipes open.
    watcher.setStandardInputFile(QProcess::nullDevice());
    watcher.setStandardOutputFile(QProcess::nullDevice());
    watcher.setStandardErrorFile(QProcess::nullDevice());
    m_watchdogArmed = watcher.startDetached();
}

core::Status TestPostgres::restart()
{
    if (auto stopped = m_cluster->stop(); !stopped)
        return stopped;
    auto params = m_cluster->start();
    if (!params)
        return params.error();
    // EmbeddedPostgres keeps its socket directory across stop()/start(), so connections made
    // before the restart reach the new server at the same address.
    m_admin = params.value();
    return {};
}

core::Status TestPostgres::stopServer()
{
    return m_cluster->stop();
}

core::Status TestPostgres::startServer()
{
    auto params = m_cluster->start();
    if (!params)
        return params.error();
    m_admin = params.value();
    return {};
}

int TestPostgres::signalServer(int signal)
{
    const qint64 postmaster = m_cluster->serverPid();
    if (postmaster <= 0)
        return 0;
    QList<qint64> pids{postmaster};
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!isPid || !stat.open(QIODevice::ReadOnly))
            continue;
        // "pid (comm) state ppid ...": the parent comes after the closing parenthesis.
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.value(1).toLongLong() == postmaster)
            pids.append(pid);
    }
    int signalled = 0;
    for (const qint64 pid : pids)
        signalled += ::kill(static_cast<pid_t>(pid), signal) == 0 ? 1 : 0;
    return signalled;
}

core::Status TestPostgres::createDatabase(const QString &name, const QString &templateName)
{
    sql::DbConnection admin(m_admin, QStringLiteral("test-admin"));
    if (auto opened = admin.ensureOpen(); !opened)
        return opened;
    QString sql = QStringLiteral("CREATE DATABASE ") + name;
    if (!templateName.isEmpty())
        sql += QStringLiteral(" TEMPLATE ") + templateName;
    return admin.execScript(sql, QStringLiteral("create test db"));
}

core::Status TestPostgres::migrateTemplate()
{
    // Every migration runs once per test executable, into a database no test uses; each migrated
    // fresh database is then a file copy of it (CREATE DATABASE … TEMPLATE), far quicker than
    // running the migrations again for every test function.
    const QString name = QStringLiteral("test_%1_template").arg(QCoreApplication::applicationPid());
    if (auto created = createDatabase(name, QString()); !created)
        return created;
    {
        sql::ConnectionParams params = m_admin;
        params.database = name;
        sql::DbConnection conn(params, QStringLiteral("test-migrate"));
        if (auto opened = conn.ensureOpen(); !opened)
            return opened;
        auto report = sql::Migrator(sql::Migrator::embedded()).migrate(conn);
        if (!report)
            return report.error();
    }
    // The migrating connection is closed above: PostgreSQL refuses to copy a database that has
    // sessions (it waits a few seconds for closing ones to end), and no one connects to it again.
    m_template = name;
    return {};
}

core::Result<sql::ConnectionParams> TestPostgres::freshDatabase(bool migrated)
{
    if (migrated && m_template.isEmpty()) {
        if (auto made = migrateTemplate(); !made)
            return made.error();
    }
    const QString name = QStringLiteral("test_%1_%2").arg(QCoreApplication::applicationPid()).arg(++m_serial);
    if (auto created = createDatabase(name, migrated ? m_template : QString()); !created)
        return created.error();
    sql::ConnectionParams params = m_admin;
    params.database = name;
    return params;
}

} // namespace agency::test

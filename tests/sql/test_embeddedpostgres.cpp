// The embedded private cluster (docs/design.md#persistence): first start initialises, later starts reuse it,
// a second instance attaches to a running server without owning it, a stale postmaster.pid after
// a crash is recovered, missing binaries give a clear NotConfigured error, and (when the tests run
// as root) the non-root path is exercised by a helper run as `nobody`.
#include "sql/dbconnection.h"
#include "sql/embeddedpostgres.h"
#include "testpostgres.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <csignal>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using agency::core::ErrorCode;
using agency::core::Result;
using agency::sql::ConnectionParams;
using agency::sql::DbConnection;
using agency::sql::EmbeddedPostgres;

namespace {

int s_connectionSerial = 0;

/// Runs one query on a fresh connection and returns the first column of the first row.
Result<QVariant> queryOne(const ConnectionParams &params, const QString &sql)
{
    DbConnection conn(params, QStringLiteral("embedded-test-%1").arg(++s_connectionSerial));
    if (auto opened = conn.ensureOpen(); !opened)
        return opened.error();
    auto query = conn.exec(sql, {}, QStringLiteral("test query"));
    if (!query)
        return query.error();
    if (!query.value()->next())
        return QVariant();
    return query.value()->value(0);
}

/// Runs SQL that cannot be prepared (DDL) on a fresh connection.
agency::core::Status execScript(const ConnectionParams &params, const QString &sql)
{
    DbConnection conn(params, QStringLiteral("embedded-test-%1").arg(++s_connectionSerial));
    if (auto opened = conn.ensureOpen(); !opened)
        return opened;
    return conn.execScript(sql, QStringLiteral("test script"));
}

/// A process that exists and is not a zombie.
using agency::test::processAlive;

/// Pids whose parent is `pid` (the postmaster's backends and auxiliary processes).
QList<qint64> childrenOf(qint64 pid)
{
    QList<qint64> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 candidate = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(candidate));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toLongLong() == pid)
            children.append(candidate);
    }
    return children;
}

bool writeFile(const QString &path, const QByteArray &content, QFile::Permissions permissions = {})
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    file.write(content);
    file.close();
    return permissions == QFile::Permissions() || file.setPermissions(permissions);
}

const QFile::Permissions kExecutable = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                       QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                       QFile::ExeOther;

} // namespace

class TestEmbeddedPostgres : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // These share one cluster directory (m_main) and run in this order.
    void firstStartInitialises();
    void secondStartReusesCluster();
    void restartKeepsTheSocketAddress();
    void secondInstanceAttachesWithoutOwning();
    void recoversAfterPostmasterKilled();
    void pidFileOfLiveNonPostgresProcessIsStale();
    void pidFileOfZombieIsStale();
    void pidFileOfAnotherClustersPostmasterIsStale();

    void concurrentFirstStartsShareOneServer();
    void missingBinariesSearchRoot();
    void missingBinariesConfiguredDir();
    void newestVersionIsChosen();
    void failedInitdbLeavesNothingBehind();
    void defaultDataDirIgnoresEnvironment();
    void worksAsNonRootUser();
    void clusterOfCrashedTestIsCleanedUp();

private:
    EmbeddedPostgres::Options options(const QString &name,
                                      const QString &database = QStringLiteral("aiagency"))
    {
        EmbeddedPostgres::Options o;
        o.dataDir = m_base + u'/' + name;
        o.fastUnsafe = true;
        o.databaseName = database;
        return o;
    }
    /// SIGKILLs the postmaster of `pg` (which must own it) and waits until it and its children are gone.
    void killPostmaster(EmbeddedPostgres &pg);

    QTemporaryDir m_root;
    QString m_base;
    QString m_pgBinDir;
};

void TestEmbeddedPostgres::initTestCase()
{
    QVERIFY(m_root.isValid());
    m_base = agency::test::makeSharedTempDir(m_root);
    auto bin = EmbeddedPostgres::findBinDir({});
    AGENCY_VERIFY_OK(bin);
    m_pgBinDir = bin.value();
}

void TestEmbeddedPostgres::firstStartInitialises()
{
    EmbeddedPostgres pg(options(QStringLiteral("main")));
    QVERIFY(!QFile::exists(pg.clusterDir()));
    auto params = pg.start();
    AGENCY_VERIFY_OK(params);
    QVERIFY(pg.ownsServer());
    QVERIFY(params->embedded);
    QCOMPARE(params->database, QStringLiteral("aiagency"));
    QCOMPARE(pg.clusterDir(), m_base + QStringLiteral("/main/pgdata"));
    QVERIFY(QFile::exists(pg.clusterDir() + QStringLiteral("/PG_VERSION")));
    QVERIFY(QFile::exists(pg.logFile()));
    // initdb ran in a scratch directory that was renamed into place.
    QCOMPARE(
        QDir(m_base + QStringLiteral("/main")).entryList({QStringLiteral("pgdata.init-*")}, QDir::AllEntries),
        QStringList());

    // The socket lives in a private directory nobody else can enter.
    QVERIFY2(params->host.startsWith(QDir::tempPath() + QStringLiteral("/aiagency-pg-")),
             qPrintable(params->host));
    const QFileInfo socketDir(params->host);
    QVERIFY(socketDir.isDir());
    QCOMPARE(socketDir.permissions() & (QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
                                        QFile::ReadOther | QFile::WriteOther | QFile::ExeOther),
             QFile::Permissions());
    QVERIFY(QFile::exists(params->host + QStringLiteral("/.s.PGSQL.5432")));
    if (::geteuid() == 0) {
        const passwd *pw = ::getpwnam("postgres");
        QVERIFY(pw);
        QCOMPARE(QFileInfo(pg.clusterDir()).ownerId(), pw->pw_uid);
    }

    const qint64 pid = pg.serverPid();
    QVERIFY(processAlive(pid));
    auto database = queryOne(params.value(), QStringLiteral("SELECT current_database()"));
    AGENCY_VERIFY_OK(database);
    QCOMPARE(database->toString(), QStringLiteral("aiagency"));
    // No TCP listener at all.
    auto listen = queryOne(params.value(), QStringLiteral("SELECT current_setting('listen_addresses')"));
    AGENCY_VERIFY_OK(listen);
    QCOMPARE(listen->toString(), QString());
    auto version = queryOne(params.value(), QStringLiteral("SELECT current_setting('server_version_num')"));
    AGENCY_VERIFY_OK(version);
    QVERIFY(version->toInt() >= 150000);

    // Something to find again after a restart.
    AGENCY_VERIFY_OK(
        execScript(params.value(), QStringLiteral("CREATE TABLE survivor AS SELECT 42 AS answer")));

    AGENCY_VERIFY_OK(pg.stop());
    QVERIFY(!pg.ownsServer());
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), 10000);
    QVERIFY(!QFile::exists(pg.clusterDir() + QStringLiteral("/postmaster.pid")));
    AGENCY_VERIFY_OK(pg.stop()); // idempotent
}

void TestEmbeddedPostgres::secondStartReusesCluster()
{
    const QString versionFile = m_base + QStringLiteral("/main/pgdata/PG_VERSION");
    QVERIFY(QFile::exists(versionFile));
    const QDateTime initialisedAt = QFileInfo(versionFile).lastModified();

    EmbeddedPostgres pg(options(QStringLiteral("main")));
    auto params = pg.start();
    AGENCY_VERIFY_OK(params);
    QVERIFY(pg.ownsServer());
    auto answer = queryOne(params.value(), QStringLiteral("SELECT answer FROM survivor"));
    AGENCY_VERIFY_OK(answer);
    QCOMPARE(answer->toInt(), 42);
    QCOMPARE(QFileInfo(versionFile).lastModified(), initialisedAt);
    const qint64 pid = pg.serverPid();
    QVERIFY(processAlive(pid));
    {
        // An object that never started anything stops nothing when destroyed.
        EmbeddedPostgres idle(options(QStringLiteral("main")));
    }
    QVERIFY(processAlive(pid));
    AGENCY_VERIFY_OK(pg.stop());
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), 10000);
}

void TestEmbeddedPostgres::restartKeepsTheSocketAddress()
{
    // Open executors reconnect to the same address after a restart (TestPostgres::restart relies on it).
    QString socketDir;
    {
        EmbeddedPostgres pg(options(QStringLiteral("main")));
        auto first = pg.start();
        AGENCY_VERIFY_OK(first);
        socketDir = first->host;
        AGENCY_VERIFY_OK(pg.stop());
        auto second = pg.start();
        AGENCY_VERIFY_OK(second);
        QCOMPARE(second->host, socketDir);
        AGENCY_VERIFY_OK(queryOne(second.value(), QStringLiteral("SELECT 1")));
    }
    // The destructor stopped the server and removed its private socket directory.
    QVERIFY(!QFileInfo::exists(socketDir));
    QVERIFY(!QFile::exists(m_base + QStringLiteral("/main/pgdata/postmaster.pid")));
}

void TestEmbeddedPostgres::secondInstanceAttachesWithoutOwning()
{
    EmbeddedPostgres owner(options(QStringLiteral("main")));
    auto ownerParams = owner.start();
    AGENCY_VERIFY_OK(ownerParams);
    const qint64 pid = owner.serverPid();

    {
        // Another process (here: another object) with a different database name shares the server.
        EmbeddedPostgres guest(options(QStringLiteral("main"), QStringLiteral("guestdb")));
        auto guestParams = guest.start();
        AGENCY_VERIFY_OK(guestParams);
        QVERIFY(!guest.ownsServer());
        QCOMPARE(guestParams->host, ownerParams->host);
        QCOMPARE(guest.serverPid(), pid);
        auto db = queryOne(guestParams.value(), QStringLiteral("SELECT current_database()"));
        AGENCY_VERIFY_OK(db);
        QCOMPARE(db->toString(), QStringLiteral("guestdb"));
        AGENCY_VERIFY_OK(guest.stop()); // not ours: leaves the server running
        QVERIFY(processAlive(pid));
        AGENCY_VERIFY_OK(queryOne(ownerParams.value(), QStringLiteral("SELECT 1")));
    }
    // Nor does the guest's destructor stop it or remove the owner's socket directory.
    QVERIFY(processAlive(pid));
    QVERIFY(QFileInfo::exists(ownerParams->host));
    AGENCY_VERIFY_OK(queryOne(ownerParams.value(), QStringLiteral("SELECT 1")));
    AGENCY_VERIFY_OK(owner.stop());
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), 10000);
}

void TestEmbeddedPostgres::killPostmaster(EmbeddedPostgres &pg)
{
    const qint64 pid = pg.serverPid();
    QVERIFY(processAlive(pid));
    const QList<qint64> children = childrenOf(pid);
    QVERIFY(!children.isEmpty()); // checkpointer, walwriter, ...
    QCOMPARE(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), 10000);
    // The children notice the postmaster's death and exit; only then may a new server use the data.
    for (qint64 child : children)
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(child), 10000);
    QVERIFY(QFile::exists(pg.clusterDir() + QStringLiteral("/postmaster.pid"))); // left behind
}

void TestEmbeddedPostgres::recoversAfterPostmasterKilled()
{
    EmbeddedPostgres crashed(options(QStringLiteral("main")));
    AGENCY_VERIFY_OK(crashed.start());
    killPostmaster(crashed);
    if (QTest::currentTestFailed())
        return;
    const qint64 stalePid = crashed.serverPid();

    EmbeddedPostgres pg(options(QStringLiteral("main")));
    auto params = pg.start();
    AGENCY_VERIFY_OK(params);
    QVERIFY(pg.ownsServer()); // started its own server, did not "attach" to the dead one
    QVERIFY(pg.serverPid() != stalePid);
    QVERIFY(processAlive(pg.serverPid()));
    auto answer = queryOne(params.value(), QStringLiteral("SELECT answer FROM survivor"));
    AGENCY_VERIFY_OK(answer);
    QCOMPARE(answer->toInt(), 42);
    AGENCY_VERIFY_OK(pg.stop());
}

void TestEmbeddedPostgres::pidFileOfLiveNonPostgresProcessIsStale()
{
    // After a reboot the old pid may belong to an unrelated process: here, the test itself.
    EmbeddedPostgres pg(options(QStringLiteral("main")));
    const QString pidFile = pg.clusterDir() + QStringLiteral("/postmaster.pid");
    QVERIFY(!QFile::exists(pidFile));
    const QByteArray fake =
        QByteArray::number(QCoreApplication::applicationPid()) + '\n' + QFile::encodeName(pg.clusterDir()) +
        "\n1700000000\n5432\n/tmp/aiagency-pg-gone\n\n" + "  5432001    123456\nready   \n";
    QVERIFY(writeFile(pidFile, fake));
    auto params = pg.start();
    AGENCY_VERIFY_OK(params);
    QVERIFY(pg.ownsServer());
    QVERIFY(params->host != QStringLiteral("/tmp/aiagency-pg-gone"));
    QVERIFY(pg.serverPid() != QCoreApplication::applicationPid());
    AGENCY_VERIFY_OK(queryOne(params.value(), QStringLiteral("SELECT 1")));
    AGENCY_VERIFY_OK(pg.stop());
}

void TestEmbeddedPostgres::pidFileOfZombieIsStale()
{
    // A crashed postmaster nobody has reaped yet (no init in a container) is a zombie named
    // "postgres": it is dead and must not be taken for a running server.
    const QString fakeDir = m_base + QStringLiteral("/zombie-bin");
    QVERIFY(QDir().mkpath(fakeDir));
    const QString fakePostgres = fakeDir + QStringLiteral("/postgres");
    QVERIFY(QFile::copy(QStringLiteral("/bin/true"), fakePostgres));
    const QByteArray program = QFile::encodeName(fakePostgres);
    char *const argv[] = {const_cast<char *>(program.constData()), nullptr};
    pid_t zombie = 0;
    QCOMPARE(::posix_spawn(&zombie, program.constData(), nullptr, nullptr, argv, environ), 0);
    auto reap = qScopeGuard([zombie] { ::waitpid(zombie, nullptr, 0); });
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(zombie), 10000);
    QCOMPARE(::kill(zombie, 0), 0); // still in the process table
    QFile comm(QStringLiteral("/proc/%1/comm").arg(zombie));
    QVERIFY(comm.open(QIODevice::ReadOnly));
    QCOMPARE(comm.readAll().trimmed(), QByteArray("postgres"));

    EmbeddedPostgres pg(options(QStringLiteral("main")));
    const QString pidFile = pg.clusterDir() + QStringLiteral("/postmaster.pid");
    QVERIFY(writeFile(pidFile,
                      QByteArray::number(zombie) + '\n' + QFile::encodeName(pg.clusterDir()) +
                          "\n1700000000\n5432\n/tmp/aiagency-pg-gone\n\n  5432001    123456\nready   \n"));
    auto params = pg.start();
    AGENCY_VERIFY_OK(params);
    QVERIFY(pg.ownsServer());
    AGENCY_VERIFY_OK(queryOne(params.value(), QStringLiteral("SELECT 1")));
    AGENCY_VERIFY_OK(pg.stop());
}

void TestEmbeddedPostgres::pidFileOfAnotherClustersPostmasterIsStale()
{
    // The old pid may now be a postgres of a different cluster (the system one, another user's):
    // attaching to it would be wrong. Start another cluster and name its postmaster in ours.
    EmbeddedPostgres other(options(QStringLiteral("other")));
    auto otherParams = other.start();
    AGENCY_VERIFY_OK(otherParams);
    const qint64 otherPid = other.serverPid();
    QVERIFY(processAlive(otherPid));

    EmbeddedPostgres pg(options(QStringLiteral("main")));
    const QString pidFile = pg.clusterDir() + QStringLiteral("/postmaster.pid");
    QVERIFY(writeFile(pidFile, QByteArray::number(otherPid) + '\n' + QFile::encodeName(pg.clusterDir()) +
                                   "\n1700000000\n5432\n" + QFile::encodeName(otherParams->host) +
                                   "\n\n  5432001    123456\nready   \n"));
    auto params = pg.start();
    AGENCY_VERIFY_OK(params);
    QVERIFY(pg.ownsServer());
    QVERIFY(params->host != otherParams->host);
    auto answer = queryOne(params.value(), QStringLiteral("SELECT answer FROM survivor"));
    AGENCY_VERIFY_OK(answer);
    QCOMPARE(answer->toInt(), 42);
    AGENCY_VERIFY_OK(pg.stop());
    QVERIFY(processAlive(otherPid)); // the other cluster was left alone
    AGENCY_VERIFY_OK(other.stop());
}

void TestEmbeddedPostgres::concurrentFirstStartsShareOneServer()
{
    // Two processes (here: threads with their own objects) starting a fresh data directory at the
    // same moment: both initdb, one rename wins, both pg_ctl start, one server wins. Both must end
    // up connected to that one server.
    for (int round = 0; round < 1; ++round) {
        const EmbeddedPostgres::Options o = options(QStringLiteral("race-%1").arg(round));
        EmbeddedPostgres a(o);
        EmbeddedPostgres b(o);
        Result<ConnectionParams> ra;
        Result<ConnectionParams> rb;
        std::unique_ptr<QThread> ta(QThread::create([&a, &ra] { ra = a.start(); }));
        std::unique_ptr<QThread> tb(QThread::create([&b, &rb] { rb = b.start(); }));
        ta->start();
        tb->start();
        QTRY_VERIFY_WITH_TIMEOUT(ta->isFinished() && tb->isFinished(), 90000);
        AGENCY_VERIFY_OK(ra);
        AGENCY_VERIFY_OK(rb);
        QCOMPARE(static_cast<int>(a.ownsServer()) + static_cast<int>(b.ownsServer()), 1);
        QCOMPARE(ra->host, rb->host);
        AGENCY_VERIFY_OK(queryOne(ra.value(), QStringLiteral("SELECT 1")));
        AGENCY_VERIFY_OK(queryOne(rb.value(), QStringLiteral("SELECT 1")));
        QCOMPARE(QDir(o.dataDir).entryList({QStringLiteral("pgdata.init-*")}, QDir::AllEntries),
                 QStringList());
        EmbeddedPostgres &owner = a.ownsServer() ? a : b;
        const qint64 pid = owner.serverPid();
        AGENCY_VERIFY_OK(owner.stop());
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), 10000);
    }
}

void TestEmbeddedPostgres::missingBinariesSearchRoot()
{
    QTemporaryDir empty;
    QVERIFY(empty.isValid());
    auto none = EmbeddedPostgres::findBinDir({}, empty.path());
    QVERIFY(!none.ok());
    QCOMPARE(none.error().code, ErrorCode::NotConfigured);
    QVERIFY2(none.error().message.contains(QStringLiteral("postgresql-15")),
             qPrintable(none.error().message));
    QVERIFY2(none.error().message.contains(empty.path()), qPrintable(none.error().message));
    QVERIFY2(none.error().message.contains(QStringLiteral("DATABASE_URL")), qPrintable(none.error().message));

    // A version directory with only some of the tools (e.g. just the client package) is not enough.
    QVERIFY(QDir().mkpath(empty.path() + QStringLiteral("/15/bin")));
    QVERIFY(writeFile(empty.path() + QStringLiteral("/15/bin/initdb"), "#!/bin/sh\n", kExecutable));
    QVERIFY(writeFile(empty.path() + QStringLiteral("/15/bin/pg_ctl"), "#!/bin/sh\n", kExecutable));
    auto partial = EmbeddedPostgres::findBinDir({}, empty.path());
    QVERIFY(!partial.ok());
    QCOMPARE(partial.error().code, ErrorCode::NotConfigured);
    QVERIFY(partial.error().message.contains(QStringLiteral("postgresql-15")));
    // A non-executable file does not count either.
    QVERIFY(writeFile(empty.path() + QStringLiteral("/15/bin/postgres"), "#!/bin/sh\n",
                      QFile::ReadOwner | QFile::WriteOwner));
    QVERIFY(!EmbeddedPostgres::findBinDir({}, empty.path()).ok());
    QVERIFY(QFile::setPermissions(empty.path() + QStringLiteral("/15/bin/postgres"), kExecutable));
    auto complete = EmbeddedPostgres::findBinDir({}, empty.path());
    AGENCY_VERIFY_OK(complete);
    QCOMPARE(complete.value(), empty.path() + QStringLiteral("/15/bin"));
}

void TestEmbeddedPostgres::missingBinariesConfiguredDir()
{
    QTemporaryDir lacking;
    QVERIFY(lacking.isValid());
    QVERIFY(writeFile(lacking.path() + QStringLiteral("/initdb"), "#!/bin/sh\n", kExecutable));
    auto found = EmbeddedPostgres::findBinDir(lacking.path());
    QVERIFY(!found.ok());
    QCOMPARE(found.error().code, ErrorCode::NotConfigured);
    QVERIFY2(found.error().message.contains(QStringLiteral("AGENCY_PG_BINDIR")),
             qPrintable(found.error().message));
    QVERIFY2(found.error().message.contains(lacking.path()), qPrintable(found.error().message));
    QVERIFY2(found.error().message.contains(QStringLiteral("postgresql-15")),
             qPrintable(found.error().message));

    // start() fails the same way before touching the data directory.
    EmbeddedPostgres::Options o = options(QStringLiteral("never-created"));
    o.binDir = lacking.path();
    EmbeddedPostgres pg(o);
    auto started = pg.start();
    QVERIFY(!started.ok());
    QCOMPARE(started.error().code, ErrorCode::NotConfigured);
    QVERIFY(started.error().message.contains(QStringLiteral("postgresql-15")));
    QVERIFY(!QFileInfo::exists(o.dataDir));
    QVERIFY(!pg.ownsServer());

    // The real directory is accepted as configured.
    auto real = EmbeddedPostgres::findBinDir(m_pgBinDir);
    AGENCY_VERIFY_OK(real);
    QCOMPARE(real.value(), m_pgBinDir);
}

void TestEmbeddedPostgres::newestVersionIsChosen()
{
    QTemporaryDir root;
    QVERIFY(root.isValid());
    for (const char *version : {"9.6", "15", "13", "100-beta"}) {
        const QString bin = root.path() + u'/' + QLatin1String(version) + QStringLiteral("/bin");
        QVERIFY(QDir().mkpath(bin));
        for (const char *tool : {"initdb", "pg_ctl", "postgres"})
            QVERIFY(writeFile(bin + u'/' + QLatin1String(tool), "#!/bin/sh\n", kExecutable));
    }
    // Numeric order: 100 > 15 > 13 > 9.6 (a plain string sort would pick 9.6).
    auto found = EmbeddedPostgres::findBinDir({}, root.path());
    AGENCY_VERIFY_OK(found);
    QCOMPARE(found.value(), root.path() + QStringLiteral("/100-beta/bin"));
    QVERIFY(QDir(root.path() + QStringLiteral("/100-beta")).removeRecursively());
    found = EmbeddedPostgres::findBinDir({}, root.path());
    AGENCY_VERIFY_OK(found);
    QCOMPARE(found.value(), root.path() + QStringLiteral("/15/bin"));
}

void TestEmbeddedPostgres::failedInitdbLeavesNothingBehind()
{
    // Stand-in tools (readable by the postgres user when running as root): initdb fails loudly.
    const QString bin = m_base + QStringLiteral("/failing-bin");
    QVERIFY(QDir().mkpath(bin));
    QVERIFY(QFile::setPermissions(bin, kExecutable));
    QVERIFY(writeFile(bin + QStringLiteral("/initdb"), "#!/bin/sh\necho 'initdb: disk on fire' >&2\nexit 1\n",
                      kExecutable));
    QVERIFY(writeFile(bin + QStringLiteral("/pg_ctl"), "#!/bin/sh\nexit 1\n", kExecutable));
    QVERIFY(writeFile(bin + QStringLiteral("/postgres"), "#!/bin/sh\necho 'postgres (PostgreSQL) 15'\n",
                      kExecutable));

    EmbeddedPostgres::Options o = options(QStringLiteral("failing"));
    o.binDir = bin;
    EmbeddedPostgres pg(o);
    auto started = pg.start();
    QVERIFY(!started.ok());
    QVERIFY2(started.error().message.contains(QStringLiteral("disk on fire")),
             qPrintable(started.error().message));
    QVERIFY(!pg.ownsServer());
    QVERIFY(!QFileInfo::exists(pg.clusterDir()));
    // Nothing but the lifecycle protocol's lock file and its log (see ClusterLocks).
    QCOMPARE(QDir(o.dataDir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             (QStringList{QStringLiteral("aiagency.lock"), QStringLiteral("lifecycle.log")}));
}

// AGENCY_DATA_DIR reaches EmbeddedPostgres through the configuration (tests/runtime checks it);
// the default is only the fallback for a configuration naming none.
void TestEmbeddedPostgres::defaultDataDirIgnoresEnvironment()
{
    const QByteArray saved = qgetenv("AGENCY_DATA_DIR");
    auto restore = qScopeGuard([&saved] {
        if (saved.isNull())
            qunsetenv("AGENCY_DATA_DIR");
        else
            qputenv("AGENCY_DATA_DIR", saved);
    });
    qunsetenv("AGENCY_DATA_DIR");
    const QString fallback = EmbeddedPostgres::defaultDataDir();
    qputenv("AGENCY_DATA_DIR", "/srv/agency-data");
    QCOMPARE(EmbeddedPostgres::defaultDataDir(), fallback);
    if (::geteuid() == 0)
        QCOMPARE(fallback, QStringLiteral("/var/lib/aiagency")); // the postgres user cannot enter /root
    else
        QVERIFY2(fallback.endsWith(QStringLiteral("/aiagency")) &&
                     !fallback.startsWith(QStringLiteral("/var/lib")),
                 qPrintable(fallback));
}

void TestEmbeddedPostgres::worksAsNonRootUser()
{
    if (::geteuid() != 0)
        QSKIP("the whole test already runs as a normal user");
    const passwd *nobody = ::getpwnam("nobody");
    if (!nobody)
        QSKIP("no `nobody` user to run the helper as");
    // The helper's own data directory belongs to nobody; m_base is 0755 so it can get there. The
    // build tree may not be reachable for nobody (a checkout under /root), so run a copy from here.
    const QString home = m_base + QStringLiteral("/nobody");
    QVERIFY(QDir().mkpath(home));
    QCOMPARE(::chown(QFile::encodeName(home).constData(), nobody->pw_uid, nobody->pw_gid), 0);
    const QString helper = m_base + QStringLiteral("/embeddedpg_helper");
    QVERIFY(QFile::copy(QStringLiteral(AGENCY_EMBEDDED_HELPER), helper));
    QVERIFY(QFile::setPermissions(helper, kExecutable));

    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home);
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(home);
    process.start(QStringLiteral("runuser"), {QStringLiteral("-u"), QStringLiteral("nobody"),
                                              QStringLiteral("--"), helper, home + QStringLiteral("/data")});
    QVERIFY(process.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 60000);
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
             qPrintable(out + QStringLiteral("\n") + err));
    // The server ran as nobody itself (no runuser), with no TCP listener, and was stopped again.
    QVERIFY2(out.contains(QStringLiteral("server_uid=%1").arg(nobody->pw_uid)), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("listen_addresses=\n")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("reused=1")), qPrintable(out));
    QVERIFY(QFile::exists(home + QStringLiteral("/data/pgdata/PG_VERSION")));
    QCOMPARE(QFileInfo(home + QStringLiteral("/data/pgdata")).ownerId(), nobody->pw_uid);
    QVERIFY(!QFile::exists(home + QStringLiteral("/data/pgdata/postmaster.pid")));
}

void TestEmbeddedPostgres::clusterOfCrashedTestIsCleanedUp()
{
    // tests/support: a test process that dies without destructors must not leave its server running.
    QTemporaryDir workDir;
    QProcess process;
    process.setWorkingDirectory(workDir.path());
    process.start(QStringLiteral(AGENCY_EMBEDDED_HELPER), {QStringLiteral("--die-with-testpostgres")});
    QVERIFY(process.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 60000);
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    QVERIFY2(process.exitCode() == 3, qPrintable(out + QString::fromUtf8(process.readAllStandardError())));
    QHash<QString, QString> values;
    for (const QString &line : out.split(u'\n', Qt::SkipEmptyParts))
        values.insert(line.section(u'=', 0, 0), line.section(u'=', 1));
    const qint64 pid = values.value(QStringLiteral("pid")).toLongLong();
    const QString dir = values.value(QStringLiteral("dir"));
    const QString socket = values.value(QStringLiteral("socket"));
    QVERIFY2(pid > 0 && !dir.isEmpty() && socket.startsWith(u'/'), qPrintable(out));
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(dir), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(socket), 10000);
}

QTEST_GUILESS_MAIN(TestEmbeddedPostgres)
#include "test_embeddedpostgres.moc"

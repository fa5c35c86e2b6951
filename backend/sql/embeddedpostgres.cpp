#include "embeddedpostgres.h"

#include "clusterlocks.h"
#include "dbconnection.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>
#include <QUuid>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <pwd.h>
#include <unistd.h>

namespace agency::sql {

using core::ErrorCode;
using core::makeError;

namespace {

const QString kServerUser = QStringLiteral("postgres");
const QString kSuperUser = QStringLiteral("aiagency");
const QStringList kTools = {QStringLiteral("initdb"), QStringLiteral("pg_ctl"), QStringLiteral("postgres")};

bool hasTools(const QString &dir)
{
    for (const QString &tool : kTools) {
        if (!QFileInfo(dir + u'/' + tool).isExecutable())
            return false;
    }
    return true;
}

QString tail(const QString &path, int maxLines)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    return lines.mid(std::max<qsizetype>(0, lines.size() - maxLines)).join(u'\n');
}

/// Whether `pid` is a live postmaster serving `clusterDir` (so postmaster.pid is not stale).
bool isPostmasterOf(qint64 pid, const QString &clusterDir)
{
    if (pid <= 0)
        return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)
        return false;
    QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
    if (!comm.open(QIODevice::ReadOnly) || !comm.readAll().trimmed().startsWith("postgres"))
        return false;
    // A killed postmaster that nobody has reaped yet (no init reaping orphans, as in many
    // containers) is a zombie that still answers kill(0) and keeps its name.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        const QByteArray state = text.mid(text.lastIndexOf(')') + 2, 1);
        if (state == "Z" || state == "X")
            return false;
    }
    // After a reboot the old pid may belong to another cluster's server (the system one, another
    // user's): a postmaster's working directory is its data directory. Unreadable (another user's
    // process, no root) means we cannot tell, so trust the name as PostgreSQL itself would.
    const QString cwd = QFileInfo(QStringLiteral("/proc/%1/cwd").arg(pid)).symLinkTarget();
    if (!cwd.isEmpty() && QFileInfo(cwd).canonicalFilePath() != QFileInfo(clusterDir).canonicalFilePath())
        return false;
    return true;
}

/// Numeric, component-wise comparison of version directory names: "15" > "9.6", "100-beta" > "15".
bool newerVersion(const QString &a, const QString &b)
{
    static const QRegularExpression digits(QStringLiteral("\\d+"));
    QList<qint64> va;
    QList<qint64> vb;
    for (const auto &match : digits.globalMatch(a))
        va.append(match.captured().toLongLong());
    for (const auto &match : digits.globalMatch(b))
        vb.append(match.captured().toLongLong());
    if (va != vb)
        return std::lexicographical_compare(vb.cbegin(), vb.cend(), va.cbegin(), va.cend());
    return a > b;
}

} // namespace

EmbeddedPostgres::EmbeddedPostgres(Options options) : m_options(std::move(options))
{
    m_asRoot = ::geteuid() == 0;
}

EmbeddedPostgres::~EmbeddedPostgres()
{
    (void)stop(StopPolicy::LastUserOut);
    // Our socket directory stays while a server still listens in it (other users remain).
    if (!m_socketDir.isEmpty() && runningSocketDir() != m_socketDir)
        QDir(m_socketDir).removeRecursively();
}

QString EmbeddedPostgres::runningSocketDir() const
{
    QFile file(clusterDir() + QStringLiteral("/postmaster.pid"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> lines = file.readAll().split('\n');
    if (!isPostmasterOf(lines.value(0).trimmed().toLongLong(), clusterDir()))
        return {};
    return QString::fromLocal8Bit(lines.value(4).trimmed());
}

void EmbeddedPostgres::removeScratchDirectories()
{
    const QDir data(m_options.dataDir);
    for (const QString &name : data.entryList({QStringLiteral("pgdata.init-*")}, QDir::Dirs | QDir::Hidden)) {
        if (QDir(data.filePath(name)).removeRecursively())
            m_locks->note(QStringLiteral("removed %1 (an initdb killed part-way)").arg(name));
    }
}

QString EmbeddedPostgres::defaultDataDir()
{
    if (::geteuid() == 0)
        return QStringLiteral("/var/lib/aiagency");
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/aiagency");
}

QString EmbeddedPostgres::clusterDir() const
{
    return m_options.dataDir + QStringLiteral("/pgdata");
}

QString EmbeddedPostgres::logFile() const
{
    return clusterDir() + QStringLiteral("/aiagency-server.log");
}

qint64 EmbeddedPostgres::serverPid() const
{
    QFile file(clusterDir() + QStringLiteral("/postmaster.pid"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return file.readLine().trimmed().toLongLong();
}

core::Result<QString> EmbeddedPostgres::findBinDir(const QString &configured, const QString &searchRoot)
{
    if (!configured.isEmpty()) {
        if (hasTools(configured))
            return configured;
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("AGENCY_PG_BINDIR=%1 does not contain initdb, pg_ctl and postgres. "
                                        "Install them with `sudo apt-get install postgresql-15` and point "
                                        "AGENCY_PG_BINDIR at /usr/lib/postgresql/15/bin, or unset it.")
                             .arg(configured));
    }
    QStringList versions = QDir(searchRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    // Not QCollator: its numeric mode needs ICU and silently sorts "9.6" above "15" without it.
    std::sort(versions.begin(), versions.end(), newerVersion);
    for (const QString &version : versions) {
        const QString dir = searchRoot + u'/' + version + QStringLiteral("/bin");
        if (hasTools(dir))
            return dir;
    }
    return makeError(
        ErrorCode::NotConfigured,
        QStringLiteral("PostgreSQL server programs (initdb, pg_ctl, postgres) were not found under %1. "
                       "Install them with `sudo apt-get install postgresql-15` (or run ./dev setup), "
                       "point AGENCY_PG_BINDIR at them, or set DATABASE_URL to an existing server.")
            .arg(searchRoot));
}

core::Result<QString> EmbeddedPostgres::runTool(const QString &tool, const QStringList &args, int timeoutMs)
{
    auto binDir = findBinDir(m_options.binDir);
    if (!binDir)
        return binDir.error();
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    // The server user may not be allowed into our working directory.
    process.setWorkingDirectory(QStringLiteral("/"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    process.setProcessEnvironment(env);
    const QString program = binDir.value() + u'/' + tool;
    if (m_asRoot) {
        process.start(QStringLiteral("runuser"),
                      QStringList{QStringLiteral("-u"), kServerUser, QStringLiteral("--"), program} + args);
    } else {
        process.start(program, args);
    }
    if (!process.waitForStarted(10000))
        return makeError(ErrorCode::Internal,
                         QStringLiteral("cannot start %1: %2").arg(tool, process.errorString()));
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(2000);
        return makeError(ErrorCode::DatabaseUnavailable,
                         QStringLiteral("%1 did not finish in time").arg(tool));
    }
    const QString output = QString::fromLocal8Bit(process.readAll()).trimmed();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        return makeError(ErrorCode::DatabaseUnavailable, QStringLiteral("%1 failed: %2").arg(tool, output),
                         {{QStringLiteral("exit_code"), process.exitCode()}});
    }
    return output;
}

core::Status EmbeddedPostgres::chownToServerUser(const QString &path)
{
    if (!m_asRoot)
        return {};
    const passwd *pw = ::getpwnam("postgres");
    if (!pw) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("running as root needs the `postgres` system user for the embedded database; "
                           "install postgresql-15 or set DATABASE_URL"));
    }
    if (::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) != 0)
        return makeError(ErrorCode::Internal,
                         QStringLiteral("cannot hand %1 to the postgres user").arg(path));
    return {};
}

core::Status EmbeddedPostgres::prepareDirectories()
{
    if (m_options.dataDir.isEmpty())
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("no data directory for the embedded database"));
    if (!QDir().mkpath(m_options.dataDir))
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("cannot create data directory %1").arg(m_options.dataDir));
    QFile::setPermissions(m_options.dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                 QFile::ReadGroup | QFile::ExeGroup | QFile::ExeOther);
    return {};
}

core::Status EmbeddedPostgres::initCluster()
{
    if (QFile::exists(clusterDir() + QStringLiteral("/PG_VERSION")))
        return {};
    // initdb into a scratch directory and rename: a crash mid-initdb never leaves a half cluster.
    const QString scratch = m_options.dataDir + QStringLiteral("/pgdata.init-") +
                            QUuid::createUuid().toString(QUuid::Id128).left(8);
    if (!QDir().mkpath(scratch))
        return makeError(ErrorCode::NotConfigured, QStringLiteral("cannot create %1").arg(scratch));
    auto cleanup = qScopeGuard([&scratch] { QDir(scratch).removeRecursively(); });
    QFile::setPermissions(scratch, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (auto owned = chownToServerUser(scratch); !owned)
        return owned;
    if (m_asRoot && !runTool(QStringLiteral("postgres"), {QStringLiteral("--version")}, 10000)) {
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("the postgres user cannot run the server programs"));
    }
    QStringList args{QStringLiteral("-D"),           scratch,
                     QStringLiteral("-U"),           kSuperUser,
                     QStringLiteral("--auth=trust"), QStringLiteral("-E"),
                     QStringLiteral("UTF8"),         QStringLiteral("--no-locale")};
    if (m_options.fastUnsafe)
        args << QStringLiteral("--no-sync");
    m_locks->note(QStringLiteral("initdb"));
    if (auto done = runTool(QStringLiteral("initdb"), args, 120000); !done) {
        if (m_asRoot && done.error().message.contains(QLatin1String("Permission denied"))) {
            return makeError(
                ErrorCode::NotConfigured,
                QStringLiteral("the postgres user cannot reach %1; as root, set AGENCY_DATA_DIR to a "
                               "directory outside /root (default /var/lib/aiagency)")
                    .arg(m_options.dataDir));
        }
        return done.error();
    }
    QFile conf(scratch + QStringLiteral("/postgresql.conf"));
    if (!conf.open(QIODevice::Append))
        return makeError(ErrorCode::Internal, QStringLiteral("cannot write %1").arg(conf.fileName()));
    QByteArray extra = "\n# aiagency embedded cluster: Unix socket only, private directory\n"
                       "listen_addresses = ''\nunix_socket_permissions = 0700\n";
    if (m_options.fastUnsafe)
        extra += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
    conf.write(extra);
    conf.close();
    if (!QDir().rename(scratch, clusterDir())) {
        // Another process initialising the same data directory at the same moment got there first.
        if (QFile::exists(clusterDir() + QStringLiteral("/PG_VERSION")))
            return {};
        return makeError(ErrorCode::Internal,
                         QStringLiteral("cannot move the new cluster to %1").arg(clusterDir()));
    }
    cleanup.dismiss();
    return {};
}

core::Status EmbeddedPostgres::removeStalePidFile(bool *runningElsewhere, QString *runningSocketDir)
{
    *runningElsewhere = false;
    const QString pidPath = clusterDir() + QStringLiteral("/postmaster.pid");
    QElapsedTimer waited;
    waited.start();
    for (;;) {
        QFile file(pidPath);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        const QList<QByteArray> lines = file.readAll().split('\n');
        file.close();
        const qint64 pid = lines.value(0).trimmed().toLongLong();
        if (!isPostmasterOf(pid, clusterDir()))
            break;
        // postmaster.pid line 5 is the socket directory, line 8 the status; a server another
        // process is starting (or stopping) right now is waited for rather than used half-ready.
        const QByteArray socketDir = lines.value(4).trimmed();
        if (lines.value(7).trimmed() == "ready" && !socketDir.isEmpty()) {
            *runningElsewhere = true;
            *runningSocketDir = QString::fromLocal8Bit(socketDir);
            return {};
        }
        if (waited.elapsed() > 60000) {
            return makeError(ErrorCode::DatabaseUnavailable,
                             QStringLiteral("the PostgreSQL server of %1 (pid %2) is not ready: %3")
                                 .arg(clusterDir())
                                 .arg(pid)
                                 .arg(QString::fromLocal8Bit(lines.value(7).trimmed())));
        }
        QThread::msleep(50);
    }
    // The server died without cleaning up (crash, kill -9, power loss): the lock is stale.
    if (!QFile::remove(pidPath) && QFile::exists(pidPath))
        return makeError(ErrorCode::Internal, QStringLiteral("cannot remove stale %1").arg(pidPath));
    return {};
}

core::Status EmbeddedPostgres::createDatabase(const ConnectionParams &params)
{
    const QString name = QStringLiteral("aiagency-bootstrap-") + QUuid::createUuid().toString(QUuid::Id128);
    core::Status status;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(params.host);
        db.setPort(params.port);
        db.setUserName(params.user);
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open()) {
            status =
                makeError(ErrorCode::DatabaseUnavailable,
                          QStringLiteral("cannot connect to the embedded server: ") + db.lastError().text());
        } else {
            auto query = std::make_unique<QSqlQuery>(db);
            query->prepare(QStringLiteral("SELECT 1 FROM pg_database WHERE datname = ?"));
            query->addBindValue(params.database);
            if (query->exec() && !query->next()) {
                // The name is ours (validated option), so quoting it as an identifier is enough.
                const QString sql = QStringLiteral("CREATE DATABASE \"%1\"").arg(params.database);
                // 42P04: exists; 23505: another process created it at the same moment.
                const auto exists = [&query] {
                    const QString state = query->lastError().nativeErrorCode();
                    return state == QLatin1String("42P04") || state == QLatin1String("23505");
                };
                if (!query->exec(sql) && !exists()) {
                    status = makeError(ErrorCode::DatabaseError, QStringLiteral("cannot create database: ") +
                                                                     query->lastError().text());
                }
            }
            query.reset(); // a prepared statement must be freed while its connection is open
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return status;
}

core::Result<ConnectionParams> EmbeddedPostgres::start()
{
    if (auto bin = findBinDir(m_options.binDir); !bin)
        return bin.error();
    if (auto prepared = prepareDirectories(); !prepared)
        return prepared.error();
    if (!m_locks)
        m_locks = std::make_unique<ClusterLocks>(m_options.dataDir);
    // One process at a time decides: a parallel first start waits here and finds the cluster
    // initialised; a stop elsewhere cannot run between our attach and our registration.
    const ControlLockScope control(*m_locks);
    if (!control.status())
        return control.status().error();
    auto params = startLocked();
    if (!params)
        return params;
    if (auto registered = m_locks->registerUser(); !registered)
        return registered.error();
    return params;
}

core::Result<ConnectionParams> EmbeddedPostgres::startLocked()
{
    removeScratchDirectories();
    if (auto initialised = initCluster(); !initialised)
        return initialised.error();

    ConnectionParams params;
    params.port = 5432;
    params.user = kSuperUser;
    params.database = m_options.databaseName;
    params.embedded = true;

    bool running = false;
    QString runningSocketDir;
    auto attach = [&]() -> core::Result<ConnectionParams> {
        // Another aiagency process runs this cluster: share it, and leave stopping to that process.
        params.host = runningSocketDir;
        if (auto created = createDatabase(params); !created)
            return created.error();
        m_locks->note(QStringLiteral("attached to the running server"));
        return params;
    };
    if (auto checked = removeStalePidFile(&running, &runningSocketDir); !checked)
        return checked.error();
    if (running)
        return attach();

    // One private socket directory per object, kept across stop()/start() so that open
    // executors can reconnect after a restart at the same address.
    if (m_socketDir.isEmpty() || !QFileInfo::exists(m_socketDir)) {
        QByteArray pattern = QFile::encodeName(QDir::tempPath() + QStringLiteral("/aiagency-pg-XXXXXX"));
        if (!::mkdtemp(pattern.data()))
            return makeError(ErrorCode::Internal, QStringLiteral("cannot create a private socket directory"));
        m_socketDir = QFile::decodeName(pattern);
    }
    if (auto owned = chownToServerUser(m_socketDir); !owned)
        return owned.error();

    const QStringList args{QStringLiteral("-D"),
                           clusterDir(),
                           QStringLiteral("-l"),
                           logFile(),
                           QStringLiteral("-w"),
                           QStringLiteral("-t"),
                           QStringLiteral("60"),
                           QStringLiteral("-o"),
                           QStringLiteral("-k ") + m_socketDir,
                           QStringLiteral("start")};
    if (auto started = runTool(QStringLiteral("pg_ctl"), args, 90000); !started) {
        // Lost a race with another process starting the same cluster since our check: use its server.
        if (auto checked = removeStalePidFile(&running, &runningSocketDir); checked && running)
            return attach();
        return makeError(ErrorCode::DatabaseUnavailable,
                         QStringLiteral("the embedded PostgreSQL did not start: %1\n%2")
                             .arg(started.error().message, tail(logFile(), 10)));
    }
    m_owns = true;
    m_locks->note(QStringLiteral("started the server (pid %1)").arg(serverPid()));
    params.host = m_socketDir;
    if (auto created = createDatabase(params); !created)
        return created.error();
    return params;
}

core::Status EmbeddedPostgres::stop(StopPolicy policy)
{
    if (!m_locks || (!m_owns && !m_locks->registered()))
        return {};
    const ControlLockScope control(*m_locks);
    m_locks->unregisterUser();
    const bool started = m_owns;
    m_owns = false;
    if (!control.status())
        return control.status().error(); // unregistered: whoever is last stops the server
    const QString socketDir = runningSocketDir();
    if (socketDir.isEmpty())
        return {}; // already stopped (or killed)
    const bool last = !m_locks->othersRegistered();
    if (policy == StopPolicy::Always ? !started : !last) {
        m_locks->note(last ? QStringLiteral("left the server running")
                           : QStringLiteral("left the server running for other processes"));
        return {};
    }
    auto stopped =
        runTool(QStringLiteral("pg_ctl"),
                {QStringLiteral("-D"), clusterDir(), QStringLiteral("-m"), QStringLiteral("fast"),
                 QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("stop")},
                90000);
    if (!stopped)
        return stopped.error();
    m_locks->note(started ? QStringLiteral("stopped the server")
                          : QStringLiteral("stopped the server another process started"));
    // An adopted server's socket directory belongs to a process that has gone (or will find it
    // unused): ours is kept for a restart and removed by the destructor.
    if (socketDir != m_socketDir && socketDir.startsWith(QDir::tempPath() + QStringLiteral("/aiagency-pg-")))
        QDir(socketDir).removeRecursively();
    return {};
}

} // namespace agency::sql

#pragma once

#include "connectionparams.h"
#include "core/result.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace agency::sql {

class ClusterLocks;

/// A private PostgreSQL cluster run by the program itself when no DATABASE_URL is configured
/// (docs/design.md#persistence): initdb on first start, a Unix socket in a private directory and no TCP,
/// stopped again by stop() or the destructor. When the process runs as root, initdb/pg_ctl run as the
/// `postgres` user through runuser and the cluster directory is owned by it.
///
/// Several processes share one data directory through ClusterLocks: initdb, start, attach and
/// stop decisions happen under an exclusive lock, and every process using the server is
/// registered (a shared lock held while it uses it), so initdb runs once, the last process out
/// stops the server whoever started it, and a server orphaned by a process killed with -9 is
/// adopted by the next one. Each decision is noted in <dataDir>/lifecycle.log.
///
/// start() and stop() block (process start-up, about 1 s for the first initdb): call them at
/// program start and shutdown, or from a worker thread. Not thread-safe.
class EmbeddedPostgres
{
public:
    struct Options
    {
        QString dataDir;         ///< holds pgdata/ and the server log
        QString binDir;          ///< empty: the newest /usr/lib/postgresql/*/bin
        bool fastUnsafe = false; ///< fsync off etc.: for tests and benchmarks, never for real data
        QString databaseName = QStringLiteral("aiagency");
    };

    explicit EmbeddedPostgres(Options options);
    ~EmbeddedPostgres();
    EmbeddedPostgres(const EmbeddedPostgres &) = delete;
    EmbeddedPostgres &operator=(const EmbeddedPostgres &) = delete;

    /// Initialises (first time) and starts the cluster, or attaches to the one already running on
    /// this data directory (another aiagency process). Returns how to connect.
    core::Result<ConnectionParams> start();
    enum class StopPolicy {
        Always,     ///< stop the server if this object started it, users or not (restarts, tests)
        LastUserOut ///< stop it (whoever started it) unless another process is still registered
    };
    /// Ends this object's use of the server and stops the server as `policy` says; a server left
    /// running is attached to by the next start. Idempotent.
    core::Status stop(StopPolicy policy = StopPolicy::Always);

    /// Finds a directory with initdb, pg_ctl and postgres: `configured` if given, else the newest
    /// /usr/lib/postgresql/<version>/bin (or `searchRoot`/<version>/bin). NotConfigured with what to
    /// install when none is found.
    static core::Result<QString>
    findBinDir(const QString &configured, const QString &searchRoot = QStringLiteral("/usr/lib/postgresql"));
    /// The data directory when the configuration names none (AGENCY_DATA_DIR, read by config):
    /// /var/lib/aiagency for root (the postgres user cannot enter /root), else the XDG data
    /// directory.
    static QString defaultDataDir();

    QString clusterDir() const;
    QString logFile() const;
    bool ownsServer() const { return m_owns; }
    qint64 serverPid() const; ///< the postmaster's pid from postmaster.pid, or 0

private:
    core::Status prepareDirectories();
    core::Status initCluster();
    core::Status removeStalePidFile(bool *runningElsewhere, QString *runningSocketDir);
    /// Removes pgdata.init-* left by an initdb that was killed part-way (call under the lock).
    void removeScratchDirectories();
    /// The socket directory of the live server of this cluster, or empty.
    QString runningSocketDir() const;
    core::Result<ConnectionParams> startLocked();
    core::Result<QString> runTool(const QString &tool, const QStringList &args, int timeoutMs);
    core::Status createDatabase(const ConnectionParams &params);
    core::Status chownToServerUser(const QString &path);

    Options m_options;
    bool m_asRoot = false;
    bool m_owns = false;
    QString m_socketDir;
    std::unique_ptr<ClusterLocks> m_locks;
};

} // namespace agency::sql

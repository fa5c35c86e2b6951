#pragma once

#include "connectionparams.h"
#include "core/result.h"

#include <QString>
#include <QStringList>

namespace agency::db {

/// A private PostgreSQL cluster run by the program itself when no DATABASE_URL is configured
/// (DESIGN.md §3): initdb on first start, a Unix socket in a private directory and no TCP, stopped
/// again by stop() or the destructor. When the process runs as root, initdb/pg_ctl run as the
/// `postgres` user through runuser and the cluster directory is owned by it.
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
        Always,               ///< stop the server we started (restarts, tests)
        UnlessOthersConnected ///< leave it running while other processes still use it
    };
    /// Stops the server if this object started it. With UnlessOthersConnected the server is left
    /// running while another process is connected (a later start attaches to it). Idempotent.
    core::Status stop(StopPolicy policy = StopPolicy::Always);

    /// Finds a directory with initdb, pg_ctl and postgres: `configured` if given, else the newest
    /// /usr/lib/postgresql/<version>/bin (or `searchRoot`/<version>/bin). NotConfigured with what to
    /// install when none is found.
    static core::Result<QString>
    findBinDir(const QString &configured, const QString &searchRoot = QStringLiteral("/usr/lib/postgresql"));
    /// Default data directory: $AGENCY_DATA_DIR, else /var/lib/aiagency for root (the postgres
    /// user cannot enter /root), else the XDG data directory.
    static QString defaultDataDir();

    QString clusterDir() const;
    QString logFile() const;
    bool ownsServer() const { return m_owns; }
    qint64 serverPid() const; ///< the postmaster's pid from postmaster.pid, or 0

private:
    core::Status prepareDirectories();
    core::Status initCluster();
    core::Status removeStalePidFile(bool *runningElsewhere, QString *runningSocketDir);
    core::Result<QString> runTool(const QString &tool, const QStringList &args, int timeoutMs);
    core::Status createDatabase(const ConnectionParams &params);
    /// Client connections to our server from anyone else (other aiagency processes).
    int otherClients() const;
    core::Status chownToServerUser(const QString &path);

    Options m_options;
    bool m_asRoot = false;
    bool m_owns = false;
    bool m_leftRunning = false;
    QString m_socketDir;
};

} // namespace agency::db

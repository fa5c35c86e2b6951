#pragma once

#include "futurewait.h"
#include "sql/connectionparams.h"
#include "sql/embeddedpostgres.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace agency::test {

/// A real PostgreSQL cluster in a temporary directory for one test executable, started with the
/// same code as the embedded default (fsync off for speed). Each test asks for its own fresh
/// database so tests never see each other's rows. Stopped by the destructor, or by a watcher
/// process within about a second when the test process dies without cleaning up.
class TestPostgres
{
public:
    TestPostgres();
    ~TestPostgres();

    /// Starts the cluster (QFAIL-style: returns false and sets error() on failure).
    bool start();
    QString error() const { return m_error; }

    /// A new empty database with a unique name; with `migrated`, the program's schema applied (a
    /// copy of a template database migrated on the first such call).
    core::Result<sql::ConnectionParams> freshDatabase(bool migrated = true);

    sql::EmbeddedPostgres &cluster() { return *m_cluster; }
    QString dataDir() const { return m_dir.path(); }
    /// Stops and starts the server (same data, same socket address): for connection-loss tests.
    core::Status restart();
    /// Stops the server, or starts it again at the same address: an outage that lasts.
    core::Status stopServer();
    core::Status startServer();
    /// Sends `signal` to the postmaster and every process it started (backends and helpers):
    /// SIGSTOP makes the whole server hang as a frozen machine would, SIGCONT resumes it.
    /// Returns how many processes were signalled.
    int signalServer(int signal);

private:
    void armWatchdog();
    core::Status createDatabase(const QString &name, const QString &templateName);
    core::Status migrateTemplate();

    QTemporaryDir m_dir;
    std::unique_ptr<sql::EmbeddedPostgres> m_cluster;
    sql::ConnectionParams m_admin;
    QString m_error;
    QString m_template; ///< the migrated database fresh ones copy, once it exists
    int m_serial = 0;
    bool m_watchdogArmed = false;
};

/// A temporary directory the postgres user can enter when tests run as root.
QString makeSharedTempDir(QTemporaryDir &dir);

/// Whether `pid` is a live process (a zombie is not).
bool processAlive(qint64 pid);

} // namespace agency::test

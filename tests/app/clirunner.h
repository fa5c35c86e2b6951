#pragma once

#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QProcess>
#include <QStringList>
#include <QUuid>

#include <memory>

namespace agency::test {

/// How a run of the built `aiagency` program ended.
struct CliRun
{
    int exitCode = -1; ///< -1: did not start or did not finish in time
    bool crashed = false;
    QString out;
    QString err;

    QString all() const { return QStringLiteral("stdout:\n%1\nstderr:\n%2").arg(out, err); }
    /// The id printed as "conversation: <uuid> (…)"; null when none was printed.
    QUuid conversation() const;
};

/// Runs the built program as a user would, in a clean environment: no setting from the
/// developer's environment, no config file, .env or user flows (XDG_CONFIG_HOME is a fresh
/// directory under `workDir`), and `globalArgs` (e.g. --database-url) before the command.
/// Waits with the event loop running, so fake servers of the calling thread keep answering.
class CliRunner
{
public:
    CliRunner(QString program, QString workDir, QStringList globalArgs);

    /// Runs `aiagency <globalArgs> <args>`, feeding `input` to stdin (then closing it).
    CliRun run(const QStringList &args, const QByteArray &input = {}, int timeoutMs = 40000) const;
    /// Starts it without waiting, for tests that talk to it (REPL, signals). False when it fails.
    bool start(QProcess &process, const QStringList &args) const;
    /// Waits for a started process to end and collects what it printed.
    static CliRun finish(QProcess &process, int timeoutMs = 40000);

private:
    QString m_program;
    QString m_workDir;
    QStringList m_globalArgs;
};

/// A fresh, migrated database on a private cluster, for tests that run the program against it
/// and look at what it stored.
class CliDatabase
{
public:
    /// Starts the cluster and creates the database; false (with error()) when that fails.
    bool start();
    QString error() const { return m_error; }
    /// The --database-url value naming this database.
    QString url() const;
    sql::DbExecutor &executor() { return *m_executor; }
    /// Closes the connections before the cluster stops.
    void stop() { m_executor.reset(); }

private:
    TestPostgres m_pg;
    sql::ConnectionParams m_params;
    std::unique_ptr<sql::DbExecutor> m_executor;
    QString m_error;
};

} // namespace agency::test

#pragma once

#include "connectionparams.h"
#include "core/result.h"

#include <QAtomicInteger>
#include <QHash>
#include <QMutex>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariantList>
#include <QVariantMap>

#include <functional>
#include <memory>
#include <vector>

namespace agency::sql {

/// The application_name every connection of this process sets ("aiagency-<pid>"), so the server
/// can tell this process's connections from other processes' (see EmbeddedPostgres::stop()).
QString processApplicationName();

/// Lets another thread cut a connection that stopped answering (a hung server: SIGSTOP, a
/// network black hole), which a server-side statement_timeout cannot do. The owning thread
/// marks each statement; a watchdog (DbExecutor) calls abort() on one overdue, which shuts the
/// socket down so the blocked call returns with a connection error. Thread-safe.
class ConnectionGuard
{
public:
    /// Milliseconds the current statement has been running, 0 when none is.
    qint64 busyMs() const;
    /// Shuts the connection's socket down. Returns false when there was nothing to cut.
    bool abort();
    /// From now on the connection refuses to (re)open: the executor is shutting down.
    void refuseConnections() { m_refusing.storeRelaxed(1); }
    bool refusing() const { return m_refusing.loadRelaxed() != 0; }

    // Called by the owning DbConnection.
    void setSocket(int fd);
    void enter(); ///< a statement starts
    void leave(); ///< it ended

private:
    mutable QMutex m_mutex;
    int m_socket = -1;
    QAtomicInteger<qint64> m_since; ///< monotonic ms when the running statement began, or 0
    QAtomicInteger<int> m_refusing;
};

/// One QPSQL connection with a cache of prepared statements. Lives on, and is used only by, the
/// thread that created it (a DbExecutor worker or a test). Not copyable.
class DbConnection
{
public:
    DbConnection(ConnectionParams params, QString connectionName);
    ~DbConnection();
    DbConnection(const DbConnection &) = delete;
    DbConnection &operator=(const DbConnection &) = delete;

    /// Opens the connection if it is not open. DatabaseUnavailable when the server cannot be reached.
    core::Status ensureOpen();
    void close();
    bool isOpen() const;
    /// Whether statements succeeded on this connection since it was opened (so a failure now
    /// means the connection went stale rather than never worked).
    bool hasBeenUsed() const { return m_used; }

    /// Runs a parameterised statement (`?` placeholders) through a per-connection cache of
    /// prepared statements. The returned query stays valid until the same SQL runs again.
    /// A null QString binds as '' (not NULL); bind an invalid QVariant() for SQL NULL.
    /// `what` names the operation for error messages.
    core::Result<QSqlQuery *> exec(const QString &sql, const QVariantList &binds, const QString &what);
    /// exec() for a statement with named placeholders (`:name`, e.g. `:tenant_id::uuid`): each
    /// value binds by its name, so a statement with many or repeated parameters cannot bind one
    /// in another's place. The keys are the placeholders, colon included; a placeholder without a
    /// value or a value without a placeholder is an Internal error, not a silent NULL.
    core::Result<QSqlQuery *> execNamed(const QString &sql, const QVariantMap &binds, const QString &what);
    /// Runs SQL text without preparing (DDL, several statements, SET). No parameters. Fails if any
    /// statement fails (the server then skips the rest of the script).
    core::Status execScript(const QString &sql, const QString &what);

    core::Status begin();
    /// begin() for a transaction whose commit does not wait for the disk flush (SET LOCAL
    /// synchronous_commit = off, one round trip with the BEGIN). See DbExecutor::runGroupedUnflushed().
    core::Status beginUnflushed();
    /// A CTE (`agency_defer_flush AS (...)`, no WITH) for a writing statement run by
    /// DbExecutor::runGroupedDeferringFlush(): outside a transaction (autocommit) it makes the
    /// statement's own commit skip the disk flush; inside one it changes nothing, since the
    /// group's BEGIN decided for all its jobs. The statement must read from it (it runs only
    /// when referenced) and bind deferFlushBind() to its one parameter, `:defer_flush` (execNamed()).
    static QString deferFlushCte();
    QVariant deferFlushBind() const { return !m_inTransaction; }
    core::Status commit();
    void rollback();
    bool inTransaction() const { return m_inTransaction; }
    /// A statement failed inside the open transaction: the server refuses everything until it
    /// ends (or a savepoint is rolled back to).
    bool transactionFailed() const { return m_transactionFailed; }

    /// Runs `body` in a transaction: commits when it returns a success, rolls back otherwise.
    /// Inside an open transaction (a DbExecutor commit group) it is a savepoint instead: a failure
    /// undoes only this body's work and leaves the outer transaction usable.
    template <typename F> auto transaction(F &&body) -> decltype(body())
    {
        if (m_inTransaction) {
            if (auto saved = savepoint(); !saved)
                return saved.error();
            auto result = body();
            if (auto released = releaseSavepoint(bool(result)); !released && result)
                return released.error();
            return result;
        }
        if (auto started = begin(); !started)
            return started.error();
        auto result = body();
        if (!result) {
            rollback();
            return result;
        }
        if (auto committed = commit(); !committed)
            return committed.error();
        return result;
    }

    /// A cheap round trip ("SELECT 1") to check the connection is alive.
    bool ping();
    /// Reports this connection's socket and statements to `guard` (owned by the caller).
    void setGuard(ConnectionGuard *guard) { m_guard = guard; }
    QSqlDatabase &database() { return m_db; }
    const ConnectionParams &params() const { return m_params; }

private:
    /// Prepares `sql` (or takes it from the cache), lets `bind` bind its values, runs it.
    core::Result<QSqlQuery *> run(const QString &sql, const QString &what,
                                  const std::function<core::Status(QSqlQuery &)> &bind);
    core::Status savepoint();
    /// Releases the innermost savepoint, first rolling back to it unless `keep`.
    core::Status releaseSavepoint(bool keep);

    ConnectionParams m_params;
    QString m_name;
    QSqlDatabase m_db;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements;
    std::vector<std::shared_ptr<QSqlQuery>> m_retired; ///< failed in a transaction; freed after it
    bool m_inTransaction = false;
    bool m_transactionFailed = false;
    bool m_used = false;
    ConnectionGuard *m_guard = nullptr;
};

} // namespace agency::sql

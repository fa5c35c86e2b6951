#pragma once

// The database chores every PostgreSQL test repeats: one cluster per test executable, a fresh
// migrated database and an executor per test function, SQL run directly for setup and checks, and
// waiting until every job queued on an executor has run.

#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QVariant>

#include <memory>

namespace agency::test {

/// Runs `sql` (one or more statements) through `executor`.
core::Status exec(sql::DbExecutor &executor, const QString &sql);

/// The first column of the first row of `sql`; NotFound when it returns no row.
core::Result<QVariant> scalar(sql::DbExecutor &executor, const QString &sql, const QVariantList &binds = {});

/// scalar() as a number, for counts and sums.
core::Result<qint64> count(sql::DbExecutor &executor, const QString &sql, const QVariantList &binds = {});

/// Returns once every job queued on `executor` before the call has finished: one job per worker
/// is queued, and each waits until all of them run at once. Jobs leave the queue in order and a
/// worker finishes its job before it takes the next, so everything queued earlier, such as a
/// fire-and-forget write, is done. An error when that did not happen within `timeoutMs`.
core::Status drainExecutor(sql::DbExecutor &executor, int timeoutMs = 20000);

/// The common setup: call start() in initTestCase() and reset() in init(), so each test function
/// gets an empty migrated database of its own and never depends on rows of another.
class TestDatabase
{
public:
    /// Starts the cluster (false with error() set when it cannot).
    bool start();
    QString error() const { return m_pg.error(); }

    /// A fresh database (migrated unless `migrated` is false) and an executor with `connections`
    /// workers on it; the previous executor is destroyed first.
    core::Status reset(int connections = 2, bool migrated = true);
    /// Destroys the executor (call in cleanup() after the objects using it).
    void close() { m_executor.reset(); }

    sql::DbExecutor &executor() { return *m_executor; }
    const sql::ConnectionParams &params() const { return m_params; }
    TestPostgres &postgres() { return m_pg; }

    core::Status exec(const QString &sql) { return test::exec(*m_executor, sql); }
    core::Result<QVariant> scalar(const QString &sql, const QVariantList &binds = {})
    {
        return test::scalar(*m_executor, sql, binds);
    }
    core::Result<qint64> count(const QString &sql, const QVariantList &binds = {})
    {
        return test::count(*m_executor, sql, binds);
    }

private:
    TestPostgres m_pg;
    sql::ConnectionParams m_params;
    std::unique_ptr<sql::DbExecutor> m_executor;
};

} // namespace agency::test

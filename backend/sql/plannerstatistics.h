#pragma once

#include "core/async/future.h"

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>
#include <QTimer>

namespace agency::sql {

class DbExecutor;

/// Gives PostgreSQL's planner column statistics for the tables a chat turn writes as soon as they
/// hold rows, instead of when autovacuum first gets to them (a minute or more later).
///
/// Why: until a table has been analyzed, the planner cannot tell a lookup by conversation id from a
/// scan of a whole tenant. On a new database it plans the check of every message's foreign key
/// (conversation_id, tenant_id, flow_type) on the (tenant_id, flow_type, updated_at) index, with the
/// conversation id as a filter, and keeps that plan: each stored message then reads every
/// conversation of its tenant and flow, so turns slow down as conversations are added (measured
/// through the server at one connection: 4.1 ms p50 over the first 5 s, 8.6 ms 25 s and about
/// 5,000 conversations later) until the first ANALYZE.
class PlannerStatistics : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        /// A table is analyzed once it holds at least this many rows: enough for the planner to
        /// see that one tenant has many conversations; autovacuum refreshes it as the table grows.
        int minRows = 10;
        /// How often start() checks until every watched table has statistics.
        int intervalMs = 2000;
        /// The tables to watch: those every turn inserts into (the composition root names them;
        /// this layer knows no product table).
        QStringList tables;
    };

    explicit PlannerStatistics(DbExecutor &executor, Options options, QObject *parent = nullptr);
    explicit PlannerStatistics(DbExecutor &executor, QObject *parent = nullptr)
        : PlannerStatistics(executor, Options(), parent)
    {
    }

    /// Checks now and then every intervalMs; stops once every watched table has statistics (from
    /// this class, an ANALYZE by hand or autovacuum), or after an error, which it logs.
    void start();
    bool isWatching() const { return m_timer.isActive() || m_checking; }
    /// How many checks started by start() have finished, for whoever needs to see time pass in
    /// checks rather than in milliseconds.
    int checksFinished() const { return m_checksFinished; }

    /// One check: analyzes each watched table that has no column statistics yet and holds at least
    /// minRows rows. Yields the watched tables still without statistics.
    core::Async<QStringList> checkNow();

private:
    void tick();

    DbExecutor &m_executor;
    Options m_options;
    QTimer m_timer;
    QFutureWatcher<core::Result<QStringList>> m_watcher;
    bool m_checking = false;
    int m_checksFinished = 0;
};

} // namespace agency::sql

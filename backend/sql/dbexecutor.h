#pragma once

#include "connectionparams.h"
#include "core/async/commitgate.h"
#include "core/async/future.h"
#include "dbconnection.h"

#include <QAtomicInteger>
#include <QMutex>
#include <QWaitCondition>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

class QThread;

namespace agency::sql {

namespace detail {

/// True when a job failed because its connection is gone; closes the connection in that case.
bool connectionWentStale(DbConnection &conn, const core::Error &error);

/// A queued job, type-erased. Runs alone, or as one member of a commit group (see runGrouped()).
class Task
{
public:
    /// How the commit of a job's transaction treats the disk flush.
    enum class Flush {
        Wait,       ///< the commit waits for the flush
        Skip,       ///< it need not: DbExecutor::runGroupedUnflushed()
        SkipItself, ///< need not, and the job says so itself: DbExecutor::runGroupedDeferringFlush()
    };
    Task(bool grouped, Flush flush, QString lockKey)
        : m_grouped(grouped), m_flush(flush), m_lockKey(std::move(lockKey))
    {
    }
    virtual ~Task() = default;
    /// Runs on its own (autocommit, or the job's own transaction) and delivers the result.
    /// `unavailable` set: no connection; delivers that error instead.
    virtual void runAlone(DbConnection *conn, const core::Error *unavailable) = 0;
    /// Runs inside the group's open transaction and keeps the result until deliver(). False when
    /// the transaction can no longer commit (a statement failed).
    virtual bool runInGroup(DbConnection &conn) = 0;
    virtual void deliver() = 0;
    bool grouped() const { return m_grouped; }
    /// Its commit must wait for the disk flush.
    bool flushed() const { return m_flush == Flush::Wait; }
    /// Alone, it runs in autocommit and makes its own commit skip the flush (one round trip).
    bool defersItsOwnFlush() const { return m_flush == Flush::SkipItself; }
    const QString &lockKey() const { return m_lockKey; }
    /// Set: the job runs in a transaction that commits only if the gate still allows it.
    const core::CommitGatePtr &gate() const { return m_gate; }
    void setGate(core::CommitGatePtr gate) { m_gate = std::move(gate); }

private:
    core::CommitGatePtr m_gate;
    bool m_grouped;
    Flush m_flush;
    QString m_lockKey;
};

template <typename T, typename Job> class JobTask final : public Task
{
public:
    JobTask(bool grouped, Flush flush, QString lockKey, Job job)
        : Task(grouped, flush, std::move(lockKey)), m_job(std::move(job))
    {
        m_promise.start();
    }
    core::Async<T> future() { return m_promise.future(); }

    void runAlone(DbConnection *conn, const core::Error *unavailable) override
    {
        core::Result<T> result = unavailable ? core::Result<T>(*unavailable) : m_job(*conn);
        if (!unavailable && !result.ok() && connectionWentStale(*conn, result.error())) {
            // Once more on a fresh connection; jobs leave nothing committed when they fail.
            if (auto opened = conn->ensureOpen(); !opened)
                result = opened.error();
            else
                result = m_job(*conn);
        }
        m_promise.addResult(std::move(result));
        m_promise.finish();
    }

    bool runInGroup(DbConnection &conn) override
    {
        m_kept.emplace(m_job(conn));
        return !conn.transactionFailed();
    }

    void deliver() override
    {
        m_promise.addResult(std::move(*m_kept));
        m_promise.finish();
    }

private:
    Job m_job;
    QPromise<core::Result<T>> m_promise;
    std::optional<core::Result<T>> m_kept;
};

} // namespace detail

/// The only way the program reaches the database (docs/design.md#threading): a fixed set of worker threads,
/// each owning one DbConnection, taking jobs from one queue. Jobs run on a worker thread and
/// must not touch objects of other threads; results come back as QFuture<Result<T>>.
///
/// Group commit: jobs queued with runGrouped() that wait at the same time share one transaction
/// and one commit (one disk flush for many writes); each result is delivered only after that
/// commit. If any of them fails with a database error, the group is rolled back and every job
/// runs again on its own, so one bad job never fails or delays the others' correctness. At most
/// a quarter of the workers (at least one) run grouped jobs at a time; the others take plain jobs
/// only meanwhile. Grouped jobs arriving while those are busy wait and join one larger group,
/// instead of each taking a worker for a commit of its own: under load that is fewer commits,
/// flushes and busy server processes (on 2 cores, 64 clients' turns: about 1,900 a second
/// instead of 1,300 with every worker writing), and reads never wait behind the writes.
///
/// Connection loss: a job that fails because its connection went stale (server restart) is run
/// once more on a fresh connection; jobs must therefore leave nothing committed when they fail
/// (use DbConnection::transaction()) and have no effects outside the database (a job can run
/// more than once). If the server is still down the job fails with DatabaseUnavailable and the
/// next job tries to reconnect.
///
/// Hung server: with ConnectionParams::statementTimeoutMs set, a watchdog thread cuts the
/// connection of a statement 2 s past that timeout (the server enforces the timeout itself
/// unless it hangs, e.g. stopped with SIGSTOP); the job fails with DatabaseUnavailable and the
/// worker reconnects for its next job, so no worker stays blocked.
///
/// Thread-safe. Destruction waits for running jobs (cutting their connections if they do not
/// end within 2 s); queued jobs fail with Cancelled.
class DbExecutor
{
public:
    /// Most jobs one commit group takes: bounds the group's latency and its subtransactions.
    static constexpr int kMaxGroupSize = 32;
    /// How many workers may run grouped jobs at once: a quarter of `workerCount`, at least one.
    static int groupWorkersFor(int workerCount) { return std::max(1, workerCount / 4); }
    /// How far past the statement timeout a silent server is given before its connection is cut.
    static constexpr int kHungGraceMs = 2000;

    DbExecutor(ConnectionParams params, int workerCount);
    ~DbExecutor();
    DbExecutor(const DbExecutor &) = delete;
    DbExecutor &operator=(const DbExecutor &) = delete;

    /// Queues `job` (callable as Result<T>(DbConnection &)) and returns its future.
    template <typename T, typename Job> core::Async<T> run(Job job)
    {
        return submit<T>(false, detail::Task::Flush::Wait, QString(), std::move(job));
    }

    /// Like run(), but the job may share its transaction with other grouped jobs (see the class
    /// comment). Inside a group, DbConnection::transaction() becomes a savepoint. A group runs
    /// its jobs ordered by `lockKey`, so groups take row locks in one order and cannot deadlock
    /// each other: pass a key naming the rows the job locks, e.g. "tenant/conversation".
    ///
    /// With a `gate`, the job always runs inside a transaction (a group's, or its own) that is
    /// committed only while the gate allows it (core::CommitGate): a job its caller abandoned is
    /// skipped if it has not started, and rolled back if it has, even when the server answers
    /// long after (a frozen server resumed). Costs a job run alone two round trips (BEGIN, COMMIT).
    template <typename T, typename Job>
    core::Async<T> runGrouped(QString lockKey, Job job, core::CommitGatePtr gate = {})
    {
        return submit<T>(true, detail::Task::Flush::Wait, std::move(lockKey), std::move(job),
                         std::move(gate));
    }

    /// Like runGrouped(), for a write whose commit need not wait for the disk flush: its
    /// transaction commits with synchronous_commit = off, unless it shares the commit with a job
    /// that needs the flush. The write is visible at once but durable only once the WAL holding
    /// it is flushed: by any later flushed commit (of any connection; the WAL is one sequence),
    /// or by PostgreSQL's WAL writer within about 3 × wal_writer_delay. So a caller may use it
    /// only for a write nothing is reported on until a later flushed write of its own has
    /// committed (see Turn::openTurn()). Run alone, the job still gets a transaction of its own.
    template <typename T, typename Job> core::Async<T> runGroupedUnflushed(QString lockKey, Job job)
    {
        return submit<T>(true, detail::Task::Flush::Skip, std::move(lockKey), std::move(job));
    }

    /// Like runGroupedUnflushed(), for a job of one writing statement that carries
    /// DbConnection::deferFlushCte(). Run alone, the job gets no transaction of its own: its
    /// statement commits on its own, without the flush, in one round trip (a transaction of its
    /// own costs two more: BEGIN with SET LOCAL, and COMMIT). In a group it is any unflushed job.
    /// A job that runs more statements commits each one on its own when alone.
    template <typename T, typename Job>
    core::Async<T> runGroupedDeferringFlush(QString lockKey, Job job, core::CommitGatePtr gate = {})
    {
        return submit<T>(true, detail::Task::Flush::SkipItself, std::move(lockKey), std::move(job),
                         std::move(gate));
    }

    const ConnectionParams &params() const { return m_params; }
    int workerCount() const { return static_cast<int>(m_threads.size()); }

    /// Counters since construction, for benchmarks and diagnostics.
    struct Stats
    {
        quint64 jobs = 0;           ///< jobs run to completion
        quint64 groups = 0;         ///< commit groups of two or more jobs that committed
        quint64 groupedJobs = 0;    ///< jobs inside those groups
        quint64 groupFallbacks = 0; ///< groups rolled back and rerun job by job
        quint64 connectionsCut = 0; ///< connections cut by the watchdog (hung server)
        int workers = 0;            ///< worker threads (one connection each)
        int busy = 0;               ///< workers running a job or a group right now
        int queued = 0;             ///< jobs waiting for a worker right now
    };
    Stats stats() const;

private:
    using TaskPtr = std::unique_ptr<detail::Task>;

    template <typename T, typename Job>
    core::Async<T> submit(bool grouped, detail::Task::Flush flush, QString lockKey, Job job,
                          core::CommitGatePtr gate = {})
    {
        auto task =
            std::make_unique<detail::JobTask<T, Job>>(grouped, flush, std::move(lockKey), std::move(job));
        task->setGate(std::move(gate));
        core::Async<T> future = task->future();
        enqueue(std::move(task));
        return future;
    }

    void enqueue(TaskPtr task);
    void workerLoop(int index);
    /// The next task and, when it is grouped, the other grouped tasks waiting (up to the limit).
    std::vector<TaskPtr> takeWork();
    void runGroup(DbConnection &conn, std::vector<TaskPtr> &group);
    /// A gated job on its own: in a transaction of its own, committed only if its gate allows.
    void runGatedAlone(DbConnection &conn, detail::Task &task);
    /// Cuts connections whose statement is overdue; runs until the executor stops.
    void watchdogLoop();

    ConnectionParams m_params;
    mutable QMutex m_mutex;
    QWaitCondition m_wake;         ///< workers: a job was queued, or stopping
    QWaitCondition m_watchdogWake; ///< the watchdog: stopping
    std::deque<TaskPtr> m_queue;
    bool m_stopping = false;
    int m_groupWorkers = 1;  ///< groupWorkersFor() the worker count
    int m_groupsRunning = 0; ///< workers running grouped jobs now (under m_mutex)
    std::vector<std::unique_ptr<QThread>> m_threads;
    std::vector<std::unique_ptr<ConnectionGuard>> m_guards; ///< one per worker
    std::unique_ptr<QThread> m_watchdog;
    QAtomicInteger<quint64> m_cut;
    QAtomicInteger<quint64> m_jobs;
    QAtomicInteger<quint64> m_groups;
    QAtomicInteger<quint64> m_groupedJobs;
    QAtomicInteger<quint64> m_groupFallbacks;
    QAtomicInteger<int> m_busy;
};

} // namespace agency::sql

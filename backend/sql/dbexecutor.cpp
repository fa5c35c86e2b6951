#include "dbexecutor.h"

#include <QDeadlineTimer>
#include <QThread>

#include <algorithm>

namespace agency::sql {

namespace {
QAtomicInteger<quint64> s_executorSerial; // makes connection names unique across executors

core::Error shutDown()
{
    return core::makeError(core::ErrorCode::Cancelled, QStringLiteral("database executor shut down"));
}

core::Error abandonedWrite()
{
    return core::makeError(core::ErrorCode::DatabaseUnavailable,
                           QStringLiteral("the write was given up before it committed"));
}

bool isAbandoned(const detail::Task &task)
{
    return task.gate() && task.gate()->abandoned();
}
} // namespace

bool detail::connectionWentStale(DbConnection &conn, const core::Error &error)
{
    if (error.code != core::ErrorCode::DatabaseUnavailable && error.code != core::ErrorCode::DatabaseError)
        return false;
    const bool wasUsed = conn.hasBeenUsed();
    if (conn.ping())
        return false; // the statement failed, the connection is fine
    conn.close();
    // Only a connection that once worked went stale; a fresh one failing means the server is down.
    return wasUsed;
}

DbExecutor::DbExecutor(ConnectionParams params, int workerCount) : m_params(std::move(params))
{
    const int count = std::max(1, workerCount);
    m_groupWorkers = groupWorkersFor(count);
    for (int i = 0; i < count; ++i)
        m_guards.push_back(std::make_unique<ConnectionGuard>());
    for (int i = 0; i < count; ++i) {
        std::unique_ptr<QThread> thread(QThread::create([this, i] { workerLoop(i); }));
        thread->setObjectName(QStringLiteral("db-worker-%1").arg(i));
        thread->start();
        m_threads.push_back(std::move(thread));
    }
    if (m_params.statementTimeoutMs > 0) {
        m_watchdog.reset(QThread::create([this] { watchdogLoop(); }));
        m_watchdog->setObjectName(QStringLiteral("db-watchdog"));
        m_watchdog->start();
    }
}

void DbExecutor::watchdogLoop()
{
    const qint64 limit = qint64(m_params.statementTimeoutMs) + kHungGraceMs;
    const unsigned long tick = static_cast<unsigned long>(std::clamp<qint64>(limit / 4, 50, 500));
    QMutexLocker lock(&m_mutex);
    while (!m_stopping) {
        m_watchdogWake.wait(&m_mutex, tick);
        for (const auto &guard : m_guards) {
            if (guard->busyMs() > limit && guard->abort()) {
                m_cut.fetchAndAddRelaxed(1);
                qWarning("database did not answer a statement within %lld ms: connection cut", limit);
            }
        }
    }
}

DbExecutor::~DbExecutor()
{
    std::deque<TaskPtr> abandoned;
    {
        QMutexLocker lock(&m_mutex);
        m_stopping = true;
        abandoned.swap(m_queue);
        m_wake.wakeAll();
        m_watchdogWake.wakeAll();
    }
    const core::Error cancelled = shutDown();
    for (TaskPtr &task : abandoned)
        task->runAlone(nullptr, &cancelled);
    if (m_watchdog)
        m_watchdog->wait();
    // Running jobs finish, unless the server hangs: then their connections are cut, and no
    // worker reconnects, so shutdown never waits on the database.
    for (const auto &guard : m_guards)
        guard->refuseConnections();
    QDeadlineTimer grace(2000);
    for (auto &thread : m_threads) {
        if (!thread->wait(grace)) {
            for (const auto &guard : m_guards)
                guard->abort();
            thread->wait();
        }
    }
}

void DbExecutor::enqueue(TaskPtr task)
{
    QMutexLocker lock(&m_mutex);
    if (m_stopping) {
        lock.unlock();
        const core::Error cancelled = shutDown();
        task->runAlone(nullptr, &cancelled);
        return;
    }
    // A grouped job that no idle worker may take now waits for a group worker, which takes it
    // when its group is done: waking an idle one would only put it back to sleep.
    const bool takeable = !task->grouped() || m_groupsRunning < m_groupWorkers;
    m_queue.push_back(std::move(task));
    if (takeable)
        m_wake.wakeOne();
}

std::vector<DbExecutor::TaskPtr> DbExecutor::takeWork()
{
    std::vector<TaskPtr> work;
    QMutexLocker lock(&m_mutex);
    // The oldest job this worker may take: any, or a plain one while grouped jobs have their
    // workers (stopping drains the queue regardless).
    const auto takeable = [this] {
        const bool groupsFree = m_groupsRunning < m_groupWorkers || m_stopping;
        return std::find_if(m_queue.begin(), m_queue.end(),
                            [groupsFree](const TaskPtr &task) { return groupsFree || !task->grouped(); });
    };
    auto first = takeable();
    while (first == m_queue.end() && !m_stopping) {
        m_wake.wait(&m_mutex);
        first = takeable();
    }
    if (first == m_queue.end())
        return work;
    work.push_back(std::move(*first));
    m_queue.erase(first);
    if (!work.front()->grouped())
        return work;
    ++m_groupsRunning;
    // Every grouped job waiting joins; plain jobs keep their place in the queue.
    for (auto it = m_queue.begin(); it != m_queue.end() && work.size() < kMaxGroupSize;) {
        if ((*it)->grouped()) {
            work.push_back(std::move(*it));
            it = m_queue.erase(it);
        } else {
            ++it;
        }
    }
    return work;
}

void DbExecutor::runGatedAlone(DbConnection &conn, detail::Task &task)
{
    const core::Error abandoned = abandonedWrite();
    if (task.gate()->abandoned())
        return task.runAlone(nullptr, &abandoned);
    const core::Status begun = task.flushed() ? conn.begin() : conn.beginUnflushed();
    if (!begun) {
        detail::connectionWentStale(conn, begun.error());
        return task.runAlone(nullptr, &begun.error());
    }
    const bool ran = task.runInGroup(conn);
    if (ran && task.gate()->beginCommit()) {
        // A COMMIT that fails (a connection cut while it was in flight) leaves the outcome
        // unknown: the job's result stands, the gate tells the caller it may be stored.
        if (const core::Status committed = conn.commit(); !committed)
            return task.runAlone(nullptr, &committed.error());
        return task.deliver();
    }
    if (conn.isOpen())
        conn.rollback();
    if (ran) // rolled back because its caller gave up
        return task.runAlone(nullptr, &abandoned);
    task.deliver(); // the job's own error; nothing was committed
}

void DbExecutor::runGroup(DbConnection &conn, std::vector<TaskPtr> &group)
{
    // Jobs their callers gave up on before they started are not run at all.
    const core::Error abandoned = abandonedWrite();
    for (auto it = group.begin(); it != group.end();) {
        if (isAbandoned(**it)) {
            (*it)->runAlone(nullptr, &abandoned);
            it = group.erase(it);
        } else {
            ++it;
        }
    }
    if (group.empty())
        return;
    if (group.size() == 1 && group.front()->gate())
        return runGatedAlone(conn, *group.front());
    std::stable_sort(group.begin(), group.end(),
                     [](const TaskPtr &a, const TaskPtr &b) { return a->lockKey() < b->lockKey(); });
    // One job needing the flush makes the whole commit wait for it.
    const bool flush =
        std::any_of(group.cbegin(), group.cend(), [](const TaskPtr &task) { return task->flushed(); });
    bool ok = bool(flush ? conn.begin() : conn.beginUnflushed());
    for (auto it = group.begin(); ok && it != group.end(); ++it)
        ok = (*it)->runInGroup(conn);
    // A gated job whose caller gave up meanwhile vetoes the commit; the others run again alone.
    for (auto it = group.begin(); ok && it != group.end(); ++it)
        ok = !(*it)->gate() || (*it)->gate()->beginCommit();
    if (ok) {
        ok = bool(conn.commit()); // commit() rolls back by itself when it fails
    } else if (conn.isOpen()) {
        conn.rollback();
    }
    if (ok) {
        if (group.size() > 1) {
            m_groups.fetchAndAddRelaxed(1);
            m_groupedJobs.fetchAndAddRelaxed(group.size());
        }
        for (TaskPtr &task : group)
            task->deliver();
        return;
    }
    m_groupFallbacks.fetchAndAddRelaxed(1);
    // Someone's statement failed (or the connection did): nothing of the group was committed.
    // Each job runs again alone, so it gets its own outcome and the others still succeed (an
    // unflushed job then commits flushed: stronger than it asked for, and rare).
    for (TaskPtr &task : group) {
        const core::Status opened = conn.ensureOpen();
        if (opened && task->gate())
            runGatedAlone(conn, *task);
        else
            task->runAlone(&conn, opened ? nullptr : &opened.error());
    }
}

void DbExecutor::workerLoop(int index)
{
    const QString name =
        QStringLiteral("aiagency-%1-%2").arg(s_executorSerial.fetchAndAddRelaxed(1)).arg(index);
    DbConnection conn(m_params, name);
    conn.setGuard(m_guards.at(static_cast<size_t>(index)).get());
    for (;;) {
        std::vector<TaskPtr> work = takeWork();
        if (work.empty())
            return;
        m_jobs.fetchAndAddRelaxed(work.size());
        m_busy.fetchAndAddRelaxed(1);
        const core::Status opened = conn.ensureOpen();
        // A job alone runs as it is (autocommit, or its own transaction); an unflushed one needs
        // a transaction to scope synchronous_commit to, which a group of one gives it, unless
        // its statement scopes it itself.
        const bool alone = work.size() == 1 && !work.front()->gate() &&
                           (work.front()->flushed() || work.front()->defersItsOwnFlush());
        const bool grouped = work.front()->grouped();
        if (!opened || alone) {
            for (TaskPtr &task : work)
                task->runAlone(&conn, opened ? nullptr : &opened.error());
        } else {
            runGroup(conn, work);
        }
        if (grouped) {
            // This worker goes back for the grouped jobs that queued meanwhile itself.
            QMutexLocker lock(&m_mutex);
            --m_groupsRunning;
        }
        m_busy.fetchAndAddRelaxed(-1);
    }
}

DbExecutor::Stats DbExecutor::stats() const
{
    Stats stats{m_jobs.loadRelaxed(), m_groups.loadRelaxed(), m_groupedJobs.loadRelaxed(),
                m_groupFallbacks.loadRelaxed(), m_cut.loadRelaxed()};
    stats.workers = workerCount();
    stats.busy = m_busy.loadRelaxed();
    QMutexLocker lock(&m_mutex);
    stats.queued = static_cast<int>(m_queue.size());
    return stats;
}

} // namespace agency::sql

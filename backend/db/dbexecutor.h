#pragma once

#include "connectionparams.h"
#include "core/future.h"
#include "dbconnection.h"

#include <QMutex>
#include <QWaitCondition>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

class QThread;

namespace agency::db {

/// The only way the program reaches the database (DESIGN.md §2): a fixed set of worker threads,
/// each owning one DbConnection, taking jobs from one queue. Jobs run on a worker thread and
/// must not touch objects of other threads; results come back as QFuture<Result<T>>.
///
/// Connection loss: a job that fails because its connection went stale (server restart) is run
/// once more on a fresh connection; jobs must therefore leave nothing committed when they fail
/// (use DbConnection::transaction()). If the server is still down the job fails with
/// DatabaseUnavailable and the next job tries to reconnect.
///
/// Thread-safe. Destruction waits for running jobs; queued jobs fail with Cancelled.
class DbExecutor
{
public:
    DbExecutor(ConnectionParams params, int workerCount);
    ~DbExecutor();
    DbExecutor(const DbExecutor &) = delete;
    DbExecutor &operator=(const DbExecutor &) = delete;

    /// Queues `job` (callable as Result<T>(DbConnection &)) and returns its future.
    template <typename T, typename Job> core::Async<T> run(Job job)
    {
        auto promise = std::make_shared<QPromise<core::Result<T>>>();
        promise->start();
        core::Async<T> future = promise->future();
        enqueue([promise, job = std::move(job)](DbConnection *conn, const core::Error *unavailable) mutable {
            core::Result<T> result = unavailable ? core::Result<T>(*unavailable) : job(*conn);
            const bool retry = !unavailable && !result.ok() && needsRetry(*conn, result.error());
            if (retry)
                result = reconnectAndRetry<T>(*conn, job);
            promise->addResult(std::move(result));
            promise->finish();
        });
        return future;
    }

    const ConnectionParams &params() const { return m_params; }
    int workerCount() const { return static_cast<int>(m_threads.size()); }

private:
    using Task = std::function<void(DbConnection *, const core::Error *)>;
    void enqueue(Task task);
    void workerLoop(int index);
    /// True when the job failed because the connection is gone; closes it in that case.
    static bool needsRetry(DbConnection &conn, const core::Error &error);

    template <typename T, typename Job> static core::Result<T> reconnectAndRetry(DbConnection &conn, Job &job)
    {
        if (auto opened = conn.ensureOpen(); !opened)
            return opened.error();
        return job(conn);
    }

    ConnectionParams m_params;
    QMutex m_mutex;
    QWaitCondition m_wake;
    std::deque<Task> m_queue;
    bool m_stopping = false;
    std::vector<std::unique_ptr<QThread>> m_threads;
};

} // namespace agency::db

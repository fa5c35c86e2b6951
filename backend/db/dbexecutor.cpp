#include "dbexecutor.h"

#include <QAtomicInteger>
#include <QThread>

namespace agency::db {

namespace {
QAtomicInteger<quint64> s_executorSerial; // makes connection names unique across executors
} // namespace

DbExecutor::DbExecutor(ConnectionParams params, int workerCount) : m_params(std::move(params))
{
    const int count = std::max(1, workerCount);
    for (int i = 0; i < count; ++i) {
        std::unique_ptr<QThread> thread(QThread::create([this, i] { workerLoop(i); }));
        thread->setObjectName(QStringLiteral("db-worker-%1").arg(i));
        thread->start();
        m_threads.push_back(std::move(thread));
    }
}

DbExecutor::~DbExecutor()
{
    std::deque<Task> abandoned;
    {
        QMutexLocker lock(&m_mutex);
        m_stopping = true;
        abandoned.swap(m_queue);
        m_wake.wakeAll();
    }
    const core::Error cancelled =
        core::makeError(core::ErrorCode::Cancelled, QStringLiteral("database executor shut down"));
    for (Task &task : abandoned)
        task(nullptr, &cancelled);
    for (auto &thread : m_threads)
        thread->wait();
}

void DbExecutor::enqueue(Task task)
{
    QMutexLocker lock(&m_mutex);
    if (m_stopping) {
        lock.unlock();
        const core::Error cancelled =
            core::makeError(core::ErrorCode::Cancelled, QStringLiteral("database executor shut down"));
        task(nullptr, &cancelled);
        return;
    }
    m_queue.push_back(std::move(task));
    m_wake.wakeOne();
}

bool DbExecutor::needsRetry(DbConnection &conn, const core::Error &error)
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

void DbExecutor::workerLoop(int index)
{
    const QString name =
        QStringLiteral("aiagency-%1-%2").arg(s_executorSerial.fetchAndAddRelaxed(1)).arg(index);
    DbConnection conn(m_params, name);
    for (;;) {
        Task task;
        {
            QMutexLocker lock(&m_mutex);
            while (m_queue.empty() && !m_stopping)
                m_wake.wait(&m_mutex);
            if (m_queue.empty())
                return;
            task = std::move(m_queue.front());
            m_queue.pop_front();
        }
        const core::Status opened = conn.ensureOpen();
        task(&conn, opened ? nullptr : &opened.error());
    }
}

} // namespace agency::db

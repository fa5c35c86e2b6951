#include "testdatabase.h"

#include <QSqlQuery>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace agency::test {

core::Status exec(sql::DbExecutor &executor, const QString &sql)
{
    return await(executor.run<void>(
        [sql](sql::DbConnection &conn) { return conn.execScript(sql, QStringLiteral("test statement")); }));
}

core::Result<QVariant> scalar(sql::DbExecutor &executor, const QString &sql, const QVariantList &binds)
{
    return await(executor.run<QVariant>([sql, binds](sql::DbConnection &conn) -> core::Result<QVariant> {
        auto q = conn.exec(sql, binds, QStringLiteral("test query"));
        if (!q)
            return q.error();
        if (!q.value()->next())
            return core::makeError(core::ErrorCode::NotFound, QStringLiteral("no row: ") + sql);
        return q.value()->value(0);
    }));
}

core::Result<qint64> count(sql::DbExecutor &executor, const QString &sql, const QVariantList &binds)
{
    auto value = scalar(executor, sql, binds);
    if (!value)
        return value.error();
    bool ok = false;
    const qint64 n = value->toLongLong(&ok);
    if (!ok)
        return core::makeError(core::ErrorCode::Internal,
                               QStringLiteral("not a number: ") + value->toString());
    return n;
}

core::Status drainExecutor(sql::DbExecutor &executor, int timeoutMs)
{
    struct Barrier
    {
        std::mutex mutex;
        std::condition_variable allThere;
        int arrived = 0;
    };
    auto barrier = std::make_shared<Barrier>();
    const int workers = executor.workerCount();
    QList<core::Async<bool>> jobs;
    for (int i = 0; i < workers; ++i) {
        jobs.append(
            executor.run<bool>([barrier, workers, timeoutMs](sql::DbConnection &) -> core::Result<bool> {
                std::unique_lock lock(barrier->mutex);
                ++barrier->arrived;
                barrier->allThere.notify_all();
                return barrier->allThere.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                                                  [&] { return barrier->arrived == workers; });
            }));
    }
    for (const auto &job : jobs) {
        auto met = await(job, timeoutMs + 5000);
        if (!met)
            return met.error();
        if (!met.value())
            return core::makeError(core::ErrorCode::Internal,
                                   QStringLiteral("the executor's workers never all became free"));
    }
    return {};
}

bool TestDatabase::start()
{
    return m_pg.start();
}

core::Status TestDatabase::reset(int connections, bool migrated)
{
    m_executor.reset();
    auto params = m_pg.freshDatabase(migrated);
    if (!params)
        return params.error();
    m_params = params.value();
    m_executor = std::make_unique<sql::DbExecutor>(m_params, connections);
    return {};
}

} // namespace agency::test

// The DB executor (docs/design.md#threading) and the connection it hands to jobs: concurrent jobs on
// separate workers, errors as results, connection loss and recovery across a server restart,
// fast failure while the server is down, cancellation of queued jobs on destruction.
#include "sql/dbconnection.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QAtomicInteger>
#include <QElapsedTimer>
#include <QMutex>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <QThread>

#include <memory>

using agency::core::Async;
using agency::core::ErrorCode;
using agency::core::makeError;
using agency::core::Result;
using agency::core::Status;
using agency::sql::ConnectionParams;
using agency::sql::DbConnection;
using agency::sql::DbExecutor;
using agency::test::await;
using agency::test::TestPostgres;

namespace {

/// The server-side pid of the job's connection: tells connections apart.
Result<int> backendPid(DbConnection &conn)
{
    auto query = conn.exec(QStringLiteral("SELECT pg_backend_pid()"), {}, QStringLiteral("backend pid"));
    if (!query)
        return query.error();
    if (!query.value()->next())
        return makeError(ErrorCode::Internal, QStringLiteral("no row"));
    return query.value()->value(0).toInt();
}

/// Waits (on a worker thread) until `count` reaches `target`; false after 10 s.
bool rendezvous(QAtomicInteger<int> &count, int target)
{
    count.fetchAndAddOrdered(1);
    QElapsedTimer timer;
    timer.start();
    while (count.loadAcquire() < target) {
        if (timer.elapsed() > 10000)
            return false;
        QThread::msleep(1);
    }
    return true;
}

template <typename T> bool allFinished(const QList<Async<T>> &futures)
{
    return std::all_of(futures.cbegin(), futures.cend(), [](const Async<T> &f) { return f.isFinished(); });
}

} // namespace

class TestDbExecutor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void execScriptReportsLaterStatementFailure();
    void preparedStatementsAreReused();
    void namedBindsBindByName();
    void transactionCommitsOrRollsBack();
    void failuresInTransactionsLeakNoStatements();
    void reopenedConnectionPreparesAfresh();

    void manyConcurrentJobsAcrossWorkers();
    void jobsRunInParallelOnDistinctConnections();
    void jobErrorComesBackAsResult();
    void failedJobDoesNotKillTheWorker();
    void voidJobs();
    void continuationsRunOnTheCallersThread();
    void connectionLostAndRecovered();
    void serverDownFailsFastThenRecovers();
    void destructionCancelsQueuedJobs();

private:
    TestPostgres m_pg;
    ConnectionParams m_params;
};

void TestDbExecutor::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase(false);
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    DbConnection conn(m_params, QStringLiteral("executor-setup"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    AGENCY_VERIFY_OK(
        conn.execScript(QStringLiteral("CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL)"),
                        QStringLiteral("setup")));
}

void TestDbExecutor::execScriptReportsLaterStatementFailure()
{
    DbConnection conn(m_params, QStringLiteral("script-test"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    AGENCY_VERIFY_OK(conn.execScript(QStringLiteral("SELECT 1; SELECT 2; SET search_path = public"),
                                     QStringLiteral("good script")));
    // The first statement succeeds, the second fails: the script as a whole must fail and, being
    // one implicit transaction, leave nothing behind.
    auto bad =
        conn.execScript(QStringLiteral("CREATE TABLE from_bad_script (x int); SELECT * FROM no_such_table"),
                        QStringLiteral("bad script"));
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().code, ErrorCode::DatabaseError);
    QVERIFY2(bad.error().message.contains(QStringLiteral("no_such_table")), qPrintable(bad.error().message));
    QCOMPARE(bad.error().details.value(QStringLiteral("sqlstate")).toString(), QStringLiteral("42P01"));
    auto left = conn.exec(QStringLiteral("SELECT to_regclass('from_bad_script') IS NULL"), {},
                          QStringLiteral("check"));
    AGENCY_VERIFY_OK(left);
    QVERIFY(left.value()->next());
    QVERIFY(left.value()->value(0).toBool());
}

void TestDbExecutor::preparedStatementsAreReused()
{
    DbConnection conn(m_params, QStringLiteral("prepare-test"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    const QString sql = QStringLiteral("SELECT ?::int + ?::int");
    auto first = conn.exec(sql, {1, 2}, QStringLiteral("add"));
    AGENCY_VERIFY_OK(first);
    QVERIFY(first.value()->next());
    QCOMPARE(first.value()->value(0).toInt(), 3);
    QSqlQuery *cached = first.value();
    auto second = conn.exec(sql, {40, 2}, QStringLiteral("add"));
    AGENCY_VERIFY_OK(second);
    QCOMPARE(second.value(), cached); // same prepared statement, new binds
    QVERIFY(second.value()->next());
    QCOMPARE(second.value()->value(0).toInt(), 42);
    // A failing execution drops the statement; the next call prepares afresh and works.
    auto failed = conn.exec(sql, {QStringLiteral("not a number"), 1}, QStringLiteral("add"));
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, ErrorCode::InvalidArgument); // 22P02: invalid input syntax
    auto third = conn.exec(sql, {5, 5}, QStringLiteral("add"));
    AGENCY_VERIFY_OK(third);
    QVERIFY(third.value()->next());
    QCOMPARE(third.value()->value(0).toInt(), 10);
    // A statement that cannot be prepared is an error, not a crash.
    auto unpreparable = conn.exec(QStringLiteral("SELEC nonsense"), {}, QStringLiteral("typo"));
    QVERIFY(!unpreparable.ok());
    QCOMPARE(unpreparable.error().code, ErrorCode::DatabaseError);
}

void TestDbExecutor::namedBindsBindByName()
{
    DbConnection conn(m_params, QStringLiteral("named-test"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    // A repeated name, a cast written straight after a placeholder, a quoted colon, and the
    // values given in another order than the placeholders appear.
    const QString sql = QStringLiteral("SELECT :text || ':not_a_name', :meta::jsonb ->> 'k', :n::int + "
                                       ":n::int, :missing_is_null::text IS NULL");
    for (int run = 0; run < 2; ++run) { // the second run takes the cached prepared statement
        auto q = conn.execNamed(sql,
                                {{QStringLiteral(":n"), 20 + run},
                                 {QStringLiteral(":missing_is_null"), QVariant()},
                                 {QStringLiteral(":meta"), QStringLiteral("{\"k\": \"v\"}")},
                                 {QStringLiteral(":text"), QStringLiteral("t")}},
                                QStringLiteral("named"));
        AGENCY_VERIFY_OK(q);
        QVERIFY(q.value()->next());
        QCOMPARE(q.value()->value(0).toString(), QStringLiteral("t:not_a_name"));
        QCOMPARE(q.value()->value(1).toString(), QStringLiteral("v"));
        QCOMPARE(q.value()->value(2).toInt(), 2 * (20 + run));
        QVERIFY(q.value()->value(3).toBool());
    }
    // A placeholder left without a value, or a value for no placeholder, is refused before the
    // statement runs, never bound as NULL or dropped.
    auto unbound = conn.execNamed(QStringLiteral("SELECT :a::int, :b::int"), {{QStringLiteral(":a"), 1}},
                                  QStringLiteral("unbound"));
    QVERIFY(!unbound.ok());
    QCOMPARE(unbound.error().code, ErrorCode::Internal);
    QVERIFY2(unbound.error().message.contains(QStringLiteral(":b")), qPrintable(unbound.error().message));
    auto extra =
        conn.execNamed(QStringLiteral("SELECT :a::int"),
                       {{QStringLiteral(":a"), 1}, {QStringLiteral(":typo"), 2}}, QStringLiteral("extra"));
    QVERIFY(!extra.ok());
    QVERIFY2(extra.error().message.contains(QStringLiteral(":typo")), qPrintable(extra.error().message));
}

void TestDbExecutor::transactionCommitsOrRollsBack()
{
    DbConnection conn(m_params, QStringLiteral("transaction-test"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    const QString insert = QStringLiteral("INSERT INTO items (label) VALUES (?)");
    const QString count = QStringLiteral("SELECT count(*) FROM items WHERE label LIKE 'tx-%'");
    auto rolledBack = conn.transaction([&]() -> Status {
        if (auto r = conn.exec(insert, {QStringLiteral("tx-rolled-back")}, QStringLiteral("insert")); !r)
            return r.error();
        return makeError(ErrorCode::Conflict, QStringLiteral("changed my mind"));
    });
    QVERIFY(!rolledBack.ok());
    QCOMPARE(rolledBack.error().code, ErrorCode::Conflict);
    auto failedStatement = conn.transaction([&]() -> Result<int> {
        if (auto r = conn.exec(insert, {QStringLiteral("tx-before-failure")}, QStringLiteral("insert")); !r)
            return r.error();
        if (auto r = conn.exec(insert, {QVariant()}, QStringLiteral("insert null")); !r)
            return r.error(); // NOT NULL violation
        return 1;
    });
    QVERIFY(!failedStatement.ok());
    QCOMPARE(failedStatement.error().code, ErrorCode::InvalidArgument);
    auto committed = conn.transaction([&]() -> Result<int> {
        if (auto r = conn.exec(insert, {QStringLiteral("tx-committed")}, QStringLiteral("insert")); !r)
            return r.error();
        return 7;
    });
    AGENCY_VERIFY_OK(committed);
    QCOMPARE(committed.value(), 7);
    auto rows = conn.exec(count, {}, QStringLiteral("count"));
    AGENCY_VERIFY_OK(rows);
    QVERIFY(rows.value()->next());
    QCOMPARE(rows.value()->value(0).toInt(), 1); // only the committed one
}

void TestDbExecutor::reopenedConnectionPreparesAfresh()
{
    // The driver reports a lost connection as closed, and opening it again gives a new session
    // without the statements prepared on the old one: they must be prepared again, not run by
    // their old names ("prepared statement ... does not exist" after every server restart).
    DbConnection conn(m_params, QStringLiteral("reopen-test"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    const QString label = QStringLiteral("SELECT count(*) FROM items");
    AGENCY_VERIFY_OK(conn.exec(label, {}, QStringLiteral("count")));
    // The session ends under the connection, as in a server restart.
    QVERIFY(!conn.exec(QStringLiteral("SELECT pg_terminate_backend(pg_backend_pid())"), {},
                       QStringLiteral("terminate"))
                 .ok());
    QVERIFY(!conn.isOpen());
    AGENCY_VERIFY_OK(conn.ensureOpen());
    auto again = conn.exec(label, {}, QStringLiteral("count"));
    AGENCY_VERIFY_OK(again);
    QVERIFY(again.value()->next());
}

void TestDbExecutor::failuresInTransactionsLeakNoStatements()
{
    // A statement failing inside a transaction is re-prepared next time; the old server-side
    // statement must still be freed (after the rollback: the aborted transaction refuses DEALLOCATE).
    QTest::failOnWarning(QRegularExpression(QStringLiteral("Unable to free statement")));
    DbConnection conn(m_params, QStringLiteral("leak-test"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    const QString countPrepared = QStringLiteral("SELECT count(*) FROM pg_prepared_statements");
    auto failOnce = [&conn]() -> agency::core::Status {
        return conn.transaction([&conn]() -> Status {
            auto r = conn.exec(QStringLiteral("INSERT INTO items (label) VALUES (?)"), {QVariant()},
                               QStringLiteral("insert null"));
            return r ? Status() : Status(r.error());
        });
    };
    QVERIFY(!failOnce().ok());
    auto before = conn.exec(countPrepared, {}, QStringLiteral("count"));
    AGENCY_VERIFY_OK(before);
    QVERIFY(before.value()->next());
    const int prepared = before.value()->value(0).toInt();
    for (int i = 0; i < 5; ++i)
        QVERIFY(!failOnce().ok());
    auto after = conn.exec(countPrepared, {}, QStringLiteral("count"));
    AGENCY_VERIFY_OK(after);
    QVERIFY(after.value()->next());
    QCOMPARE(after.value()->value(0).toInt(), prepared);
}

void TestDbExecutor::manyConcurrentJobsAcrossWorkers()
{
    DbExecutor executor(m_params, 4);
    QCOMPARE(executor.workerCount(), 4);
    QMutex mutex;
    QSet<QThread *> threads;
    QThread *const mainThread = QThread::currentThread();
    QList<Async<int>> futures;
    for (int i = 0; i < 400; ++i) {
        futures.append(executor.run<int>([i, &mutex, &threads](DbConnection &conn) -> Result<int> {
            {
                QMutexLocker lock(&mutex);
                threads.insert(QThread::currentThread());
            }
            auto query = conn.exec(QStringLiteral("SELECT ?::int * 2"), {i}, QStringLiteral("double"));
            if (!query)
                return query.error();
            if (!query.value()->next())
                return makeError(ErrorCode::Internal, QStringLiteral("no row"));
            return query.value()->value(0).toInt();
        }));
    }
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(futures), 30000);
    for (int i = 0; i < futures.size(); ++i) {
        const Result<int> result = futures.at(i).result();
        AGENCY_VERIFY_OK(result);
        QCOMPARE(result.value(), i * 2);
    }
    QVERIFY(!threads.contains(mainThread));
    QVERIFY(threads.size() >= 1 && threads.size() <= 4);
}

void TestDbExecutor::jobsRunInParallelOnDistinctConnections()
{
    static constexpr int kWorkers = 4;
    DbExecutor executor(m_params, kWorkers);
    QAtomicInteger<int> arrived;
    QList<Async<int>> futures;
    // Each job waits until all are running at once: only possible with one worker per job.
    for (int i = 0; i < kWorkers; ++i) {
        futures.append(executor.run<int>([&arrived](DbConnection &conn) -> Result<int> {
            if (!rendezvous(arrived, kWorkers))
                return makeError(ErrorCode::Internal, QStringLiteral("jobs did not run in parallel"));
            return backendPid(conn);
        }));
    }
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(futures), 30000);
    QSet<int> pids;
    for (const auto &future : futures) {
        const Result<int> pid = future.result();
        AGENCY_VERIFY_OK(pid);
        pids.insert(pid.value());
    }
    QCOMPARE(pids.size(), kWorkers);
}

void TestDbExecutor::jobErrorComesBackAsResult()
{
    DbExecutor executor(m_params, 1);
    QAtomicInteger<int> calls;
    auto sqlError = await(executor.run<int>([&calls](DbConnection &conn) -> Result<int> {
        calls.fetchAndAddOrdered(1);
        auto query =
            conn.exec(QStringLiteral("SELECT * FROM no_such_table"), {}, QStringLiteral("read nothing"));
        if (!query)
            return query.error();
        return 1;
    }));
    QVERIFY(!sqlError.ok());
    QCOMPARE(sqlError.error().code, ErrorCode::DatabaseError);
    QVERIFY2(sqlError.error().message.contains(QStringLiteral("read nothing")),
             qPrintable(sqlError.error().message));
    QCOMPARE(sqlError.error().details.value(QStringLiteral("sqlstate")).toString(), QStringLiteral("42P01"));
    QCOMPARE(calls.loadAcquire(), 1); // the connection is fine: no retry

    auto ownError = await(executor.run<QString>([&calls](DbConnection &) -> Result<QString> {
        calls.fetchAndAddOrdered(1);
        return makeError(ErrorCode::NotFound, QStringLiteral("no such conversation"),
                         {{QStringLiteral("id"), QStringLiteral("abc")}});
    }));
    QVERIFY(!ownError.ok());
    QCOMPARE(ownError.error().code, ErrorCode::NotFound);
    QCOMPARE(ownError.error().message, QStringLiteral("no such conversation"));
    QCOMPARE(ownError.error().details.value(QStringLiteral("id")).toString(), QStringLiteral("abc"));
    QCOMPARE(calls.loadAcquire(), 2);

    auto duplicate = await(executor.run<int>([](DbConnection &conn) -> Result<int> {
        auto query =
            conn.exec(QStringLiteral("INSERT INTO items (id, label) VALUES (1000, 'a'), (1000, 'b')"), {},
                      QStringLiteral("insert twice"));
        if (!query)
            return query.error();
        return 1;
    }));
    QVERIFY(!duplicate.ok());
    QCOMPARE(duplicate.error().code, ErrorCode::Conflict);
}

void TestDbExecutor::failedJobDoesNotKillTheWorker()
{
    DbExecutor executor(m_params, 2);
    QList<Async<int>> futures;
    for (int i = 0; i < 20; ++i) {
        futures.append(executor.run<int>([i](DbConnection &conn) -> Result<int> {
            if (i % 2 == 0) {
                // Fails inside a transaction: the worker's connection must not stay aborted.
                return conn.transaction([&conn]() -> Result<int> {
                    auto bad = conn.exec(QStringLiteral("SELECT 1 / 0"), {}, QStringLiteral("divide"));
                    if (!bad)
                        return bad.error();
                    return 0;
                });
            }
            auto query = conn.exec(QStringLiteral("SELECT ?::int"), {i}, QStringLiteral("echo"));
            if (!query)
                return query.error();
            query.value()->next();
            return query.value()->value(0).toInt();
        }));
    }
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(futures), 30000);
    for (int i = 0; i < futures.size(); ++i) {
        const Result<int> result = futures.at(i).result();
        if (i % 2 == 0) {
            QVERIFY(!result.ok());
            QCOMPARE(result.error().code, ErrorCode::InvalidArgument); // 22012 division by zero
        } else {
            AGENCY_VERIFY_OK(result);
            QCOMPARE(result.value(), i);
        }
    }
}

void TestDbExecutor::voidJobs()
{
    DbExecutor executor(m_params, 1);
    auto done = await(executor.run<void>([](DbConnection &conn) -> Status {
        return conn.execScript(QStringLiteral("INSERT INTO items (label) VALUES ('void-job')"),
                               QStringLiteral("insert"));
    }));
    AGENCY_VERIFY_OK(done);
    auto failed = await(executor.run<void>(
        [](DbConnection &) -> Status { return makeError(ErrorCode::Conflict, QStringLiteral("nope")); }));
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, ErrorCode::Conflict);
}

void TestDbExecutor::continuationsRunOnTheCallersThread()
{
    DbExecutor executor(m_params, 2);
    QThread *jobThread = nullptr;
    QThread *continuationThread = nullptr;
    int value = 0;
    auto context = std::make_unique<QObject>();
    executor
        .run<int>([&jobThread](DbConnection &conn) -> Result<int> {
            jobThread = QThread::currentThread();
            return backendPid(conn);
        })
        .then(context.get(), [&](const Result<int> &result) {
            continuationThread = QThread::currentThread();
            value = result.valueOr(-1);
        });
    QTRY_VERIFY_WITH_TIMEOUT(continuationThread != nullptr, 10000);
    QCOMPARE(continuationThread, QThread::currentThread());
    QVERIFY(jobThread != QThread::currentThread());
    QVERIFY(value > 0);
}

void TestDbExecutor::connectionLostAndRecovered()
{
    static constexpr int kWorkers = 2;
    DbExecutor executor(m_params, kWorkers);
    QAtomicInteger<int> calls;
    auto pidsOfAllWorkers = [&]() {
        // One job per worker (they meet), each reporting its connection's backend pid.
        auto arrived = std::make_shared<QAtomicInteger<int>>(0);
        QList<Async<int>> futures;
        for (int i = 0; i < kWorkers; ++i) {
            futures.append(executor.run<int>([arrived, &calls](DbConnection &conn) -> Result<int> {
                calls.fetchAndAddOrdered(1);
                // A transaction, so a stale connection is detected at BEGIN as well.
                auto pid = conn.transaction([&conn] { return backendPid(conn); });
                if (!pid)
                    return pid;
                if (!rendezvous(*arrived, kWorkers))
                    return makeError(ErrorCode::Internal, QStringLiteral("workers did not meet"));
                return pid;
            }));
        }
        return futures;
    };

    auto before = pidsOfAllWorkers();
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(before), 30000);
    QSet<int> oldPids;
    for (const auto &future : before) {
        AGENCY_VERIFY_OK(future.result());
        oldPids.insert(future.result().value());
    }
    QCOMPARE(oldPids.size(), kWorkers);
    QCOMPARE(calls.loadAcquire(), kWorkers);

    // Restart the server under the open connections (same socket directory).
    AGENCY_VERIFY_OK(m_pg.restart());

    calls.storeRelease(0);
    auto after = pidsOfAllWorkers();
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(after), 30000);
    QSet<int> newPids;
    for (const auto &future : after) {
        const Result<int> pid = future.result();
        AGENCY_VERIFY_OK(pid); // transparently retried on a fresh connection
        newPids.insert(pid.value());
    }
    QCOMPARE(newPids.size(), kWorkers);
    QVERIFY(!newPids.intersects(oldPids));
    // Each job ran twice: once on the stale connection, once on the fresh one.
    QCOMPARE(calls.loadAcquire(), 2 * kWorkers);

    // And the workers keep working normally afterwards, without further retries.
    calls.storeRelease(0);
    auto steady = pidsOfAllWorkers();
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(steady), 30000);
    for (const auto &future : steady)
        AGENCY_VERIFY_OK(future.result());
    QCOMPARE(calls.loadAcquire(), kWorkers);
}

void TestDbExecutor::serverDownFailsFastThenRecovers()
{
    DbExecutor executor(m_params, 1);
    auto job = [](DbConnection &conn) { return backendPid(conn); };
    AGENCY_VERIFY_OK(await(executor.run<int>(job)));

    AGENCY_VERIFY_OK(m_pg.cluster().stop());
    for (int attempt = 0; attempt < 2; ++attempt) {
        // First on the now-stale connection, then with no connection at all.
        QElapsedTimer timer;
        timer.start();
        auto down = await(executor.run<int>(job));
        QVERIFY(!down.ok());
        QCOMPARE(down.error().code, ErrorCode::DatabaseUnavailable);
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    }

    auto restarted = m_pg.cluster().start();
    AGENCY_VERIFY_OK(restarted);
    QCOMPARE(restarted->host, m_params.host);
    auto back = await(executor.run<int>(job));
    AGENCY_VERIFY_OK(back);
    QVERIFY(back.value() > 0);
}

void TestDbExecutor::destructionCancelsQueuedJobs()
{
    auto executor = std::make_unique<DbExecutor>(m_params, 1);
    QAtomicInteger<int> started;
    QAtomicInteger<int> ranQueued;
    auto running = executor->run<int>([&started](DbConnection &conn) -> Result<int> {
        started.storeRelease(1);
        auto slept = conn.exec(QStringLiteral("SELECT pg_sleep(0.3)"), {}, QStringLiteral("sleep"));
        if (!slept)
            return slept.error();
        return 1;
    });
    QList<Async<int>> queued;
    for (int i = 0; i < 5; ++i) {
        queued.append(executor->run<int>([&ranQueued](DbConnection &) -> Result<int> {
            ranQueued.fetchAndAddOrdered(1);
            return 2;
        }));
    }
    QTRY_VERIFY_WITH_TIMEOUT(started.loadAcquire() == 1, 10000);
    executor.reset(); // waits for the running job, cancels the queued ones

    QVERIFY(running.isFinished());
    AGENCY_VERIFY_OK(running.result());
    QCOMPARE(running.result().value(), 1);
    for (const auto &future : queued) {
        QVERIFY(future.isFinished());
        const Result<int> result = future.result();
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
    }
    QCOMPARE(ranQueued.loadAcquire(), 0);
}

QTEST_GUILESS_MAIN(TestDbExecutor)
#include "test_dbexecutor.moc"

// Group commit in the DB executor: grouped jobs waiting together share one transaction, results
// arrive only after the commit, a failing job is rerun alone without costing the others, nested
// transactions become savepoints, and a group runs in lock-key order.
#include "sql/dbconnection.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QMutex>
#include <QSemaphore>
#include <QSet>
#include <QTest>

using agency::core::Async;
using agency::core::ErrorCode;
using agency::core::makeError;
using agency::core::Result;
using agency::sql::ConnectionParams;
using agency::sql::DbConnection;
using agency::sql::DbExecutor;
using agency::test::await;
using agency::test::TestPostgres;

namespace {

/// What a grouped job saw: its transaction and whether its row is in.
struct Seen
{
    qint64 txid = 0;
    int id = 0;
};

/// Inserts `label` and reports the transaction it ran in.
Result<Seen> insertLabel(DbConnection &conn, const QString &label)
{
    auto query =
        conn.exec(QStringLiteral("INSERT INTO entries (label) VALUES (?) RETURNING id, txid_current()"),
                  {label}, QStringLiteral("insert entry"));
    if (!query)
        return query.error();
    if (!query.value()->next())
        return makeError(ErrorCode::Internal, QStringLiteral("no row"));
    return Seen{query.value()->value(1).toLongLong(), query.value()->value(0).toInt()};
}

/// What an unflushed-commit job saw: its transaction and the synchronous_commit it commits with.
struct CommitMode
{
    qint64 txid = 0;
    QString synchronousCommit;
};

/// Inserts `label`, then reports the transaction and its commit mode.
Result<CommitMode> insertNotingMode(DbConnection &conn, const QString &label)
{
    auto inserted = insertLabel(conn, label);
    if (!inserted)
        return inserted.error();
    auto query = conn.exec(QStringLiteral("SELECT current_setting('synchronous_commit')"), {},
                           QStringLiteral("commit mode"));
    if (!query)
        return query.error();
    if (!query.value()->next())
        return makeError(ErrorCode::Internal, QStringLiteral("no row"));
    return CommitMode{inserted->txid, query.value()->value(0).toString()};
}

/// What a job deferring its own flush saw: inside its writing statement (after the CTE ran) and
/// in a second statement of the same job.
struct DeferredMode
{
    bool inTransaction = false;
    CommitMode insert;
    CommitMode after;
};

/// Inserts `label` with DbConnection::deferFlushCte(), then asks again in a second statement.
Result<DeferredMode> insertDeferringFlush(DbConnection &conn, const QString &label)
{
    DeferredMode seen;
    seen.inTransaction = conn.inTransaction();
    auto insert = conn.execNamed(
        QStringLiteral("WITH ") + DbConnection::deferFlushCte() +
            QStringLiteral(" INSERT INTO entries (label) SELECT :label FROM agency_defer_flush "
                           "RETURNING txid_current(), current_setting('synchronous_commit')"),
        {{QStringLiteral(":defer_flush"), conn.deferFlushBind()}, {QStringLiteral(":label"), label}},
        QStringLiteral("insert entry"));
    if (!insert)
        return insert.error();
    if (!insert.value()->next())
        return makeError(ErrorCode::Internal, QStringLiteral("no row"));
    seen.insert = {insert.value()->value(0).toLongLong(), insert.value()->value(1).toString()};
    auto after = conn.exec(QStringLiteral("SELECT txid_current(), current_setting('synchronous_commit')"), {},
                           QStringLiteral("commit mode"));
    if (!after)
        return after.error();
    if (!after.value()->next())
        return makeError(ErrorCode::Internal, QStringLiteral("no row"));
    seen.after = {after.value()->value(0).toLongLong(), after.value()->value(1).toString()};
    return seen;
}

/// Holds the executor's only worker busy until released, so the jobs queued meanwhile form one group.
class Blocker
{
public:
    explicit Blocker(DbExecutor &executor)
    {
        m_done = executor.run<int>([this](DbConnection &) -> Result<int> {
            m_started.release();
            m_release.acquire();
            return 0;
        });
        m_started.acquire();
    }
    void release()
    {
        m_release.release();
        (void)await(m_done);
    }

private:
    QSemaphore m_started;
    QSemaphore m_release;
    Async<int> m_done;
};

} // namespace

class TestCommitGroups : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void waitingJobsShareOneCommit();
    void resultsArriveOnlyAfterTheCommit();
    void failingJobIsIsolated();
    void nestedTransactionIsASavepoint();
    void groupRunsInLockKeyOrder();
    void plainJobsKeepTheirOwnTransactions();
    void groupsTakeAtMostAQuarterOfTheWorkers();
    // Unflushed commits.
    void unflushedJobAloneCommitsWithoutTheFlush();
    void unflushedJobsTogetherShareAnUnflushedCommit();
    void oneFlushedJobMakesItsGroupFlush();
    void failingUnflushedJobIsRerunAlone();
    void jobDeferringItsFlushAloneCommitsItsStatementUnflushed();
    void jobDeferringItsFlushInAFlushedGroupFlushes();
    void jobsDeferringTheirFlushTogetherShareAnUnflushedCommit();

private:
    int countEntries(const QString &label);
    /// m_params with synchronous_commit = on, as a production server has it (the test cluster
    /// turns it off), so a job's commit mode shows.
    ConnectionParams flushingParams() const;

    TestPostgres m_pg;
    ConnectionParams m_params;
};

void TestCommitGroups::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase(false);
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    DbConnection conn(m_params, QStringLiteral("groups-setup"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    AGENCY_VERIFY_OK(conn.execScript(
        QStringLiteral("CREATE TABLE entries (id serial PRIMARY KEY, label text NOT NULL UNIQUE)"),
        QStringLiteral("setup")));
}

void TestCommitGroups::init()
{
    DbConnection conn(m_params, QStringLiteral("groups-clean"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    AGENCY_VERIFY_OK(conn.execScript(QStringLiteral("TRUNCATE entries"), QStringLiteral("clean")));
}

ConnectionParams TestCommitGroups::flushingParams() const
{
    ConnectionParams params = m_params;
    params.connectOptions = QStringLiteral("options=-csynchronous_commit=on");
    return params;
}

int TestCommitGroups::countEntries(const QString &label)
{
    DbConnection conn(m_params, QStringLiteral("groups-count"));
    if (!conn.ensureOpen())
        return -1;
    auto query = conn.exec(QStringLiteral("SELECT count(*) FROM entries WHERE label LIKE ?"), {label},
                           QStringLiteral("count"));
    if (!query || !query.value()->next())
        return -1;
    return query.value()->value(0).toInt();
}

void TestCommitGroups::waitingJobsShareOneCommit()
{
    DbExecutor executor(m_params, 1);
    Blocker blocker(executor);
    QList<Async<Seen>> jobs;
    for (int i = 0; i < 10; ++i) {
        const QString label = QStringLiteral("shared-%1").arg(i);
        jobs.append(executor.runGrouped<Seen>(
            label, [label](DbConnection &conn) { return insertLabel(conn, label); }));
    }
    blocker.release();
    QSet<qint64> transactions;
    for (auto &job : jobs) {
        auto seen = await(job);
        AGENCY_VERIFY_OK(seen);
        transactions.insert(seen->txid);
    }
    QCOMPARE(transactions.size(), 1);
    QCOMPARE(countEntries(QStringLiteral("shared-%")), 10);
    QCOMPARE(executor.stats().groups, quint64{1});
    QCOMPARE(executor.stats().groupedJobs, quint64{10});
    QCOMPARE(executor.stats().groupFallbacks, quint64{0});

    // More than a group takes: several groups, every job done once.
    Blocker again(executor);
    jobs.clear();
    const int many = DbExecutor::kMaxGroupSize * 2 + 3;
    for (int i = 0; i < many; ++i) {
        const QString label = QStringLiteral("many-%1").arg(i);
        jobs.append(executor.runGrouped<Seen>(
            label, [label](DbConnection &conn) { return insertLabel(conn, label); }));
    }
    again.release();
    transactions.clear();
    for (auto &job : jobs) {
        auto seen = await(job);
        AGENCY_VERIFY_OK(seen);
        transactions.insert(seen->txid);
    }
    QCOMPARE(transactions.size(), 3);
    QCOMPARE(countEntries(QStringLiteral("many-%")), many);
}

void TestCommitGroups::resultsArriveOnlyAfterTheCommit()
{
    DbExecutor executor(m_params, 1);
    Blocker blocker(executor);
    // Each continuation looks from another connection: its row must already be committed.
    QList<QFuture<int>> visible;
    for (int i = 0; i < 5; ++i) {
        const QString label = QStringLiteral("visible-%1").arg(i);
        visible.append(
            executor.runGrouped<Seen>(label, [label](DbConnection &conn) { return insertLabel(conn, label); })
                .then([this, label](const Result<Seen> &seen) { return seen ? countEntries(label) : -1; }));
    }
    blocker.release();
    for (auto &v : visible) {
        QVERIFY(QTest::qWaitFor([&v] { return v.isFinished(); }, 30000));
        QCOMPARE(v.result(), 1);
    }
}

void TestCommitGroups::failingJobIsIsolated()
{
    DbExecutor executor(m_params, 1);
    Blocker blocker(executor);
    QList<Async<Seen>> good;
    for (int i = 0; i < 3; ++i) {
        const QString label = QStringLiteral("iso-%1").arg(i);
        good.append(executor.runGrouped<Seen>(
            label, [label](DbConnection &conn) { return insertLabel(conn, label); }));
    }
    // A duplicate label: unique violation, which aborts the shared transaction.
    auto duplicate = executor.runGrouped<Seen>(QStringLiteral("iso-1x"), [](DbConnection &conn) {
        return insertLabel(conn, QStringLiteral("iso-1"));
    });
    blocker.release();
    auto failed = await(duplicate);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, ErrorCode::Conflict);
    for (auto &job : good)
        AGENCY_VERIFY_OK(await(job));
    QCOMPARE(countEntries(QStringLiteral("iso-%")), 3);
    QCOMPARE(executor.stats().groupFallbacks, quint64{1});
}

void TestCommitGroups::nestedTransactionIsASavepoint()
{
    DbExecutor executor(m_params, 1);
    Blocker blocker(executor);
    auto kept = executor.runGrouped<Seen>(QStringLiteral("a"), [](DbConnection &conn) {
        return insertLabel(conn, QStringLiteral("nest-kept"));
    });
    // Writes, then fails on its own terms: only its own work is undone, inside the group.
    auto undone = executor.runGrouped<Seen>(QStringLiteral("b"), [](DbConnection &conn) {
        return conn.transaction([&]() -> Result<Seen> {
            auto seen = insertLabel(conn, QStringLiteral("nest-undone"));
            if (!seen)
                return seen.error();
            return makeError(ErrorCode::InvalidArgument, QStringLiteral("changed my mind"));
        });
    });
    // A statement failing inside a nested transaction is contained by its savepoint too.
    auto broken = executor.runGrouped<Seen>(QStringLiteral("c"), [](DbConnection &conn) {
        return conn.transaction([&]() -> Result<Seen> {
            auto seen = insertLabel(conn, QStringLiteral("nest-broken"));
            if (!seen)
                return seen.error();
            return insertLabel(conn, QStringLiteral("nest-kept")); // duplicate
        });
    });
    auto last = executor.runGrouped<Seen>(QStringLiteral("d"), [](DbConnection &conn) {
        return insertLabel(conn, QStringLiteral("nest-last"));
    });
    blocker.release();
    auto keptSeen = await(kept);
    auto lastSeen = await(last);
    AGENCY_VERIFY_OK(keptSeen);
    AGENCY_VERIFY_OK(lastSeen);
    QCOMPARE(keptSeen->txid, lastSeen->txid); // the group was not rolled back and rerun
    auto undoneResult = await(undone);
    QVERIFY(!undoneResult.ok());
    QCOMPARE(undoneResult.error().code, ErrorCode::InvalidArgument);
    auto brokenResult = await(broken);
    QVERIFY(!brokenResult.ok());
    QCOMPARE(brokenResult.error().code, ErrorCode::Conflict);
    QCOMPARE(countEntries(QStringLiteral("nest-kept")), 1);
    QCOMPARE(countEntries(QStringLiteral("nest-last")), 1);
    QCOMPARE(countEntries(QStringLiteral("nest-undone")), 0);
    QCOMPARE(countEntries(QStringLiteral("nest-broken")), 0);
}

void TestCommitGroups::groupRunsInLockKeyOrder()
{
    DbExecutor executor(m_params, 1);
    Blocker blocker(executor);
    QMutex mutex;
    QStringList order;
    QList<Async<bool>> jobs;
    for (const char *key : {"tenant-c/2", "tenant-a/9", "tenant-b/1", "tenant-a/1"}) {
        const QString k = QString::fromLatin1(key);
        jobs.append(executor.runGrouped<bool>(k, [&mutex, &order, k](DbConnection &) -> Result<bool> {
            QMutexLocker lock(&mutex);
            order.append(k);
            return true;
        }));
    }
    blocker.release();
    for (auto &job : jobs)
        AGENCY_VERIFY_OK(await(job));
    QCOMPARE(order, (QStringList{QStringLiteral("tenant-a/1"), QStringLiteral("tenant-a/9"),
                                 QStringLiteral("tenant-b/1"), QStringLiteral("tenant-c/2")}));
}

void TestCommitGroups::groupsTakeAtMostAQuarterOfTheWorkers()
{
    DbExecutor executor(m_params, 8);
    QCOMPARE(DbExecutor::groupWorkersFor(8), 2);
    QCOMPARE(DbExecutor::groupWorkersFor(4), 1);
    // Two grouped jobs that hold their workers until released: the group workers are busy.
    QSemaphore started;
    QSemaphore release;
    QList<Async<int>> holders;
    for (int i = 0; i < 2; ++i) {
        holders.append(executor.runGrouped<int>(QStringLiteral("hold-%1").arg(i), [&](DbConnection &) {
            started.release();
            release.acquire();
            return Result<int>(0);
        }));
        QVERIFY(started.tryAcquire(1, 10000)); // one at a time: each is a group of its own
    }
    QList<Async<Seen>> jobs;
    for (int i = 0; i < 10; ++i) {
        const QString label = QStringLiteral("capped-%1").arg(i);
        jobs.append(executor.runGrouped<Seen>(
            label, [label](DbConnection &conn) { return insertLabel(conn, label); }));
    }
    // A plain job still gets one of the other workers at once...
    auto plain = await(executor.run<int>([](DbConnection &conn) -> Result<int> {
        auto q = conn.exec(QStringLiteral("SELECT 7"), {}, QStringLiteral("plain"));
        if (!q || !q.value()->next())
            return makeError(ErrorCode::Internal, QStringLiteral("no row"));
        return q.value()->value(0).toInt();
    }));
    AGENCY_VERIFY_OK(plain);
    QCOMPARE(plain.value(), 7);
    // ...while the grouped ones wait for a group worker, not for the idle ones.
    QCOMPARE(countEntries(QStringLiteral("capped-%")), 0);
    release.release(2);
    QSet<qint64> transactions;
    for (auto &job : jobs) {
        auto seen = await(job);
        AGENCY_VERIFY_OK(seen);
        transactions.insert(seen->txid);
    }
    for (auto &holder : holders)
        AGENCY_VERIFY_OK(await(holder));
    // They waited together, so they committed together (one group, or two when both group
    // workers came free at the same moment).
    QVERIFY2(transactions.size() <= 2, qPrintable(QString::number(transactions.size())));
    QCOMPARE(countEntries(QStringLiteral("capped-%")), 10);
}

void TestCommitGroups::plainJobsKeepTheirOwnTransactions()
{
    DbExecutor executor(m_params, 1);
    Blocker blocker(executor);
    QList<Async<Seen>> jobs;
    for (int i = 0; i < 4; ++i) {
        const QString label = QStringLiteral("plain-%1").arg(i);
        jobs.append(executor.run<Seen>([label](DbConnection &conn) { return insertLabel(conn, label); }));
    }
    blocker.release();
    QSet<qint64> transactions;
    for (auto &job : jobs) {
        auto seen = await(job);
        AGENCY_VERIFY_OK(seen);
        transactions.insert(seen->txid);
    }
    QCOMPARE(transactions.size(), 4);
}

void TestCommitGroups::unflushedJobAloneCommitsWithoutTheFlush()
{
    DbExecutor executor(flushingParams(), 1);
    auto seen = await(executor.runGroupedUnflushed<CommitMode>(QStringLiteral("u"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("u-1"));
    }));
    AGENCY_VERIFY_OK(seen);
    QCOMPARE(seen->synchronousCommit, QStringLiteral("off"));
    QCOMPARE(countEntries(QStringLiteral("u-1")), 1); // committed, visible to others at once
    // SET LOCAL ended with the transaction: the worker's next job commits flushed again.
    auto next = await(executor.run<CommitMode>(
        [](DbConnection &conn) { return insertNotingMode(conn, QStringLiteral("u-2")); }));
    AGENCY_VERIFY_OK(next);
    QCOMPARE(next->synchronousCommit, QStringLiteral("on"));
}

void TestCommitGroups::unflushedJobsTogetherShareAnUnflushedCommit()
{
    DbExecutor executor(flushingParams(), 1);
    Blocker blocker(executor);
    QList<Async<CommitMode>> jobs;
    for (int i = 0; i < 4; ++i) {
        const QString label = QStringLiteral("uu-%1").arg(i);
        jobs.append(executor.runGroupedUnflushed<CommitMode>(
            label, [label](DbConnection &conn) { return insertNotingMode(conn, label); }));
    }
    blocker.release();
    QSet<qint64> transactions;
    for (auto &job : jobs) {
        auto seen = await(job);
        AGENCY_VERIFY_OK(seen);
        QCOMPARE(seen->synchronousCommit, QStringLiteral("off"));
        transactions.insert(seen->txid);
    }
    QCOMPARE(transactions.size(), 1);
    QCOMPARE(countEntries(QStringLiteral("uu-%")), 4);
}

void TestCommitGroups::oneFlushedJobMakesItsGroupFlush()
{
    DbExecutor executor(flushingParams(), 1);
    Blocker blocker(executor);
    auto unflushed = executor.runGroupedUnflushed<CommitMode>(QStringLiteral("a"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("mix-a"));
    });
    auto flushed = executor.runGrouped<CommitMode>(QStringLiteral("b"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("mix-b"));
    });
    blocker.release();
    auto a = await(unflushed);
    auto b = await(flushed);
    AGENCY_VERIFY_OK(a);
    AGENCY_VERIFY_OK(b);
    QCOMPARE(a->txid, b->txid);
    QCOMPARE(a->synchronousCommit, QStringLiteral("on"));
    QCOMPARE(b->synchronousCommit, QStringLiteral("on"));
}

void TestCommitGroups::failingUnflushedJobIsRerunAlone()
{
    DbExecutor executor(flushingParams(), 1);
    AGENCY_VERIFY_OK(await(executor.run<Seen>(
        [](DbConnection &conn) { return insertLabel(conn, QStringLiteral("uf-taken")); })));
    Blocker blocker(executor);
    auto good = executor.runGroupedUnflushed<CommitMode>(QStringLiteral("a"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("uf-new"));
    });
    auto duplicate = executor.runGroupedUnflushed<CommitMode>(QStringLiteral("b"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("uf-taken"));
    });
    blocker.release();
    AGENCY_VERIFY_OK(await(good));
    QVERIFY(!await(duplicate));
    QCOMPARE(countEntries(QStringLiteral("uf-new")), 1);
    QCOMPARE(countEntries(QStringLiteral("uf-taken")), 1);
    QCOMPARE(executor.stats().groupFallbacks, quint64{1});
    // Failing alone (in the transaction an unflushed job gets to itself): its error, and the
    // worker serves on.
    QVERIFY(!await(executor.runGroupedUnflushed<CommitMode>(QStringLiteral("c"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("uf-taken"));
    })));
    auto after = await(executor.runGroupedUnflushed<CommitMode>(QStringLiteral("d"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("uf-after"));
    }));
    AGENCY_VERIFY_OK(after);
    QCOMPARE(countEntries(QStringLiteral("uf-after")), 1);
}

void TestCommitGroups::jobDeferringItsFlushAloneCommitsItsStatementUnflushed()
{
    DbExecutor executor(flushingParams(), 1);
    auto seen =
        await(executor.runGroupedDeferringFlush<DeferredMode>(QStringLiteral("d"), [](DbConnection &conn) {
            return insertDeferringFlush(conn, QStringLiteral("d-1"));
        }));
    AGENCY_VERIFY_OK(seen);
    // No transaction of its own (no BEGIN, no COMMIT round trip): its statement commits unflushed
    // by itself, and the setting ends with it, so the job's next statement commits flushed.
    QVERIFY(!seen->inTransaction);
    QCOMPARE(seen->insert.synchronousCommit, QStringLiteral("off"));
    QCOMPARE(seen->after.synchronousCommit, QStringLiteral("on"));
    QVERIFY(seen->after.txid != seen->insert.txid);
    QCOMPARE(countEntries(QStringLiteral("d-1")), 1);
    auto next = await(executor.run<CommitMode>(
        [](DbConnection &conn) { return insertNotingMode(conn, QStringLiteral("d-2")); }));
    AGENCY_VERIFY_OK(next);
    QCOMPARE(next->synchronousCommit, QStringLiteral("on"));
}

void TestCommitGroups::jobDeferringItsFlushInAFlushedGroupFlushes()
{
    DbExecutor executor(flushingParams(), 1);
    Blocker blocker(executor);
    auto deferring =
        executor.runGroupedDeferringFlush<DeferredMode>(QStringLiteral("a"), [](DbConnection &conn) {
            return insertDeferringFlush(conn, QStringLiteral("g-a"));
        });
    auto flushed = executor.runGrouped<CommitMode>(QStringLiteral("b"), [](DbConnection &conn) {
        return insertNotingMode(conn, QStringLiteral("g-b"));
    });
    blocker.release();
    auto a = await(deferring);
    auto b = await(flushed);
    AGENCY_VERIFY_OK(a);
    AGENCY_VERIFY_OK(b);
    // Inside the group's transaction the statement leaves the group's choice alone.
    QVERIFY(a->inTransaction);
    QCOMPARE(a->insert.txid, b->txid);
    QCOMPARE(a->insert.synchronousCommit, QStringLiteral("on"));
    QCOMPARE(a->after.synchronousCommit, QStringLiteral("on"));
    QCOMPARE(b->synchronousCommit, QStringLiteral("on"));
    QCOMPARE(countEntries(QStringLiteral("g-%")), 2);
}

void TestCommitGroups::jobsDeferringTheirFlushTogetherShareAnUnflushedCommit()
{
    DbExecutor executor(flushingParams(), 1);
    Blocker blocker(executor);
    QList<Async<DeferredMode>> jobs;
    for (int i = 0; i < 3; ++i) {
        const QString label = QStringLiteral("dd-%1").arg(i);
        jobs.append(executor.runGroupedDeferringFlush<DeferredMode>(
            label, [label](DbConnection &conn) { return insertDeferringFlush(conn, label); }));
    }
    blocker.release();
    QSet<qint64> transactions;
    for (auto &job : jobs) {
        auto seen = await(job);
        AGENCY_VERIFY_OK(seen);
        QVERIFY(seen->inTransaction);
        QCOMPARE(seen->insert.synchronousCommit, QStringLiteral("off"));
        QCOMPARE(seen->after.synchronousCommit, QStringLiteral("off"));
        transactions.insert(seen->insert.txid);
    }
    QCOMPARE(transactions.size(), 1);
    QCOMPARE(countEntries(QStringLiteral("dd-%")), 3);
}

QTEST_GUILESS_MAIN(TestCommitGroups)
#include "test_commitgroups.moc"

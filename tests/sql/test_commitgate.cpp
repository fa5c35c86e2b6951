// Gated writes (DbExecutor::runGrouped with a core::CommitGate) against a real PostgreSQL frozen
// with SIGSTOP: a write abandoned while its statement is stuck never commits when the server
// resumes; one abandoned before it ran never runs; one whose COMMIT was in flight is reported as
// possibly stored, which it then is.

#include "futurewait.h"
#include "sql/dbexecutor.h"
#include "testdatabase.h"

#include <QTest>

#include <csignal>

using namespace agency;

namespace {

/// Inserts one row into gate_probe, holding `note`.
auto insertProbe(const QString &note)
{
    return [note](sql::DbConnection &conn) -> core::Result<bool> {
        auto query = conn.exec(QStringLiteral("INSERT INTO gate_probe (note) VALUES (?)"), {note},
                               QStringLiteral("probe"));
        if (!query)
            return query.error();
        return true;
    };
}

} // namespace

class TestCommitGate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }
    void init();
    void cleanup();

    void writeStuckOnAFrozenServerNeverCommitsOnceAbandoned();
    void writeAbandonedBeforeItRunsNeverRuns();
    void commitInFlightIsReportedAsPossiblyStored();

private:
    qint64 probes(const QString &note);
    std::unique_ptr<sql::DbExecutor> hungExecutor();

    test::TestDatabase m_db;
};

void TestCommitGate::init()
{
    AGENCY_VERIFY_OK(m_db.reset(1, false));
    AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("CREATE TABLE gate_probe (note text)")));
}

void TestCommitGate::cleanup()
{
    m_db.postgres().signalServer(SIGCONT);
    m_db.close();
}

qint64 TestCommitGate::probes(const QString &note)
{
    auto n = m_db.count(QStringLiteral("SELECT count(*) FROM gate_probe WHERE note = ?"), {note});
    return n ? n.value() : -1;
}

std::unique_ptr<sql::DbExecutor> TestCommitGate::hungExecutor()
{
    sql::ConnectionParams params = m_db.params();
    params.statementTimeoutMs = 500; // the watchdog cuts a silent statement after 2.5 s
    params.connectTimeoutS = 2;
    auto executor = std::make_unique<sql::DbExecutor>(params, 1);
    // An open connection, as a program that has been running has.
    auto warm = test::await(
        executor->run<bool>([](sql::DbConnection &conn) -> core::Result<bool> { return conn.ping(); }));
    if (!warm || !warm.value())
        qWarning("the executor did not connect");
    return executor;
}

void TestCommitGate::writeStuckOnAFrozenServerNeverCommitsOnceAbandoned()
{
    auto executor = hungExecutor();
    test::TestPostgres *pg = &m_db.postgres();
    auto gate = std::make_shared<core::CommitGate>();
    // The transaction has begun; the server freezes as the statement is sent.
    auto write = executor->runGrouped<bool>(
        QStringLiteral("probe"),
        [pg](sql::DbConnection &conn) -> core::Result<bool> {
            pg->signalServer(SIGSTOP);
            return insertProbe(QStringLiteral("stuck"))(conn);
        },
        gate);
    auto failed = test::await(write, 30000);
    QVERIFY(!failed.ok());     // the watchdog cut the connection
    QVERIFY(!gate->abandon()); // its COMMIT was never sent
    QVERIFY(m_db.postgres().signalServer(SIGCONT) > 0);
    // The resumed server reads what was sent to it; none of it may commit.
    QTest::qWait(1500);
    QCOMPARE(probes(QStringLiteral("stuck")), 0);
    // The executor serves again.
    AGENCY_VERIFY_OK(test::await(
        executor->runGrouped<bool>(QStringLiteral("probe"), insertProbe(QStringLiteral("after"))), 30000));
    QCOMPARE(probes(QStringLiteral("after")), 1);
}

void TestCommitGate::writeAbandonedBeforeItRunsNeverRuns()
{
    auto executor = hungExecutor();
    QVERIFY(m_db.postgres().signalServer(SIGSTOP) > 0);
    // The only worker is stuck on this one; the gated write waits behind it.
    auto blocker =
        executor->run<bool>([](sql::DbConnection &conn) -> core::Result<bool> { return conn.ping(); });
    auto gate = std::make_shared<core::CommitGate>();
    auto queued =
        executor->runGrouped<bool>(QStringLiteral("probe"), insertProbe(QStringLiteral("queued")), gate);
    QVERIFY(!gate->abandon());
    QVERIFY(m_db.postgres().signalServer(SIGCONT) > 0);
    (void)test::await(blocker, 30000);
    auto result = test::await(queued, 30000);
    QVERIFY(!result.ok());
    QCOMPARE(probes(QStringLiteral("queued")), 0);
}

void TestCommitGate::commitInFlightIsReportedAsPossiblyStored()
{
    auto executor = hungExecutor();
    test::TestPostgres *pg = &m_db.postgres();
    auto gate = std::make_shared<core::CommitGate>();
    // The statement runs, then the server freezes before the COMMIT reaches it.
    auto write = executor->runGrouped<bool>(
        QStringLiteral("probe"),
        [pg](sql::DbConnection &conn) -> core::Result<bool> {
            auto inserted = insertProbe(QStringLiteral("in flight"))(conn);
            pg->signalServer(SIGSTOP);
            return inserted;
        },
        gate);
    (void)test::await(write, 30000);
    QVERIFY(gate->commitSent());
    QVERIFY(gate->abandon()); // the caller must say "may have been stored"
    QVERIFY(pg->signalServer(SIGCONT) > 0);
    QTest::qWait(1500);
    QCOMPARE(probes(QStringLiteral("in flight")), 1); // and indeed it was
}

QTEST_GUILESS_MAIN(TestCommitGate)
#include "test_commitgate.moc"

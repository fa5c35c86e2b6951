// The runs table against a real PostgreSQL, both halves (RunRepository for tenants, RunQueue for
// workers): validation, tenant isolation, cancel semantics,
// claiming under concurrency from two executors (FOR UPDATE SKIP LOCKED), leases (heartbeat,
// check, complete/fail only by the holder, release) and stale-run recovery.

#include "core/limits.h"
#include "core/validation.h"
#include "db/runqueue.h"
#include "db/runrepository.h"
#include "sql/dbexecutor.h"
#include "testdatabase.h"

#include <QSet>
#include <QSqlQuery>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::Run;
using core::RunStatus;
using db::LeaseState;
using db::NewRun;
using db::RunLease;
using db::RunQueue;
using db::RunRepository;
using test::await;

namespace {

NewRun newRun(const QString &tenant, const QString &input = QStringLiteral("Summarise Q3 sales"))
{
    return NewRun{tenant, QStringLiteral("consulting"), input, {}, {}};
}

RunLease leaseOf(const Run &run)
{
    return RunLease{run.id, run.runId, run.workerId, run.attempts};
}

} // namespace

class TestRunRepository : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void createAndGet();
    void createValidation();
    void tenantIsolation();
    void cancelQueuedRunningFinished();
    void listNewestFirstWithCursorAndStatus();
    void claimOldestFirstAndMarksRunning();
    void twoExecutorsNeverClaimTheSameRun();
    void leasesGuardEveryWrite();
    void heartbeatAndCheckReportCancelAndLoss();
    void releaseRequeuesWithoutCountingTheAttempt();
    void recoverStaleRequeuesFailsOrCancels();
    void completedConversationDeletedKeepsRun();

private:
    core::Status exec(const QString &sql);
    core::Result<qint64> scalar(const QString &sql);
    core::Result<Run> created(const NewRun &run);

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
    std::unique_ptr<sql::DbExecutor> m_db;
    std::unique_ptr<RunRepository> m_runs; ///< what tenants do
    std::unique_ptr<RunQueue> m_queue;     ///< what workers do
};

void TestRunRepository::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
}

void TestRunRepository::init()
{
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    m_db = std::make_unique<sql::DbExecutor>(m_params, 4);
    m_runs = std::make_unique<RunRepository>(*m_db);
    m_queue = std::make_unique<RunQueue>(*m_db);
}

void TestRunRepository::cleanup()
{
    m_queue.reset();
    m_runs.reset();
    m_db.reset();
}

void TestRunRepository::cleanupTestCase() {}

core::Status TestRunRepository::exec(const QString &sql)
{
    return test::exec(*m_db, sql);
}

core::Result<qint64> TestRunRepository::scalar(const QString &sql)
{
    return test::count(*m_db, sql);
}

core::Result<Run> TestRunRepository::created(const NewRun &run)
{
    return await(m_runs->create(run));
}

void TestRunRepository::createAndGet()
{
    NewRun request = newRun(QStringLiteral("acme"));
    request.provider = QStringLiteral("openai");
    request.model = QStringLiteral("gpt-4o-mini");
    auto run = await(m_runs->create(request));
    AGENCY_VERIFY_OK(run);
    QVERIFY(!run->runId.isNull());
    QCOMPARE(run->status, RunStatus::Queued);
    QCOMPARE(run->tenantId, QStringLiteral("acme"));
    QCOMPARE(run->flowType, QStringLiteral("consulting"));
    QCOMPARE(run->input, QStringLiteral("Summarise Q3 sales"));
    QCOMPARE(run->provider, QStringLiteral("openai"));
    QCOMPARE(run->model, QStringLiteral("gpt-4o-mini"));
    QCOMPARE(run->attempts, 0);
    QVERIFY(!run->error.has_value());
    QVERIFY(run->conversationId.isNull());
    QVERIFY(run->createdAt.isValid());
    QVERIFY(!run->startedAt.isValid());
    QVERIFY(!run->finishedAt.isValid());
    QVERIFY(!run->isFinished());
    // The tenant row was created on first use (the foreign key needs it).
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM tenants WHERE tenant_id = 'acme'")).valueOr(-1), 1);

    auto fetched = await(m_runs->get(QStringLiteral("acme"), run->runId));
    AGENCY_VERIFY_OK(fetched);
    QCOMPARE(fetched->runId, run->runId);
    QCOMPARE(fetched->input, run->input);
    QCOMPARE(fetched->createdAt, run->createdAt);

    auto missing = await(m_runs->get(QStringLiteral("acme"), QUuid::createUuid()));
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, ErrorCode::NotFound);

    QCOMPARE(core::parseRunId(QStringLiteral(" {") + run->runId.toString(QUuid::WithoutBraces) + u'}')
                 .valueOr(QUuid()),
             run->runId);
    auto badId = core::parseRunId(QStringLiteral("42"));
    QVERIFY(!badId);
    QCOMPARE(badId.error().details.value(QStringLiteral("field")).toString(), QStringLiteral("run_id"));
}

void TestRunRepository::createValidation()
{
    struct Case
    {
        const char *name;
        NewRun run;
        ErrorCode code;
        QString field;
    };
    NewRun badProvider = newRun(QStringLiteral("acme"));
    badProvider.provider = QStringLiteral("Open AI");
    NewRun badModel = newRun(QStringLiteral("acme"));
    badModel.model = QStringLiteral(" padded ");
    const QList<Case> cases = {
        {"empty tenant", newRun(QString()), ErrorCode::InvalidArgument, QStringLiteral("tenant_id")},
        {"bad tenant", newRun(QStringLiteral("a b")), ErrorCode::InvalidArgument,
         QStringLiteral("tenant_id")},
        {"bad flow", NewRun{QStringLiteral("acme"), QStringLiteral("Bad Flow"), QStringLiteral("x"), {}, {}},
         ErrorCode::InvalidArgument, QStringLiteral("flow_type")},
        {"empty input", newRun(QStringLiteral("acme"), QString()), ErrorCode::InvalidArgument,
         QStringLiteral("input")},
        {"blank input", newRun(QStringLiteral("acme"), QStringLiteral(" \n\t ")), ErrorCode::InvalidArgument,
         QStringLiteral("input")},
        {"huge input", newRun(QStringLiteral("acme"), QString(core::limits::kMaxContentChars + 1, u'x')),
         ErrorCode::PayloadTooLarge, QStringLiteral("input")},
        {"NUL in input", newRun(QStringLiteral("acme"), QStringLiteral("a") + QChar(0) + QStringLiteral("b")),
         ErrorCode::InvalidArgument, QStringLiteral("input")},
        {"bad provider", badProvider, ErrorCode::InvalidArgument, QStringLiteral("provider")},
        {"bad model", badModel, ErrorCode::InvalidArgument, QStringLiteral("model")},
    };
    for (const Case &c : cases) {
        auto r = await(m_runs->create(c.run));
        QVERIFY2(!r, c.name);
        QVERIFY2(r.error().code == c.code,
                 qPrintable(QString::fromLatin1(c.name) + u' ' + r.error().toString()));
        QCOMPARE(r.error().details.value(QStringLiteral("field")).toString(), c.field);
    }
    // Nothing reached the table, and the largest allowed input is accepted.
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM runs")).valueOr(-1), 0);
    AGENCY_VERIFY_OK(
        await(m_runs->create(newRun(QStringLiteral("acme"), QString(core::limits::kMaxContentChars, u'y')))));
}

void TestRunRepository::tenantIsolation()
{
    AGENCY_ASSIGN_OK(mine, created(newRun(QStringLiteral("acme"))));
    QVERIFY(!mine.runId.isNull());

    auto get = await(m_runs->get(QStringLiteral("globex"), mine.runId));
    QVERIFY(!get);
    QCOMPARE(get.error().code, ErrorCode::NotFound);

    auto cancel = await(m_runs->cancel(QStringLiteral("globex"), mine.runId));
    QVERIFY(!cancel);
    QCOMPARE(cancel.error().code, ErrorCode::NotFound);
    // The other tenant's cancel changed nothing.
    auto still = await(m_runs->get(QStringLiteral("acme"), mine.runId));
    AGENCY_VERIFY_OK(still);
    QCOMPARE(still->status, RunStatus::Queued);
    QVERIFY(!still->cancelRequested);

    db::RunQuery query;
    query.tenantId = QStringLiteral("globex");
    auto page = await(m_runs->list(query));
    AGENCY_VERIFY_OK(page);
    QVERIFY(page->items.isEmpty());

    // Deleting a tenant deletes its runs.
    AGENCY_VERIFY_OK(exec(QStringLiteral("DELETE FROM tenants WHERE tenant_id = 'acme'")));
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM runs")).valueOr(-1), 0);
}

void TestRunRepository::cancelQueuedRunningFinished()
{
    const QString acme = QStringLiteral("acme");
    // Queued: cancelled at once, never claimable.
    AGENCY_ASSIGN_OK(queued, created(newRun(acme, QStringLiteral("first"))));
    auto cancelled = await(m_runs->cancel(acme, queued.runId));
    AGENCY_VERIFY_OK(cancelled);
    QCOMPARE(cancelled->status, RunStatus::Cancelled);
    QVERIFY(cancelled->finishedAt.isValid());
    QVERIFY(cancelled->error.has_value());
    QCOMPARE(cancelled->error->code, ErrorCode::Cancelled);
    auto claimed = await(m_queue->claim(QStringLiteral("w1"), 5));
    AGENCY_VERIFY_OK(claimed);
    QVERIFY(claimed->isEmpty());

    // Cancelling a finished run is a conflict naming its status.
    auto again = await(m_runs->cancel(acme, queued.runId));
    QVERIFY(!again);
    QCOMPARE(again.error().code, ErrorCode::Conflict);
    QCOMPARE(again.error().details.value(QStringLiteral("status")).toString(), QStringLiteral("cancelled"));

    // Running: only a request; the run stays running until its worker acts. Asking twice is fine.
    AGENCY_ASSIGN_OK(running, created(newRun(acme, QStringLiteral("second"))));
    claimed = await(m_queue->claim(QStringLiteral("w1"), 5));
    AGENCY_VERIFY_OK(claimed);
    QCOMPARE(claimed->size(), 1);
    auto requested = await(m_runs->cancel(acme, running.runId));
    AGENCY_VERIFY_OK(requested);
    QCOMPARE(requested->status, RunStatus::Running);
    QVERIFY(requested->cancelRequested);
    QVERIFY(!requested->finishedAt.isValid());
    auto twice = await(m_runs->cancel(acme, running.runId));
    AGENCY_VERIFY_OK(twice);
    QCOMPARE(twice->status, RunStatus::Running);

    auto marked = await(m_queue->markCancelled(leaseOf(claimed->first())));
    AGENCY_VERIFY_OK(marked);
    QCOMPARE(marked->status, RunStatus::Cancelled);
    QCOMPARE(marked->error->code, ErrorCode::Cancelled);

    // Completed: conflict.
    AGENCY_ASSIGN_OK(done, created(newRun(acme, QStringLiteral("third"))));
    claimed = await(m_queue->claim(QStringLiteral("w1"), 1));
    AGENCY_VERIFY_OK(claimed);
    QCOMPARE(claimed->first().runId, done.runId);
    AGENCY_VERIFY_OK(await(m_queue->complete(
        leaseOf(claimed->first()),
        db::RunOutput{QStringLiteral("ok"), {}, QStringLiteral("demo"), QStringLiteral("m"), {}})));
    auto late = await(m_runs->cancel(acme, done.runId));
    QVERIFY(!late);
    QCOMPARE(late.error().code, ErrorCode::Conflict);
    QCOMPARE(late.error().details.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
}

void TestRunRepository::listNewestFirstWithCursorAndStatus()
{
    QList<QUuid> ids;
    for (int i = 0; i < 7; ++i) {
        AGENCY_ASSIGN_OK(run, created(newRun(QStringLiteral("acme"), QStringLiteral("run %1").arg(i))));
        ids.prepend(run.runId);
    }
    // Another tenant's run in the same second: the pages below must not show it.
    AGENCY_ASSIGN_OK(foreign, created(newRun(QStringLiteral("globex"))));
    // Same timestamp for all: the id breaks ties.
    AGENCY_VERIFY_OK(exec(QStringLiteral("UPDATE runs SET created_at = '2024-01-01T00:00:00Z'")));
    QVERIFY(await(m_runs->cancel(QStringLiteral("acme"), ids.at(2))).ok());

    db::RunQuery query;
    query.tenantId = QStringLiteral("acme");
    query.limit = 3;
    QList<QUuid> seen;
    for (int page = 0; page < 5; ++page) {
        auto result = await(m_runs->list(query));
        AGENCY_VERIFY_OK(result);
        for (const Run &r : result->items)
            seen.append(r.runId);
        if (result->nextCursor.isEmpty())
            break;
        query.cursor = result->nextCursor;
    }
    QCOMPARE(seen, ids);
    db::RunQuery theirs;
    theirs.tenantId = QStringLiteral("globex");
    theirs.limit = 50;
    AGENCY_ASSIGN_OK(theirPage, await(m_runs->list(theirs)));
    QCOMPARE(theirPage.items.size(), 1);
    QCOMPARE(theirPage.items.first().runId, foreign.runId);

    query.cursor.clear();
    query.limit = 50;
    query.status = RunStatus::Cancelled;
    auto cancelledOnly = await(m_runs->list(query));
    AGENCY_VERIFY_OK(cancelledOnly);
    QCOMPARE(cancelledOnly->items.size(), 1);
    QCOMPARE(cancelledOnly->items.first().runId, ids.at(2));

    query.limit = 0;
    QCOMPARE(await(m_runs->list(query)).error().code, ErrorCode::InvalidArgument);
    query.limit = 10;
    query.cursor = QStringLiteral("not-a-cursor");
    QCOMPARE(await(m_runs->list(query)).error().code, ErrorCode::InvalidArgument);
}

void TestRunRepository::claimOldestFirstAndMarksRunning()
{
    AGENCY_ASSIGN_OK(a, created(newRun(QStringLiteral("acme"), QStringLiteral("a"))));
    AGENCY_ASSIGN_OK(b, created(newRun(QStringLiteral("globex"), QStringLiteral("b"))));
    AGENCY_ASSIGN_OK(c, created(newRun(QStringLiteral("acme"), QStringLiteral("c"))));

    auto first = await(m_queue->claim(QStringLiteral("worker-1"), 2));
    AGENCY_VERIFY_OK(first);
    QCOMPARE(first->size(), 2);
    QCOMPARE(first->at(0).runId, a.runId);
    QCOMPARE(first->at(1).runId, b.runId);
    for (const Run &r : first.value()) {
        QCOMPARE(r.status, RunStatus::Running);
        QCOMPARE(r.workerId, QStringLiteral("worker-1"));
        QCOMPARE(r.attempts, 1);
        QVERIFY(r.startedAt.isValid());
        QVERIFY(r.heartbeatAt.isValid());
    }
    auto second = await(m_queue->claim(QStringLiteral("worker-2"), 5));
    AGENCY_VERIFY_OK(second);
    QCOMPARE(second->size(), 1);
    QCOMPARE(second->first().runId, c.runId);
    auto none = await(m_queue->claim(QStringLiteral("worker-2"), 5));
    AGENCY_VERIFY_OK(none);
    QVERIFY(none->isEmpty());

    QCOMPARE(await(m_queue->claim(QString(), 1)).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(await(m_queue->claim(QStringLiteral("w"), 0)).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(await(m_queue->claim(QStringLiteral("w"), RunQueue::kMaxClaim + 1)).error().code,
             ErrorCode::InvalidArgument);
}

void TestRunRepository::twoExecutorsNeverClaimTheSameRun()
{
    // Two "processes": separate executors, each with several connections, claiming concurrently.
    constexpr int kRuns = 200;
    AGENCY_VERIFY_OK(exec(QStringLiteral("INSERT INTO tenants (tenant_id) VALUES ('acme')")));
    AGENCY_VERIFY_OK(exec(
        QStringLiteral(
            "INSERT INTO runs (run_id, tenant_id, flow_type, input) "
            "SELECT gen_random_uuid(), 'acme', 'consulting', 'input ' || g FROM generate_series(1, %1) g")
            .arg(kRuns)));
    sql::DbExecutor otherDb(m_params, 4);
    RunQueue other(otherDb);

    QHash<qint64, QString> owner;
    int duplicates = 0;
    int emptyClaims = 0;
    // Keep 8 claims in flight per side until both see an empty queue.
    QList<std::pair<RunQueue *, QString>> sides = {{m_queue.get(), QStringLiteral("A")},
                                                   {&other, QStringLiteral("B")}};
    QList<std::pair<core::Async<QList<Run>>, QString>> inFlight;
    for (int i = 0; i < 8; ++i) {
        for (auto &[repo, name] : sides)
            inFlight.append({repo->claim(name, 1 + i % 3), name});
    }
    while (!inFlight.isEmpty()) {
        auto [future, name] = inFlight.takeFirst();
        auto claimed = await(future);
        AGENCY_VERIFY_OK(claimed);
        for (const Run &r : claimed.value()) {
            if (owner.contains(r.id))
                ++duplicates;
            owner.insert(r.id, name);
            QCOMPARE(r.workerId, name);
        }
        if (claimed->isEmpty()) {
            ++emptyClaims;
            continue;
        }
        RunQueue *repo = name == QLatin1String("A") ? m_queue.get() : &other;
        inFlight.append({repo->claim(name, 1 + static_cast<int>(owner.size()) % 3), name});
    }
    QCOMPARE(duplicates, 0);
    QCOMPARE(owner.size(), kRuns);
    QVERIFY(emptyClaims > 0);
    QVERIFY(owner.values().contains(QStringLiteral("A")));
    QVERIFY(owner.values().contains(QStringLiteral("B")));
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM runs WHERE status = 'running' AND attempts = 1"))
                 .valueOr(-1),
             kRuns);
}

void TestRunRepository::leasesGuardEveryWrite()
{
    AGENCY_ASSIGN_OK(queued, created(newRun(QStringLiteral("acme"))));
    auto claimed = await(m_queue->claim(QStringLiteral("w1"), 1));
    AGENCY_VERIFY_OK(claimed);
    QCOMPARE(claimed->size(), 1);
    const RunLease lease = leaseOf(claimed->first());
    QCOMPARE(lease.runId, queued.runId);

    // Another worker, or a stale attempt of this one, cannot finish it.
    RunLease stranger = lease;
    stranger.workerId = QStringLiteral("w2");
    auto denied = await(m_queue->complete(stranger, db::RunOutput{QStringLiteral("x"), {}, {}, {}, {}}));
    QVERIFY(!denied);
    QCOMPARE(denied.error().code, ErrorCode::Conflict);
    RunLease staleAttempt = lease;
    staleAttempt.attempt = 7;
    QCOMPARE(await(m_queue->fail(staleAttempt, core::makeError(ErrorCode::Internal, QStringLiteral("x"))))
                 .error()
                 .code,
             ErrorCode::Conflict);
    QCOMPARE(await(m_queue->fail(RunLease{}, core::makeError(ErrorCode::Internal, QStringLiteral("x"))))
                 .error()
                 .code,
             ErrorCode::InvalidArgument);

    // The holder can, once.
    const core::Error error = core::makeError(ErrorCode::ProviderUnavailable, QStringLiteral("upstream 503"),
                                              {{QStringLiteral("status"), 503}});
    auto failed = await(m_queue->fail(lease, error));
    AGENCY_VERIFY_OK(failed);
    QCOMPARE(failed->status, RunStatus::Failed);
    QVERIFY(failed->error.has_value());
    QCOMPARE(failed->error->code, ErrorCode::ProviderUnavailable);
    QCOMPARE(failed->error->message, QStringLiteral("upstream 503"));
    QCOMPARE(failed->error->details.value(QStringLiteral("status")).toInt(), 503);
    QVERIFY(failed->finishedAt.isValid());
    QCOMPARE(await(m_queue->complete(lease, db::RunOutput{QStringLiteral("x"), {}, {}, {}, {}})).error().code,
             ErrorCode::Conflict);
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM runs WHERE status = 'failed' AND output IS NULL"))
                 .valueOr(-1),
             1);
    // Stored as {code, message, details}.
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM runs WHERE error->>'code' = 'provider_unavailable' "
                                   "AND error->>'message' = 'upstream 503'"))
                 .valueOr(-1),
             1);
}

void TestRunRepository::heartbeatAndCheckReportCancelAndLoss()
{
    AGENCY_VERIFY_OK(created(newRun(QStringLiteral("acme"), QStringLiteral("one"))));
    AGENCY_VERIFY_OK(created(newRun(QStringLiteral("acme"), QStringLiteral("two"))));
    AGENCY_VERIFY_OK(created(newRun(QStringLiteral("acme"), QStringLiteral("three"))));
    auto claimed = await(m_queue->claim(QStringLiteral("w1"), 3));
    AGENCY_VERIFY_OK(claimed);
    QCOMPARE(claimed->size(), 3);
    QList<RunLease> leases;
    for (const Run &r : claimed.value())
        leases.append(leaseOf(r));

    AGENCY_VERIFY_OK(exec(QStringLiteral("UPDATE runs SET heartbeat_at = now() - interval '1 hour'")));
    AGENCY_VERIFY_OK(await(m_runs->cancel(QStringLiteral("acme"), leases.at(1).runId)));
    // The third was taken over elsewhere.
    AGENCY_VERIFY_OK(
        exec(QStringLiteral("UPDATE runs SET worker_id = 'w9' WHERE id = %1").arg(leases.at(2).id)));

    auto checked = await(m_queue->check(leases));
    AGENCY_VERIFY_OK(checked);
    QCOMPARE(checked->size(), 3);
    QCOMPARE(checked->at(0).kind, LeaseState::Kind::Held);
    QCOMPARE(checked->at(1).kind, LeaseState::Kind::CancelRequested);
    QCOMPARE(checked->at(2).kind, LeaseState::Kind::Lost);
    // check() is read-only ...
    QCOMPARE(
        scalar(QStringLiteral("SELECT count(*) FROM runs WHERE heartbeat_at > now() - interval '1 minute'"))
            .valueOr(-1),
        0);
    // ... heartbeat() renews the leases still held, and only those.
    auto beat = await(m_queue->heartbeat(leases));
    AGENCY_VERIFY_OK(beat);
    QCOMPARE(beat->at(0).kind, LeaseState::Kind::Held);
    QCOMPARE(beat->at(1).kind, LeaseState::Kind::CancelRequested);
    QCOMPARE(beat->at(2).kind, LeaseState::Kind::Lost);
    QCOMPARE(
        scalar(QStringLiteral("SELECT count(*) FROM runs WHERE heartbeat_at > now() - interval '1 minute'"))
            .valueOr(-1),
        2);

    auto empty = await(m_queue->heartbeat({}));
    AGENCY_VERIFY_OK(empty);
    QVERIFY(empty->isEmpty());
    RunLease mixed = leases.at(0);
    mixed.workerId = QStringLiteral("w2");
    QCOMPARE(await(m_queue->check({leases.at(0), mixed})).error().code, ErrorCode::InvalidArgument);
}

void TestRunRepository::releaseRequeuesWithoutCountingTheAttempt()
{
    AGENCY_ASSIGN_OK(plain, created(newRun(QStringLiteral("acme"), QStringLiteral("plain"))));
    AGENCY_ASSIGN_OK(toCancel, created(newRun(QStringLiteral("acme"), QStringLiteral("cancel me"))));
    auto claimed = await(m_queue->claim(QStringLiteral("w1"), 2));
    AGENCY_VERIFY_OK(claimed);
    QCOMPARE(claimed->size(), 2);
    AGENCY_VERIFY_OK(await(m_runs->cancel(QStringLiteral("acme"), toCancel.runId)));

    auto released = await(m_queue->release({leaseOf(claimed->at(0)), leaseOf(claimed->at(1))}));
    AGENCY_VERIFY_OK(released);
    QCOMPARE(released.value(), 2);

    auto back = await(m_runs->get(QStringLiteral("acme"), plain.runId));
    AGENCY_VERIFY_OK(back);
    QCOMPARE(back->status, RunStatus::Queued);
    QCOMPARE(back->attempts, 0);
    QVERIFY(back->workerId.isEmpty());
    QVERIFY(!back->startedAt.isValid());
    auto cancelled = await(m_runs->get(QStringLiteral("acme"), toCancel.runId));
    AGENCY_VERIFY_OK(cancelled);
    QCOMPARE(cancelled->status, RunStatus::Cancelled);
    QCOMPARE(cancelled->error->code, ErrorCode::Cancelled);

    // Releasing again is a no-op: the leases are gone.
    QCOMPARE(await(m_queue->release({leaseOf(claimed->at(0))})).valueOr(-1), 0);
}

void TestRunRepository::recoverStaleRequeuesFailsOrCancels()
{
    const QString acme = QStringLiteral("acme");
    AGENCY_ASSIGN_OK(fresh, created(newRun(acme, QStringLiteral("fresh"))));
    AGENCY_ASSIGN_OK(stale, created(newRun(acme, QStringLiteral("stale"))));
    AGENCY_ASSIGN_OK(exhausted, created(newRun(acme, QStringLiteral("exhausted"))));
    AGENCY_ASSIGN_OK(cancelMe, created(newRun(acme, QStringLiteral("cancel me"))));
    AGENCY_ASSIGN_OK(queued, created(newRun(acme, QStringLiteral("queued"))));
    // Left running by dead workers; `fresh` has a live heartbeat.
    AGENCY_VERIFY_OK(exec(QStringLiteral(
        "UPDATE runs SET status = 'running', worker_id = 'dead-host:4242:0badf00d', started_at = now() - "
        "interval "
        "'2 hours', heartbeat_at = now() - interval '1 hour', attempts = 1 WHERE input <> 'queued'")));
    AGENCY_VERIFY_OK(exec(QStringLiteral("UPDATE runs SET heartbeat_at = now(), worker_id = 'alive' "
                                         "WHERE input = 'fresh'")));
    AGENCY_VERIFY_OK(exec(QStringLiteral("UPDATE runs SET attempts = 3 WHERE input = 'exhausted'")));
    AGENCY_VERIFY_OK(
        exec(QStringLiteral("UPDATE runs SET cancel_requested_at = now() WHERE input = 'cancel me'")));

    QCOMPARE(await(m_queue->recoverStale(0, 3)).error().code, ErrorCode::InvalidArgument);
    auto recovered = await(m_queue->recoverStale(60, 3));
    AGENCY_VERIFY_OK(recovered);
    QCOMPARE(recovered->size(), 3);

    auto get = [&](const Run &r) { return await(m_runs->get(acme, r.runId)); };
    AGENCY_ASSIGN_OK(freshNow, get(fresh));
    QCOMPARE(freshNow.status, RunStatus::Running);
    QCOMPARE(freshNow.workerId, QStringLiteral("alive"));
    AGENCY_ASSIGN_OK(queuedNow, get(queued));
    QCOMPARE(queuedNow.status, RunStatus::Queued);
    QCOMPARE(queuedNow.attempts, 0);

    AGENCY_ASSIGN_OK(requeued, get(stale));
    QCOMPARE(requeued.status, RunStatus::Queued);
    QCOMPARE(requeued.attempts, 1);
    QVERIFY(requeued.workerId.isEmpty());
    QVERIFY(!requeued.heartbeatAt.isValid());
    QVERIFY(!requeued.error.has_value());

    AGENCY_ASSIGN_OK(failed, get(exhausted));
    QCOMPARE(failed.status, RunStatus::Failed);
    QVERIFY(failed.finishedAt.isValid());
    QVERIFY(failed.error.has_value());
    QCOMPARE(failed.error->code, ErrorCode::Internal);
    QCOMPARE(failed.error->details.value(QStringLiteral("reason")).toString(), QStringLiteral("abandoned"));
    QCOMPARE(failed.error->details.value(QStringLiteral("attempts")).toInt(), 3);
    QVERIFY2(failed.error->message.contains(QStringLiteral("abandoned after 3 attempts")),
             qPrintable(failed.error->message));
    QVERIFY(failed.error->message.contains(QStringLiteral("dead-host:4242:0badf00d")));

    AGENCY_ASSIGN_OK(cancelled, get(cancelMe));
    QCOMPARE(cancelled.status, RunStatus::Cancelled);
    QCOMPARE(cancelled.error->code, ErrorCode::Cancelled);

    // Two recoverers at once (two executors) act on each stale run exactly once.
    AGENCY_VERIFY_OK(exec(QStringLiteral("UPDATE runs SET status = 'running', worker_id = 'dead', "
                                         "heartbeat_at = now() - interval '1 hour' WHERE input = 'stale'")));
    sql::DbExecutor otherDb(m_params, 2);
    RunQueue other(otherDb);
    auto f1 = m_queue->recoverStale(60, 3);
    auto f2 = other.recoverStale(60, 3);
    auto r1 = await(f1);
    auto r2 = await(f2);
    AGENCY_VERIFY_OK(r1);
    AGENCY_VERIFY_OK(r2);
    QCOMPARE(r1->size() + r2->size(), 1);
    AGENCY_ASSIGN_OK(staleAgain, get(stale));
    QCOMPARE(staleAgain.status, RunStatus::Queued);
}

void TestRunRepository::completedConversationDeletedKeepsRun()
{
    AGENCY_VERIFY_OK(exec(QStringLiteral("INSERT INTO tenants (tenant_id) VALUES ('acme')")));
    const QUuid conversation = QUuid::createUuid();
    AGENCY_VERIFY_OK(exec(QStringLiteral("INSERT INTO conversations (conversation_id, tenant_id, flow_type) "
                                         "VALUES ('%1', 'acme', 'consulting')")
                              .arg(conversation.toString(QUuid::WithoutBraces))));
    AGENCY_ASSIGN_OK(run, created(newRun(QStringLiteral("acme"))));
    auto claimed = await(m_queue->claim(QStringLiteral("w1"), 1));
    AGENCY_VERIFY_OK(claimed);
    auto done = await(
        m_queue->complete(leaseOf(claimed->first()),
                          db::RunOutput{QStringLiteral("the answer"), conversation, QStringLiteral("openai"),
                                        QStringLiteral("gpt-x"), core::Usage{10, 5, 15}}));
    AGENCY_VERIFY_OK(done);
    QCOMPARE(done->status, RunStatus::Completed);
    QCOMPARE(done->output, QStringLiteral("the answer"));
    QCOMPARE(done->conversationId, conversation);
    QCOMPARE(done->provider, QStringLiteral("openai"));
    QCOMPARE(done->model, QStringLiteral("gpt-x"));
    QCOMPARE(done->usage, (core::Usage{10, 5, 15}));

    AGENCY_VERIFY_OK(exec(QStringLiteral("DELETE FROM conversations")));
    auto after = await(m_runs->get(QStringLiteral("acme"), run.runId));
    AGENCY_VERIFY_OK(after);
    QVERIFY(after->conversationId.isNull());
    QCOMPARE(after->output, QStringLiteral("the answer"));
}

QTEST_GUILESS_MAIN(TestRunRepository)
#include "test_runrepository.moc"

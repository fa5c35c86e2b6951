// The run worker pool end to end: real PostgreSQL, the real turn engine, an OpenAI-compatible fake
// server answering on loopback. Runs complete with output and a stored conversation, fail with the
// provider's error, are executed exactly once by two workers on separate executors, are recovered
// after a crash, and are cancelled while queued or running; stop() puts running runs back.

#include "db/conversationrepository.h"
#include "db/runqueue.h"
#include "db/runrepository.h"
#include "fakeopenai.h"
#include "flows/flowregistry.h"
#include "flows/runworker.h"
#include "flows/turnengine.h"
#include "runtime/backend.h"
#include "runtime/runtimeconfig.h"
#include "service/agencyservice.h"
#include "sql/dbexecutor.h"
#include "testdatabase.h"
#include "writetool.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::Run;
using core::RunStatus;
using flows::RunWorker;
using flows::RunWorkerOptions;
using test::await;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kFlow = QStringLiteral("summarize");
const QString kNotesFlow = QStringLiteral("notes"); ///< its tool post_note waits for approval

/// The last user message of a chat request.
QString userInput(const test::RecordedRequest &request)
{
    const QJsonArray messages = request.json().value(QStringLiteral("messages")).toArray();
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonObject m = messages.at(i).toObject();
        if (m.value(QStringLiteral("role")).toString() == QLatin1String("user"))
            return m.value(QStringLiteral("content")).toString();
    }
    return {};
}

/// Answers by input: "fail…" → 400 from the provider; "slow…" → a stream of 60 pieces 250 ms
/// apart (15 s); anything else → "echo: <input>" streamed in two pieces.
test::FakeResponse answer(const test::RecordedRequest &request)
{
    const QString input = userInput(request);
    if (input.startsWith(QLatin1String("fail")))
        return test::openai::errorReply(400, QStringLiteral("The model `nope` does not exist"));
    if (input.startsWith(QLatin1String("slow")))
        return test::openai::streamReply(QStringList(60, QStringLiteral("tick ")), {}, core::Usage{12, 7, 19},
                                         250);
    return test::openai::streamReply({QStringLiteral("echo: "), input});
}

/// One process's backend: its own executor and the program's backend from the composition root on
/// it (provider on the fake server, the one test flow), plus run workers made on demand with the
/// options a test needs. Members are destroyed in reverse order.
struct Stack
{
    Stack(const sql::ConnectionParams &params, const QString &baseUrl)
        : executor(std::make_unique<sql::DbExecutor>(params, 4))
    {
        auto config =
            runtime::RuntimeConfig::fromValues({{QStringLiteral("LLM_PROVIDER"), QStringLiteral("openai")},
                                                {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-test")},
                                                {QStringLiteral("OPENAI_BASE_URL"), baseUrl},
                                                {QStringLiteral("OPENAI_MODEL"), QStringLiteral("gpt-fake")},
                                                {QStringLiteral("LLM_MAX_ATTEMPTS"), QStringLiteral("1")}});
        if (!config)
            qFatal("config: %s", qPrintable(config.error().toString()));
        core::FlowDefinition flow;
        flow.flowType = kFlow;
        flow.title = QStringLiteral("Summarize");
        flow.systemPrompt = QStringLiteral("Summarise what the user sends.");
        core::FlowDefinition notes;
        notes.flowType = kNotesFlow;
        notes.title = QStringLiteral("Notes");
        notes.systemPrompt = QStringLiteral("Post what the user asks for.");
        notes.tools = {QStringLiteral("post_note")};
        notes.answerCollection = QStringLiteral("reports");
        runtime::Injected injected;
        injected.executor = executor.get();
        injected.flowDirectories = QStringList{};
        injected.extraFlows = {flow, notes};
        injected.extraTools = {noteTool};
        auto built = runtime::Backend::create(config.value(), injected);
        if (!built)
            qFatal("backend: %s", qPrintable(built.error().toString()));
        backend = std::move(built).value();
        // Repositories and queues hold no state: these see what the backend's own see.
        ownConversations = std::make_unique<db::ConversationRepository>(*executor);
        ownRuns = std::make_unique<db::RunRepository>(*executor);
        ownQueue = std::make_unique<db::RunQueue>(*executor);
        conversations = ownConversations.get();
        runs = ownRuns.get();
        queue = ownQueue.get();
        engine = &backend->engine();
    }

    ~Stack()
    {
        service.reset();
        workers.clear();
        backend.reset();
    }

    QList<RunWorker *> workersList() const
    {
        QList<RunWorker *> list;
        for (const auto &w : workers)
            list.append(w.get());
        return list;
    }

    RunWorker *addWorker(RunWorkerOptions options)
    {
        workers.push_back(std::make_unique<RunWorker>(*queue, *engine, std::move(options)));
        return workers.back().get();
    }

    /// The backend's service, notifying `worker` (or no worker) of run changes instead of its own.
    service::AgencyService &makeService(RunWorker *worker)
    {
        service::ServiceDependencies deps = backend->serviceDependencies();
        deps.runWorker = worker;
        service = std::make_unique<service::AgencyService>(deps);
        return *service;
    }

    std::unique_ptr<sql::DbExecutor> executor;
    std::shared_ptr<test::RecordingWriteTool> noteTool = std::make_shared<test::RecordingWriteTool>();
    std::unique_ptr<runtime::Backend> backend;
    std::unique_ptr<db::ConversationRepository> ownConversations;
    std::unique_ptr<db::RunRepository> ownRuns;
    std::unique_ptr<db::RunQueue> ownQueue;
    db::ConversationRepository *conversations = nullptr;
    db::RunRepository *runs = nullptr;
    db::RunQueue *queue = nullptr;
    flows::TurnEngine *engine = nullptr;
    std::vector<std::unique_ptr<RunWorker>> workers;
    std::unique_ptr<service::AgencyService> service;
};

RunWorkerOptions fastOptions(const QString &id, int slots = 2)
{
    RunWorkerOptions options;
    options.slots = slots;
    options.pollMs = 25;
    options.leaseSeconds = 60;
    options.maxAttempts = 3;
    options.workerId = id;
    return options;
}

} // namespace

class TestRunWorker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void optionsFromSettings();
    void runCompletesWithOutputAndConversation();
    void failingProviderFailsTheRun();
    void serviceValidatesAndScopes();
    void twoWorkersExecuteEachRunExactlyOnce();
    void staleRunRecoveredAtStartThenCompleted();
    void staleRunFailedAfterMaxAttempts();
    void cancelQueuedRun();
    void cancelRunningRunThroughService();
    void cancelRunningRunFromAnotherProcess();
    void lostLeaseStopsTheTurnWithoutWriting();
    void stopRequeuesRunningRuns();
    void noSlotsNeverClaims();
    void runsOfSeveralTenantsAtOnce();
    void runPausedForApprovalIsNoAnswer();

private:
    core::Status exec(const QString &sql);
    core::Result<Run> fetch(const QUuid &runId, const QString &tenant = kTenant);
    core::Result<QUuid> drainQueue(RunWorker *worker);

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
    std::unique_ptr<test::FakeOpenAiServer> m_server;
    std::unique_ptr<Stack> m_stack;
};

void TestRunWorker::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
}

void TestRunWorker::init()
{
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    m_server = std::make_unique<test::FakeOpenAiServer>();
    QVERIFY(m_server->listen());
    m_server->setHandler(answer);
    m_stack = std::make_unique<Stack>(m_params, m_server->baseUrl());
}

void TestRunWorker::cleanup()
{
    // Let cancelled turns wind down before their engine goes (a turn must not be destroyed with
    // a database call in flight).
    for (RunWorker *worker : m_stack->workersList())
        worker->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_stack->engine->activeTurns(), 0, 15000);
    m_stack.reset();
    m_server.reset();
}

core::Status TestRunWorker::exec(const QString &sql)
{
    return test::exec(*m_stack->executor, sql);
}

core::Result<Run> TestRunWorker::fetch(const QUuid &runId, const QString &tenant)
{
    return await(m_stack->runs->get(tenant, runId));
}

core::Result<QUuid> TestRunWorker::drainQueue(RunWorker *worker)
{
    // Runs are claimed oldest first: once a run queued now has been executed, every run that was
    // claimable before it has been claimed (runStarted emitted). What has not started by then
    // never will, without waiting a guessed time for it.
    auto sentinel =
        await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("sentinel"), {}, {}}));
    if (!sentinel)
        return sentinel.error();
    worker->wake();
    const QUuid id = sentinel->runId;
    bool done = false;
    QMetaObject::Connection watch =
        connect(worker, &RunWorker::runFinished, this,
                [&done, id](const QUuid &runId, const QString &) { done = done || runId == id; });
    const bool finished = QTest::qWaitFor([&done] { return done; }, 20000);
    disconnect(watch);
    if (!finished)
        return core::makeError(ErrorCode::Internal, QStringLiteral("the sentinel run never finished"));
    return id;
}

namespace {

/// The run ids of a QSignalSpy on runStarted or runFinished, in signal order.
QList<QUuid> runIds(const QSignalSpy &spy)
{
    QList<QUuid> ids;
    for (const QList<QVariant> &arguments : spy)
        ids.append(arguments.at(0).toUuid());
    return ids;
}

} // namespace

void TestRunWorker::optionsFromSettings()
{
    auto defaults = runtime::RuntimeConfig::fromValues({});
    AGENCY_VERIFY_OK(defaults);
    QCOMPARE(defaults->runs.slots, 2);
    QCOMPARE(defaults->runs.pollMs, 1000);
    QCOMPARE(defaults->runs.leaseSeconds, 60);
    QCOMPARE(defaults->runs.maxAttempts, 3);

    auto custom = runtime::RuntimeConfig::fromValues({{QStringLiteral("RUN_WORKERS"), QStringLiteral("0")},
                                                      {QStringLiteral("RUN_LEASE_S"), QStringLiteral("5")}});
    AGENCY_VERIFY_OK(custom);
    QCOMPARE(custom->runs.slots, 0);
    QCOMPARE(custom->runs.leaseSeconds, 5);

    auto bad = runtime::RuntimeConfig::fromValues({{QStringLiteral("RUN_LEASE_S"), QStringLiteral("1")}});
    QVERIFY(!bad);
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
    QVERIFY(bad.error().message.contains(QStringLiteral("RUN_LEASE_S")));
    QVERIFY(!runtime::RuntimeConfig::fromValues({{QStringLiteral("RUN_WORKERS"), QStringLiteral("many")}}));

    // Worker ids are unique per instance.
    RunWorker a(*m_stack->queue, *m_stack->engine, RunWorkerOptions{});
    RunWorker b(*m_stack->queue, *m_stack->engine, RunWorkerOptions{});
    QVERIFY(!a.workerId().isEmpty());
    QVERIFY(a.workerId() != b.workerId());
}

void TestRunWorker::runCompletesWithOutputAndConversation()
{
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w1")));
    auto &service = m_stack->makeService(worker);
    QSignalSpy started(worker, &RunWorker::runStarted);
    QSignalSpy finished(worker, &RunWorker::runFinished);
    worker->start();

    auto created = await(service.createRun(kTenant, kFlow, QStringLiteral("Q3 revenue grew 12%")));
    AGENCY_VERIFY_OK(created);
    QCOMPARE(created->status, RunStatus::Queued);

    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("completed"));

    auto run = await(service.getRun(kTenant, created->runId.toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(run);
    QCOMPARE(run->status, RunStatus::Completed);
    QCOMPARE(run->output, QStringLiteral("echo: Q3 revenue grew 12%"));
    QCOMPARE(run->attempts, 1);
    QCOMPARE(run->workerId, QStringLiteral("w1"));
    QCOMPARE(run->provider, QStringLiteral("openai"));
    QVERIFY(!run->model.isEmpty());
    QCOMPARE(run->usage.totalTokens, 19);
    QVERIFY(!run->error.has_value());
    QVERIFY(run->startedAt.isValid() && run->finishedAt.isValid());
    QVERIFY(run->startedAt <= run->finishedAt);

    // The turn was stored like a chat: a conversation of the run's flow with both messages.
    QVERIFY(!run->conversationId.isNull());
    auto conversation = await(m_stack->conversations->getConversation(kTenant, run->conversationId));
    AGENCY_VERIFY_OK(conversation);
    QCOMPARE(conversation->flowType, kFlow);
    auto history = await(m_stack->conversations->history(kTenant, run->conversationId));
    AGENCY_VERIFY_OK(history);
    QCOMPARE(history->size(), 2);
    QCOMPARE(history->at(0).role, core::Role::User);
    QCOMPARE(history->at(0).content, QStringLiteral("Q3 revenue grew 12%"));
    QCOMPARE(history->at(1).role, core::Role::Assistant);
    QCOMPARE(history->at(1).content, run->output);
    // The flow's system prompt was sent.
    const auto requests = m_server->chatRequests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first()
                 .json()[QStringLiteral("messages")]
                 .toArray()
                 .first()[QStringLiteral("role")]
                 .toString(),
             QStringLiteral("system"));

    auto listed = await(service.listRuns(kTenant, QStringLiteral("completed")));
    AGENCY_VERIFY_OK(listed);
    QCOMPARE(listed->items.size(), 1);
    QCOMPARE(await(service.listRuns(kTenant, QStringLiteral("done"))).error().code,
             ErrorCode::InvalidArgument);

    // The completed run is never claimed again.
    QCOMPARE(worker->activeRuns(), 0);
    AGENCY_ASSIGN_OK(sentinel, drainQueue(worker));
    QCOMPARE(runIds(started), (QList<QUuid>{created->runId, sentinel}));
    QCOMPARE(m_server->chatRequests().size(), 2);
}

void TestRunWorker::failingProviderFailsTheRun()
{
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w1")));
    auto &service = m_stack->makeService(worker);
    QSignalSpy finished(worker, &RunWorker::runFinished);
    worker->start();

    auto created = await(service.createRun(kTenant, kFlow, QStringLiteral("fail please")));
    AGENCY_VERIFY_OK(created);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("failed"));

    AGENCY_ASSIGN_OK(run, fetch(created->runId));
    QCOMPARE(run.status, RunStatus::Failed);
    QVERIFY(run.output.isEmpty());
    QVERIFY(run.error.has_value());
    QCOMPARE(run.error->code, ErrorCode::ProviderBadRequest);
    QVERIFY2(run.error->message.contains(QStringLiteral("does not exist")), qPrintable(run.error->message));
    QVERIFY(run.finishedAt.isValid());
    // The user message was kept and the run points at its conversation.
    QVERIFY(!run.conversationId.isNull());
    auto history = await(m_stack->conversations->history(kTenant, run.conversationId));
    AGENCY_VERIFY_OK(history);
    QCOMPARE(history->size(), 1);
    QCOMPARE(history->first().content, QStringLiteral("fail please"));
    // A failed run is not retried.
    AGENCY_ASSIGN_OK(sentinel, drainQueue(worker));
    QCOMPARE(runIds(finished), (QList<QUuid>{created->runId, sentinel}));
    QCOMPARE(m_server->chatRequests().size(), 2);
    AGENCY_ASSIGN_OK(after, fetch(created->runId));
    QCOMPARE(after.attempts, 1);
    QCOMPARE(after.status, RunStatus::Failed);
}

void TestRunWorker::serviceValidatesAndScopes()
{
    auto &service = m_stack->makeService(nullptr);
    auto unknownFlow = await(service.createRun(kTenant, QStringLiteral("nosuchflow"), QStringLiteral("x")));
    QVERIFY(!unknownFlow);
    QCOMPARE(unknownFlow.error().code, ErrorCode::NotFound);
    auto unknownProvider =
        await(service.createRun(kTenant, kFlow, QStringLiteral("x"), QStringLiteral("skynet")));
    QVERIFY(!unknownProvider);
    QCOMPARE(unknownProvider.error().code, ErrorCode::NotFound); // the same class as an unknown flow
    auto unconfigured =
        await(service.createRun(kTenant, kFlow, QStringLiteral("x"), QStringLiteral("mistral")));
    QVERIFY(!unconfigured);
    QCOMPARE(unconfigured.error().code, ErrorCode::NotConfigured);
    QVERIFY(unconfigured.error().message.contains(QStringLiteral("MISTRAL_API_KEY")));
    QCOMPARE(await(service.createRun(kTenant, kFlow, QString())).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(await(service.createRun(QStringLiteral("bad tenant"), kFlow, QStringLiteral("x"))).error().code,
             ErrorCode::InvalidArgument);

    auto created =
        await(service.createRun(kTenant, kFlow, QStringLiteral("hello"), QStringLiteral("openai")));
    AGENCY_VERIFY_OK(created);
    const QString id = created->runId.toString(QUuid::WithoutBraces);
    QCOMPARE(await(service.getRun(QStringLiteral("globex"), id)).error().code, ErrorCode::NotFound);
    QCOMPARE(await(service.cancelRun(QStringLiteral("globex"), id)).error().code, ErrorCode::NotFound);
    QCOMPARE(await(service.getRun(kTenant, QStringLiteral("not-a-uuid"))).error().code,
             ErrorCode::InvalidArgument);
    QCOMPARE(await(service.cancelRun(kTenant, QStringLiteral(""))).error().code, ErrorCode::InvalidArgument);
    AGENCY_ASSIGN_OK(queued, fetch(created->runId));
    QCOMPARE(queued.status, RunStatus::Queued);
    AGENCY_ASSIGN_OK(globexRuns, await(service.listRuns(QStringLiteral("globex"))));
    QCOMPARE(globexRuns.items.size(), 0);
    AGENCY_ASSIGN_OK(acmeRuns, await(service.listRuns(kTenant)));
    QCOMPARE(acmeRuns.items.size(), 1);

    // Without a runs repository the methods say so instead of crashing.
    service::ServiceDependencies bare;
    bare.flows = m_stack->backend->serviceDependencies().flows;
    service::AgencyService noRuns(bare);
    QCOMPARE(await(noRuns.getRun(kTenant, id)).error().code, ErrorCode::NotConfigured);
}

void TestRunWorker::twoWorkersExecuteEachRunExactlyOnce()
{
    // Two "processes": separate executors (connections), repositories and engines; one queue.
    constexpr int kRuns = 24;
    Stack other(m_params, m_server->baseUrl());
    RunWorker *a = m_stack->addWorker(fastOptions(QStringLiteral("worker-a"), 3));
    RunWorker *b = other.addWorker(fastOptions(QStringLiteral("worker-b"), 3));
    QHash<QUuid, int> starts;
    QHash<QUuid, QString> outcomes;
    for (RunWorker *w : {a, b}) {
        connect(w, &RunWorker::runStarted, this, [&starts](const QUuid &id) { ++starts[id]; });
        connect(w, &RunWorker::runFinished, this,
                [&outcomes](const QUuid &id, const QString &status) { outcomes.insert(id, status); });
    }
    QHash<QUuid, QString> inputs;
    for (int i = 0; i < kRuns; ++i) {
        const QString input = QStringLiteral("document %1").arg(i);
        auto created = await(m_stack->runs->create(db::NewRun{kTenant, kFlow, input, {}, {}}));
        AGENCY_VERIFY_OK(created);
        inputs.insert(created->runId, input);
    }
    a->start();
    b->start();
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.size(), kRuns, 60000);

    QCOMPARE(starts.size(), kRuns);
    for (auto it = starts.cbegin(); it != starts.cend(); ++it)
        QCOMPARE(it.value(), 1);
    QSet<QString> workersSeen;
    for (auto it = inputs.cbegin(); it != inputs.cend(); ++it) {
        QCOMPARE(outcomes.value(it.key()), QStringLiteral("completed"));
        AGENCY_ASSIGN_OK(run, fetch(it.key()));
        QCOMPARE(run.status, RunStatus::Completed);
        QCOMPARE(run.output, QStringLiteral("echo: ") + it.value());
        QCOMPARE(run.attempts, 1);
        workersSeen.insert(run.workerId);
    }
    // Each input reached the provider exactly once.
    QHash<QString, int> calls;
    for (const auto &request : m_server->chatRequests())
        ++calls[userInput(request)];
    QCOMPARE(calls.size(), kRuns);
    for (auto it = calls.cbegin(); it != calls.cend(); ++it)
        QCOMPARE(it.value(), 1);
    QCOMPARE(workersSeen, (QSet<QString>{QStringLiteral("worker-a"), QStringLiteral("worker-b")}));

    auto stopA = a->stop();
    auto stopB = b->stop();
    QTRY_VERIFY(stopA.isFinished() && stopB.isFinished());
}

void TestRunWorker::staleRunRecoveredAtStartThenCompleted()
{
    auto created =
        await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("left behind"), {}, {}}));
    AGENCY_VERIFY_OK(created);
    // A process died while running it: running, its worker gone, the heartbeat long stale.
    AGENCY_VERIFY_OK(
        exec(QStringLiteral("UPDATE runs SET status = 'running', worker_id = 'crashed-host:999:dead', "
                            "attempts = 1, started_at = now() - interval '10 minutes', "
                            "heartbeat_at = now() - interval '5 minutes'")));
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w-new")));
    QSignalSpy recovered(worker, &RunWorker::runsRecovered);
    QSignalSpy finished(worker, &RunWorker::runFinished);
    worker->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QCOMPARE(recovered.size(), 1);
    QCOMPARE(recovered.first().at(0).toInt(), 1);

    AGENCY_ASSIGN_OK(run, fetch(created->runId));
    QCOMPARE(run.status, RunStatus::Completed);
    QCOMPARE(run.output, QStringLiteral("echo: left behind"));
    QCOMPARE(run.attempts, 2);
    QCOMPARE(run.workerId, QStringLiteral("w-new"));

    // A run with a live heartbeat is somebody else's and is left alone (inserted already running,
    // so this worker never had a chance to claim it).
    const QUuid busy = QUuid::createUuid();
    AGENCY_VERIFY_OK(
        exec(QStringLiteral("INSERT INTO runs (run_id, tenant_id, flow_type, input, status, worker_id, "
                            "attempts, started_at, heartbeat_at) VALUES ('%1', 'acme', 'summarize', "
                            "'busy elsewhere', 'running', 'alive', 1, now(), now())")
                 .arg(busy.toString(QUuid::WithoutBraces))));
    // A worker starting now (start-up recovery) leaves it alone too. It recovers before it
    // claims, so once it has executed a run queued after its start, its recovery is over.
    auto firstStopped = worker->stop();
    QTRY_VERIFY_WITH_TIMEOUT(firstStopped.isFinished(), 10000);
    RunWorker *second = m_stack->addWorker(fastOptions(QStringLiteral("w-second")));
    QSignalSpy secondRecovered(second, &RunWorker::runsRecovered);
    QSignalSpy secondStarted(second, &RunWorker::runStarted);
    second->start();
    AGENCY_ASSIGN_OK(sentinel, drainQueue(second));
    QCOMPARE(runIds(secondStarted), QList<QUuid>{sentinel});
    QCOMPARE(secondRecovered.size(), 0);
    AGENCY_ASSIGN_OK(busyRun, fetch(busy));
    QCOMPARE(busyRun.status, RunStatus::Running);
    QCOMPARE(busyRun.workerId, QStringLiteral("alive"));
    QCOMPARE(busyRun.attempts, 1);
    QCOMPARE(worker->activeRuns() + second->activeRuns(), 0);
}

void TestRunWorker::staleRunFailedAfterMaxAttempts()
{
    auto created = await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("poison"), {}, {}}));
    AGENCY_VERIFY_OK(created);
    AGENCY_VERIFY_OK(
        exec(QStringLiteral("UPDATE runs SET status = 'running', worker_id = 'crashed-host:999:dead', "
                            "attempts = 3, started_at = now(), "
                            "heartbeat_at = now() - interval '5 minutes'")));
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w-new")));
    QSignalSpy recovered(worker, &RunWorker::runsRecovered);
    QSignalSpy started(worker, &RunWorker::runStarted);
    worker->start();
    QTRY_COMPARE_WITH_TIMEOUT(recovered.size(), 1, 20000);

    AGENCY_ASSIGN_OK(run, fetch(created->runId));
    QCOMPARE(run.status, RunStatus::Failed);
    QCOMPARE(run.attempts, 3);
    QVERIFY(run.error.has_value());
    QCOMPARE(run.error->code, ErrorCode::Internal);
    QCOMPARE(run.error->details.value(QStringLiteral("reason")).toString(), QStringLiteral("abandoned"));
    QVERIFY2(run.error->message.contains(QStringLiteral("abandoned after 3 attempts")),
             qPrintable(run.error->message));
    // Not executed again.
    AGENCY_ASSIGN_OK(sentinel, drainQueue(worker));
    QCOMPARE(runIds(started), QList<QUuid>{sentinel});
    QCOMPARE(m_server->chatRequests().size(), 1);
    AGENCY_ASSIGN_OK(after, fetch(created->runId));
    QCOMPARE(after.status, RunStatus::Failed);
}

void TestRunWorker::cancelQueuedRun()
{
    auto &service = m_stack->makeService(nullptr);
    auto created = await(service.createRun(kTenant, kFlow, QStringLiteral("never mind")));
    AGENCY_VERIFY_OK(created);
    const QString id = created->runId.toString(QUuid::WithoutBraces);
    auto cancelled = await(service.cancelRun(kTenant, id));
    AGENCY_VERIFY_OK(cancelled);
    QCOMPARE(cancelled->status, RunStatus::Cancelled);
    QCOMPARE(cancelled->error->code, ErrorCode::Cancelled);

    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w1")));
    QSignalSpy started(worker, &RunWorker::runStarted);
    worker->start();
    AGENCY_ASSIGN_OK(sentinel, drainQueue(worker));
    QCOMPARE(runIds(started), QList<QUuid>{sentinel});
    QCOMPARE(m_server->chatRequests().size(), 1);
    AGENCY_ASSIGN_OK(after, fetch(created->runId));
    QCOMPARE(after.status, RunStatus::Cancelled);
    QCOMPARE(await(service.cancelRun(kTenant, id)).error().code, ErrorCode::Conflict);
}

void TestRunWorker::cancelRunningRunThroughService()
{
    // A one-minute poll: only the service's direct notifications (wake on create, cancel) can make
    // this run start and stop quickly.
    RunWorkerOptions options = fastOptions(QStringLiteral("w1"));
    options.pollMs = 60000;
    RunWorker *worker = m_stack->addWorker(options);
    auto &service = m_stack->makeService(worker);
    QSignalSpy started(worker, &RunWorker::runStarted);
    QSignalSpy finished(worker, &RunWorker::runFinished);
    worker->start();
    auto created = await(service.createRun(kTenant, kFlow, QStringLiteral("slow and long")));
    AGENCY_VERIFY_OK(created);
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 20000);
    // Wait until the provider is streaming, so the cancel interrupts a call in flight.
    QTRY_COMPARE_WITH_TIMEOUT(m_server->chatRequests().size(), 1, 20000);

    auto requested = await(service.cancelRun(kTenant, created->runId.toString()));
    AGENCY_VERIFY_OK(requested);
    QCOMPARE(requested->status, RunStatus::Running);
    QVERIFY(requested->cancelRequested);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(m_server->completedResponses(), 0); // the stream was interrupted, not read to its end
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("cancelled"));

    AGENCY_ASSIGN_OK(run, fetch(created->runId));
    QCOMPARE(run.status, RunStatus::Cancelled);
    QCOMPARE(run.error->code, ErrorCode::Cancelled);
    QVERIFY(run.finishedAt.isValid());
    QVERIFY(run.output.isEmpty());
    QVERIFY(!run.conversationId.isNull());
    // The provider connection was dropped.
    QTRY_COMPARE_WITH_TIMEOUT(m_server->openConnections(), 0, 5000);
}

void TestRunWorker::cancelRunningRunFromAnotherProcess()
{
    // The cancel is recorded through another process's repository: the worker learns of it by polling.
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w1")));
    QSignalSpy finished(worker, &RunWorker::runFinished);
    worker->start();
    auto created =
        await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("slow too"), {}, {}}));
    AGENCY_VERIFY_OK(created);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->chatRequests().size(), 1, 20000);

    sql::DbExecutor otherDb(m_params, 1);
    db::RunRepository otherRuns(otherDb);
    auto requested = await(otherRuns.cancel(kTenant, created->runId));
    AGENCY_VERIFY_OK(requested);
    QCOMPARE(requested->status, RunStatus::Running);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("cancelled"));
    QCOMPARE(m_server->completedResponses(), 0);
    AGENCY_ASSIGN_OK(run, fetch(created->runId));
    QCOMPARE(run.status, RunStatus::Cancelled);
}

void TestRunWorker::lostLeaseStopsTheTurnWithoutWriting()
{
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w1")));
    QSignalSpy finished(worker, &RunWorker::runFinished);
    worker->start();
    auto created =
        await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("slow, then lost"), {}, {}}));
    AGENCY_VERIFY_OK(created);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->chatRequests().size(), 1, 20000);
    // Another process recovered it (this worker looked dead) and claimed it again.
    AGENCY_VERIFY_OK(exec(QStringLiteral("UPDATE runs SET worker_id = 'other', attempts = attempts + 1")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("lost"));
    AGENCY_ASSIGN_OK(run, fetch(created->runId));
    QCOMPARE(run.status, RunStatus::Running);
    QCOMPARE(run.workerId, QStringLiteral("other"));
    QCOMPARE(run.attempts, 2);
}

void TestRunWorker::stopRequeuesRunningRuns()
{
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w1")));
    QSignalSpy started(worker, &RunWorker::runStarted);
    QSignalSpy finished(worker, &RunWorker::runFinished);
    worker->start();
    auto slow =
        await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("slow at shutdown"), {}, {}}));
    AGENCY_VERIFY_OK(slow);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->chatRequests().size(), 1, 20000);

    QFuture<void> stopped = worker->stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped.isFinished(), 10000);
    QVERIFY(!worker->isStarted());
    QCOMPARE(worker->activeRuns(), 0);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("queued"));
    AGENCY_ASSIGN_OK(released, fetch(slow->runId));
    QCOMPARE(released.status, RunStatus::Queued);
    QCOMPARE(released.attempts, 0); // the interrupted attempt does not count
    QVERIFY(released.workerId.isEmpty());

    // A stopped worker claims nothing, even when woken; stopping again is immediate.
    auto later =
        await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("after stop"), {}, {}}));
    AGENCY_VERIFY_OK(later);
    worker->wake();
    QVERIFY(worker->stop().isFinished());

    // Another worker (the next start) runs both.
    m_server->setHandler([](const test::RecordedRequest &request) {
        return test::openai::streamReply({QStringLiteral("done: "), userInput(request)});
    });
    RunWorker *next = m_stack->addWorker(fastOptions(QStringLiteral("w2")));
    QSignalSpy nextFinished(next, &RunWorker::runFinished);
    next->start();
    QTRY_COMPARE_WITH_TIMEOUT(nextFinished.size(), 2, 20000);
    AGENCY_ASSIGN_OK(run, fetch(slow->runId));
    QCOMPARE(run.status, RunStatus::Completed);
    QCOMPARE(run.output, QStringLiteral("done: slow at shutdown"));
    QCOMPARE(run.attempts, 1);
    QCOMPARE(run.workerId, QStringLiteral("w2"));
    AGENCY_ASSIGN_OK(laterRun, fetch(later->runId));
    QCOMPARE(laterRun.status, RunStatus::Completed);
    QCOMPARE(laterRun.workerId, QStringLiteral("w2"));
    QCOMPARE(laterRun.attempts, 1);
    // Each run was claimed once by the next worker; the stopped one started nothing more.
    QCOMPARE(runIds(started), QList<QUuid>{slow->runId});
}

void TestRunWorker::noSlotsNeverClaims()
{
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w0"), 0));
    QSignalSpy started(worker, &RunWorker::runStarted);
    worker->start();
    QVERIFY(!worker->isStarted());
    auto created =
        await(m_stack->runs->create(db::NewRun{kTenant, kFlow, QStringLiteral("waiting"), {}, {}}));
    AGENCY_VERIFY_OK(created);
    worker->wake();
    // A worker with slots, started after the wake, finds the run still queued and executes it:
    // had the slot-less worker claimed it, the run would be that worker's.
    RunWorker *other = m_stack->addWorker(fastOptions(QStringLiteral("w-other")));
    QSignalSpy otherFinished(other, &RunWorker::runFinished);
    other->start();
    QTRY_COMPARE_WITH_TIMEOUT(otherFinished.size(), 1, 20000);
    AGENCY_ASSIGN_OK(run, fetch(created->runId));
    QCOMPARE(run.status, RunStatus::Completed);
    QCOMPARE(run.workerId, QStringLiteral("w-other"));
    QCOMPARE(run.attempts, 1);
    QCOMPARE(started.size(), 0);
    QVERIFY(worker->stop().isFinished());
}

void TestRunWorker::runsOfSeveralTenantsAtOnce()
{
    // Three tenants' runs, queued together, executed by one worker three at a time: each run ends
    // in its own tenant's conversation and is invisible to the others.
    const QStringList tenants{QStringLiteral("acme"), QStringLiteral("globex"), QStringLiteral("initech")};
    m_server->holdResponsesUntil(3); // the provider answers only once three calls wait at once
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w-multi"), 3));
    auto &service = m_stack->makeService(worker);
    QSignalSpy finished(worker, &RunWorker::runFinished);
    QHash<QString, QUuid> runOf;
    for (const QString &tenant : tenants) {
        auto created = await(service.createRun(tenant, kFlow, QStringLiteral("report for ") + tenant));
        AGENCY_VERIFY_OK(created);
        runOf.insert(tenant, created->runId);
    }
    worker->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 20000);
    QCOMPARE(m_server->mostInFlight(), 3);

    for (const QString &tenant : tenants) {
        AGENCY_ASSIGN_OK(run, fetch(runOf.value(tenant), tenant));
        QCOMPARE(run.tenantId, tenant);
        QCOMPARE(run.status, RunStatus::Completed);
        QCOMPARE(run.output, QStringLiteral("echo: report for ") + tenant);
        AGENCY_ASSIGN_OK(conversation,
                         await(m_stack->conversations->getConversation(tenant, run.conversationId)));
        QCOMPARE(conversation.tenantId, tenant);
        AGENCY_ASSIGN_OK(listed, await(service.listRuns(tenant)));
        QCOMPARE(listed.items.size(), 1);
        QCOMPARE(listed.items.first().runId, run.runId);
        for (const QString &other : tenants) {
            if (other == tenant)
                continue;
            QCOMPARE(await(service.getRun(other, run.runId.toString())).error().code, ErrorCode::NotFound);
            QCOMPARE(await(m_stack->conversations->getConversation(other, run.conversationId)).error().code,
                     ErrorCode::NotFound);
        }
    }
}

void TestRunWorker::runPausedForApprovalIsNoAnswer()
{
    RunWorker *worker = m_stack->addWorker(fastOptions(QStringLiteral("w1")));
    auto &service = m_stack->makeService(worker);
    QSignalSpy finished(worker, &RunWorker::runFinished);
    QSignalSpy answered(worker, &RunWorker::runAnswered);
    worker->start();
    m_server->enqueueToolCalls({core::ToolCall{QStringLiteral("call_note"), QStringLiteral("post_note"),
                                               QStringLiteral("{\"text\":\"Ship it\"}")}});

    auto created = await(service.createRun(kTenant, kNotesFlow, QStringLiteral("Post the weekly note")));
    AGENCY_VERIFY_OK(created);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("completed"));
    auto run = await(service.getRun(kTenant, created->runId.toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(run);
    QCOMPARE(run->status, RunStatus::Completed);
    QVERIFY2(run->output.startsWith(QStringLiteral("This needs your approval")), qPrintable(run->output));
    // The call waits in the run's conversation, unsent; the words saying so are nobody's answer
    // (a flow that stores answers as documents does not store them).
    auto pending = await(service.listApprovals(kTenant, QStringLiteral("pending")));
    AGENCY_VERIFY_OK(pending);
    QCOMPARE(pending->size(), 1);
    QCOMPARE(pending->first().conversationId, run->conversationId);
    QVERIFY(m_stack->noteTool->calls().isEmpty());
    QCOMPARE(answered.size(), 1);
    QCOMPARE(answered.first().at(3).toString(), QString());
}

QTEST_GUILESS_MAIN(TestRunWorker)
#include "test_runworker.moc"

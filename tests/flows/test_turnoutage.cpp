// Database trouble during a turn (docs/design.md#persistence): a restart while the answer streams loses
// nothing, an outage longer than the retries ends the turn with an error that says the answer was not stored,
// and a hung server (SIGSTOP) ends the turn with DatabaseUnavailable in bounded time, after which
// the executor's workers serve again. No driver noise on the way.

#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "futurewait.h"
#include "sql/dbexecutor.h"
#include "testdatabase.h"
#include "testpostgres.h"

#include <QRegularExpression>
#include <QTest>

#include <csignal>

using namespace agency;
using core::ErrorCode;
using core::TurnEvent;
using core::TurnRequest;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::FakeWeatherServer;
namespace openai = test::openai;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kFlow = QStringLiteral("chat-only");
constexpr int kPieces = 4;

TurnRequest request(const QString &message, const QUuid &conversation = {})
{
    return test::turnRequest(kTenant, kFlow, message, conversation);
}

} // namespace

class TestTurnOutage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void answerSurvivesARestartMidTurn();
    void outageLongerThanTheRetriesSaysTheAnswerWasNotStored();
    void hungDatabaseEndsTheTurnInTimeAndWorkersRecover();
    void openingAbandonedOnAFrozenDatabaseNeverCommitsLater();

private:
    /// An executor and engine on a fresh database; `statementTimeoutMs` also arms the executor's
    /// hung-server watchdog.
    void makeEngine(const QHash<QString, QString> &extra, int statementTimeoutMs = 0);
    /// Starts a turn; `atFirstDelta` runs once, when the answer has begun streaming.
    core::Async<core::TurnResult> startTurn(const TurnRequest &r, std::function<void()> atFirstDelta);
    QList<core::Message> stored(const QUuid &conversation);

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<sql::DbExecutor> m_executor;
    std::unique_ptr<EngineFixture> m_fx;
    int m_deltas = 0;
};

void TestTurnOutage::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY(m_weather.listen());
}

void TestTurnOutage::init()
{
    // The driver's "Unable to free statement" after a lost connection is noise, not a report.
    QTest::failOnWarning(QRegularExpression(QStringLiteral("Unable to free statement")));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    // A streamed answer that takes a moment, so the database can fail while it streams.
    m_llm->setHandler([](const test::RecordedRequest &) {
        QStringList pieces;
        for (int i = 0; i < kPieces; ++i)
            pieces.append(QStringLiteral("piece%1 ").arg(i));
        return openai::streamReply(pieces, {}, core::Usage{12, 7, 19}, 150);
    });
    m_deltas = 0;
}

void TestTurnOutage::cleanup()
{
    // Whatever a failed test left behind: a frozen or stopped server.
    m_pg.signalServer(SIGCONT);
    if (m_pg.cluster().serverPid() <= 0)
        AGENCY_VERIFY_OK(m_pg.startServer());
    m_fx.reset();
    m_executor.reset();
    m_llm.reset();
}

void TestTurnOutage::makeEngine(const QHash<QString, QString> &extra, int statementTimeoutMs)
{
    sql::ConnectionParams params = m_params;
    params.statementTimeoutMs = statementTimeoutMs;
    params.connectTimeoutS = 2;
    m_executor = std::make_unique<sql::DbExecutor>(params, 2);
    m_fx = std::make_unique<EngineFixture>(
        *m_executor, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(), extra),
        QList<core::FlowDefinition>{test::testFlow(kFlow, 0, 50, {})});
}

core::Async<core::TurnResult> TestTurnOutage::startTurn(const TurnRequest &r,
                                                        std::function<void()> atFirstDelta)
{
    return m_fx->run(r, [this, atFirstDelta](const TurnEvent &event) {
        if (event.kind != TurnEvent::Kind::TextDelta)
            return;
        if (++m_deltas == 1 && atFirstDelta)
            atFirstDelta();
    });
}

QList<core::Message> TestTurnOutage::stored(const QUuid &conversation)
{
    sql::DbExecutor executor(m_params, 1);
    db::ConversationRepository repo(executor);
    auto history = test::await(repo.history(kTenant, conversation, 100));
    if (!history) {
        qWarning("history: %s", qPrintable(history.error().toString()));
        return {};
    }
    return history.value();
}

void TestTurnOutage::answerSurvivesARestartMidTurn()
{
    makeEngine({});
    auto turn = startTurn(request(QStringLiteral("hello")), [this] { AGENCY_VERIFY_OK(m_pg.stopServer()); });
    // The whole answer streams while the server is down; then the usage record and the answer's
    // write reach the executor and fail. The server comes back within the retry time.
    QTRY_COMPARE_WITH_TIMEOUT(m_deltas, kPieces, 20000);
    const quint64 jobs = m_executor->stats().jobs;
    QTRY_VERIFY_WITH_TIMEOUT(m_executor->stats().jobs >= jobs + 2 || turn.isFinished(), 20000);
    QVERIFY(!turn.isFinished());
    AGENCY_VERIFY_OK(m_pg.startServer());
    auto done = test::await(turn, 30000);
    AGENCY_VERIFY_OK(done);

    const QList<core::Message> messages = stored(done->conversationId);
    QCOMPARE(test::roles(messages), QStringLiteral("user,assistant"));
    QCOMPARE(messages.last().content, done->content);
    // A follow-up turn finds the conversation free (the lease went with the answer).
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("again"), done->conversationId)));
}

void TestTurnOutage::outageLongerThanTheRetriesSaysTheAnswerWasNotStored()
{
    makeEngine({{QStringLiteral("AGENCY_DB_RETRY_MS"), QStringLiteral("1000")},
                {QStringLiteral("AGENCY_TURN_LEASE_S"), QStringLiteral("2")}});
    auto turn = startTurn(request(QStringLiteral("hello")), [this] { AGENCY_VERIFY_OK(m_pg.stopServer()); });
    auto failed = test::await(turn, 30000);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, ErrorCode::DatabaseUnavailable);
    QVERIFY2(failed.error().message.startsWith(QLatin1String("the answer was not stored")),
             qPrintable(failed.error().message));
    QCOMPARE(failed.error().details.value(QStringLiteral("stored")).toBool(true), false);

    AGENCY_VERIFY_OK(m_pg.startServer());
    const QUuid conversation = m_fx->lastConversation();
    QCOMPARE(test::roles(stored(conversation)), QStringLiteral("user"));
    // The lease the failed turn could not release expires; the next turn continues cleanly.
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("again"), conversation), 30000));
    QCOMPARE(test::roles(stored(conversation)), QStringLiteral("user,user,assistant"));
}

void TestTurnOutage::hungDatabaseEndsTheTurnInTimeAndWorkersRecover()
{
    makeEngine({{QStringLiteral("AGENCY_DB_STATEMENT_TIMEOUT_MS"), QStringLiteral("1000")},
                {QStringLiteral("AGENCY_DB_CONNECT_TIMEOUT_S"), QStringLiteral("2")},
                {QStringLiteral("AGENCY_DB_RETRY_MS"), QStringLiteral("1000")},
                {QStringLiteral("AGENCY_TURN_LEASE_S"), QStringLiteral("2")}},
               1000);
    auto turn =
        startTurn(request(QStringLiteral("hello")), [this] { QVERIFY(m_pg.signalServer(SIGSTOP) > 0); });
    // Without a bound the turn would wait for ever on the frozen server.
    auto failed = test::await(turn, 60000);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, ErrorCode::DatabaseUnavailable);
    QVERIFY2(failed.error().message.startsWith(QLatin1String("the answer was not stored")),
             qPrintable(failed.error().message));

    QVERIFY(m_pg.signalServer(SIGCONT) > 0);
    // Both workers serve again: two turns at once on fresh conversations.
    auto a = m_fx->run(request(QStringLiteral("after a")));
    auto b = m_fx->run(request(QStringLiteral("after b")));
    AGENCY_VERIFY_OK(test::await(a, 60000));
    AGENCY_VERIFY_OK(test::await(b, 60000));
}

void TestTurnOutage::openingAbandonedOnAFrozenDatabaseNeverCommitsLater()
{
    makeEngine({{QStringLiteral("AGENCY_DB_STATEMENT_TIMEOUT_MS"), QStringLiteral("1000")},
                {QStringLiteral("AGENCY_DB_CONNECT_TIMEOUT_S"), QStringLiteral("2")},
                {QStringLiteral("AGENCY_DB_RETRY_MS"), QStringLiteral("1000")}},
               1000);
    // Both workers hold open connections, as in a console that has been used.
    auto warm = m_fx->runTurn(request(QStringLiteral("warm up")), 30000);
    AGENCY_VERIFY_OK(warm);
    QVERIFY(m_pg.signalServer(SIGSTOP) > 0);
    // Watched like the console's turns (events), so the opening commits with its flush.
    auto turn = m_fx->run(request(QStringLiteral("frozen question")), [](const TurnEvent &) {});
    auto failed = test::await(turn, 60000);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, ErrorCode::DatabaseUnavailable);
    QVERIFY2(failed.error().message.startsWith(QLatin1String("your message was not stored")),
             qPrintable(failed.error().message));

    // The server resumes and reads what was sent to it while frozen; the abandoned opening (and
    // any retry still queued) must not commit now that the turn said it was not stored.
    QVERIFY(m_pg.signalServer(SIGCONT) > 0);
    sql::DbExecutor check(m_params, 1);
    AGENCY_VERIFY_OK(test::drainExecutor(*m_executor, 30000));
    QTest::qWait(1000);
    auto questions =
        test::count(check, QStringLiteral("SELECT count(*) FROM messages WHERE content = 'frozen question'"));
    AGENCY_VERIFY_OK(questions);
    QCOMPARE(questions.value(), 0);
    auto conversations = test::count(check, QStringLiteral("SELECT count(*) FROM conversations"));
    AGENCY_VERIFY_OK(conversations);
    QCOMPARE(conversations.value(), 1); // the warm-up's only: no empty conversation left behind
    auto leases = test::count(
        check, QStringLiteral("SELECT count(*) FROM conversations WHERE turn_holder IS NOT NULL"));
    AGENCY_VERIFY_OK(leases);
    QCOMPARE(leases.value(), 0);
}

QTEST_GUILESS_MAIN(TestTurnOutage)
#include "test_turnoutage.moc"

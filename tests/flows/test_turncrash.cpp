// A turn's opening commits without waiting for its disk flush (Turn::openTurn(), docs/design.md#persistence).
// These tests kill the whole PostgreSQL server with SIGKILL (what a crash loses: the WAL not yet written out)
// at the points that matter, restart it, and check that nothing answered was lost and that every conversation
// is consistent. The test cluster runs with synchronous_commit = off; the executor here sets it back on for
// its sessions, as a production server has it, so a flushed commit is written out before it returns and an
// unflushed one may not be.

#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "futurewait.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QDeadlineTimer>
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

TurnRequest request(const QString &message, const QUuid &conversation = {})
{
    return test::turnRequest(kTenant, kFlow, message, conversation);
}

} // namespace

class TestTurnCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void answeredTurnsSurviveACrash();
    void crashWhileTheProviderAnswersLosesOnlyTheUnansweredRequest_data();
    void crashWhileTheProviderAnswersLosesOnlyTheUnansweredRequest();
    void watchedTurnsOpeningSurvivesACrashAtItsFirstEvent();

private:
    /// SIGKILL to every server process: what was not yet written out of the WAL is lost.
    void crash();
    /// Starts the server again on the same data, once the killed one is gone (crash recovery
    /// replays the WAL that was written out).
    void restart();
    void crashAndRestart()
    {
        crash();
        restart();
    }
    QList<core::Message> stored(const QUuid &conversation) { return m_fx->stored(kTenant, conversation); }
    /// Stored rows agree with the conversation's message count, and no call lacks its result.
    void verifyConsistent(const QUuid &conversation);

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<sql::DbExecutor> m_executor;
    std::unique_ptr<EngineFixture> m_fx;
    int m_deltas = 0;
    qint64 m_killed = 0; ///< the postmaster crash() killed
};

void TestTurnCrash::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY(m_weather.listen());
}

void TestTurnCrash::init()
{
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    m_params.connectOptions = QStringLiteral("options=-csynchronous_commit=on");
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    // A streamed answer that takes a moment, so the server can crash while it streams.
    m_llm->setHandler([](const test::RecordedRequest &) {
        return openai::streamReply({QStringLiteral("fine "), QStringLiteral("thanks")}, {},
                                   core::Usage{12, 7, 19}, 150);
    });
    m_executor = std::make_unique<sql::DbExecutor>(m_params, 2);
    m_fx = std::make_unique<EngineFixture>(
        *m_executor, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()),
        QList<core::FlowDefinition>{test::testFlow(kFlow, 0, 50, {})});
    m_deltas = 0;
}

void TestTurnCrash::cleanup()
{
    if (m_killed != 0)
        restart(); // a failed test left the server down
    m_fx.reset();
    m_executor.reset();
    m_llm.reset();
}

void TestTurnCrash::crash()
{
    m_killed = m_pg.cluster().serverPid();
    QVERIFY(m_pg.signalServer(SIGKILL) > 0);
}

void TestTurnCrash::restart()
{
    QTRY_VERIFY_WITH_TIMEOUT(!test::processAlive(m_killed), 10000);
    m_killed = 0;
    // The killed backends may hold the old shared memory for a moment: start until it is free.
    core::Status started = m_pg.startServer();
    QDeadlineTimer deadline(20000);
    while (!started && !deadline.hasExpired()) {
        QTest::qWait(100);
        started = m_pg.startServer();
    }
    AGENCY_VERIFY_OK(started);
}

void TestTurnCrash::verifyConsistent(const QUuid &conversation)
{
    auto row = test::await(m_fx->conversations().getConversation(kTenant, conversation), 20000);
    AGENCY_VERIFY_OK(row);
    QCOMPARE(row->messageCount, qint64(stored(conversation).size()));
}

void TestTurnCrash::answeredTurnsSurviveACrash()
{
    // Answered turns in two conversations, the last answer delivered just before the crash: each
    // answer's flushed commit carries its question's unflushed one to disk with it.
    QList<QUuid> conversations;
    for (int c = 0; c < 2; ++c) {
        QUuid id;
        for (int t = 0; t < 3; ++t) {
            auto done = m_fx->runTurn(request(QStringLiteral("question %1.%2").arg(c).arg(t), id));
            AGENCY_VERIFY_OK(done);
            id = done->conversationId;
        }
        conversations.append(id);
    }
    crashAndRestart();
    for (const QUuid &id : conversations) {
        const QList<core::Message> messages = stored(id);
        QCOMPARE(test::roles(messages), QStringLiteral("user,assistant,user,assistant,user,assistant"));
        QCOMPARE(messages.last().content, QStringLiteral("fine thanks"));
        verifyConsistent(id);
    }
    // The executor reconnects and the conversations go on.
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("after the crash"), conversations.first()), 30000));
}

void TestTurnCrash::crashWhileTheProviderAnswersLosesOnlyTheUnansweredRequest_data()
{
    QTest::addColumn<bool>("continued");
    QTest::newRow("new conversation") << false;
    QTest::newRow("continued conversation") << true;
}

void TestTurnCrash::crashWhileTheProviderAnswersLosesOnlyTheUnansweredRequest()
{
    QFETCH(bool, continued);
    QUuid conversation;
    if (continued) {
        auto first = m_fx->runTurn(request(QStringLiteral("first")));
        AGENCY_VERIFY_OK(first);
        conversation = first->conversationId;
    }
    // The crash comes once the provider is called: the opening has committed, perhaps not
    // flushed (no one watches this turn's events). The answer's write meets the server down and
    // retries until it is back.
    m_llm->setHandler([this](const test::RecordedRequest &) {
        if (++m_deltas == 1)
            crash();
        return openai::streamReply({QStringLiteral("fine "), QStringLiteral("thanks")}, {},
                                   core::Usage{12, 7, 19}, 150);
    });
    auto turn = m_fx->run(request(QStringLiteral("second"), conversation));
    QTRY_VERIFY_WITH_TIMEOUT(m_killed != 0, 20000);
    restart();
    auto result = test::await(turn, 40000);
    const QUuid id = m_fx->lastConversation();
    QVERIFY(!id.isNull());
    const QString before = continued ? QStringLiteral("user,assistant,") : QString();
    qInfo("the opening %s the crash", result ? "survived" : "was lost with");
    if (result) {
        // The opening reached the disk before the crash (the WAL writer's doing): answered, so
        // durable, even through a second crash right away.
        crashAndRestart();
        QCOMPARE(test::roles(stored(id)), before + QStringLiteral("user,assistant"));
        verifyConsistent(id);
        return;
    }
    // The opening was lost with the crash: the turn fails instead of answering a question that is
    // not stored, and the conversation is as it was before the turn (or does not exist).
    QVERIFY2(result.error().code == ErrorCode::NotFound || result.error().code == ErrorCode::Conflict,
             qPrintable(result.error().toString()));
    if (!continued) {
        QCOMPARE(test::await(m_fx->conversations().getConversation(kTenant, id), 20000).error().code,
                 ErrorCode::NotFound);
        return;
    }
    QCOMPARE(test::roles(stored(id)), QStringLiteral("user,assistant"));
    verifyConsistent(id);
    // Nothing of the lost turn holds the conversation: the next turn goes ahead at once.
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("again"), id), 30000));
    QCOMPARE(test::roles(stored(id)), QStringLiteral("user,assistant,user,assistant"));
}

void TestTurnCrash::watchedTurnsOpeningSurvivesACrashAtItsFirstEvent()
{
    // A stream's first event names the conversation: once a client has it, the conversation and
    // its question must survive a crash, however soon it comes.
    QUuid named;
    auto turn = m_fx->run(request(QStringLiteral("streamed")), [this, &named](const TurnEvent &event) {
        if (named.isNull()) {
            named = event.conversationId;
            crash();
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(m_killed != 0, 20000);
    QVERIFY(!named.isNull());
    restart();
    (void)test::await(turn, 40000); // answered or not: what the first event named is stored
    const QList<core::Message> messages = stored(named);
    QVERIFY2(!messages.isEmpty(), "the conversation the first event named was lost");
    QCOMPARE(messages.first().role, core::Role::User);
    QCOMPARE(messages.first().content, QStringLiteral("streamed"));
    verifyConsistent(named);
}

QTEST_GUILESS_MAIN(TestTurnCrash)
#include "test_turncrash.moc"

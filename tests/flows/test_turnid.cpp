// Client-made turn ids (docs/design.md#turn): a turn sent again with its id returns the stored
// answer or continues the turn, never storing its message twice, and a new chat sent again
// answers in the conversation it created; ids are scoped per tenant; the same id with another
// message is refused. A turn whose process died (its lease expired without an answer) is marked
// interrupted, by the next turn that takes the conversation over or when the conversation is read.

#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "futurewait.h"
#include "sql/dbexecutor.h"
#include "testdatabase.h"
#include "testpostgres.h"

#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::TurnRequest;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::FakeWeatherServer;
namespace openai = test::openai;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kOther = QStringLiteral("globex");
const QString kFlow = QStringLiteral("chat-only");

TurnRequest request(const QString &message, const QUuid &turnId, const QUuid &conversation = {},
                    const QString &tenant = kTenant)
{
    TurnRequest r = test::turnRequest(tenant, kFlow, message, conversation);
    r.turnId = turnId;
    return r;
}

} // namespace

class TestTurnId : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void answeredTurnSentAgainReturnsItsAnswer();
    void newChatSentAgainAnswersInTheConversationItCreated();
    void failedTurnSentAgainIsContinuedNotStoredTwice();
    void turnIdsAreScopedPerTenant();
    void sameIdWithAnotherMessageIsRefused();
    void expiredLeaseMarksTheTurnInterruptedOnTakeover();
    void readingTheConversationMarksADeadTurn();

private:
    qint64 count(const QString &sql, const QVariantList &binds = {});
    /// Leaves a turn as a process killed mid-turn does: its user message stored under a lease
    /// that has expired, no answer. Returns the conversation.
    QUuid deadTurn(const QString &message, const QUuid &turnId);

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<sql::DbExecutor> m_executor;
    std::unique_ptr<EngineFixture> m_fx;
};

void TestTurnId::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY(m_weather.listen());
}

void TestTurnId::init()
{
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    m_llm->setHandler(
        [](const test::RecordedRequest &) { return openai::streamReply({QStringLiteral("Sunny.")}); });
    m_executor = std::make_unique<sql::DbExecutor>(m_params, 2);
    m_fx = std::make_unique<EngineFixture>(
        *m_executor,
        test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(),
                           {{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("5000")}}),
        QList<core::FlowDefinition>{test::testFlow(kFlow, 0, 50, {})});
}

void TestTurnId::cleanup()
{
    m_fx.reset();
    m_executor.reset();
    m_llm.reset();
}

qint64 TestTurnId::count(const QString &sql, const QVariantList &binds)
{
    auto n = test::count(*m_executor, sql, binds);
    if (!n)
        qWarning("%s", qPrintable(n.error().toString()));
    return n ? n.value() : -1;
}

QUuid TestTurnId::deadTurn(const QString &message, const QUuid &turnId)
{
    db::TurnOpenRequest open;
    open.tenantId = kTenant;
    open.flowType = kFlow;
    open.create = true;
    open.conversationId = QUuid::createUuid();
    open.title = message;
    open.userMessage = message;
    open.historyLimit = 50;
    open.lease.turnId = turnId;
    open.lease.leaseMs = 1; // the process "died" at once: its lease expires by itself
    auto opened = test::await(m_fx->conversations().openTurn(open));
    if (!opened)
        qWarning("open: %s", qPrintable(opened.error().toString()));
    QTest::qWait(20);
    return open.conversationId;
}

void TestTurnId::answeredTurnSentAgainReturnsItsAnswer()
{
    const QUuid id = QUuid::createUuid();
    auto first = m_fx->runTurn(request(QStringLiteral("Weather in Rome?"), id));
    AGENCY_VERIFY_OK(first);
    const int calls = m_llm->chatRequests().size();

    auto again = m_fx->runTurn(request(QStringLiteral("Weather in Rome?"), id, first->conversationId));
    AGENCY_VERIFY_OK(again);
    QCOMPARE(again->conversationId, first->conversationId);
    QCOMPARE(again->content, first->content);
    QCOMPARE(again->messages.size(), 2);
    QCOMPARE(m_llm->chatRequests().size(), calls); // answered from the database, not asked again
    QCOMPARE(test::roles(m_fx->stored(kTenant, first->conversationId)), QStringLiteral("user,assistant"));
}

void TestTurnId::newChatSentAgainAnswersInTheConversationItCreated()
{
    const QUuid id = QUuid::createUuid();
    auto first = m_fx->runTurn(request(QStringLiteral("Hello"), id));
    AGENCY_VERIFY_OK(first);
    // Sent again as a new chat (the client never learnt the conversation): no second one.
    auto again = m_fx->runTurn(request(QStringLiteral("Hello"), id));
    AGENCY_VERIFY_OK(again);
    QCOMPARE(again->conversationId, first->conversationId);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM conversations")), 1);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages WHERE role = 'user'")), 1);
}

void TestTurnId::failedTurnSentAgainIsContinuedNotStoredTwice()
{
    m_llm->setHandler(
        [](const test::RecordedRequest &) { return openai::errorReply(400, QStringLiteral("bad day")); });
    const QUuid id = QUuid::createUuid();
    auto failed = m_fx->runTurn(request(QStringLiteral("Plan my week"), id));
    QVERIFY(!failed.ok());
    const QUuid conversation = m_fx->lastConversation();
    QVERIFY(!conversation.isNull());

    m_llm->setHandler(
        [](const test::RecordedRequest &) { return openai::streamReply({QStringLiteral("Done.")}); });
    auto again = m_fx->runTurn(request(QStringLiteral("Plan my week"), id, conversation));
    AGENCY_VERIFY_OK(again);
    QCOMPARE(again->conversationId, conversation);
    QCOMPARE(again->content, QStringLiteral("Done."));
    QCOMPARE(test::roles(m_fx->stored(kTenant, conversation)), QStringLiteral("user,assistant"));
    // The prompt held the question once.
    QCOMPARE(test::roles(test::requestMessages(m_llm->chatRequests().last())), QStringLiteral("system,user"));
}

void TestTurnId::turnIdsAreScopedPerTenant()
{
    const QUuid id = QUuid::createUuid();
    auto mine = m_fx->runTurn(request(QStringLiteral("Hello"), id));
    AGENCY_VERIFY_OK(mine);
    // Another tenant choosing the same id gets a turn of its own, and sees nothing of ours.
    auto theirs = m_fx->runTurn(request(QStringLiteral("Hello"), id, {}, kOther));
    AGENCY_VERIFY_OK(theirs);
    QVERIFY(theirs->conversationId != mine->conversationId);
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages WHERE tenant_id = ? AND role = 'user'"),
                   {kOther}),
             1);
    auto cross = m_fx->runTurn(request(QStringLiteral("Hello"), id, mine->conversationId, kOther));
    QVERIFY(!cross.ok());
    QCOMPARE(test::roles(m_fx->stored(kTenant, mine->conversationId)), QStringLiteral("user,assistant"));
}

void TestTurnId::sameIdWithAnotherMessageIsRefused()
{
    const QUuid id = QUuid::createUuid();
    auto first = m_fx->runTurn(request(QStringLiteral("Hello"), id));
    AGENCY_VERIFY_OK(first);
    auto other = m_fx->runTurn(request(QStringLiteral("Something else"), id, first->conversationId));
    QVERIFY(!other.ok());
    QCOMPARE(other.error().code, ErrorCode::Conflict);
    QCOMPARE(other.error().details.value(QStringLiteral("reason")).toString(),
             QStringLiteral("turn_id_reused"));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM messages WHERE role = 'user'")), 1);
}

void TestTurnId::expiredLeaseMarksTheTurnInterruptedOnTakeover()
{
    const QUuid conversation = deadTurn(QStringLiteral("Cut off"), QUuid::createUuid());
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("Next"), {}, conversation)));
    const QList<core::Message> stored = m_fx->stored(kTenant, conversation);
    QCOMPARE(test::roles(stored), QStringLiteral("user,user,assistant"));
    QCOMPARE(stored.first().metadata.value(QStringLiteral("turn_status")).toString(),
             QStringLiteral("interrupted"));
    QVERIFY(!stored.at(1).metadata.contains(QStringLiteral("turn_status")));
}

void TestTurnId::readingTheConversationMarksADeadTurn()
{
    const QUuid turnId = QUuid::createUuid();
    const QUuid conversation = deadTurn(QStringLiteral("Cut off"), turnId);
    // The messages API (and the console, which reads through it) shows the turn as interrupted.
    auto page = test::await(
        m_fx->service().listMessages(kTenant, conversation.toString(QUuid::WithoutBraces), 50, {}));
    AGENCY_VERIFY_OK(page);
    QCOMPARE(page->items.size(), 1);
    QCOMPARE(page->items.first().metadata.value(QStringLiteral("turn_status")).toString(),
             QStringLiteral("interrupted"));
    QCOMPARE(count(QStringLiteral("SELECT count(*) FROM conversations WHERE turn_holder IS NOT NULL")), 0);

    // Sent again with its id, the interrupted turn is continued and answered; the mark goes.
    auto again = m_fx->runTurn(request(QStringLiteral("Cut off"), turnId, conversation));
    AGENCY_VERIFY_OK(again);
    const QList<core::Message> stored = m_fx->stored(kTenant, conversation);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant"));
    QVERIFY(!stored.first().metadata.contains(QStringLiteral("turn_status")));
}

QTEST_GUILESS_MAIN(TestTurnId)
#include "test_turnid.moc"

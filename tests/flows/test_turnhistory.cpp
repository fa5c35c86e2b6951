// What the provider is sent from a conversation's history, checked on the request bodies the fake
// OpenAI server received: the flow's system prompt first on every call of every turn, the most
// recent messages within the flow's window, and never half of a tool-call pair (no orphan tool
// result at the window's edge, no assistant tool call without its results).

#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QJsonDocument>
#include <QTest>

using namespace agency;
using core::Role;
using core::TurnRequest;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::weatherCall;
namespace openai = test::openai;

namespace {

const QString kTenant = QStringLiteral("acme");

db::NewMessage message(Role role, const QString &content, const QList<core::ToolCall> &calls = {},
                       const QString &toolCallId = {})
{
    db::NewMessage m;
    m.role = role;
    m.content = content;
    m.toolCalls = calls;
    m.toolCallId = toolCallId;
    if (role == Role::Tool)
        m.metadata = {{QStringLiteral("tool"), QStringLiteral("get_weather")}};
    return m;
}

db::NewMessage toolResult(const QString &id, const QString &location)
{
    return message(Role::Tool,
                   QStringLiteral("{\"success\":true,\"location\":\"%1\",\"temperature\":10}").arg(location),
                   {}, id);
}

/// Stored conversations the window tests start from.
QList<db::NewMessage> scenario(const QString &name)
{
    if (name == QLatin1String("pairs")) {
        return {message(Role::User, QStringLiteral("q1")),
                message(Role::Assistant, {},
                        {weatherCall(QStringLiteral("c1a"), QStringLiteral("Paris")),
                         weatherCall(QStringLiteral("c1b"), QStringLiteral("Berlin"))}),
                toolResult(QStringLiteral("c1a"), QStringLiteral("Paris")),
                toolResult(QStringLiteral("c1b"), QStringLiteral("Berlin")),
                message(Role::Assistant, QStringLiteral("a1")),
                message(Role::User, QStringLiteral("q2")),
                message(Role::Assistant, QStringLiteral("Let me check."),
                        {weatherCall(QStringLiteral("c2"), QStringLiteral("London"))}),
                toolResult(QStringLiteral("c2"), QStringLiteral("London")),
                message(Role::Assistant, QStringLiteral("a2"))};
    }
    if (name == QLatin1String("reused ids")) {
        // Some models and servers number calls per response ("call_1" every time).
        return {
            message(Role::User, QStringLiteral("q1")),
            message(Role::Assistant, {}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))}),
            toolResult(QStringLiteral("call_1"), QStringLiteral("Paris")),
            message(Role::Assistant, QStringLiteral("a1")),
            message(Role::User, QStringLiteral("q2")),
            message(Role::Assistant, {}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Berlin"))}),
            toolResult(QStringLiteral("call_1"), QStringLiteral("Berlin")),
            message(Role::Assistant, QStringLiteral("a2"))};
    }
    if (name == QLatin1String("dangling call")) {
        // Imported or left by an older version: a call whose result was never stored.
        return {message(Role::User, QStringLiteral("q1")),
                message(Role::Assistant, QStringLiteral("Let me look."),
                        {weatherCall(QStringLiteral("c9"), QStringLiteral("Paris"))}),
                message(Role::User, QStringLiteral("q2"))};
    }
    if (name == QLatin1String("stored system prompt")) {
        return {message(Role::System, QStringLiteral("An old prompt")),
                message(Role::User, QStringLiteral("q1")), message(Role::Assistant, QStringLiteral("a1"))};
    }
    return {};
}

} // namespace

class TestTurnHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void windowNeverSplitsToolPairs_data();
    void windowNeverSplitsToolPairs();
    void systemPromptOnEveryCallOfEveryTurn();

private:
    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<EngineFixture> m_fx;
};

void TestTurnHistory::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
}

void TestTurnHistory::init()
{
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    QList<core::FlowDefinition> windows;
    for (int w = 1; w <= 12; ++w)
        windows.append(test::testFlow(QStringLiteral("win-%1").arg(w), 4, w));
    m_fx = std::make_unique<EngineFixture>(
        *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()), windows);
}

void TestTurnHistory::cleanup()
{
    m_fx.reset();
    m_llm.reset();
}

void TestTurnHistory::cleanupTestCase()
{
    m_db.reset();
}

void TestTurnHistory::windowNeverSplitsToolPairs_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<int>("window");
    QTest::addColumn<QString>("sent"); // roles of the request, after the system prompt

    // "pairs" + the new user message q3: q1 A(c1a,c1b) T T a1 q2 A(c2) T a2 q3
    const QStringList pairs{
        QStringLiteral("user"),                                            // 1: q3
        QStringLiteral("assistant,user"),                                  // 2: a2 q3
        QStringLiteral("assistant,user"),                                  // 3: orphan T(c2) dropped
        QStringLiteral("assistant(1),tool,assistant,user"),                // 4
        QStringLiteral("user,assistant(1),tool,assistant,user"),           // 5
        QStringLiteral("assistant,user,assistant(1),tool,assistant,user"), // 6
        QStringLiteral("assistant,user,assistant(1),tool,assistant,user"), // 7: T(c1b) dropped
        QStringLiteral("assistant,user,assistant(1),tool,assistant,user"), // 8: both T dropped
        QStringLiteral("assistant(2),tool,tool,assistant,user,assistant(1),tool,assistant,user"),      // 9
        QStringLiteral("user,assistant(2),tool,tool,assistant,user,assistant(1),tool,assistant,user"), // 10
        QStringLiteral("user,assistant(2),tool,tool,assistant,user,assistant(1),tool,assistant,user"), // 11
    };
    for (int w = 1; w <= pairs.size(); ++w)
        QTest::addRow("pairs, window %d", w) << QStringLiteral("pairs") << w << pairs.at(w - 1);

    // "reused ids" + q3: q1 A(call_1) T(call_1) a1 q2 A(call_1) T(call_1) a2 q3. The window's first
    // message is an old result whose id a later call reuses: it still answers nothing sent.
    QTest::newRow("reused ids, window 7")
        << QStringLiteral("reused ids") << 7
        << QStringLiteral("assistant,user,assistant(1),tool,assistant,user");
    QTest::newRow("reused ids, window 9")
        << QStringLiteral("reused ids") << 9
        << QStringLiteral("user,assistant(1),tool,assistant,user,assistant(1),tool,assistant,user");
    // A call that never got its result keeps its text but not the call.
    QTest::newRow("dangling call") << QStringLiteral("dangling call") << 10
                                   << QStringLiteral("user,assistant,user,user");
    // A stored system message (a client's own instructions) follows the flow's prompt.
    QTest::newRow("stored system prompt")
        << QStringLiteral("stored system prompt") << 10 << QStringLiteral("system,user,assistant,user");
}

void TestTurnHistory::windowNeverSplitsToolPairs()
{
    QFETCH(QString, scenario);
    QFETCH(int, window);
    QFETCH(QString, sent);
    const QString flowType = QStringLiteral("win-%1").arg(window);
    auto conversation = test::await(m_fx->conversations().createConversation(kTenant, flowType));
    AGENCY_VERIFY_OK(conversation);
    const QUuid id = conversation->conversationId;
    AGENCY_VERIFY_OK(test::await(m_fx->conversations().saveMessages(kTenant, id, ::scenario(scenario))));

    m_llm->enqueue(openai::streamReply({QStringLiteral("a3")}));
    TurnRequest r;
    r.tenantId = kTenant;
    r.flowType = flowType;
    r.conversationId = id;
    r.message = QStringLiteral("q3");
    auto result = m_fx->runTurn(r);
    AGENCY_VERIFY_OK(result);

    QCOMPARE(m_llm->chatRequests().size(), 1);
    const QJsonArray messages = test::requestMessages(m_llm->chatRequests().first());
    const QString systemPrompt = m_fx->flow(flowType).systemPrompt;
    QCOMPARE(test::promptProblems(messages, systemPrompt), QString());
    QCOMPARE(test::roles(messages), QStringLiteral("system,") + sent);
    QCOMPARE(messages.last()[QStringLiteral("content")].toString(), QStringLiteral("q3"));
    if (scenario == QLatin1String("stored system prompt"))
        QCOMPARE(messages.at(1)[QStringLiteral("content")].toString(), QStringLiteral("An old prompt"));
    if (scenario == QLatin1String("dangling call")) {
        QCOMPARE(messages.at(2)[QStringLiteral("content")].toString(), QStringLiteral("Let me look."));
        QVERIFY(!messages.at(2).toObject().contains(QStringLiteral("tool_calls")));
    }
    if (scenario == QLatin1String("reused ids")) {
        // Every result sent answers the call right before it, not an older call with the same id:
        // window 7 holds the Berlin round only; window 9 holds both rounds, two "call_1" pairs.
        QStringList called;
        QStringList answered;
        for (const QJsonValue &m : messages) {
            for (const QJsonValue &c : m[QStringLiteral("tool_calls")].toArray()) {
                const QJsonObject arguments =
                    QJsonDocument::fromJson(
                        c[QStringLiteral("function")][QStringLiteral("arguments")].toString().toUtf8())
                        .object();
                called.append(arguments.value(QStringLiteral("location")).toString());
            }
            if (m[QStringLiteral("role")].toString() == QLatin1String("tool"))
                answered.append(m[QStringLiteral("content")].toString());
        }
        const QStringList expected = window == 7
                                         ? QStringList{QStringLiteral("Berlin")}
                                         : QStringList{QStringLiteral("Paris"), QStringLiteral("Berlin")};
        QCOMPARE(called, expected);
        QCOMPARE(answered.size(), expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i)
            QVERIFY2(answered.at(i).contains(expected.at(i)), qPrintable(answered.at(i)));
    }
    // Nothing stored was changed: the window only shapes what is sent.
    QCOMPARE(m_fx->stored(kTenant, id).size(), ::scenario(scenario).size() + 2);
}

void TestTurnHistory::systemPromptOnEveryCallOfEveryTurn()
{
    const QString flowType = QStringLiteral("weather");
    const QString systemPrompt = m_fx->flow(flowType).systemPrompt;
    QVERIFY(!systemPrompt.isEmpty());

    // Turn 1: one tool round. Turn 2: two calls at once, then another round. Turn 3: text only.
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("t1"), QStringLiteral("Paris"))}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Paris: 14.2 °C.")}));
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("t2a"), QStringLiteral("Berlin")),
                                            weatherCall(QStringLiteral("t2b"), QStringLiteral("London"))}));
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("t2c"), QStringLiteral("Paris"))}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Berlin -2.5 °C, London 11 °C, Paris 14.2 °C.")}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("You're welcome.")}));

    TurnRequest r;
    r.tenantId = kTenant;
    r.flowType = flowType;
    QUuid conversation;
    const QStringList turns{QStringLiteral("Paris?"), QStringLiteral("Berlin and London?"),
                            QStringLiteral("Thanks")};
    for (const QString &text : turns) {
        r.message = text;
        r.conversationId = conversation;
        auto result = m_fx->runTurn(r);
        AGENCY_VERIFY_OK(result);
        if (conversation.isNull())
            conversation = result->conversationId;
        QCOMPARE(result->conversationId, conversation);
    }

    const auto requests = m_llm->chatRequests();
    QCOMPARE(requests.size(), 6);
    for (qsizetype i = 0; i < requests.size(); ++i) {
        const QJsonArray messages = test::requestMessages(requests.at(i));
        QVERIFY2(
            test::promptProblems(messages, systemPrompt).isEmpty(),
            qPrintable(
                QStringLiteral("call %1: %2").arg(i + 1).arg(test::promptProblems(messages, systemPrompt))));
    }
    QCOMPARE(test::roles(test::requestMessages(requests.at(3))),
             QStringLiteral("system,user,assistant(1),tool,assistant,user,assistant(2),tool,tool"));
    QCOMPARE(test::roles(test::requestMessages(requests.at(5))),
             QStringLiteral(
                 "system,user,assistant(1),tool,assistant,user,assistant(2),tool,tool,assistant(1),tool,"
                 "assistant,user"));

    const QList<core::Message> stored = m_fx->stored(kTenant, conversation);
    QCOMPARE(test::roles(stored),
             QStringLiteral("user,assistant(1),tool,assistant,user,assistant(2),tool,tool,"
                            "assistant(1),tool,assistant,user,assistant"));
    QCOMPARE(test::storedProblems(stored), QString());
    auto c = test::await(m_fx->conversations().getConversation(kTenant, conversation));
    AGENCY_VERIFY_OK(c);
    QCOMPARE(c->title, QStringLiteral("Paris?")); // from the first user message, kept after
}

QTEST_GUILESS_MAIN(TestTurnHistory)
#include "test_turnhistory.moc"

// One turn at a time per conversation (docs/design.md#turn): turns from several engines, each with its own
// database executor as separate processes would have, on one conversation never interleave; a
// busy conversation refuses a turn when told not to wait; a crashed holder's lease expires; and
// tool-call ids stay unique within a conversation when the provider repeats them.

#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "futurewait.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QSet>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::TurnEvent;
using core::TurnRequest;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::FakeResponse;
using test::FakeWeatherServer;
namespace openai = test::openai;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kFlow = QStringLiteral("chat-only");
const QString kToolFlow = QStringLiteral("weather-short");

TurnRequest request(const QString &message, const QUuid &conversation, const QString &flow = kFlow)
{
    return test::turnRequest(kTenant, flow, message, conversation);
}

/// The newest user message of a chat request (what the turn asked).
QString lastUserText(const test::RecordedRequest &recorded)
{
    const QJsonArray messages = test::requestMessages(recorded);
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonObject m = messages.at(i).toObject();
        if (m.value(QStringLiteral("role")).toString() == QLatin1String("user"))
            return m.value(QStringLiteral("content")).toString();
    }
    return {};
}

/// Stored messages must be complete turns one after another: each user message directly
/// followed by the answer to it. Empty when they are, else the first thing wrong.
QString interleaving(const QList<core::Message> &messages)
{
    for (qsizetype i = 0; i < messages.size(); i += 2) {
        const core::Message &question = messages.at(i);
        if (question.role != core::Role::User)
            return QStringLiteral("message %1 is not a user message: %2").arg(i).arg(question.content);
        if (i + 1 >= messages.size())
            return QStringLiteral("user message %1 has no answer").arg(question.content);
        const core::Message &answer = messages.at(i + 1);
        if (answer.role != core::Role::Assistant ||
            answer.content != QStringLiteral("answer to ") + question.content)
            return QStringLiteral("\"%1\" is followed by \"%2\"").arg(question.content, answer.content);
    }
    return {};
}

} // namespace

class TestTurnLease : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void concurrentTurnsFromSeveralEnginesNeverInterleave();
    void busyConversationRefusesWhenNotWaiting();
    void crashedHoldersLeaseExpires();
    void repeatedToolCallIdsAreReplaced();

private:
    std::unique_ptr<EngineFixture> fixture(sql::DbExecutor &executor, const QHash<QString, QString> &extra);
    QList<core::Message> everything(const QUuid &conversation);

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::vector<std::unique_ptr<sql::DbExecutor>> m_executors;
};

void TestTurnLease::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
}

void TestTurnLease::init()
{
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    // Every answer names its question, so a test can tell which turn wrote what. Tool flows get
    // the same call id every time (twice in one response), as the demo provider and Gemini did.
    m_llm->setHandler([](const test::RecordedRequest &recorded) {
        const QJsonArray messages = test::requestMessages(recorded);
        const QString lastRole = messages.last().toObject().value(QStringLiteral("role")).toString();
        if (recorded.json().contains(QStringLiteral("tools")) && lastRole == QLatin1String("user")) {
            return openai::toolCallReply(
                {test::weatherCall(QStringLiteral("call_same"), QStringLiteral("Paris")),
                 test::weatherCall(QStringLiteral("call_same"), QStringLiteral("Berlin"))});
        }
        return openai::streamReply(
            {QStringLiteral("answer "), QStringLiteral("to ") + lastUserText(recorded)}, {},
            core::Usage{12, 7, 19}, 10);
    });
}

void TestTurnLease::cleanup()
{
    m_executors.clear();
    m_llm.reset();
}

std::unique_ptr<EngineFixture> TestTurnLease::fixture(sql::DbExecutor &executor,
                                                      const QHash<QString, QString> &extra)
{
    return std::make_unique<EngineFixture>(
        executor, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(), extra),
        QList<core::FlowDefinition>{test::testFlow(kFlow, 0, 50, {}), test::testFlow(kToolFlow, 1, 2)});
}

QList<core::Message> TestTurnLease::everything(const QUuid &conversation)
{
    sql::DbExecutor executor(m_params, 1);
    db::ConversationRepository repo(executor);
    auto history = test::await(repo.history(kTenant, conversation, 1000));
    if (!history) {
        qWarning("history: %s", qPrintable(history.error().toString()));
        return {};
    }
    return history.value();
}

void TestTurnLease::concurrentTurnsFromSeveralEnginesNeverInterleave()
{
    // Three engines with their own executors stand for three processes sharing the database.
    const QHash<QString, QString> waitLong{{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("120000")}};
    std::vector<std::unique_ptr<EngineFixture>> engines;
    for (int i = 0; i < 3; ++i) {
        m_executors.push_back(std::make_unique<sql::DbExecutor>(m_params, 2));
        engines.push_back(fixture(*m_executors.back(), waitLong));
    }
    auto first = engines.front()->runTurn(request(QStringLiteral("q0"), {}));
    AGENCY_VERIFY_OK(first);
    const QUuid conversation = first->conversationId;

    QList<core::Async<core::TurnResult>> turns;
    for (int i = 1; i <= 30; ++i)
        turns.append(engines.at(i % 3)->run(request(QStringLiteral("q%1").arg(i), conversation)));
    for (const auto &turn : turns) {
        auto done = test::await(turn, 120000);
        AGENCY_VERIFY_OK(done);
    }

    const QList<core::Message> stored = everything(conversation);
    QCOMPARE(stored.size(), 62);
    const QString problem = interleaving(stored);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // Every provider call saw whole turns only: never two user messages in a row.
    for (const test::RecordedRequest &recorded : m_llm->chatRequests()) {
        const QString roles = test::roles(test::requestMessages(recorded));
        QVERIFY2(!roles.contains(QLatin1String("user,user")), qPrintable(roles));
    }
}

void TestTurnLease::busyConversationRefusesWhenNotWaiting()
{
    m_executors.push_back(std::make_unique<sql::DbExecutor>(m_params, 2));
    auto fx = fixture(*m_executors.back(), {{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("0")}});
    auto first = fx->runTurn(request(QStringLiteral("q0"), {}));
    AGENCY_VERIFY_OK(first);
    const QUuid conversation = first->conversationId;

    // The second turn starts while the first is streaming its answer.
    m_llm->setHandler([](const test::RecordedRequest &recorded) {
        return openai::streamReply(
            {QStringLiteral("answer "), QStringLiteral("to ") + lastUserText(recorded)}, {},
            core::Usage{12, 7, 19}, 300);
    });
    std::optional<core::Async<core::TurnResult>> second;
    auto running = fx->run(request(QStringLiteral("q1"), conversation), [&](const TurnEvent &event) {
        if (event.kind == TurnEvent::Kind::TextDelta && !second)
            second = fx->engine().run(request(QStringLiteral("q2"), conversation));
    });
    AGENCY_VERIFY_OK(test::await(running));
    QVERIFY(second.has_value());
    auto refused = test::await(*second);
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::Conflict);
    QVERIFY2(refused.error().message.contains(QLatin1String("still being written")),
             qPrintable(refused.error().message));
    QCOMPARE(refused.error().details.value(QStringLiteral("reason")).toString(),
             QStringLiteral("turn_in_progress"));

    // Nothing of the refused turn was stored, and the conversation is free again.
    const QList<core::Message> stored = everything(conversation);
    QCOMPARE(stored.size(), 4);
    QVERIFY2(interleaving(stored).isEmpty(), qPrintable(interleaving(stored)));
    AGENCY_VERIFY_OK(fx->runTurn(request(QStringLiteral("q3"), conversation)));
}

void TestTurnLease::crashedHoldersLeaseExpires()
{
    m_executors.push_back(std::make_unique<sql::DbExecutor>(m_params, 2));
    sql::DbExecutor &executor = *m_executors.back();
    auto refusing = fixture(executor, {{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("0")}});
    auto first = refusing->runTurn(request(QStringLiteral("q0"), {}));
    AGENCY_VERIFY_OK(first);
    const QUuid conversation = first->conversationId;

    // A process died holding the lease: it is still there, for a little while.
    auto crashed =
        test::await(executor.run<bool>([conversation](sql::DbConnection &conn) -> core::Result<bool> {
            auto q = conn.exec(QStringLiteral("UPDATE conversations SET turn_holder = gen_random_uuid(), "
                                              "turn_expires_at = clock_timestamp() + interval '2 seconds' "
                                              "WHERE conversation_id = ?::uuid RETURNING 1"),
                               {conversation.toString(QUuid::WithoutBraces)}, QStringLiteral("crash"));
            if (!q)
                return q.error();
            return q.value()->next();
        }));
    AGENCY_VERIFY_OK(crashed);
    QVERIFY(crashed.value());
    auto refused = refusing->runTurn(request(QStringLiteral("q1"), conversation));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::Conflict);

    // A turn willing to wait gets the conversation once the dead holder's lease has expired.
    auto waiting = fixture(executor, {{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("30000")}});
    AGENCY_VERIFY_OK(waiting->runTurn(request(QStringLiteral("q2"), conversation), 40000));
    const QList<core::Message> stored = everything(conversation);
    QCOMPARE(stored.size(), 4);
    QVERIFY2(interleaving(stored).isEmpty(), qPrintable(interleaving(stored)));
}

void TestTurnLease::repeatedToolCallIdsAreReplaced()
{
    // The provider answers every question with two calls both named "call_same". The flow keeps
    // only two messages of history, so earlier turns' ids are beyond what the turn loads.
    m_executors.push_back(std::make_unique<sql::DbExecutor>(m_params, 2));
    auto fx = fixture(*m_executors.back(), {});
    auto first = fx->runTurn(request(QStringLiteral("weather 0"), {}, kToolFlow));
    AGENCY_VERIFY_OK(first);
    const QUuid conversation = first->conversationId;
    for (int i = 1; i < 4; ++i)
        AGENCY_VERIFY_OK(fx->runTurn(request(QStringLiteral("weather %1").arg(i), conversation, kToolFlow)));

    const QList<core::Message> stored = everything(conversation);
    QSet<QString> ids;
    int calls = 0;
    for (const core::Message &m : stored) {
        for (const core::ToolCall &call : m.toolCalls) {
            ++calls;
            ids.insert(call.id);
        }
    }
    QCOMPARE(calls, 8);
    QCOMPARE(ids.size(), 8);
    // Results still answer their calls, under the new ids.
    const QString problems = test::storedProblems(stored);
    QVERIFY2(problems.isEmpty(), qPrintable(problems));
    // And what the provider was sent matches what was stored.
    const QString prompt = test::promptProblems(test::requestMessages(m_llm->chatRequests().last()),
                                                fx->flow(kToolFlow).systemPrompt);
    QVERIFY2(prompt.isEmpty(), qPrintable(prompt));
}

QTEST_GUILESS_MAIN(TestTurnLease)
#include "test_turnlease.moc"

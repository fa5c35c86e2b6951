// One turn at a time per conversation, over HTTP (docs/design.md#turn): a chat on a conversation whose
// reply is still being written is 409 with the agency's error body, nothing of it is stored and
// the provider is not called; once the first turn ends (here: its client leaves, so it is
// cancelled and its lease released) the conversation takes turns again. With a wait configured,
// the second chat instead waits for the first and runs after it, and the server's turn deadline
// ends a chat still waiting for its conversation. The in-process server on port 0,
// a real PostgreSQL and FakeOpenAiServer; the first turn is held mid-stream by the fake provider.
#include "db/conversationrepository.h"
#include "futurewait.h"
#include "serverfixture.h"

#include <QTest>

using namespace agency;
using agency::test::RawHttpClient;
using agency::test::RawResponse;
namespace openai = agency::test::openai;

namespace {

const QByteArray kTenant = test::ServerFixture::kTenant;

QByteArray chatBody(const QString &message, const QUuid &conversation, bool stream = false)
{
    QJsonObject body{{QStringLiteral("message"), message},
                     {QStringLiteral("tenant_id"), QString::fromLatin1(kTenant)},
                     {QStringLiteral("conversation_id"), conversation.toString(QUuid::WithoutBraces)}};
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

} // namespace

class TestChatConcurrency : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;

    /// A conversation with one finished turn (two messages), or a failed test.
    QUuid openConversation()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Hello.")}));
        const RawResponse first = m_fx.request(
            "POST", "/chat/consulting",
            QJsonDocument(QJsonObject{{QStringLiteral("message"), QStringLiteral("Hi")},
                                      {QStringLiteral("tenant_id"), QString::fromLatin1(kTenant)}})
                .toJson(QJsonDocument::Compact));
        if (first.status != 200) {
            QTest::qFail(qPrintable(QStringLiteral("opening chat: %1 %2")
                                        .arg(first.status)
                                        .arg(QString::fromUtf8(first.body))),
                         __FILE__, __LINE__);
            return {};
        }
        return QUuid::fromString(first.json().value(QStringLiteral("conversation_id")).toString());
    }

    /// Starts a streamed turn on `conversation` whose provider answer hangs after its first piece,
    /// and returns once that piece arrived: the turn holds the conversation.
    bool startHeldTurn(RawHttpClient &client, const QUuid &conversation)
    {
        m_fx.llm().enqueue(
            test::interruptedStream(QStringLiteral("Thinking "), test::FakeResponse::Ending::Hang));
        if (!client.connectTo(m_fx.port()))
            return false;
        client.send("POST", "/chat/consulting",
                    chatBody(QStringLiteral("First question"), conversation, true),
                    {{"Content-Type", "application/json"}, m_fx.authorization()});
        return client.waitFor([](const RawResponse &r) { return !r.events().isEmpty(); });
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.stopServer(); }

    void busyConversationIs409_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("json") << false;
        QTest::newRow("stream") << true;
    }

    void busyConversationIs409()
    {
        QFETCH(bool, stream);
        QVERIFY2(m_fx.startServer({{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("0")}}),
                 qPrintable(m_fx.error()));
        const QUuid conversation = openConversation();
        QVERIFY(!conversation.isNull());
        RawHttpClient first;
        QVERIFY(startHeldTurn(first, conversation));
        QCOMPARE(m_fx.stored(conversation).size(), 3); // the first turn's user message is stored
        const int providerCalls = static_cast<int>(m_fx.llm().chatRequests().size());

        // Refused before any stream begins: a plain JSON error, even when a stream was asked for.
        const RawResponse second = m_fx.request(
            "POST", "/chat/consulting", chatBody(QStringLiteral("Second question"), conversation, stream));
        QCOMPARE(second.status, 409);
        QVERIFY(second.header("content-type").startsWith("application/json"));
        const QJsonObject error = second.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("conflict"));
        QVERIFY2(
            error.value(QStringLiteral("message")).toString().contains(QLatin1String("still being written")),
            qPrintable(error.value(QStringLiteral("message")).toString()));
        QCOMPARE(m_fx.stored(conversation).size(), 3);
        QCOMPARE(m_fx.llm().chatRequests().size(), providerCalls);

        // The first turn ends (its client leaves): the conversation is free again at once.
        first.disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(m_fx.turnsInFlight(), 0, 10000);
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Now it is your turn.")}));
        const RawResponse third = m_fx.request("POST", "/chat/consulting",
                                               chatBody(QStringLiteral("Third question"), conversation));
        QCOMPARE(third.status, 200);
        const auto stored = m_fx.stored(conversation);
        QCOMPARE(stored.size(), 5);
        QCOMPARE(stored.at(3).content, QStringLiteral("Third question"));
        QCOMPARE(stored.at(4).content, QStringLiteral("Now it is your turn."));
    }

    void waitingTurnRunsAfterTheFirst()
    {
        QVERIFY2(m_fx.startServer({{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("30000")}}),
                 qPrintable(m_fx.error()));
        const QUuid conversation = openConversation();
        QVERIFY(!conversation.isNull());
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("First answer.")}));
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Second answer.")}));
        m_fx.llm().holdResponsesUntil(3); // never reached: released below
        RawHttpClient first;
        QVERIFY(first.connectTo(m_fx.port()));
        first.send("POST", "/chat/consulting", chatBody(QStringLiteral("First question"), conversation),
                   {{"Content-Type", "application/json"}, m_fx.authorization()});
        QTRY_COMPARE_WITH_TIMEOUT(m_fx.llm().requestsInFlight(), 1, 10000);
        RawHttpClient second;
        QVERIFY(second.connectTo(m_fx.port()));
        second.send("POST", "/chat/consulting", chatBody(QStringLiteral("Second question"), conversation),
                    {{"Content-Type", "application/json"}, m_fx.authorization()});
        QTRY_COMPARE_WITH_TIMEOUT(m_fx.turnsInFlight(), 2, 10000);

        // Without the lease the second turn would store its question now and call the provider
        // beside the first: the order below would interleave.
        m_fx.llm().releaseHeld();
        QCOMPARE(first.takeResponse(30000).status, 200);
        const RawResponse answered = second.takeResponse(30000);
        QCOMPARE(answered.status, 200);
        QCOMPARE(answered.json().value(QStringLiteral("response")).toString(),
                 QStringLiteral("Second answer."));
        QStringList contents;
        for (const core::Message &m : m_fx.stored(conversation))
            contents.append(m.content);
        QCOMPARE(contents,
                 (QStringList{QStringLiteral("Hi"), QStringLiteral("Hello."),
                              QStringLiteral("First question"), QStringLiteral("First answer."),
                              QStringLiteral("Second question"), QStringLiteral("Second answer.")}));
    }

    void deadlineEndsATurnWaitingForItsConversation()
    {
        // The conversation is held by a turn of a process that crashed with a long lease, and the
        // chat is willing to wait a minute for it: the server's turn deadline still ends it.
        httpserver::ServerConfig config;
        config.turnDeadlineMs = 1000;
        QVERIFY2(m_fx.startServer({{QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("60000")}}, config),
                 qPrintable(m_fx.error()));
        const QUuid conversation = openConversation();
        QVERIFY(!conversation.isNull());
        db::TurnOpenRequest crashed;
        crashed.tenantId = QString::fromLatin1(kTenant);
        crashed.flowType = QStringLiteral("consulting");
        crashed.conversationId = conversation;
        crashed.userMessage = QStringLiteral("Asked by a process that crashed");
        crashed.lease = {QUuid::createUuid(), 600'000};
        AGENCY_VERIFY_OK(test::await(m_fx.engine().conversations().openTurn(crashed)));
        const int providerCalls = static_cast<int>(m_fx.llm().chatRequests().size());

        const RawResponse waited =
            m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("Anyone there?"), conversation));
        QCOMPARE(waited.status, 504);
        QVERIFY2(waited.json()[QStringLiteral("error")][QStringLiteral("message")].toString().contains(
                     QLatin1String("deadline")),
                 waited.body.constData());
        QCOMPARE(m_fx.stored(conversation).size(), 3);
        QCOMPARE(m_fx.llm().chatRequests().size(), providerCalls);
        QCOMPARE(m_fx.turnsInFlight(), 0);
    }
};

QTEST_GUILESS_MAIN(TestChatConcurrency)
#include "test_chatconcurrency.moc"

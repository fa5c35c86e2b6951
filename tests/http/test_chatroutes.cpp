// POST /chat/{flow_type} and POST /weather/chat end to end: the in-process server on port 0, a
// real PostgreSQL, the OpenAI adapter against FakeOpenAiServer and get_weather against
// FakeWeatherServer, read with a raw socket client that sees every byte: the JSON answer, the SSE
// sequence, a client leaving mid-stream (its turn is cancelled, the server carries on), errors
// before a stream began, and 100 chats held at a slow provider while /health still answers.
#include "serverfixture.h"

#include <QJsonArray>
#include <QTest>

using namespace agency;
using agency::test::RawHttpClient;
using agency::test::RawResponse;
using agency::test::weatherCall;
namespace openai = agency::test::openai;

namespace {

const QByteArray kTenant = test::ServerFixture::kTenant;

QByteArray chatBody(const QString &message, bool stream = false, const QString &conversation = {})
{
    QJsonObject body{{QStringLiteral("message"), message},
                     {QStringLiteral("tenant_id"), QString::fromLatin1(kTenant)}};
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    if (!conversation.isEmpty())
        body.insert(QStringLiteral("conversation_id"), conversation);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

/// The names of `events`, comma-separated, consecutive deltas folded into one "delta".
QString eventSequence(const QList<test::SseEvent> &events)
{
    QStringList names;
    for (const auto &event : events) {
        const QString name = QString::fromLatin1(event.name);
        if (name == QLatin1String("delta") && !names.isEmpty() && names.last() == name)
            continue;
        names.append(name);
    }
    return names.join(u',');
}

} // namespace

class TestChatRoutes : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.startServer(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.stopServer(); }

    void idempotencyKeyStoresATurnOnce()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Rome: sunny.")}));
        const QList<QPair<QByteArray, QByteArray>> key{{"Idempotency-Key", "order-42/rome"}};
        const RawResponse first =
            m_fx.request("POST", "/chat/weather", chatBody(QStringLiteral("Rome?")), key);
        QCOMPARE(first.status, 200);
        const QString conversation = first.json().value(QStringLiteral("conversation_id")).toString();
        // The client did not get (or did not trust) the answer and sends the same call again.
        const RawResponse again =
            m_fx.request("POST", "/chat/weather", chatBody(QStringLiteral("Rome?")), key);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json().value(QStringLiteral("conversation_id")).toString(), conversation);
        QCOMPARE(again.json().value(QStringLiteral("response")).toString(), QStringLiteral("Rome: sunny."));
        QCOMPARE(test::roles(m_fx.stored(QUuid::fromString(conversation))), QStringLiteral("user,assistant"));

        // The OpenAI-compatible route reads the same header: a second call is not a second turn.
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Hi.")}));
        const QByteArray body = R"({"model":"weather","messages":[{"role":"user","content":"Hi"}]})";
        const QList<QPair<QByteArray, QByteArray>> other{
            {"Idempotency-Key", "c0ffee00-0000-4000-8000-000000000001"}};
        const RawResponse v1 = m_fx.request("POST", "/v1/chat/completions", body, other);
        QCOMPARE(v1.status, 200);
        const RawResponse v1again = m_fx.request("POST", "/v1/chat/completions", body, other);
        QCOMPARE(v1again.status, 200);
        QCOMPARE(v1again.header("x-conversation-id"), v1.header("x-conversation-id"));
        QCOMPARE(
            test::roles(m_fx.stored(QUuid::fromString(QString::fromLatin1(v1.header("x-conversation-id"))))),
            QStringLiteral("user,assistant"));
        QCOMPARE(m_fx.llm().chatRequests().size(), 2);
    }

    void badIdempotencyKeyIsRefused()
    {
        const RawResponse response = m_fx.request("POST", "/chat/weather", chatBody(QStringLiteral("Rome?")),
                                                  {{"Idempotency-Key", QByteArray(300, 'k')}});
        QCOMPARE(response.status, 422);
        QVERIFY(response.body.contains("Idempotency-Key"));
        QCOMPARE(m_fx.llm().chatRequests().size(), 0);
    }

    void answersWithTheSeedsFields()
    {
        m_fx.llm().enqueue(openai::streamReply(
            {}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))}, core::Usage{30, 5, 35}));
        m_fx.llm().enqueue(
            openai::streamReply({QStringLiteral("Paris: 14.2 \u00b0C.")}, {}, core::Usage{50, 8, 58}));
        const RawResponse response =
            m_fx.request("POST", "/weather/chat", chatBody(QStringLiteral("Paris?")));
        QCOMPARE(response.status, 200);
        QVERIFY(response.header("content-type").startsWith("application/json"));
        const QJsonObject body = response.json();
        QCOMPARE(body.value(QStringLiteral("response")).toString(), QStringLiteral("Paris: 14.2 \u00b0C."));
        QVERIFY(!QUuid::fromString(body.value(QStringLiteral("conversation_id")).toString()).isNull());
        QVERIFY(body.value(QStringLiteral("tool_used")).toBool());
        const QJsonObject tool = body.value(QStringLiteral("tool_results")).toArray().at(0).toObject();
        QCOMPARE(tool.value(QStringLiteral("name")).toString(), QStringLiteral("get_weather"));
        QCOMPARE(tool.value(QStringLiteral("tool_call_id")).toString(), QStringLiteral("call_1"));
        QVERIFY(tool.value(QStringLiteral("success")).toBool());
        QVERIFY(tool.value(QStringLiteral("result")).toObject().contains(QStringLiteral("temperature")));
        // Real usage: both provider calls of the turn.
        QCOMPARE(body.value(QStringLiteral("usage")).toObject(),
                 (QJsonObject{{QStringLiteral("prompt_tokens"), 80},
                              {QStringLiteral("completion_tokens"), 13},
                              {QStringLiteral("total_tokens"), 93}}));
        QCOMPARE(body.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
        QCOMPARE(body.value(QStringLiteral("model")).toString(), QStringLiteral("gpt-fake"));

        // The same conversation continues through /chat/{flow_type}.
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("You're welcome.")}));
        const RawResponse next =
            m_fx.request("POST", "/chat/weather",
                         chatBody(QStringLiteral("Thanks"), false,
                                  body.value(QStringLiteral("conversation_id")).toString()));
        QCOMPARE(next.status, 200);
        QCOMPARE(next.json().value(QStringLiteral("conversation_id")),
                 body.value(QStringLiteral("conversation_id")));
        QVERIFY(!next.json().value(QStringLiteral("tool_used")).toBool());
        QCOMPARE(
            m_fx.stored(QUuid::fromString(next.json().value(QStringLiteral("conversation_id")).toString()))
                .size(),
            6);
    }

    void streamsTheTurn()
    {
        m_fx.llm().enqueue(
            openai::streamReply({QStringLiteral("Let me check. ")},
                                {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))}));
        m_fx.llm().enqueue(
            openai::streamReply({QStringLiteral("Paris "), QStringLiteral("is "), QStringLiteral("mild.")}));
        const RawResponse response =
            m_fx.request("POST", "/chat/weather", chatBody(QStringLiteral("Paris?"), true));
        QCOMPARE(response.status, 200);
        QVERIFY(response.chunked);
        QVERIFY(response.header("content-type").startsWith("text/event-stream"));
        QVERIFY(!response.header("x-request-id").isEmpty());
        const auto events = response.events();
        QCOMPARE(eventSequence(events), QStringLiteral("delta,tool_call,tool_result,delta,done"));

        const QJsonObject call = events.at(1).json();
        QCOMPARE(call.value(QStringLiteral("name")).toString(), QStringLiteral("get_weather"));
        QCOMPARE(
            call.value(QStringLiteral("arguments")).toObject().value(QStringLiteral("location")).toString(),
            QStringLiteral("Paris"));
        QCOMPARE(call.value(QStringLiteral("round")).toInt(), 1);
        const QJsonObject result = events.at(2).json();
        QCOMPARE(result.value(QStringLiteral("id")).toString(), QStringLiteral("call_1"));
        QVERIFY(result.value(QStringLiteral("result")).toObject().value(QStringLiteral("success")).toBool());

        QString lastRound;
        for (const auto &event : events) {
            if (event.name == "delta" && event.json().value(QStringLiteral("round")).toInt() == 2)
                lastRound += event.json().value(QStringLiteral("text")).toString();
        }
        const QJsonObject done = events.last().json();
        QCOMPARE(done.value(QStringLiteral("response")).toString(), lastRound);
        QCOMPARE(lastRound, QStringLiteral("Paris is mild."));
        QVERIFY(done.value(QStringLiteral("tool_used")).toBool());
        QCOMPARE(done.value(QStringLiteral("usage")).toObject().value(QStringLiteral("total_tokens")).toInt(),
                 38);
        for (const auto &event : events.mid(0, events.size() - 1))
            QCOMPARE(event.json().value(QStringLiteral("conversation_id")),
                     done.value(QStringLiteral("conversation_id")));
    }

    void refusedBeforeTheStreamIsAPlainError()
    {
        // Nothing was streamed yet: the client gets the status and error body it would get
        // without streaming.
        const RawResponse unknown =
            m_fx.request("POST", "/chat/no-such-flow", chatBody(QStringLiteral("Hi"), true));
        QCOMPARE(unknown.status, 404);
        QVERIFY(unknown.header("content-type").startsWith("application/json"));
        QCOMPARE(unknown.json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
                 QStringLiteral("not_found"));

        m_fx.llm().enqueue(
            openai::errorReply(500, QStringLiteral("upstream broke"), QStringLiteral("server_error")));
        const RawResponse provider =
            m_fx.request("POST", "/chat/weather", chatBody(QStringLiteral("Hi"), true));
        QCOMPARE(provider.status, 502);
        QCOMPARE(provider.json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
                 QStringLiteral("provider_unavailable"));
    }

    void errorAfterTheStreamBeganIsAnEvent()
    {
        // The provider sends some text, then the connection breaks.
        m_fx.llm().enqueue(
            test::interruptedStream(QStringLiteral("Partial "), test::FakeResponse::Ending::Close));
        const RawResponse response =
            m_fx.request("POST", "/chat/weather", chatBody(QStringLiteral("Hi"), true));
        QCOMPARE(response.status, 200);
        const auto events = response.events();
        QCOMPARE(eventSequence(events), QStringLiteral("delta,error"));
        QCOMPARE(events.last().json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
                 QStringLiteral("provider_unavailable"));
        QVERIFY(response.complete); // the stream was ended properly
    }

    void badRequests_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("malformed JSON")
            << QByteArray("/chat/weather") << QByteArray("{\"message\":") << 400 << "bad_request";
        QTest::newRow("no message") << QByteArray("/chat/weather") << QByteArray("{\"tenant_id\":\"acme\"}")
                                    << 422 << "invalid_argument";
        QTest::newRow("message not text")
            << QByteArray("/weather/chat") << QByteArray(R"({"tenant_id":"acme","message":42})") << 422
            << "invalid_argument";
        QTest::newRow("bad conversation id")
            << QByteArray("/chat/weather")
            << QByteArray(R"({"tenant_id":"acme","message":"hi","conversation_id":"nope"})") << 422
            << "invalid_argument";
        // Before, a misspelt conversation_id silently started a new conversation.
        QTest::newRow("misspelt conversation id")
            << QByteArray("/chat/weather")
            << QByteArray(
                   R"({"tenant_id":"acme","message":"hi","conversationId":"6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"})")
            << 422 << "invalid_argument";
        QTest::newRow("unknown field") << QByteArray("/weather/chat")
                                       << QByteArray(R"({"tenant_id":"acme","message":"hi","temperature":1})")
                                       << 422 << "invalid_argument";
        QTest::newRow("conversation id with trailing junk")
            << QByteArray("/chat/weather")
            << QByteArray(
                   R"({"tenant_id":"acme","message":"hi","conversation_id":"6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5fxyz"})")
            << 422 << "invalid_argument";
        QTest::newRow("another tenant")
            << QByteArray("/chat/weather") << QByteArray(R"({"tenant_id":"other","message":"hi"})") << 403
            << "forbidden";
        QTest::newRow("unknown conversation")
            << QByteArray("/chat/weather")
            << QByteArray(
                   R"({"tenant_id":"acme","message":"hi","conversation_id":"6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"})")
            << 404 << "not_found";
    }

    void badRequests()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, code);
        const RawResponse response = m_fx.request("POST", path, body);
        QCOMPARE(response.status, status);
        QCOMPARE(response.json()[QStringLiteral("error")][QStringLiteral("code")].toString(), code);
        QCOMPARE(m_fx.llm().chatRequests().size(), 0);
    }

    void clientLeavingMidStreamCancelsItsTurn()
    {
        // The provider streams a first piece, then holds the rest: the turn is mid-call.
        m_fx.llm().enqueue(
            test::interruptedStream(QStringLiteral("First "), test::FakeResponse::Ending::Hang));
        RawHttpClient client;
        QVERIFY(client.connectTo(m_fx.port()));
        client.send("POST", "/chat/weather", chatBody(QStringLiteral("Long story?"), true),
                    {{"Content-Type", "application/json"}, m_fx.authorization()});
        QVERIFY2(client.waitFor([](const RawResponse &r) { return !r.events().isEmpty(); }),
                 QByteArray(QByteArray::number(client.current().status) + ' ' + client.current().body)
                     .constData());
        QCOMPARE(client.current().events().first().name, QByteArray("delta"));
        QCOMPARE(m_fx.turnsInFlight(), 1);
        const QUuid conversation = QUuid::fromString(
            client.current().events().first().json().value(QStringLiteral("conversation_id")).toString());

        client.disconnectFromServer();
        // The turn is cancelled: it ends, and its provider call is abandoned.
        QTRY_COMPARE_WITH_TIMEOUT(m_fx.turnsInFlight(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_fx.llm().openConnections(), 0, 10000);
        // What it completed stays stored: the user message, no answer.
        const auto stored = m_fx.stored(conversation);
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored.first().role, core::Role::User);
        // And the server carries on.
        QCOMPARE(m_fx.request("GET", "/healthz").status, 200);
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Still here.")}));
        QCOMPARE(m_fx.request("POST", "/chat/weather", chatBody(QStringLiteral("Hello?"))).status, 200);
    }

    void healthAnswersWhileAHundredChatsWaitAtTheProvider()
    {
        const int chats = 100;
        // Every client here comes from 127.0.0.1: let one address hold them all.
        m_fx.stopServer();
        httpserver::ServerConfig config;
        config.maxConnectionsPerClient = chats + 10;
        QVERIFY2(m_fx.startServer({}, config), qPrintable(m_fx.error()));
        m_fx.llm().setHandler([](const test::RecordedRequest &) {
            return openai::streamReply({QStringLiteral("Done waiting.")});
        });
        m_fx.llm().holdResponsesUntil(chats + 1); // never reached: released below
        std::vector<std::unique_ptr<RawHttpClient>> clients;
        for (int i = 0; i < chats; ++i) {
            clients.push_back(std::make_unique<RawHttpClient>());
            QVERIFY(clients.back()->connectTo(m_fx.port()));
            clients.back()->send("POST", "/chat/consulting", chatBody(QStringLiteral("Question %1").arg(i)),
                                 {{"Content-Type", "application/json"}, m_fx.authorization()});
        }
        // Every turn is now at the provider, which answers none of them yet.
        QTRY_COMPARE_WITH_TIMEOUT(m_fx.llm().requestsInFlight(), chats, 60000);
        RawHttpClient health;
        QVERIFY(health.connectTo(m_fx.port()));
        health.send("GET", "/health");
        const RawResponse healthy = health.takeResponse();
        QCOMPARE(healthy.status, 200);
        // Ordering is the proof: /health was answered while all 100 chats were still held.
        QCOMPARE(m_fx.llm().requestsInFlight(), chats);
        QCOMPARE(m_fx.llm().completedResponses(), 0);
        for (const auto &client : clients)
            QCOMPARE(client->current().status, 0);

        m_fx.llm().releaseHeld();
        for (const auto &client : clients) {
            const RawResponse response = client->takeResponse(60000);
            QCOMPARE(response.status, 200);
            QCOMPARE(response.json().value(QStringLiteral("response")).toString(),
                     QStringLiteral("Done waiting."));
        }
        QCOMPARE(m_fx.turnsInFlight(), 0);
    }
};

QTEST_GUILESS_MAIN(TestChatRoutes)
#include "test_chatroutes.moc"

// Routes over HTTP (docs/providers.md#routes-fallback-circuit-breakers-capabilities): a stream
// whose first target fails before its first token is answered whole by the next target (/chat and
// /v1 alike); a stream cut after 40 of 60 tokens is an error the client sees (the chat stream's
// `error` event; /v1's error chunk without [DONE]) and the stored answer says it was cut; the
// attempts are in the messages API and /metrics, the breakers in /health.

#include "fakefaults.h"
#include "serverfixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace agency;
using agency::test::RawResponse;
namespace openai = test::openai;
namespace faults = test::faults;

namespace {

const QByteArray kTenant = test::ServerFixture::kTenant;

QByteArray chatBody(const QString &message)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("message"), message},
                                     {QStringLiteral("tenant_id"), QString::fromLatin1(kTenant)},
                                     {QStringLiteral("stream"), true}})
        .toJson(QJsonDocument::Compact);
}

QByteArray v1Body(const QString &message)
{
    const QJsonArray messages{
        QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), message}}};
    return QJsonDocument(QJsonObject{{QStringLiteral("model"), QStringLiteral("consulting")},
                                     {QStringLiteral("messages"), messages},
                                     {QStringLiteral("stream"), true}})
        .toJson(QJsonDocument::Compact);
}

/// The text of a /v1 stream's content deltas, and whether it ended with [DONE].
QString v1Text(const RawResponse &response, bool *done)
{
    QString text;
    *done = false;
    for (const auto &event : response.events()) {
        if (event.data == "[DONE]") {
            *done = true;
            continue;
        }
        const QJsonObject delta = event.json()
                                      .value(QStringLiteral("choices"))
                                      .toArray()
                                      .at(0)
                                      .toObject()
                                      .value(QStringLiteral("delta"))
                                      .toObject();
        text += delta.value(QStringLiteral("content")).toString();
    }
    return text;
}

QString chatText(const RawResponse &response)
{
    QString text;
    for (const auto &event : response.events()) {
        if (event.name == "delta")
            text += event.json().value(QStringLiteral("text")).toString();
    }
    return text;
}

} // namespace

class TestRoutingStreams : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;
    std::unique_ptr<test::FakeOpenAiServer> m_mistral;

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }

    void init()
    {
        m_mistral = std::make_unique<test::FakeOpenAiServer>();
        QVERIFY(m_mistral->listen());
        QVERIFY2(m_fx.startServer(
                     {{QStringLiteral("LLM_ROUTE"), QStringLiteral("openai:gpt-fake,mistral:mistral-fake")},
                      {QStringLiteral("MISTRAL_BASE_URL"), m_mistral->baseUrl()},
                      {QStringLiteral("MISTRAL_API_KEY"), QStringLiteral("mistral-test")},
                      {QStringLiteral("LLM_BREAKER_FAILURES"), QStringLiteral("3")}}),
                 qPrintable(m_fx.error()));
    }

    void cleanup()
    {
        m_fx.stopServer();
        m_mistral.reset();
    }

    void faultBeforeTheFirstTokenIsAnsweredWhole()
    {
        const QString whole = faults::tokens(60).join(QString());
        m_fx.llm().enqueue(
            openai::errorReply(503, QStringLiteral("overloaded"), QStringLiteral("server_error")));
        m_mistral->enqueue(openai::streamReply(faults::tokens(60)));
        const RawResponse chat = m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("Hi")));
        QCOMPARE(chat.status, 200);
        QCOMPARE(chatText(chat), whole);
        QCOMPARE(chat.events().last().name, QByteArray("done"));

        m_fx.llm().enqueue(FakeResponseCloseBeforeFirstToken());
        m_mistral->enqueue(openai::streamReply(faults::tokens(60)));
        const RawResponse v1 = m_fx.request("POST", "/v1/chat/completions", v1Body(QStringLiteral("Hi")));
        QCOMPARE(v1.status, 200);
        bool done = false;
        QCOMPARE(v1Text(v1, &done), whole);
        QVERIFY(done);

        // The attempts are in the messages API, and counted in /metrics.
        const QString conversation =
            chat.events().last().json().value(QStringLiteral("conversation_id")).toString();
        const RawResponse messages =
            m_fx.request("GET", "/conversations/" + conversation.toUtf8() + "/messages?tenant_id=" + kTenant);
        QCOMPARE(messages.status, 200);
        QJsonArray attempts;
        for (const QJsonValue &item : messages.json().value(QStringLiteral("items")).toArray()) {
            if (item.toObject().value(QStringLiteral("role")).toString() == QLatin1String("assistant"))
                attempts = item.toObject()
                               .value(QStringLiteral("metadata"))
                               .toObject()
                               .value(QStringLiteral("attempts"))
                               .toArray();
        }
        QCOMPARE(attempts.size(), 2);
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("outcome")).toString(),
                 QStringLiteral("provider_unavailable"));
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("http_status")).toInt(), 503);
        QCOMPARE(attempts.at(1).toObject().value(QStringLiteral("provider")).toString(),
                 QStringLiteral("mistral"));

        const QString admin = m_fx.http().createGlobalAdminKey();
        const RawResponse metrics =
            m_fx.request("GET", "/metrics", {}, {{"Authorization", "Bearer " + admin.toUtf8()}});
        QCOMPARE(metrics.status, 200);
        QVERIFY2(metrics.body.contains(
                     "agency_route_attempts_total{provider=\"openai\",model=\"gpt-fake\",outcome="
                     "\"provider_unavailable\"} 2"),
                 metrics.body.constData());
        QVERIFY2(
            metrics.body.contains(
                "agency_route_attempts_total{provider=\"mistral\",model=\"mistral-fake\",outcome=\"ok\"} 2"),
            metrics.body.constData());
        QVERIFY2(metrics.body.contains("agency_breaker_state{provider=\"openai\",model=\"gpt-fake\"} 0"),
                 metrics.body.constData());

        // A third failure opens openai's breaker (LLM_BREAKER_FAILURES=3): /health shows it.
        m_fx.llm().enqueue(
            openai::errorReply(502, QStringLiteral("bad gateway"), QStringLiteral("server_error")));
        m_mistral->enqueue(openai::streamReply({QStringLiteral("ok")}));
        QCOMPARE(m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("Hi"))).status, 200);
        const RawResponse health = m_fx.request("GET", "/health");
        const QJsonArray breakers = health.json()
                                        .value(QStringLiteral("routing"))
                                        .toObject()
                                        .value(QStringLiteral("breakers"))
                                        .toArray();
        QCOMPARE(breakers.size(), 1);
        QCOMPARE(breakers.at(0).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("open"));
        QCOMPARE(health.json()
                     .value(QStringLiteral("routing"))
                     .toObject()
                     .value(QStringLiteral("route"))
                     .toString(),
                 QStringLiteral("openai:gpt-fake,mistral:mistral-fake"));
    }

    void cutMidStreamIsAnErrorOnChat()
    {
        m_fx.llm().enqueue(faults::cutAfter(openai::streamPayloads(faults::tokens(60)), 41)); // role + 40
        const RawResponse chat = m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("Sixty?")));
        QCOMPARE(chat.status, 200);
        QVERIFY(chat.complete);
        const auto events = chat.events();
        QCOMPARE(events.last().name, QByteArray("error"));
        for (const auto &event : events)
            QVERIFY(event.name != "done");
        QCOMPARE(chatText(chat), faults::tokens(40).join(QString()));
        QCOMPARE(events.last().json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
                 QStringLiteral("provider_unavailable"));
        QCOMPARE(m_mistral->requestCount(), 0);
        const QUuid conversation(events.first().json().value(QStringLiteral("conversation_id")).toString());
        const QList<core::Message> stored = m_fx.stored(conversation);
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored.last().content, faults::tokens(40).join(QString()));
        QVERIFY(stored.last().metadata.value(QStringLiteral("cut")).toBool());
    }

    void cutMidStreamIsAnErrorChunkOnV1()
    {
        m_fx.llm().enqueue(faults::cutAfter(openai::streamPayloads(faults::tokens(60)), 41));
        const RawResponse v1 = m_fx.request("POST", "/v1/chat/completions", v1Body(QStringLiteral("Sixty?")));
        QCOMPARE(v1.status, 200);
        QVERIFY(v1.complete);
        bool done = true;
        QCOMPARE(v1Text(v1, &done), faults::tokens(40).join(QString()));
        QVERIFY(!done); // no [DONE]: the SDKs must not take it for a whole answer
        QCOMPARE(v1.events().last().json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
                 QStringLiteral("provider_unavailable"));
        QCOMPARE(m_mistral->requestCount(), 0);
    }

private:
    static test::FakeResponse FakeResponseCloseBeforeFirstToken()
    {
        return test::FakeResponse::closeWithoutAnswer();
    }
};

QTEST_GUILESS_MAIN(TestRoutingStreams)
#include "test_routingstreams.moc"

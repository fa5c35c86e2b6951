// A graceful stop (what `aiagency serve` does on SIGTERM) with streams in flight: each stream ends
// properly before the stop's future finishes, so a process that exits right then still delivered
// it: with its done event (or `data: [DONE]` on /v1) when the turn finishes within the grace time,
// else with an error event saying the server is stopping. Never a stream cut without its end.
#include "serverfixture.h"

#include <QFutureWatcher>
#include <QJsonArray>
#include <QTest>

using namespace agency;
using agency::test::RawHttpClient;
using agency::test::RawResponse;
namespace openai = agency::test::openai;

namespace {

QByteArray chatBody()
{
    return QJsonDocument(QJsonObject{{QStringLiteral("message"), QStringLiteral("Hi")},
                                     {QStringLiteral("stream"), true}})
        .toJson(QJsonDocument::Compact);
}

QByteArray completionBody()
{
    return QJsonDocument(
               QJsonObject{{QStringLiteral("model"), QStringLiteral("weather")},
                           {QStringLiteral("stream"), true},
                           {QStringLiteral("messages"),
                            QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                   {QStringLiteral("content"), QStringLiteral("Hi")}}}}})
        .toJson(QJsonDocument::Compact);
}

/// The events of a 200 stream that ended with its terminating chunk; none otherwise (with a
/// warning saying what arrived).
QList<test::SseEvent> endedEvents(const RawResponse &r)
{
    if (r.status != 200 || !r.complete) {
        qWarning("status %d, %s: %s", r.status, r.complete ? "ended" : "not ended", r.body.constData());
        return {};
    }
    return r.events();
}

} // namespace

class TestShutdownStreams : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.stopServer(); }

    void chatStreamEndsWithItsDoneEvent();
    void completionStreamEndsWithDone();
    void streamPastTheGraceTimeEndsWithAStoppingError_data();
    void streamPastTheGraceTimeEndsWithAStoppingError();

private:
    /// A server with a long grace time and a provider that streams "one two three" slowly.
    bool startWithAStreamingProvider()
    {
        httpserver::ServerConfig config;
        config.shutdownGraceMs = 30'000;
        if (!m_fx.startServer({}, config))
            return false;
        m_fx.llm().enqueue(
            openai::streamReply({QStringLiteral("one "), QStringLiteral("two "), QStringLiteral("three")}, {},
                                core::Usage{12, 7, 19}, 200));
        return true;
    }
    /// Starts a stream of `path` with `body` on `client`, waits for its first text, stops the
    /// server, and tears it down the moment the stop's future finishes (as serve exits then).
    /// Returns what the client received by then and after.
    RawResponse stopDuringStream(RawHttpClient &client, const QByteArray &path, const QByteArray &body);

    test::ServerFixture m_fx;
};

RawResponse TestShutdownStreams::stopDuringStream(RawHttpClient &client, const QByteArray &path,
                                                  const QByteArray &body)
{
    if (!client.connectTo(m_fx.port()))
        return {};
    client.send("POST", path, body, {m_fx.authorization()});
    if (!client.waitFor([](const RawResponse &r) { return r.body.contains("one"); }, 20000))
        return {};
    QFutureWatcher<void> watcher;
    bool stopped = false;
    connect(&watcher, &QFutureWatcher<void>::finished, this, [this, &stopped] {
        stopped = true;
        m_fx.stopServer(); // nothing runs after this: unsent bytes would be lost
    });
    watcher.setFuture(m_fx.http().server().stop());
    if (!QTest::qWaitFor([&] { return stopped; }, 30000))
        return {};
    client.waitFor([](const RawResponse &r) { return r.complete; }, 5000);
    return client.current();
}

void TestShutdownStreams::chatStreamEndsWithItsDoneEvent()
{
    QVERIFY2(startWithAStreamingProvider(), qPrintable(m_fx.error()));
    RawHttpClient client;
    const RawResponse r = stopDuringStream(client, "/weather/chat", chatBody());
    const QList<test::SseEvent> events = endedEvents(r);
    QVERIFY(!events.isEmpty());
    QCOMPARE(events.last().name, QByteArrayLiteral("done"));
    QCOMPARE(events.last().json()[QStringLiteral("response")].toString(), QStringLiteral("one two three"));
}

void TestShutdownStreams::completionStreamEndsWithDone()
{
    QVERIFY2(startWithAStreamingProvider(), qPrintable(m_fx.error()));
    RawHttpClient client;
    const RawResponse r = stopDuringStream(client, "/v1/chat/completions", completionBody());
    const QList<test::SseEvent> events = endedEvents(r);
    QVERIFY(!events.isEmpty());
    QCOMPARE(events.last().data, QByteArrayLiteral("[DONE]"));
}

void TestShutdownStreams::streamPastTheGraceTimeEndsWithAStoppingError_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("eventName"); // OpenAI's stream has data-only events
    QTest::newRow("chat") << QByteArrayLiteral("/weather/chat") << QByteArrayLiteral("error");
    QTest::newRow("v1") << QByteArrayLiteral("/v1/chat/completions") << QByteArray();
}

void TestShutdownStreams::streamPastTheGraceTimeEndsWithAStoppingError()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, eventName);
    httpserver::ServerConfig config;
    config.shutdownGraceMs = 300;
    QVERIFY2(m_fx.startServer({}, config), qPrintable(m_fx.error()));
    // Sends "one " and then nothing: the turn is still running when the grace time is over.
    m_fx.llm().enqueue(test::interruptedStream(QStringLiteral("one "), test::FakeResponse::Ending::Hang));
    RawHttpClient client;
    const RawResponse r =
        stopDuringStream(client, path, path.startsWith("/v1/") ? completionBody() : chatBody());
    const QList<test::SseEvent> events = endedEvents(r);
    QVERIFY(!events.isEmpty());
    QCOMPARE(events.last().name, eventName);
    const QJsonObject error = events.last().json()[QStringLiteral("error")].toObject();
    QVERIFY2(error[QStringLiteral("message")].toString().contains(QStringLiteral("shutting down")),
             events.last().data.constData());
}

QTEST_GUILESS_MAIN(TestShutdownStreams)
#include "test_shutdownstreams.moc"

// HTTP/1.1 pipelining on httpserver::HttpServer: several requests in one write are answered in
// request order whatever order their answers are ready in, a later `Connection: close` drops no
// earlier answer, and a refusal by the connection gate waits its turn too (AnswerOrder).
#include "httpserver/httpserver.h"
#include "httpserver/ssewriter.h"
#include "rawhttpclient.h"

#include <QJsonObject>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace agency;
using agency::test::RawHttpClient;
using agency::test::RawResponse;

namespace {

QByteArray get(const QByteArray &target, const QByteArray &connection = QByteArrayLiteral("keep-alive"))
{
    return "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: " + connection + "\r\n\r\n";
}

QString tagOf(const RawResponse &r)
{
    return r.json()[QStringLiteral("tag")].toString();
}

} // namespace

class TestPipelining : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void answersLeaveInRequestOrder();
    void answersReadyInReverseOrderStillLeaveInOrder();
    void laterConnectionCloseDropsNoEarlierAnswer();
    void streamBehindASlowAnswerWaitsItsTurn();
    void gateRefusalWaitsForTheEarlierAnswer();

private:
    std::unique_ptr<httpserver::HttpServer> m_server;
    quint16 m_port = 0;
    int m_clientsGone = 0; ///< slow answers whose client left before they were sent
};

void TestPipelining::init()
{
    httpserver::ServerConfig config;
    config.maxBodyBytes = 1024;
    m_server = std::make_unique<httpserver::HttpServer>(config, [](const QString &) {
        return core::failedAsync<core::Principal>(
            core::makeError(core::ErrorCode::Unauthenticated, QStringLiteral("no keys here")));
    });
    m_clientsGone = 0;
    // /slow?ms=N&tag=T answers {"tag": T} after N ms; /fast?tag=T at once; /stream?tag=T sends
    // three events 50 ms apart.
    m_server->router().add({"GET",
                            QStringLiteral("/slow"),
                            httpserver::Access::Public,
                            [this](const httpserver::CallPtr &call) {
                                call->onClientGone(this, [this, weak = std::weak_ptr(call)] {
                                    const auto gone = weak.lock();
                                    if (gone && !gone->answered())
                                        ++m_clientsGone;
                                });
                                QTimer::singleShot(call->query(QStringLiteral("ms")).toInt(), this, [call] {
                                    call->sendJson(200, QJsonObject{{QStringLiteral("tag"),
                                                                     call->query(QStringLiteral("tag"))}});
                                });
                            },
                            {},
                            {}});
    m_server->router().add(
        {"GET",
         QStringLiteral("/fast"),
         httpserver::Access::Public,
         [](const httpserver::CallPtr &call) {
             call->sendJson(200, QJsonObject{{QStringLiteral("tag"), call->query(QStringLiteral("tag"))}});
         },
         {},
         {}});
    m_server->router().add({"GET",
                            QStringLiteral("/stream"),
                            httpserver::Access::Public,
                            [this](const httpserver::CallPtr &call) {
                                auto writer = httpserver::SseWriter::create(call);
                                QVERIFY(writer->start());
                                for (int i = 0; i < 3; ++i) {
                                    QTimer::singleShot(50 * (i + 1), this, [writer, i] {
                                        writer->event(QByteArrayLiteral("n"), QByteArray::number(i));
                                        if (i == 2)
                                            writer->finish();
                                    });
                                }
                            },
                            {},
                            {}});
    auto bound = m_server->listen(QHostAddress::LocalHost, 0);
    QVERIFY2(bound.ok(), bound.ok() ? "" : qPrintable(bound.error().message));
    m_port = bound.value();
}

void TestPipelining::cleanup()
{
    m_server.reset();
}

void TestPipelining::answersLeaveInRequestOrder()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_port));
    // One write: the slow answer is ready 300 ms after the fast one.
    client.sendRaw(get("/slow?ms=300&tag=a") + get("/fast?tag=b"));
    const RawResponse first = client.takeResponse();
    QCOMPARE(first.status, 200);
    QCOMPARE(tagOf(first), QStringLiteral("a"));
    const RawResponse second = client.takeResponse();
    QCOMPARE(second.status, 200);
    QCOMPARE(tagOf(second), QStringLiteral("b"));
    QVERIFY(client.isConnected());
}

void TestPipelining::answersReadyInReverseOrderStillLeaveInOrder()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_port));
    client.sendRaw(get("/slow?ms=400&tag=a") + get("/slow?ms=200&tag=b") + get("/fast?tag=c") +
                   get("/slow?ms=100&tag=d"));
    for (const char *tag : {"a", "b", "c", "d"}) {
        const RawResponse r = client.takeResponse();
        QCOMPARE(r.status, 200);
        QCOMPARE(tagOf(r), QString::fromLatin1(tag));
    }
    // And the connection goes on, one request at a time.
    client.send("GET", "/fast?tag=e");
    QCOMPARE(tagOf(client.takeResponse()), QStringLiteral("e"));
}

void TestPipelining::laterConnectionCloseDropsNoEarlierAnswer()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_port));
    client.sendRaw(get("/slow?ms=300&tag=a") + get("/fast?tag=b", "close"));
    const RawResponse first = client.takeResponse();
    QCOMPARE(first.status, 200);
    QCOMPARE(tagOf(first), QStringLiteral("a"));
    const RawResponse second = client.takeResponse();
    QCOMPARE(second.status, 200);
    QCOMPARE(tagOf(second), QStringLiteral("b"));
    QCOMPARE(second.header("Connection"), QByteArrayLiteral("close"));
    QTRY_VERIFY(!client.isConnected()); // closed after the last answer, not before the first
    QCOMPARE(m_clientsGone, 0);         // the slow request never saw its client leave
}

void TestPipelining::streamBehindASlowAnswerWaitsItsTurn()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_port));
    client.sendRaw(get("/slow?ms=400&tag=a") + get("/stream"));
    const RawResponse first = client.takeResponse();
    QCOMPARE(tagOf(first), QStringLiteral("a"));
    const RawResponse stream = client.takeResponse();
    QCOMPARE(stream.status, 200);
    QVERIFY(stream.chunked);
    const QList<test::SseEvent> events = stream.events();
    QCOMPARE(events.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(events[i].data, QByteArray::number(i));
}

void TestPipelining::gateRefusalWaitsForTheEarlierAnswer()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_port));
    client.sendRaw(get("/slow?ms=300&tag=a"));
    QTRY_VERIFY(m_server->busyConnections() == 1);
    QTest::qWait(50); // dispatched and waiting for its answer
    // The gate refuses this one itself (413, before the body): after the slow answer.
    client.sendRaw("POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n");
    const RawResponse first = client.takeResponse();
    QCOMPARE(first.status, 200);
    QCOMPARE(tagOf(first), QStringLiteral("a"));
    const RawResponse refused = client.takeResponse();
    QCOMPARE(refused.status, 413);
}

QTEST_GUILESS_MAIN(TestPipelining)
#include "test_pipelining.moc"

// SseWriter over an ApiCall on a real QAbstractHttpServer on port 0, read by a raw socket client:
// exact chunked framing, keep-alive reuse after the stream, held events flushed in order, a client
// that leaves, and a client that does not read.
#include "httpserver/apicall.h"
#include "httpserver/ssewriter.h"
#include "rawhttpclient.h"

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace agency;
using agency::httpserver::ApiCall;
using agency::httpserver::SseWriter;
using agency::test::RawHttpClient;

namespace {

/// The server as the API server uses QHttpServer 6.4: requests reach handleRequest() with the
/// socket, and answers are written by ApiCall. /stream opens an SSE stream; anything else is a
/// plain "plain".
class StreamServer : public QAbstractHttpServer
{
public:
    std::function<void(const std::shared_ptr<SseWriter> &)> onStream;
    SseWriter::Limits limits;
    std::shared_ptr<SseWriter> writer; ///< the stream of the last /stream request

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        auto call = std::make_shared<ApiCall>(request, socket, QStringLiteral("test"));
        if (request.url().path() != QLatin1String("/stream")) {
            call->sendBytes(200, "text/plain", "plain");
            return true;
        }
        writer = SseWriter::create(call, limits);
        writer->start({{"X-Test", "1"}});
        if (onStream)
            onStream(writer);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}
};

} // namespace

class TestSseWriter : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<StreamServer> m_server;
    quint16 m_port = 0;

private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<StreamServer>();
        m_port = m_server->listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_port != 0);
    }

    void cleanup() { m_server.reset(); }

    void framesEventsAndEndsTheBody()
    {
        m_server->onStream = [](const std::shared_ptr<SseWriter> &writer) {
            QVERIFY(writer->event("delta", R"({"text":"Hel"})"));
            QVERIFY(writer->event("delta", "two\nlines"));
            QVERIFY(writer->data("[DONE]"));
            writer->finish();
            QVERIFY(!writer->data("late"));
        };
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        const auto response = client.takeResponse();
        QCOMPARE(response.status, 200);
        QVERIFY(response.chunked);
        QVERIFY(response.header("content-type").startsWith("text/event-stream"));
        QCOMPARE(response.header("cache-control"), QByteArray("no-cache"));
        QCOMPARE(response.header("x-test"), QByteArray("1"));
        QCOMPARE(response.body, QByteArray("event: delta\ndata: {\"text\":\"Hel\"}\n\n"
                                           "event: delta\ndata: two\ndata: lines\n\n"
                                           "data: [DONE]\n\n"));
        const auto events = response.events();
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(1).data, QByteArray("two\nlines"));
        QCOMPARE(events.at(2).name, QByteArray());
        // The terminating chunk leaves the connection usable for the next request, and the
        // call the writer held adds nothing when it goes.
        m_server->writer.reset();
        client.send("GET", "/plain");
        const auto next = client.takeResponse();
        QCOMPARE(next.status, 200);
        QCOMPARE(next.body, QByteArray("plain"));
    }

    void eventsWrittenLaterArriveInOrder()
    {
        // A tiny high-water mark: most events are held while the socket has not flushed and go
        // out together once it drains; the client must see every one, in order.
        m_server->limits.highWater = 64;
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        QVERIFY(client.waitForHead());
        QVERIFY(m_server->writer);
        const auto writer = m_server->writer;
        for (int i = 0; i < 200; ++i)
            QVERIFY(writer->event("n", QByteArray::number(i)));
        QVERIFY(writer->bufferedBytes() > 0);
        QVERIFY(QTest::qWaitFor([&writer] { return writer->bufferedBytes() == 0; }, 10000));
        writer->finish();
        const auto response = client.takeResponse();
        QCOMPARE(response.status, 200);
        const auto events = response.events();
        QCOMPARE(events.size(), 200);
        for (int i = 0; i < 200; ++i)
            QCOMPARE(events.at(i).data, QByteArray::number(i));
    }

    void clientLeavingIsNoticed()
    {
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        QVERIFY(client.waitForHead());
        QVERIFY(m_server->writer);
        const auto writer = m_server->writer;
        QSignalSpy gone(writer.get(), &SseWriter::gone);
        QVERIFY(writer->event("delta", "x"));
        client.disconnectFromServer();
        QVERIFY(gone.wait(10000));
        QCOMPARE(gone.size(), 1);
        QVERIFY(writer->clientGone());
        QVERIFY(!writer->event("delta", "after"));
        writer->finish(); // harmless on a vanished socket
        // The server still answers others.
        RawHttpClient other;
        QVERIFY(other.connectTo(m_port));
        other.send("GET", "/plain");
        QCOMPARE(other.takeResponse().status, 200);
    }

    void clientThatDoesNotReadIsDropped()
    {
        m_server->limits.highWater = 1024;
        m_server->limits.maxBuffered = 256 * 1024;
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        QVERIFY(client.waitForHead());
        QVERIFY(m_server->writer);
        const auto writer = m_server->writer;
        QSignalSpy gone(writer.get(), &SseWriter::gone);
        // Written without returning to the event loop, as a fast producer would: what waits for
        // the client passes the bound and the stream is given up instead of growing.
        const QByteArray payload(4096, 'x');
        bool refused = false;
        for (int i = 0; i < 1000 && !refused; ++i)
            refused = !writer->event("delta", payload);
        QVERIFY(refused);
        QCOMPARE(gone.size(), 1);
        QVERIFY(writer->bufferedBytes() <= m_server->limits.maxBuffered);
    }

    void keepAliveCommentsWhileIdle()
    {
        m_server->limits.keepAliveMs = 20;
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        QVERIFY(client.waitFor([](const auto &r) { return r.body.contains(": keep-alive\n\n"); }));
        QVERIFY(client.current().events().isEmpty()); // comments are not events
        m_server->writer->finish();
        QVERIFY(client.takeResponse().complete);
    }
};

QTEST_GUILESS_MAIN(TestSseWriter)
#include "test_ssewriter.moc"

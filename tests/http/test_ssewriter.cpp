// SseWriter over a real QHttpServer on port 0, read by a raw socket client: exact chunked
// framing, keep-alive reuse after the stream, held events flushed in order, a client that
// leaves, and a client that does not read.
#include "http/ssewriter.h"
#include "rawhttpclient.h"

#include <QHttpServer>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace agency;
using agency::http::SseWriter;
using agency::test::RawHttpClient;

class TestSseWriter : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QHttpServer> m_server;
    quint16 m_port = 0;
    QPointer<SseWriter> m_writer;               ///< the stream of the last /stream request
    std::function<void(SseWriter &)> m_onStart; ///< what the /stream route writes at once
    SseWriter::Limits m_limits;

private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<QHttpServer>();
        m_limits = SseWriter::Limits{};
        m_onStart = {};
        m_server->route(QStringLiteral("/stream"),
                        [this](const QHttpServerRequest &, QHttpServerResponder &&responder) {
                            m_writer = new SseWriter(std::move(responder), m_limits, this);
                            m_writer->start({{"X-Test", "1"}});
                            if (m_onStart)
                                m_onStart(*m_writer);
                        });
        m_server->route(QStringLiteral("/plain"), [] { return QStringLiteral("plain"); });
        m_port = m_server->listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_port != 0);
    }

    void cleanup()
    {
        delete m_writer;
        m_server.reset();
    }

    void framesEventsAndEndsTheBody()
    {
        m_onStart = [](SseWriter &writer) {
            QVERIFY(writer.event("delta", R"({"text":"Hel"})"));
            QVERIFY(writer.event("delta", "two\nlines"));
            QVERIFY(writer.data("[DONE]"));
            writer.finish();
            QVERIFY(!writer.data("late"));
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
        // responder the writer owned adds nothing when it goes.
        delete m_writer;
        client.send("GET", "/plain");
        const auto next = client.takeResponse();
        QCOMPARE(next.status, 200);
        QCOMPARE(next.body, QByteArray("plain"));
    }

    void eventsWrittenLaterArriveInOrder()
    {
        // A tiny high-water mark: most events are held while the socket has not flushed and go
        // out together once it drains; the client must see every one, in order.
        m_limits.highWater = 64;
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        QVERIFY(client.waitForHead());
        QVERIFY(m_writer);
        for (int i = 0; i < 200; ++i)
            QVERIFY(m_writer->event("n", QByteArray::number(i)));
        QVERIFY(m_writer->bufferedBytes() > 0);
        QVERIFY(QTest::qWaitFor([this] { return m_writer->bufferedBytes() == 0; }, 10000));
        m_writer->finish();
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
        QVERIFY(m_writer);
        QSignalSpy gone(m_writer.data(), &SseWriter::gone);
        QVERIFY(m_writer->event("delta", "x"));
        client.disconnectFromServer();
        QVERIFY(gone.wait(10000));
        QCOMPARE(gone.size(), 1);
        QVERIFY(m_writer->clientGone());
        QVERIFY(!m_writer->event("delta", "after"));
        m_writer->finish(); // harmless on a vanished socket
        // The server still answers others.
        RawHttpClient other;
        QVERIFY(other.connectTo(m_port));
        other.send("GET", "/plain");
        QCOMPARE(other.takeResponse().status, 200);
    }

    void clientThatDoesNotReadIsDropped()
    {
        m_limits.highWater = 1024;
        m_limits.maxBuffered = 256 * 1024;
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        QVERIFY(client.waitForHead());
        QVERIFY(m_writer);
        QSignalSpy gone(m_writer.data(), &SseWriter::gone);
        // Written without returning to the event loop, as a fast producer would: what waits for
        // the client passes the bound and the stream is given up instead of growing.
        const QByteArray payload(4096, 'x');
        bool refused = false;
        for (int i = 0; i < 1000 && !refused; ++i)
            refused = !m_writer->event("delta", payload);
        QVERIFY(refused);
        QCOMPARE(gone.size(), 1);
        QVERIFY(m_writer->bufferedBytes() <= m_limits.maxBuffered);
    }

    void keepAliveCommentsWhileIdle()
    {
        m_limits.keepAliveMs = 20;
        RawHttpClient client;
        QVERIFY(client.connectTo(m_port));
        client.send("GET", "/stream");
        QVERIFY(client.waitFor([](const auto &r) { return r.body.contains(": keep-alive\n\n"); }));
        QVERIFY(client.current().events().isEmpty()); // comments are not events
        m_writer->finish();
        QVERIFY(client.takeResponse().complete);
    }
};

QTEST_GUILESS_MAIN(TestSseWriter)
#include "test_ssewriter.moc"

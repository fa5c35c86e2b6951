// NetworkLanes: more than Qt 6.4's six concurrent HTTP/1.1 calls per host, every verb and body
// passed through unchanged. A local server holds requests until a given number wait at once and
// counts the connections the client opened: concurrency is proven by counts, never by a deadline.
// A client that cannot reach the number stalls (its calls time out: the test fails); one that
// goes beyond it opens more connections than the number.
#include "llm/networklanes.h"

#include <QNetworkReply>

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <algorithm>

using agency::llm::NetworkLanes;

namespace {

/// HTTP/1.1 server that answers "METHOD BODY" to the requests it holds each time `releaseAt` of
/// them are waiting at once (so send a multiple of it).
class HoldingServer : public QObject
{
public:
    explicit HoldingServer(int releaseAt) : m_releaseAt(releaseAt)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++m_connections;
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            }
        });
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/x").arg(m_server.serverPort())); }
    int mostHeldAtOnce() const { return m_mostHeld; }
    /// Connections the client opened in all (it keeps them open and reuses them: keep-alive).
    int connections() const { return m_connections; }

private:
    struct Held
    {
        QTcpSocket *socket;
        QByteArray answer;
    };

    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        const QByteArray headers = buffer.left(headerEnd).toLower();
        qsizetype length = 0;
        if (const qsizetype at = headers.indexOf("content-length:"); at >= 0)
            length = headers.mid(at + 15, headers.indexOf('\r', at) - at - 15).trimmed().toLongLong();
        if (buffer.size() < headerEnd + 4 + length)
            return;
        const QByteArray method = buffer.left(buffer.indexOf(' '));
        const QByteArray body = buffer.mid(headerEnd + 4, length);
        buffer.clear();
        m_held.append({socket, method + ' ' + body});
        m_mostHeld = std::max(m_mostHeld, static_cast<int>(m_held.size()));
        if (m_held.size() >= m_releaseAt)
            releaseAll();
    }

    void releaseAll()
    {
        for (const Held &h : std::as_const(m_held)) {
            h.socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                            QByteArray::number(h.answer.size()) + "\r\n\r\n" + h.answer);
        }
        m_held.clear();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Held> m_held;
    int m_releaseAt;
    int m_mostHeld = 0;
    int m_connections = 0;
};

/// Sends `count` POSTs at once and waits (10 s at most in all) for every answer.
bool postConcurrently(QNetworkAccessManager &nam, const QUrl &url, int count)
{
    QList<QNetworkReply *> replies;
    for (int i = 0; i < count; ++i) {
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("text/plain"));
        replies.append(nam.post(request, QByteArray::number(i)));
    }
    const bool finished = QTest::qWaitFor(
        [&replies] {
            return std::all_of(replies.cbegin(), replies.cend(),
                               [](QNetworkReply *r) { return r->isFinished(); });
        },
        10000);
    bool ok = finished;
    for (qsizetype i = 0; i < replies.size(); ++i) {
        QNetworkReply *reply = replies.at(i);
        ok = ok && reply->error() == QNetworkReply::NoError &&
             reply->readAll() == "POST " + QByteArray::number(i);
        reply->abort();
        reply->deleteLater();
    }
    return ok;
}

} // namespace

class TestNetworkLanes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneManagerStopsAtSixPerHost()
    {
        // The limit this class exists for: if Qt lifts it, the lanes can go. Six at a time, in
        // three rounds: held six, answered, the next six.
        HoldingServer server(NetworkLanes::kConnectionsPerLane);
        QNetworkAccessManager plain;
        QVERIFY(postConcurrently(plain, server.url(), 3 * NetworkLanes::kConnectionsPerLane));
        QCOMPARE(server.mostHeldAtOnce(), NetworkLanes::kConnectionsPerLane);
        QCOMPARE(server.connections(), NetworkLanes::kConnectionsPerLane);
    }

    void lanesCarryEveryCallAtOnce()
    {
        HoldingServer server(20); // answers only once all twenty wait at once
        NetworkLanes lanes(24);
        QCOMPARE(lanes.laneCount(), 4);
        QVERIFY(postConcurrently(lanes, server.url(), 20));
        QCOMPARE(server.mostHeldAtOnce(), 20);
        QCOMPARE(server.connections(), 20);
    }

    void connectionsPerHostIsACeiling()
    {
        HoldingServer server(12); // two rounds of twelve: never a thirteenth connection
        NetworkLanes lanes(12);
        QVERIFY(postConcurrently(lanes, server.url(), 24));
        QCOMPARE(server.mostHeldAtOnce(), 12);
        QCOMPARE(server.connections(), 12);
    }

    void everyVerbAndBodyPassesThrough()
    {
        HoldingServer server(1);
        NetworkLanes lanes(6);
        QNetworkRequest request(server.url());
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("text/plain"));
        const QList<std::pair<QNetworkReply *, QByteArray>> calls{
            {lanes.get(request), "GET "},
            {lanes.put(request, QByteArray("put-body")), "PUT put-body"},
            {lanes.deleteResource(request), "DELETE "},
            {lanes.sendCustomRequest(request, "PATCH", QByteArray("patch-body")), "PATCH patch-body"},
            {lanes.post(request, QByteArray("post-body")), "POST post-body"},
        };
        for (const auto &[reply, expected] : calls) {
            if (!reply->isFinished())
                QVERIFY(QSignalSpy(reply, &QNetworkReply::finished).wait(10000));
            QCOMPARE(reply->error(), QNetworkReply::NoError);
            QCOMPARE(reply->readAll(), expected);
            reply->deleteLater();
        }
    }
};

QTEST_GUILESS_MAIN(TestNetworkLanes)
#include "test_networklanes.moc"

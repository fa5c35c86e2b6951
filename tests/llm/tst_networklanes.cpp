// NetworkLanes: more than Qt 6.4's six concurrent HTTP/1.1 calls per host, every verb and body
// passed through unchanged. A local server holds every request until all expected ones have
// arrived (or a deadline passed), so the count it saw at once is the concurrency the client used.
#include "llm/networklanes.h"

#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using agency::llm::NetworkLanes;

namespace {

/// HTTP/1.1 server that answers "METHOD BODY" once `expected` requests are waiting.
class HoldingServer : public QObject
{
public:
    /// `deadlineMs`: how long a request waits for the rest when fewer than `expected` arrive.
    explicit HoldingServer(int expected, int deadlineMs = 5000) : m_expected(expected)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
        });
        // A client that never sends them all still gets its answers (and the test its count).
        m_deadline.setSingleShot(true);
        m_deadline.setInterval(deadlineMs);
        connect(&m_deadline, &QTimer::timeout, this, &HoldingServer::releaseAll);
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/x").arg(m_server.serverPort())); }
    int mostHeldAtOnce() const { return m_mostHeld; }

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
        if (!m_deadline.isActive())
            m_deadline.start();
        if (m_held.size() >= m_expected)
            releaseAll();
    }

    void releaseAll()
    {
        m_deadline.stop();
        for (const Held &h : std::as_const(m_held)) {
            h.socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                            QByteArray::number(h.answer.size()) + "\r\n\r\n" + h.answer);
        }
        m_held.clear();
    }

    QTcpServer m_server;
    QTimer m_deadline;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Held> m_held;
    int m_expected;
    int m_mostHeld = 0;
};

/// Sends `count` POSTs at once and waits for every answer.
bool postConcurrently(QNetworkAccessManager &nam, const QUrl &url, int count)
{
    QList<QNetworkReply *> replies;
    for (int i = 0; i < count; ++i) {
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("text/plain"));
        replies.append(nam.post(request, QByteArray::number(i)));
    }
    bool ok = true;
    for (qsizetype i = 0; i < replies.size(); ++i) {
        QNetworkReply *reply = replies.at(i);
        if (!reply->isFinished() && !QSignalSpy(reply, &QNetworkReply::finished).wait(10000))
            ok = false;
        ok = ok && reply->error() == QNetworkReply::NoError &&
             reply->readAll() == "POST " + QByteArray::number(i);
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
        // The limit this class exists for: if Qt lifts it, the lanes can go.
        HoldingServer server(20, 1000); // six at a time: each round waits out the deadline
        QNetworkAccessManager plain;
        QVERIFY(postConcurrently(plain, server.url(), 20));
        QCOMPARE(server.mostHeldAtOnce(), NetworkLanes::kConnectionsPerLane);
    }

    void lanesCarryEveryCallAtOnce()
    {
        HoldingServer server(20);
        NetworkLanes lanes(24);
        QCOMPARE(lanes.laneCount(), 4);
        QVERIFY(postConcurrently(lanes, server.url(), 20));
        QCOMPARE(server.mostHeldAtOnce(), 20);
    }

    void connectionsPerHostIsACeiling()
    {
        HoldingServer server(20, 1000);
        NetworkLanes lanes(12);
        QVERIFY(postConcurrently(lanes, server.url(), 20));
        QCOMPARE(server.mostHeldAtOnce(), 12);
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
#include "tst_networklanes.moc"

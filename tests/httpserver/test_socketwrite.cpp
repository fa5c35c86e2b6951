// writeToClient (backend/httpserver/socketwrite.h) over a real loopback connection: bytes the kernel takes
// at once leave without an event-loop pass; what it cannot take (a client that does not read) is
// queued by QTcpSocket and still arrives complete and in order, also when later writes follow;
// a client that left is not an error (no SIGPIPE, nothing thrown).
#include "httpserver/socketwrite.h"

#include <QPointer>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using agency::httpserver::writeToClient;

namespace {

/// A connected pair on loopback: `server` is the accepted side (what ApiCall writes to).
struct SocketPair
{
    QTcpServer listener;
    QTcpSocket client;
    QPointer<QTcpSocket> server;

    bool open()
    {
        if (!listener.listen(QHostAddress::LocalHost, 0))
            return false;
        client.connectToHost(QHostAddress::LocalHost, listener.serverPort());
        if (!listener.waitForNewConnection(10000) || !client.waitForConnected(10000))
            return false;
        server = listener.nextPendingConnection();
        return server && server->state() == QAbstractSocket::ConnectedState;
    }
};

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(42);
    for (char &c : bytes)
        c = char(generator.bounded(256));
    return bytes;
}

} // namespace

class TestSocketWrite : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void smallAnswerLeavesAtOnce();
    void whatTheKernelRefusesIsQueuedInOrder();
    void clientThatLeftIsNotAnError();
};

void TestSocketWrite::smallAnswerLeavesAtOnce()
{
    SocketPair pair;
    QVERIFY(pair.open());
    writeToClient(pair.server, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    // Nothing waits in Qt's buffer: the kernel has the bytes already, before any event-loop pass.
    QCOMPARE(pair.server->bytesToWrite(), 0);
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT((received += pair.client.readAll()).endsWith("ok"), 10000);
    QCOMPARE(received, QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
}

void TestSocketWrite::whatTheKernelRefusesIsQueuedInOrder()
{
    SocketPair pair;
    QVERIFY(pair.open());
    // Small kernel buffers and a client that does not read yet: the first write cannot all go at
    // once, so the rest is queued in QTcpSocket, and the second write must queue behind it.
    pair.server->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 64 * 1024);
    pair.client.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 64 * 1024);
    const QByteArray first = randomBytes(4 * 1024 * 1024);
    const QByteArray second = "-and-then-this";
    writeToClient(pair.server, first);
    QVERIFY2(pair.server->bytesToWrite() > 0, "the kernel took 4 MiB at once: the test proves nothing");
    writeToClient(pair.server, second);
    QByteArray received;
    connect(&pair.client, &QTcpSocket::readyRead, this, [&] { received += pair.client.readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(received.size() >= first.size() + second.size(), 30000);
    QCOMPARE(received.size(), first.size() + second.size());
    QVERIFY(received.startsWith(first));
    QVERIFY(received.endsWith(second));
    QTRY_COMPARE_WITH_TIMEOUT(pair.server->bytesToWrite(), 0, 10000);
}

void TestSocketWrite::clientThatLeftIsNotAnError()
{
    SocketPair pair;
    QVERIFY(pair.open());
    pair.client.abort(); // a reset: the server side's next send fails with EPIPE/ECONNRESET
    // Writes after the peer left must neither raise SIGPIPE (which would end this process) nor
    // throw; the socket notices the loss on its own and disconnects.
    for (int i = 0; i < 3; ++i)
        writeToClient(pair.server, randomBytes(64 * 1024));
    QTRY_VERIFY_WITH_TIMEOUT(!pair.server || pair.server->state() == QAbstractSocket::UnconnectedState,
                             10000);
}

QTEST_GUILESS_MAIN(TestSocketWrite)
#include "test_socketwrite.moc"

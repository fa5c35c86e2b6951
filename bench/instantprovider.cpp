#include "instantprovider.h"

#include <QMetaObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace agency::bench {

namespace {

const QByteArray kBody =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":"bench-model","choices":[{"index":0,)"
    R"("message":{"role":"assistant","content":"Noted. Here is a short answer for the benchmark."},)"
    R"("finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":11,"total_tokens":53}})";

/// Serves every complete request on the socket with the canned answer, after `delayMs`.
void serve(QTcpSocket *socket, QByteArray *buffer, int delayMs)
{
    buffer->append(socket->readAll());
    for (;;) {
        const qsizetype headerEnd = buffer->indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        qsizetype length = 0;
        const QByteArray headers = buffer->left(headerEnd).toLower();
        const qsizetype at = headers.indexOf("content-length:");
        if (at >= 0)
            length = headers.mid(at + 15, headers.indexOf('\r', at) - at - 15).trimmed().toLongLong();
        if (buffer->size() < headerEnd + 4 + length)
            return;
        buffer->remove(0, headerEnd + 4 + length);
        const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                    QByteArray::number(kBody.size()) + "\r\nConnection: keep-alive\r\n\r\n" +
                                    kBody;
        if (delayMs <= 0)
            socket->write(response);
        else
            QTimer::singleShot(delayMs, Qt::PreciseTimer, socket,
                               [socket, response] { socket->write(response); });
    }
}

} // namespace

InstantProvider::InstantProvider() = default;

InstantProvider::~InstantProvider()
{
    m_thread.quit();
    m_thread.wait();
}

QString InstantProvider::start()
{
    m_thread.start();
    auto *server = new QTcpServer;
    server->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, server, &QObject::deleteLater);
    QMetaObject::invokeMethod(
        server,
        [this, server] {
            QObject::connect(server, &QTcpServer::newConnection, server, [this, server] {
                while (QTcpSocket *socket = server->nextPendingConnection()) {
                    auto *buffer = new QByteArray;
                    QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                        serve(socket, buffer, m_delayMs.loadRelaxed());
                    });
                    QObject::connect(socket, &QTcpSocket::disconnected, socket, [socket, buffer] {
                        delete buffer;
                        socket->deleteLater();
                    });
                }
            });
            server->listen(QHostAddress::LocalHost, 0);
            m_port = server->serverPort();
        },
        Qt::BlockingQueuedConnection);
    return m_port ? QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port) : QString();
}

} // namespace agency::bench

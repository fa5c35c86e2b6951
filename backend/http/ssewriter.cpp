#include "ssewriter.h"

#include <QTcpSocket>

namespace agency::http {

namespace {

/// Every line of `data` as its own "data:" field: a bare newline inside would end the field.
QByteArray dataLines(const QByteArray &data)
{
    QByteArray out;
    out.reserve(data.size() + 8);
    for (const QByteArray &line : data.split('\n')) {
        out += "data: ";
        out += line.endsWith('\r') ? line.chopped(1) : line;
        out += '\n';
    }
    return out;
}

} // namespace

SseWriter::SseWriter(QHttpServerResponder &&responder, Limits limits, QObject *parent)
    : QObject(parent), m_responder(std::move(responder)), m_socket(m_responder.socket()), m_limits(limits)
{
    if (!m_socket) {
        m_gone = true;
        return;
    }
    connect(m_socket, &QTcpSocket::disconnected, this, &SseWriter::markGone);
    connect(m_socket, &QObject::destroyed, this, &SseWriter::markGone);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &SseWriter::onBytesWritten);
    if (m_limits.keepAliveMs > 0) {
        // A comment every so often keeps proxies from timing the stream out while a tool runs,
        // and a write to a vanished peer is how a half-open connection is noticed.
        m_keepAlive.setInterval(m_limits.keepAliveMs);
        connect(&m_keepAlive, &QTimer::timeout, this,
                [this] { send(QByteArrayLiteral(": keep-alive\n\n")); });
    }
}

SseWriter::SseWriter(QHttpServerResponder &&responder, QObject *parent)
    : SseWriter(std::move(responder), Limits{}, parent)
{
}

SseWriter::~SseWriter() = default;

bool SseWriter::isOpen() const
{
    return m_started && !m_finished && !m_gone && m_socket;
}

qint64 SseWriter::bufferedBytes() const
{
    return (m_socket ? m_socket->bytesToWrite() : 0) + m_held.size();
}

bool SseWriter::start(const Headers &extra)
{
    if (m_started || m_gone || !m_socket)
        return false;
    m_started = true;
    QByteArray head = QByteArrayLiteral("HTTP/1.1 200 OK\r\n"
                                        "Content-Type: text/event-stream; charset=utf-8\r\n"
                                        "Cache-Control: no-cache\r\n"
                                        "X-Accel-Buffering: no\r\n"
                                        "Transfer-Encoding: chunked\r\n");
    for (const auto &[name, value] : extra)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    m_socket->write(head);
    if (m_keepAlive.interval() > 0)
        m_keepAlive.start();
    return true;
}

bool SseWriter::event(const QByteArray &name, const QByteArray &data)
{
    return send("event: " + name + '\n' + dataLines(data) + '\n');
}

bool SseWriter::data(const QByteArray &data)
{
    return send(dataLines(data) + '\n');
}

bool SseWriter::send(const QByteArray &frame)
{
    if (!isOpen())
        return false;
    if (m_keepAlive.isActive())
        m_keepAlive.start(); // restart: only idle streams need a keep-alive
    if (bufferedBytes() + frame.size() > m_limits.maxBuffered) {
        // The client does not read: holding more would let one reader grow the server's memory.
        m_held.clear();
        markGone();
        if (m_socket)
            m_socket->abort();
        return false;
    }
    if (!m_held.isEmpty() || m_socket->bytesToWrite() > m_limits.highWater) {
        m_held += frame;
        return true;
    }
    writeChunk(frame);
    return true;
}

void SseWriter::writeChunk(const QByteArray &payload)
{
    if (payload.isEmpty())
        return; // an empty chunk would end the body
    m_socket->write(QByteArray::number(payload.size(), 16) + "\r\n" + payload + "\r\n");
}

void SseWriter::onBytesWritten()
{
    if (m_held.isEmpty() || !isOpen() || m_socket->bytesToWrite() > m_limits.highWater / 2)
        return;
    writeChunk(std::exchange(m_held, {}));
}

void SseWriter::finish()
{
    if (!isOpen()) {
        m_finished = true;
        return;
    }
    m_keepAlive.stop();
    writeChunk(std::exchange(m_held, {}));
    m_socket->write(QByteArrayLiteral("0\r\n\r\n"));
    m_finished = true;
}

void SseWriter::markGone()
{
    if (m_gone || m_finished)
        return;
    m_gone = true;
    m_keepAlive.stop();
    Q_EMIT gone();
}

} // namespace agency::http

#include "ssewriter.h"

namespace agency::httpserver {

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

std::shared_ptr<SseWriter> SseWriter::create(CallPtr call, Limits limits)
{
    return std::shared_ptr<SseWriter>(new SseWriter(std::move(call), limits),
                                      [](SseWriter *writer) { writer->deleteLater(); });
}

SseWriter::SseWriter(CallPtr call, Limits limits) : m_call(std::move(call)), m_limits(limits)
{
    m_call->onClientGone(this, [this] { markGone(); });
    if (m_limits.keepAliveMs > 0) {
        // A comment every so often keeps proxies from timing the stream out while a tool runs,
        // and a write to a vanished peer is how a half-open connection is noticed.
        m_keepAlive.setInterval(m_limits.keepAliveMs);
        connect(&m_keepAlive, &QTimer::timeout, this,
                [this] { send(QByteArrayLiteral(": keep-alive\n\n")); });
    }
    m_drain.setInterval(m_limits.drainCheckMs);
    connect(&m_drain, &QTimer::timeout, this, &SseWriter::flushHeld);
}

bool SseWriter::isOpen() const
{
    return m_started && !m_finished && !m_gone && m_call->clientConnected();
}

qint64 SseWriter::bufferedBytes() const
{
    return m_call->bytesToWrite() + m_held.size();
}

bool SseWriter::start(const Headers &extra)
{
    if (m_started || m_gone)
        return false;
    Headers headers{{QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache")},
                    {QByteArrayLiteral("X-Accel-Buffering"), QByteArrayLiteral("no")}};
    headers += extra;
    m_started = m_call->beginStream(200, QByteArrayLiteral("text/event-stream; charset=utf-8"), headers);
    if (m_started && m_keepAlive.interval() > 0)
        m_keepAlive.start();
    return m_started;
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
        m_call->abortConnection();
        return false;
    }
    if (!m_held.isEmpty() || m_call->bytesToWrite() > m_limits.highWater) {
        m_held += frame;
        if (!m_drain.isActive())
            m_drain.start();
        return true;
    }
    return m_call->writeChunk(frame);
}

void SseWriter::flushHeld()
{
    if (m_held.isEmpty() || !isOpen()) {
        m_drain.stop();
        return;
    }
    if (m_call->bytesToWrite() > m_limits.highWater / 2)
        return;
    m_drain.stop();
    m_call->writeChunk(std::exchange(m_held, {}));
}

void SseWriter::finish()
{
    if (m_finished)
        return;
    const bool open = isOpen();
    m_finished = true;
    m_keepAlive.stop();
    m_drain.stop();
    if (!open)
        return;
    m_call->writeChunk(std::exchange(m_held, {}));
    m_call->endStream();
}

void SseWriter::markGone()
{
    if (m_gone || m_finished)
        return;
    m_gone = true;
    m_keepAlive.stop();
    m_drain.stop();
    Q_EMIT gone();
}

} // namespace agency::httpserver

#pragma once

#include "apicall.h"

#include <QByteArray>
#include <QObject>
#include <QTimer>

#include <memory>

namespace agency::httpserver {

/// Bounds of one SseWriter (defaults suit a chat stream).
struct SseLimits
{
    qint64 highWater = 64 * 1024;
    qint64 maxBuffered = 8 * 1024 * 1024;
    int keepAliveMs = 15'000; ///< a comment line when idle this long (0: never)
    int drainCheckMs = 10;    ///< how often held events look for room
};

/// A text/event-stream answer on an ApiCall, whose chunked framing is written by hand because
/// QHttpServer 6.4 has no streaming API (docs/design.md#http): the head with `Transfer-Encoding:
/// chunked`, every event as one chunk, then the zero-length chunk that ends the body (the
/// connection stays usable for keep-alive).
///
/// A client that disconnects, or reads so slowly that more than Limits::maxBuffered bytes wait
/// for it, is "gone": gone() is emitted once (the caller cancels its work), the connection is
/// dropped in the second case, and every later write is a no-op returning false.
///
/// Back-pressure: while more than Limits::highWater bytes wait in the socket, new events are
/// held and sent together as one chunk once it drains below half of that, so a slow reader
/// costs one chunk per drain instead of one per token.
///
/// Thread affinity: the server thread. Keeps the call alive while it lives.
class SseWriter : public QObject
{
    Q_OBJECT

public:
    using Limits = SseLimits;

    /// A writer deleted with deleteLater() when the last owner lets go (its own signals may be
    /// on the stack then).
    static std::shared_ptr<SseWriter> create(CallPtr call, Limits limits = {});

    /// Sends "200" and the headers: Content-Type text/event-stream, Cache-Control no-cache,
    /// X-Accel-Buffering no, plus `extra`. False when the client is already gone.
    bool start(const Headers &extra = {});
    /// "event: <name>\ndata: <data>\n\n" (one data line per line of `data`).
    bool event(const QByteArray &name, const QByteArray &data);
    /// "data: <data>\n\n" without an event name (what OpenAI's streams are made of).
    bool data(const QByteArray &data);
    /// Sends what is held and the terminating chunk. Further writes are refused.
    void finish();

    /// Started, not finished and the client still there.
    bool isOpen() const;
    bool clientGone() const { return m_gone; }
    /// Bytes waiting for the client: in the socket and held here.
    qint64 bufferedBytes() const;

Q_SIGNALS:
    /// The client disconnected or could not keep up. Emitted once, never after finish().
    void gone();

private:
    SseWriter(CallPtr call, Limits limits);
    bool send(const QByteArray &frame);
    void flushHeld();
    void markGone();

    CallPtr m_call;
    Limits m_limits;
    QByteArray m_held; ///< events waiting for the socket to drain
    QTimer m_keepAlive;
    QTimer m_drain;
    bool m_started = false;
    bool m_finished = false;
    bool m_gone = false;
};

} // namespace agency::httpserver

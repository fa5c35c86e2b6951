#pragma once

#include <QByteArray>
#include <QHttpServerResponder>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTimer>

class QTcpSocket;

namespace agency::http {

/// A text/event-stream response written by hand, because QHttpServer 6.4 has no streaming API
/// (DESIGN.md §7): the status line and headers with `Transfer-Encoding: chunked`, then every
/// event as one HTTP chunk, then the zero-length chunk that ends the body (the connection stays
/// usable for keep-alive).
///
/// The socket is the server's and is deleted when the client leaves, so it is only reached
/// through a QPointer. A client that disconnects, or reads so slowly that more than
/// Limits::maxBuffered bytes wait for it, is "gone": clientGone() is emitted once (the caller
/// cancels its work) and every later write is a no-op returning false.
///
/// Back-pressure: while more than Limits::highWater bytes wait in the socket, new events are
/// held and sent together as one chunk once the socket drains below half of it, so a slow
/// reader costs one chunk per drain instead of one per token.
///
/// Thread affinity: the thread of the server's sockets. Owns the responder it was given.
class SseWriter : public QObject
{
    Q_OBJECT

public:
    struct Limits
    {
        qint64 highWater = 64 * 1024;
        qint64 maxBuffered = 8 * 1024 * 1024;
        int keepAliveMs = 15'000; ///< a comment line when idle this long (0: never)
    };
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    explicit SseWriter(QHttpServerResponder &&responder, Limits limits, QObject *parent = nullptr);
    explicit SseWriter(QHttpServerResponder &&responder, QObject *parent = nullptr);
    ~SseWriter() override;

    /// Sends "200 OK" and the headers: Content-Type text/event-stream, Cache-Control no-cache,
    /// Transfer-Encoding chunked, plus `extra`. False when the client is already gone.
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
    bool send(const QByteArray &frame);
    void writeChunk(const QByteArray &payload);
    void onBytesWritten();
    void markGone();

    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    Limits m_limits;
    QByteArray m_held; ///< events waiting for the socket to drain
    QTimer m_keepAlive;
    bool m_started = false;
    bool m_finished = false;
    bool m_gone = false;
};

} // namespace agency::http

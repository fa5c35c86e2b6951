#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTcpSocket>

namespace agency::test {

/// One server-sent event as a client parses it.
struct SseEvent
{
    QByteArray name; ///< empty for data-only events
    QByteArray data; ///< data lines joined with '\n'
    QJsonObject json() const;
};

/// A response as read off the wire: the status line, headers (names lowercased) and the body
/// with any chunked framing removed.
struct RawResponse
{
    int status = 0;
    QHash<QByteArray, QByteArray> headers;
    QByteArray body;
    bool complete = false; ///< the whole body arrived (Content-Length reached or last chunk)
    bool chunked = false;

    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    QJsonObject json() const;
    /// The body so far as server-sent events (complete events only).
    QList<SseEvent> events() const;
};

/// An HTTP/1.1 client over a plain socket, for checking exactly what the server writes: the
/// framing of chunked SSE streams, headers, keep-alive reuse, and a client that leaves
/// mid-stream. Reads are incremental, so a test can look at a stream while it runs. Every wait
/// processes events (the server under test runs on the same thread) and fails the calling
/// test on timeout through QTest's macros in the callers.
class RawHttpClient : public QObject
{
    Q_OBJECT

public:
    explicit RawHttpClient(QObject *parent = nullptr);

    bool connectTo(quint16 port, int timeoutMs = 10000);
    /// Sends one request with Content-Length (and Host, Connection: keep-alive).
    void send(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
              const QList<QPair<QByteArray, QByteArray>> &headers = {});
    void sendRaw(const QByteArray &bytes);

    /// Waits for the current response's head; false on timeout or disconnect.
    bool waitForHead(int timeoutMs = 10000);
    /// Waits until `done(response)` holds; false on timeout.
    bool waitFor(const std::function<bool(const RawResponse &)> &done, int timeoutMs = 10000);
    /// Waits for the whole current response, then returns it and forgets it, so the next
    /// response on this connection can be read. status 0 on timeout.
    RawResponse takeResponse(int timeoutMs = 10000);
    const RawResponse &current() const { return m_current; }

    void disconnectFromServer();
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QTcpSocket &socket() { return m_socket; }

private:
    void onReadyRead();
    bool parse();

    QTcpSocket m_socket;
    QByteArray m_buffer; ///< bytes not yet parsed
    RawResponse m_current;
    bool m_headDone = false;
    qint64 m_contentLength = -1;
};

} // namespace agency::test

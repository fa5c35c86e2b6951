#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QUrlQuery>

#include <functional>
#include <memory>

class QTcpServer;
class QTcpSocket;

namespace agency::test {

using FakeHeaders = QList<QPair<QByteArray, QByteArray>>;

/// One request as the fake server received it.
struct RecordedRequest
{
    QByteArray method;
    QByteArray target; ///< path and query, as sent: "/v1/chat/completions?alt=sse"
    FakeHeaders headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const; ///< case-insensitive; empty when absent
    QString path() const;                            ///< target without the query
    QUrlQuery query() const;
    QJsonObject json() const; ///< body parsed as a JSON object ({} when it is not one)
};

/// A piece of a chunked response body, written `delayMs` after the previous one.
struct FakeChunk
{
    QByteArray data;
    int delayMs = 0;
};

/// What the fake server does with one request.
struct FakeResponse
{
    enum class Action {
        Respond,            ///< send the response below
        NeverAnswer,        ///< read the request, then stay silent with the connection open
        CloseWithoutAnswer, ///< close the connection (FIN) without a byte of response
        ResetWithoutAnswer, ///< reset the connection (RST) without a byte of response
    };
    enum class Ending {
        Complete, ///< the whole body, connection kept alive
        Close,    ///< stop mid-body and close (FIN): a truncated answer
        Reset,    ///< stop mid-body and reset (RST)
        Hang,     ///< stop mid-body and stay silent with the connection open
    };

    Action action = Action::Respond;
    int status = 200;
    FakeHeaders headers;
    QByteArray body;         ///< sent with Content-Length when `chunks` is empty
    QList<FakeChunk> chunks; ///< when not empty: Transfer-Encoding: chunked, one write per chunk
    int delayMs = 0;         ///< before the status line
    Ending ending = Ending::Complete;

    static FakeResponse json(int status, const QJsonObject &body);
    static FakeResponse raw(int status, QByteArray body, QByteArray contentType = "application/json");
    /// text/event-stream, one chunk per event: each payload becomes "data: <payload>\n\n".
    static FakeResponse sse(const QList<QByteArray> &payloads, int delayBetweenMs = 0);
    /// text/event-stream with exactly these bytes per chunk.
    static FakeResponse sseChunks(QList<FakeChunk> chunks);
    static FakeResponse neverAnswer();
    static FakeResponse closeWithoutAnswer();
    static FakeResponse resetWithoutAnswer();

    FakeResponse &header(QByteArray name, QByteArray value);
    FakeResponse &delay(int ms);
    FakeResponse &end(Ending how);
};

/// A scriptable HTTP/1.1 server on 127.0.0.1 (port 0) for testing clients over real sockets.
/// Responses come, in order of preference, from the queue for the longest matching path prefix,
/// the general queue, the handler, else a 500 JSON error saying nothing was scripted. Every request
/// is recorded. Keep-alive connections serve several requests.
///
/// Thread affinity: the thread that created it; it serves through that thread's event loop, so a
/// test must wait with QTRY_*/QTest::qWaitFor (which process events), never sleep.
class FakeHttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<FakeResponse(const RecordedRequest &)>;

    explicit FakeHttpServer(QObject *parent = nullptr);
    ~FakeHttpServer() override;

    /// Starts listening on 127.0.0.1 with a free port. False when that fails.
    bool listen();
    quint16 port() const;
    QString origin() const; ///< "http://127.0.0.1:<port>"

    void enqueue(FakeResponse response);
    void enqueue(const QString &pathPrefix, FakeResponse response);
    void setHandler(Handler handler);

    QList<RecordedRequest> requests() const { return m_requests; }
    qsizetype requestCount() const { return m_requests.size(); }
    RecordedRequest lastRequest() const
    {
        return m_requests.isEmpty() ? RecordedRequest() : m_requests.last();
    }
    void clearRequests() { m_requests.clear(); }
    qsizetype pendingResponses() const;
    /// Connections currently open (a client that gave up has closed its connection).
    int openConnections() const;

    /// Requests received whose response is not finished yet (held, delayed, streaming, or never
    /// answered) on connections still open.
    int requestsInFlight() const;
    /// The most requests that were in flight at once: the concurrency the client really used.
    int mostInFlight() const { return m_mostInFlight; }
    /// Responses written to their end (Ending::Complete): a stream the client aborted never counts.
    int completedResponses() const { return m_completedResponses; }
    /// Holds every response until `count` requests are in flight at once, then sends them all
    /// (each after its own delay). Proves concurrency by a count, not by elapsed time: a client
    /// that sends one request at a time never gets an answer. Once released, it serves as usual.
    void holdResponsesUntil(int count);
    /// Sends every held response now (to the clients still connected) and stops holding.
    void releaseHeld();

Q_SIGNALS:
    void requestReceived(const agency::test::RecordedRequest &request);

private:
    struct Connection;
    void onNewConnection();
    void onReadyRead(const std::shared_ptr<Connection> &connection);
    void serve(const std::shared_ptr<Connection> &connection, const RecordedRequest &request);
    FakeResponse responseFor(const RecordedRequest &request);
    void writeChunks(const std::shared_ptr<Connection> &connection, const FakeResponse &response,
                     qsizetype index);
    void finishResponse(const std::shared_ptr<Connection> &connection, const FakeResponse &response);
    void respond(const std::shared_ptr<Connection> &connection, const FakeResponse &response);

    QTcpServer *m_server;
    QList<FakeResponse> m_queue;
    QList<QPair<QString, QList<FakeResponse>>> m_pathQueues;
    Handler m_handler;
    QList<RecordedRequest> m_requests;
    QList<std::shared_ptr<Connection>> m_connections;
    QList<QPair<std::shared_ptr<Connection>, FakeResponse>> m_held;
    int m_holdUntil = 0;
    int m_mostInFlight = 0;
    int m_completedResponses = 0;
};

/// Resets `socket` (RST instead of FIN) by closing it with SO_LINGER {on, 0}.
void resetSocket(QTcpSocket *socket);

} // namespace agency::test

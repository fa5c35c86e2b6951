#pragma once

#include "answerorder.h"
#include "requesthead.h"
#include "serverconfig.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QPointer>
#include <QTcpServer>

#include <memory>
#include <optional>

class QTcpSocket;
class QTimer;

namespace agency::httpserver {

/// The TCP listener in front of QHttpServer, which in Qt 6.4 has no limits or timeouts of its
/// own. It sees every byte before QHttpServer does (its readyRead handler is connected first) and
/// enforces the ServerConfig limits:
/// - connections over maxConnectionsPerClient from one address, or over maxConnections in all,
///   are answered 503 and closed at once, so one address cannot take everyone's slots;
/// - bytes that cannot begin an HTTP/1.x request (a TLS hello) get 400 and the connection closes;
/// - a method the server does not serve gets 501;
/// - a request whose headers exceed maxHeaderBytes or kMaxHeaderLines lines gets 431, one whose
///   announced Content-Length (or received body) exceeds maxBodyBytes gets 413 before the body
///   is read;
/// - a request whose headers are not received within headerTimeoutMs, or which is not fully
///   received within requestTimeoutMs, gets 408; a new connection that sends nothing for
///   headerTimeoutMs is closed;
/// - a keep-alive connection with nothing in progress for idleTimeoutMs is closed.
/// A refused request's remaining bytes are read and dropped until the client closes (or a second
/// passes), so the client sees the answer rather than a connection reset.
///
/// Thread affinity: the server thread.
class ConnectionGate : public QTcpServer
{
    Q_OBJECT

public:
    explicit ConnectionGate(const ServerConfig &config, QObject *parent = nullptr);
    ~ConnectionGate() override;

    struct Dispatched
    {
        /// What the gate read of the request's head (nothing when it did not see it, e.g. a
        /// second request in the same read).
        std::optional<RequestHead> head;
        /// The connection's answer order (null for a connection the gate does not know).
        std::shared_ptr<AnswerOrder> order;
    };
    /// QHttpServer dispatched a complete request read from `socket`: its answer is now pending.
    Dispatched requestDispatched(QTcpSocket *socket);
    /// The answer to one request on `socket` is complete (or abandoned).
    void answerFinished(QTcpSocket *socket);
    int openConnections() const { return static_cast<int>(m_connections.size()); }
    /// Connections with a request being received or answered: the ones a stop does not close.
    int busyConnections() const;
    /// Stopping: closes every connection with nothing in progress now, and every other one as
    /// soon as its answers are complete (their bytes are flushed first); drained() follows once
    /// none is open.
    void drain();

Q_SIGNALS:
    /// After drain(): no connection is open any more.
    void drained();

Q_SIGNALS:
    /// A request was refused by a limit ("payload_too_large", "headers_too_large",
    /// "request_timeout", "not_http", "not_implemented", "too_many_connections",
    /// "too_many_client_connections"), for metrics and the access log.
    void refused(const QByteArray &reason, int status);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    struct Connection
    {
        enum class Phase { Idle, ReadingHeaders, ReadingBody, Discarding };
        Phase phase = Phase::Idle;
        QByteArray headerBytes;   ///< the current request's header block so far (bounded)
        qint64 bodyExpected = -1; ///< Content-Length; -1 unknown (chunked)
        qint64 bodyReceived = 0;
        qint64 bodyLimit = 0; ///< the current request's (ServerConfig::uploadPaths)
        int pendingAnswers = 0;
        QTimer *timer = nullptr; ///< request timeout while receiving, idle timeout otherwise
        qint64 deadline = -1;    ///< when the timeout is due (on m_clock); -1: none
        qint64 timerDue = -1;    ///< when `timer` fires, never after `deadline`
        qint64 requestStart = 0; ///< when the current request's first byte arrived (on m_clock)
        bool fresh = true;       ///< no request has started on this connection yet
        QHostAddress peer;
        std::optional<RequestHead> head; ///< the current request's, until it is dispatched
        std::shared_ptr<AnswerOrder> order;
    };

    /// Nothing being received and no answer pending.
    static bool isIdle(const Connection &c);
    void onReadyRead(QTcpSocket *socket);
    void onHeadersComplete(QTcpSocket *socket, Connection &c, qsizetype headerEnd);
    /// The largest body the request of `block` may send.
    qint64 bodyLimit(const RequestHead &head, QByteArrayView block) const;
    void refuse(QTcpSocket *socket, Connection &c, int status, const QByteArray &code,
                const QString &message);
    void armTimer(QTcpSocket *socket, Connection &c);
    void setDeadline(Connection &c, qint64 afterMs);
    void onTimer(QTcpSocket *socket);
    /// Answers 503 on a connection that is not admitted, and closes it.
    void refuseConnection(QTcpSocket *socket, const QByteArray &code, const QString &message);
    /// Forgets a connection that closed or died (idempotent).
    void forget(QTcpSocket *socket);

    const ServerConfig &m_config;
    QHash<QTcpSocket *, Connection> m_connections;
    QHash<QHostAddress, int> m_perClient; ///< open connections by client address
    QElapsedTimer m_clock;
    bool m_draining = false;
};

/// A complete HTTP/1.1 error answer with the agency's JSON body, for answers written outside a
/// route (limits). Closes the connection afterwards (Connection: close).
QByteArray rawErrorResponse(int status, const QByteArray &code, const QString &message);

} // namespace agency::httpserver

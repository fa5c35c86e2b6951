#pragma once

#include "auththrottle.h"
#include "core/access.h"
#include "core/async/future.h"
#include "metrics.h"
#include "requestlogformat.h"
#include "router.h"
#include "serverconfig.h"
#include "turntracker.h"

#include <QFuture>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QHttpServerRequest;
class QTcpSocket;

namespace agency::httpserver {

class ConnectionGate;
class HttpFrontend;

/// An HTTP server with no API of its own (docs/design.md#http): it listens behind the
/// ConnectionGate's limits, gives every request an id, dispatches it through router() (404 and 405
/// for what no route takes), authenticates the routes that need a key through the Authenticator it
/// is given (throttling addresses that keep failing), writes the access log, counts requests in
/// metrics() and stops gracefully. What the routes do is the API's business (backend/http).
///
/// Thread affinity: lives on the thread that owns what the routes call. Keep every QHttpServer use
/// inside this directory (the API in backend/http has none): its API changed in Qt 6.5 and 6.8.
class HttpServer : public QObject
{
    Q_OBJECT

public:
    /// The principal a bearer secret stands for; Unauthenticated (counted against the caller's
    /// address) when it stands for none.
    using Authenticator = std::function<core::Async<core::Principal>(const QString &secret)>;

    HttpServer(ServerConfig config, Authenticator authenticate, QObject *parent = nullptr);
    ~HttpServer() override;

    /// Listens on `address`:`port` (0 picks a free port) and returns the bound port. Refuses
    /// authentication off (ServerConfig::authRequired false) anywhere but on a loopback address.
    core::Result<quint16> listen(const QHostAddress &address, quint16 port);
    quint16 port() const;

    /// Graceful stop: stops accepting, answers new requests 503, lets turns in flight finish for
    /// ServerConfig::shutdownGraceMs, then cancels the rest (their streams end with an error
    /// event saying so) and waits for them to end. Every connection is closed once its answers
    /// are complete and written. The future finishes when no turn and no connection is left (at
    /// most 5 s after the grace time), so every answer and stream end has left the process.
    QFuture<void> stop();

    const ServerConfig &config() const { return m_config; }
    /// Routes are added before listen(); lookups afterwards are read-only.
    Router &router() { return m_router; }
    const Router &router() const { return m_router; }
    /// Open client connections (for tests and diagnostics).
    int openConnections() const;
    /// Of those, the ones with a request being received or answered (for tests and diagnostics).
    int busyConnections() const;
    Metrics &metrics() { return m_metrics; }
    TurnTracker &turns() { return m_turns; }

private:
    friend class HttpFrontend;
    void dispatch(const QHttpServerRequest &request, QTcpSocket *socket);
    void authorize(const CallPtr &call, const RouteSpec *route);
    void finished(const ApiCall &call, QTcpSocket *socket);

    ServerConfig m_config;
    Authenticator m_authenticate;
    Metrics m_metrics;
    TurnTracker m_turns;
    AuthThrottle m_throttle;
    Router m_router;
    RequestLogFormat m_logFormat;
    std::unique_ptr<HttpFrontend> m_frontend;
    QPointer<ConnectionGate> m_gate; ///< owned by m_frontend once bound
    bool m_stopping = false;
};

} // namespace agency::httpserver

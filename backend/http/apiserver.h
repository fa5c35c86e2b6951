#pragma once

#include "auththrottle.h"
#include "core/async/future.h"
#include "metrics.h"
#include "requestlogformat.h"
#include "routecontext.h"
#include "router.h"
#include "serverconfig.h"
#include "turntracker.h"

#include <QFuture>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <memory>

class QHttpServerRequest;
class QTcpSocket;

namespace agency::service {
class AgencyService;
}

namespace agency::http {

class ConnectionGate;
class HttpFrontend;

/// The HTTP binding of AgencyService (docs/design.md#http): routing, authentication, tenant scope,
/// JSON errors, limits, access log, metrics and the OpenAPI document. Routes are added by the
/// registrations in routes.h; every answer carries X-Request-Id; every error is
/// {"error":{"code","message","details"}} (OpenAI's shape under /v1).
///
/// Thread affinity: lives on the thread that owns the service. Keep every QHttpServer use inside
/// this directory: its API changed in Qt 6.5 and 6.8.
class ApiServer : public QObject
{
    Q_OBJECT

public:
    ApiServer(service::AgencyService &service, ServerConfig config, QObject *parent = nullptr);
    ~ApiServer() override;

    /// Listens on `address`:`port` (0 picks a free port) and returns the bound port. Refuses a
    /// non-loopback address while no API key exists (Forbidden, saying how to create one), and
    /// authentication off (--no-auth) anywhere but loopback.
    core::Async<quint16> listen(const QHostAddress &address, quint16 port);
    quint16 port() const;

    /// Graceful stop: stops accepting, answers new requests 503, lets turns in flight finish for
    /// ServerConfig::shutdownGraceMs, then cancels the rest (what they completed stays stored) and
    /// waits for them to end. The future finishes when no turn is left.
    QFuture<void> stop();

    const Router &router() const { return m_router; }
    /// Open client connections (for tests and diagnostics).
    int openConnections() const;
    /// Of those, the ones with a request being received or answered (for tests and diagnostics).
    int busyConnections() const;
    Metrics &metrics() { return m_metrics; }
    TurnTracker &turns() { return m_turns; }
    /// The OpenAPI 3.1 document of exactly the routes registered.
    QJsonObject openApiDocument() const;

private:
    friend class HttpFrontend;
    void dispatch(const QHttpServerRequest &request, QTcpSocket *socket);
    void authorize(const CallPtr &call, const RouteSpec *route);
    void run(const CallPtr &call, const RouteSpec *route);
    void finished(const ApiCall &call, QTcpSocket *socket);
    core::Result<quint16> bind(const QHostAddress &address, quint16 port);

    service::AgencyService &m_service;
    ServerConfig m_config;
    Metrics m_metrics;
    TurnTracker m_turns;
    AuthThrottle m_throttle;
    Router m_router;
    std::unique_ptr<RouteContext> m_context;
    std::unique_ptr<HttpFrontend> m_frontend;
    QPointer<ConnectionGate> m_gate; ///< owned by m_frontend once bound
    RequestLogFormat m_logFormat;
    bool m_stopping = false;
};

} // namespace agency::http

#pragma once

#include "core/async/future.h"
#include "httpserver/httpserver.h"
#include "routecontext.h"

#include <QFuture>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>

#include <memory>

namespace agency::service {
class AgencyService;
}

namespace agency::http {

/// The HTTP binding of AgencyService (docs/design.md#http): the routes (registered by routes.h) on an
/// httpserver::HttpServer, which does the listening, limits, authentication, access log and
/// metrics, with the service as its authenticator; and the OpenAPI document of exactly those
/// routes. Every answer carries X-Request-Id; every error is {"error":{"code","message","details"}}
/// (OpenAI's shape under /v1).
///
/// Thread affinity: lives on the thread that owns the service.
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
    quint16 port() const { return m_server->port(); }

    /// Graceful stop (HttpServer::stop): turns in flight may finish for
    /// ServerConfig::shutdownGraceMs, then are cancelled (what they completed stays stored).
    QFuture<void> stop() { return m_server->stop(); }

    const Router &router() const { return m_server->router(); }
    /// Open client connections (for tests and diagnostics).
    int openConnections() const { return m_server->openConnections(); }
    /// Of those, the ones with a request being received or answered (for tests and diagnostics).
    int busyConnections() const { return m_server->busyConnections(); }
    Metrics &metrics() { return m_server->metrics(); }
    TurnTracker &turns() { return m_server->turns(); }
    /// The OpenAPI 3.1 document of exactly the routes registered.
    QJsonObject openApiDocument() const;

private:
    service::AgencyService &m_service;
    /// Declared before the server, so the routes' context outlives the connections that may
    /// still call into it while the server goes away.
    std::unique_ptr<RouteContext> m_context;
    std::unique_ptr<httpserver::HttpServer> m_server;
};

} // namespace agency::http

#include "apiserver.h"

#include "openapi.h"
#include "routes.h"
#include "service/agencyservice.h"

#include <QJsonDocument>

namespace agency::http {

ApiServer::ApiServer(service::AgencyService &service, ServerConfig config, QObject *parent)
    : QObject(parent), m_service(service)
{
    m_server = std::make_unique<httpserver::HttpServer>(
        std::move(config), [&service](const QString &secret) { return service.authenticate(secret); });
    m_context = std::make_unique<RouteContext>(service, m_server->config(), m_server->metrics(),
                                               m_server->turns(), this);
    Router &router = m_server->router();
    for (RouteRegistration registration : allRouteRegistrations())
        registration(router, *m_context);
    // The document is built from the registrations, so it cannot list a route that is not served.
    const QByteArray document = QJsonDocument(openApiDocument()).toJson(QJsonDocument::Compact);
    router.add(RouteSpec{QByteArrayLiteral("GET"),
                         QStringLiteral("/openapi.json"),
                         Access::Public,
                         [document](const CallPtr &call) {
                             call->sendBytes(200, QByteArrayLiteral("application/json"), document);
                         },
                         openApiSelfOperation(),
                         {}});
}

ApiServer::~ApiServer() = default;

QJsonObject ApiServer::openApiDocument() const
{
    QList<const RouteSpec *> routes;
    for (const RouteSpec &r : m_server->router().routes())
        routes.append(&r);
    bool hasSelf = false;
    for (const RouteSpec *r : routes)
        hasSelf = hasSelf || r->path == QLatin1String("/openapi.json");
    RouteSpec self{QByteArrayLiteral("GET"), QStringLiteral("/openapi.json"),
                   Access::Public,           {},
                   openApiSelfOperation(),   {}};
    if (!hasSelf)
        routes.append(&self);
    return buildOpenApiDocument(routes, m_server->router().schemas());
}

core::Async<quint16> ApiServer::listen(const QHostAddress &address, quint16 port)
{
    // Loopback, or authentication off (which HttpServer::listen refuses anywhere but loopback):
    // whether a key exists does not matter.
    if (address.isLoopback() || !m_server->config().authRequired)
        return core::readyAsync(m_server->listen(address, port));
    QPointer<ApiServer> self(this);
    return m_service.countActiveApiKeys().then(
        this, [self, address, port](const core::Result<qint64> &count) {
            if (!count)
                return core::Result<quint16>(count.error());
            if (count.value() == 0) {
                return core::Result<quint16>(core::makeError(
                    core::ErrorCode::Forbidden,
                    QStringLiteral("refusing to serve %1: no API key exists, so anyone on the network could "
                                   "call the server. Create one first (aiagency keys create --tenant T, or "
                                   "--global-admin), or bind a loopback address.")
                        .arg(address.toString())));
            }
            if (!self)
                return core::Result<quint16>(
                    core::makeError(core::ErrorCode::Cancelled, QStringLiteral("stopped")));
            return self->m_server->listen(address, port);
        });
}

} // namespace agency::http

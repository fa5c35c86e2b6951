#include "apiserver.h"

#include "service/agencyservice.h"

#include <QHttpServer>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpSocket>

namespace agency::http {

namespace {

using Status = QHttpServerResponder::StatusCode;

QJsonDocument errorBody(const core::Error &error)
{
    return QJsonDocument(
        QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), error.codeName()},
                                                          {QStringLiteral("message"), error.message},
                                                          {QStringLiteral("details"), error.details}}}});
}

/// An answer that may come later: keeps the responder alive and never writes to a socket the
/// client already closed.
struct PendingReply
{
    explicit PendingReply(QHttpServerResponder &&r) : responder(std::move(r)), socket(responder.socket()) {}
    QHttpServerResponder responder;
    QPointer<QTcpSocket> socket;

    void json(const QJsonObject &body, Status status)
    {
        if (socket)
            responder.write(QJsonDocument(body), status);
    }
};

} // namespace

ApiServer::ApiServer(service::AgencyService &service, QObject *parent)
    : QObject(parent), m_service(service), m_server(std::make_unique<QHttpServer>())
{
    addRoutes();
}

ApiServer::~ApiServer() = default;

core::Result<quint16> ApiServer::listen(const QHostAddress &address, quint16 port)
{
    if (!address.isLoopback()) {
        return core::makeError(core::ErrorCode::Forbidden,
                               QStringLiteral("refusing to serve %1: API keys are not available yet, so only "
                                              "loopback addresses (127.0.0.1, ::1) may be used")
                                   .arg(address.toString()));
    }
    const quint16 bound = m_server->listen(address, port);
    if (bound == 0) {
        return core::makeError(
            core::ErrorCode::NotConfigured,
            QStringLiteral("cannot listen on %1:%2 (in use?)").arg(address.toString()).arg(port));
    }
    return bound;
}

void ApiServer::addRoutes()
{
    m_server->route(QStringLiteral("/healthz"), QHttpServerRequest::Method::Get,
                    [](const QHttpServerRequest &, QHttpServerResponder &&responder) {
                        responder.write(
                            QJsonDocument(QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}}),
                            Status::Ok);
                    });
    m_server->route(
        QStringLiteral("/health"), QHttpServerRequest::Method::Get,
        [this](const QHttpServerRequest &, QHttpServerResponder &&responder) {
            auto reply = std::make_shared<PendingReply>(std::move(responder));
            m_service.health().then(this, [reply](const core::Result<service::Health> &health) {
                QJsonArray providers;
                const QList<core::ProviderInfo> infos =
                    health ? health->providers : QList<core::ProviderInfo>{};
                for (const auto &p : infos) {
                    providers.append(QJsonObject{{QStringLiteral("name"), p.name},
                                                 {QStringLiteral("configured"), p.configured},
                                                 {QStringLiteral("default_model"), p.defaultModel}});
                }
                const bool ok = health && health->databaseOk;
                QJsonObject body{
                    {QStringLiteral("status"), ok ? QStringLiteral("ok") : QStringLiteral("degraded")},
                    {QStringLiteral("database"),
                     QJsonObject{
                         {QStringLiteral("ok"), ok},
                         {QStringLiteral("error"), health ? health->databaseError : health.error().message}}},
                    {QStringLiteral("default_provider"), health ? health->defaultProvider : QString()},
                    {QStringLiteral("providers"), providers}};
                // Degraded is not healthy: load balancers must see it (the seed said 200).
                reply->json(body, ok ? Status::Ok : Status::ServiceUnavailable);
            });
        });
    m_server->route(
        QStringLiteral("/flows"), QHttpServerRequest::Method::Get,
        [this](const QHttpServerRequest &, QHttpServerResponder &&responder) {
            QJsonArray flows;
            for (const auto &flow : m_service.flows()) {
                QJsonObject json = flow.toJson();
                json.remove(QStringLiteral("system_prompt"));
                flows.append(json);
            }
            responder.write(QJsonDocument(QJsonObject{{QStringLiteral("flows"), flows}}), Status::Ok);
        });
    m_server->setMissingHandler([](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        responder.write(
            errorBody(core::makeError(core::ErrorCode::NotFound,
                                      QStringLiteral("no such endpoint: %1").arg(request.url().path()))),
            Status::NotFound);
    });
}

} // namespace agency::http

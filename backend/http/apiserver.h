#pragma once

#include "core/result.h"

#include <QHostAddress>
#include <QObject>

class QHttpServer;

namespace agency::service {
class AgencyService;
}

namespace agency::http {

/// The HTTP binding of AgencyService (DESIGN.md §7). This first slice serves the health
/// endpoints and the flow list; the full API (authentication, conversations, chat, runs)
/// builds on it. Every error is a JSON body {"error": {"code", "message", "details"}}.
///
/// Thread affinity: lives on the thread that owns the service. Keep every QHttpServer use inside
/// this directory: its API changed in Qt 6.5 and 6.8.
class ApiServer : public QObject
{
    Q_OBJECT

public:
    explicit ApiServer(service::AgencyService &service, QObject *parent = nullptr);
    ~ApiServer() override;

    /// Listens on `address`:`port` (0 picks a free port). Without API keys the server refuses
    /// non-loopback addresses. Returns the bound port.
    core::Result<quint16> listen(const QHostAddress &address, quint16 port);

private:
    void addRoutes();

    service::AgencyService &m_service;
    std::unique_ptr<QHttpServer> m_server;
};

} // namespace agency::http

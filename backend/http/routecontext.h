#pragma once

#include "core/async/future.h"
#include "core/async/whenfinished.h"
#include "healthprobe.h"
#include "httpserver/apicall.h"
#include "httpserver/metrics.h"
#include "httpserver/router.h"
#include "httpserver/serverconfig.h"
#include "httpserver/turntracker.h"

#include <QObject>
#include <QPointer>

namespace agency::service {
class AgencyService;
}

namespace agency::http {

// The server machinery's names the routes are written in.
using httpserver::Access;
using httpserver::ApiCall;
using httpserver::CallPtr;
using httpserver::Metrics;
using httpserver::Router;
using httpserver::RouteSpec;
using httpserver::ServerConfig;
using httpserver::TurnTracker;

/// What route registrations get (see routes.h): the service, the server's config, metrics, the
/// turn tracker, and helpers shared by every handler. Owned by the ApiServer; lives as long as it.
/// Thread affinity: the server thread.
class RouteContext
{
public:
    RouteContext(service::AgencyService &service, const ServerConfig &config, Metrics &metrics,
                 TurnTracker &turns, QObject *threadContext)
        : m_service(service), m_config(config), m_metrics(metrics), m_turns(turns), m_context(threadContext),
          m_health(service, threadContext, config.healthMaxAgeMs)
    {
    }

    service::AgencyService &service() const { return m_service; }
    const ServerConfig &config() const { return m_config; }
    Metrics &metrics() const { return m_metrics; }
    TurnTracker &turns() const { return m_turns; }
    /// GET /health's shared, briefly cached database check.
    HealthProbe &health() { return m_health; }
    /// Context object for continuations (core::whenFinished): the server itself.
    QObject *threadContext() const { return m_context; }

    /// Continues `future` on the server thread: an error is sent as the call's answer (with
    /// call->sendError), a value goes to `onValue(const T &)`. Nothing runs after the server died.
    template <typename T, typename OnValue>
    void then(const CallPtr &call, const core::Async<T> &future, OnValue onValue) const
    {
        if (!m_context)
            return;
        core::whenFinished(m_context.data(), core::Async<T>(future),
                           [call, onValue = std::move(onValue)](const core::Result<T> &r) {
                               if (!r) {
                                   call->sendError(r.error());
                                   return;
                               }
                               onValue(r.value());
                           });
    }

    /// Records an audit row when a global admin (not a tenant key) touched `tenantId`'s data:
    /// who, what, when and the request id, never key or message text. Best effort: a failure is
    /// logged, the request is not failed for it.
    void audit(const CallPtr &call, const QString &action, const QString &tenantId,
               const QString &resource) const;

private:
    service::AgencyService &m_service;
    const ServerConfig &m_config;
    Metrics &m_metrics;
    TurnTracker &m_turns;
    QPointer<QObject> m_context;
    HealthProbe m_health; ///< lives as long as the server, so its continuations never outlive it
};

} // namespace agency::http

#pragma once

#include "core/async/future.h"
#include "service/agencyservice.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>
#include <vector>

namespace agency::http {

/// GET /health's database check, shared: a result at most `maxAgeMs` old answers at once, and
/// requests arriving while a check runs wait for that check instead of starting their own. Load
/// balancers poll /health often; without this each poll costs a database round trip, and a burst
/// of them queues behind chat turns in the executor. A failed check is cached for the same short
/// time, so recovery shows within `maxAgeMs` too. maxAgeMs 0: every request checks.
/// Thread affinity: the server thread.
class HealthProbe
{
public:
    using Callback = std::function<void(const core::Result<service::Health> &)>;

    HealthProbe(service::AgencyService &service, QObject *threadContext, int maxAgeMs);

    void check(Callback callback);
    /// Changes whenever a new check result is in (so an answer built from the result may be kept
    /// until it does). Read it inside the callback: it then belongs to the result passed.
    quint64 generation() const { return m_generation; }

private:
    void finish(const core::Result<service::Health> &result);

    service::AgencyService &m_service;
    QPointer<QObject> m_context;
    int m_maxAgeMs;
    std::optional<core::Result<service::Health>> m_last;
    QElapsedTimer m_lastAge;
    std::vector<Callback> m_waiting;
    quint64 m_generation = 0;
};

} // namespace agency::http

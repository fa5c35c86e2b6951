#include "healthprobe.h"

#include "core/async/whenfinished.h"
#include "service/agencyservice.h"

namespace agency::http {

HealthProbe::HealthProbe(service::AgencyService &service, QObject *threadContext, int maxAgeMs)
    : m_service(service), m_context(threadContext), m_maxAgeMs(maxAgeMs)
{
}

void HealthProbe::check(Callback callback)
{
    if (m_last && m_lastAge.isValid() && m_lastAge.elapsed() < m_maxAgeMs) {
        callback(*m_last);
        return;
    }
    m_waiting.push_back(std::move(callback));
    if (m_waiting.size() > 1)
        return; // a check is already running; this request gets its result
    if (!m_context)
        return;
    core::whenFinished(m_context.data(), m_service.health(),
                       [this](const core::Result<service::Health> &result) { finish(result); });
}

void HealthProbe::finish(const core::Result<service::Health> &result)
{
    m_last = result;
    m_lastAge.start();
    ++m_generation;
    std::vector<Callback> waiting;
    waiting.swap(m_waiting);
    for (Callback &callback : waiting)
        callback(result);
}

} // namespace agency::http

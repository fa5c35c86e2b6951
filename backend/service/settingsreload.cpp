#include "agencyservice.h"

// Settings that apply while the program runs: the program re-reads them, the composition root
// swaps the provider factory, and front ends hear providersChanged().

namespace agency::service {

core::Status AgencyService::reloadSettings()
{
    if (!m_reload) {
        return core::makeError(core::ErrorCode::NotConfigured,
                               QStringLiteral("this program applies settings at its next start"));
    }
    core::Status done = m_reload();
    if (done)
        Q_EMIT providersChanged();
    return done;
}

void AgencyService::useProviders(const llm::ProviderFactory *providers)
{
    m_deps.providers = providers;
}

} // namespace agency::service

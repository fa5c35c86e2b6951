#include "providerruntime.h"

#include "llm/networklanes.h"
#include "llm/provider.h"
#include "llm/providerfactory.h"
#include "llm/router.h"

namespace agency::runtime {

ProviderRuntime::ProviderRuntime(const RuntimeConfig &config, QNetworkAccessManager *nam,
                                 const core::Clock &clock)
    : m_clock(clock)
{
    if (!nam) {
        m_ownNam = std::make_unique<llm::NetworkLanes>(config.httpConnectionsPerHost);
        nam = m_ownNam.get();
    }
    m_nam = nam;
    m_factory = std::make_unique<llm::ProviderFactory>(config.providers, m_nam, clock);
    m_defaultRoute = config.routing.defaultRoute.toString();
    m_breakers = std::make_unique<llm::CircuitBreakers>(config.routing.breakers, clock);
    m_router = std::make_unique<llm::Router>(
        [this](const QString &name, const QString &model) -> core::Result<std::shared_ptr<llm::Provider>> {
            auto found = provider(name, model);
            if (!found || !m_decorate)
                return found;
            return m_decorate(found.value());
        },
        m_breakers.get(), llm::CapabilityTable(config.routing.capabilities));
}

core::RoutingStatus ProviderRuntime::routingStatus() const
{
    return {m_defaultRoute, m_breakers->snapshot(), m_router->attemptCounts()};
}

ProviderRuntime::~ProviderRuntime()
{
    m_router.reset();
    // Providers hold replies of the manager: they go first.
    m_cache.clear();
    m_factory.reset();
    m_retired.clear();
    m_ownNam.reset();
}

core::Result<std::shared_ptr<llm::Provider>> ProviderRuntime::provider(const QString &name,
                                                                       const QString &model)
{
    const QString key = name + u'\n' + model;
    if (auto cached = m_cache.value(key))
        return cached;
    auto created = m_factory->create(name, model);
    if (created)
        m_cache.insert(key, created.value());
    return created;
}

} // namespace agency::runtime

namespace agency::runtime {

void ProviderRuntime::reconfigure(const RuntimeConfig &config)
{
    m_retired.push_back(std::move(m_factory));
    m_factory = std::make_unique<llm::ProviderFactory>(config.providers, m_nam, m_clock);
    m_cache.clear(); // turns running keep their provider; the next ones get the new settings
}

} // namespace agency::runtime

#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "core/route.h"
#include "runtime/runtimeconfig.h"

#include <QHash>

#include <functional>
#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace agency::llm {
class Provider;
class ProviderFactory;
class CircuitBreakers;
class Router;
} // namespace agency::llm

namespace agency::runtime {

/// The outside world of a backend: the network access manager of providers and tools and the
/// provider factory on it, with the providers made so far. Backend builds one; `aiagency complete`,
/// which needs no database, builds one alone. Lives on the thread that runs the event loop.
class ProviderRuntime
{
public:
    /// `nam`: borrowed (it must outlive this), or nullptr for network lanes with
    /// config.httpConnectionsPerHost connections per host. `clock` must outlive this.
    ProviderRuntime(const RuntimeConfig &config, QNetworkAccessManager *nam, const core::Clock &clock);
    ~ProviderRuntime();
    ProviderRuntime(const ProviderRuntime &) = delete;
    ProviderRuntime &operator=(const ProviderRuntime &) = delete;

    QNetworkAccessManager &network() { return *m_nam; }
    const llm::ProviderFactory &factory() const { return *m_factory; }
    /// Sends turns along their routes over these providers, with this process's breakers
    /// (docs/design.md#providers). Kept across reconfigure().
    llm::Router &router() { return *m_router; }
    /// LLM_ROUTE, the breakers and the attempts so far.
    core::RoutingStatus routingStatus() const;

    /// The provider for (name, model), made on first use and reused afterwards (connection
    /// reuse, cached Google tokens). Keyed by both, so two providers never share an entry.
    core::Result<std::shared_ptr<llm::Provider>> provider(const QString &name, const QString &model);
    /// Providers as `config` describes them from now on (saved keys apply without a restart).
    /// The previous factory stays alive: references to it (the service's) remain valid.
    void reconfigure(const RuntimeConfig &config);
    /// Wraps every provider the router sends a call to (the response cache); set before turns run.
    using Decorator = std::function<std::shared_ptr<llm::Provider>(std::shared_ptr<llm::Provider>)>;
    void decorateRoutedProviders(Decorator decorate) { m_decorate = std::move(decorate); }

private:
    std::unique_ptr<QNetworkAccessManager> m_ownNam;
    QNetworkAccessManager *m_nam = nullptr;
    const core::Clock &m_clock;
    std::unique_ptr<llm::ProviderFactory> m_factory;
    std::vector<std::unique_ptr<llm::ProviderFactory>> m_retired;
    QHash<QString, std::shared_ptr<llm::Provider>> m_cache;
    QString m_defaultRoute;
    std::unique_ptr<llm::CircuitBreakers> m_breakers;
    std::unique_ptr<llm::Router> m_router;
    Decorator m_decorate;
};

} // namespace agency::runtime

#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "databaseruntime.h"
#include "runtime/runtimeconfig.h"

#include <QFuture>

#include <memory>

class QNetworkAccessManager;

namespace agency::db {
class ConversationRepository;
class TenantRepository;
class RunRepository;
class RunQueue;
class ApiKeyRepository;
class AuditRepository;
} // namespace agency::db
namespace agency::llm {
class ProviderFactory;
class Provider;
} // namespace agency::llm
namespace agency::tools {
class ToolRegistry;
}
namespace agency::ratelimit {
class LimitPolicy;
class RateLimiter;
class UsageRecorder;
} // namespace agency::ratelimit
namespace agency::flows {
class FlowRegistry;
class TurnEngine;
class RunWorker;
} // namespace agency::flows
namespace agency::service {
class AgencyService;
}

namespace agency::app {

/// The composition root: builds every backend component from the typed config and wires them by
/// constructor (no singletons). Create it on the thread that will run the event loop: providers,
/// tools and the service live there. Destruction tears down in reverse order, the database last.
class Backend
{
public:
    /// Opens the database (embedded or DATABASE_URL, migrating it) and builds the service.
    /// Broken user flow files are reported in flowProblems(), not fatal.
    static core::Result<std::unique_ptr<Backend>> create(const runtime::RuntimeConfig &config);
    ~Backend();

    service::AgencyService &service() { return *m_service; }
    DatabaseRuntime &database() { return *m_database; }
    QStringList flowProblems() const { return m_flowProblems; }

    /// Starts this process's run worker pool (RUN_WORKERS slots; none when 0). Server and console
    /// call it; one-shot commands such as `chat` do not, so they never claim queued runs.
    void startRunWorkers();
    /// Stops claiming, cancels the runs executing here and puts them back in the queue. Await the
    /// future (with a context, on the event loop) before destroying the Backend for a clean stop;
    /// otherwise they are recovered after RUN_LEASE_S.
    QFuture<void> stopRunWorkers();

private:
    Backend() = default;

    std::shared_ptr<const core::Clock> m_clock;
    std::unique_ptr<DatabaseRuntime> m_database;
    std::unique_ptr<QNetworkAccessManager> m_nam; ///< network lanes of providers and tools
    std::unique_ptr<db::ConversationRepository> m_conversations;
    std::unique_ptr<db::TenantRepository> m_tenants;
    std::unique_ptr<llm::ProviderFactory> m_providerFactory;
    std::unique_ptr<tools::ToolRegistry> m_tools;
    std::unique_ptr<flows::FlowRegistry> m_flows;
    std::shared_ptr<ratelimit::LimitPolicy> m_limitPolicy;
    std::unique_ptr<ratelimit::RateLimiter> m_limiter;
    std::unique_ptr<ratelimit::UsageRecorder> m_usage;
    std::unique_ptr<flows::TurnEngine> m_engine;
    std::unique_ptr<db::RunRepository> m_runs;
    std::unique_ptr<db::RunQueue> m_runQueue;
    std::unique_ptr<db::ApiKeyRepository> m_keys;
    std::unique_ptr<db::AuditRepository> m_audit;
    std::unique_ptr<flows::RunWorker> m_runWorker;
    std::unique_ptr<service::AgencyService> m_service;
    QHash<QString, std::shared_ptr<llm::Provider>> m_providerCache;
    QStringList m_flowProblems;
};

} // namespace agency::app

#include "backend.h"

#include "db/apikeyrepository.h"
#include "db/conversationrepository.h"
#include "db/runqueue.h"
#include "db/runrepository.h"
#include "db/tenantrepository.h"
#include "flows/flowregistry.h"
#include "flows/runworker.h"
#include "flows/turnengine.h"
#include "llm/networklanes.h"
#include "llm/provider.h"
#include "llm/providerfactory.h"
#include "ratelimit/limitpolicy.h"
#include "ratelimit/ratelimiting.h"
#include "ratelimit/usagerecorder.h"
#include "service/agencyservice.h"
#include "tools/builtintools.h"
#include "tools/toolregistry.h"

#include <QNetworkAccessManager>

namespace agency::app {

core::Result<std::unique_ptr<Backend>> Backend::create(const runtime::RuntimeConfig &config)
{
    std::unique_ptr<Backend> b(new Backend);
    b->m_clock = std::make_shared<core::SystemClock>();
    auto database = DatabaseRuntime::open(config.database, DatabaseRuntime::Migrate::Yes);
    if (!database)
        return database.error();
    b->m_database = std::move(database).value();
    db::DbExecutor &executor = b->m_database->executor();

    b->m_nam = std::make_unique<llm::NetworkLanes>(config.httpConnectionsPerHost);
    b->m_conversations = std::make_unique<db::ConversationRepository>(executor);
    b->m_tenants = std::make_unique<db::TenantRepository>(executor);
    b->m_providerFactory =
        std::make_unique<llm::ProviderFactory>(config.providers, b->m_nam.get(), *b->m_clock);

    auto tools = tools::createBuiltinToolRegistry(config.tools, *b->m_nam, &executor, b->m_clock);
    if (!tools)
        return tools.error();
    b->m_tools = std::move(tools).value();

    b->m_flows = std::make_unique<flows::FlowRegistry>(
        flows::FlowRegistry::load({flows::FlowRegistry::defaultUserDirectory()}, b->m_tools->names()));
    for (const auto &problem : b->m_flows->problems())
        b->m_flowProblems.append(QStringLiteral("%1: %2").arg(problem.source, problem.reason));

    db::TenantRepository *tenants = b->m_tenants.get();
    auto limiting = ratelimit::createRateLimiting(
        config.rateLimits, &executor, b->m_clock,
        [tenants](const QString &tenantId) { return tenants->settingsOf(tenantId); });
    if (!limiting)
        return limiting.error();
    b->m_limitPolicy = limiting->policy;
    b->m_limiter = std::move(limiting.value().limiter);
    b->m_usage = std::make_unique<ratelimit::UsageRecorder>(executor, b->m_clock);

    Backend *self = b.get();
    flows::TurnDependencies deps;
    deps.conversations = b->m_conversations.get();
    deps.flows = b->m_flows.get();
    deps.tools = b->m_tools.get();
    deps.limiter = b->m_limiter.get();
    deps.usage = b->m_usage.get();
    deps.clock = b->m_clock.get();
    // The tenant's provider and model come through the limit policy's cache of tenant settings,
    // which the service refreshes on every tenant update.
    deps.tenantSettings = [policy = b->m_limitPolicy](const QString &tenantId) {
        return policy->tenantSettings(tenantId);
    };
    deps.options = config.turns;
    deps.providers = [self](const QString &name,
                            const QString &model) -> core::Result<std::shared_ptr<llm::Provider>> {
        // Providers are reused across turns (connection reuse, cached Google tokens).
        const QString key = name + u'\n' + model;
        if (auto cached = self->m_providerCache.value(key))
            return cached;
        auto created = self->m_providerFactory->create(name, model);
        if (created)
            self->m_providerCache.insert(key, created.value());
        return created;
    };
    b->m_engine = std::make_unique<flows::TurnEngine>(deps);

    b->m_runs = std::make_unique<db::RunRepository>(executor);
    b->m_runQueue = std::make_unique<db::RunQueue>(executor);
    b->m_runWorker = std::make_unique<flows::RunWorker>(*b->m_runQueue, *b->m_engine, config.runs);

    service::ServiceDependencies serviceDeps;
    serviceDeps.executor = &executor;
    serviceDeps.conversations = b->m_conversations.get();
    serviceDeps.tenants = b->m_tenants.get();
    serviceDeps.flows = b->m_flows.get();
    serviceDeps.engine = b->m_engine.get();
    serviceDeps.providers = b->m_providerFactory.get();
    serviceDeps.limiter = b->m_limiter.get();
    serviceDeps.limitPolicy = b->m_limitPolicy.get();
    serviceDeps.usage = b->m_usage.get();
    serviceDeps.runs = b->m_runs.get();
    serviceDeps.runWorker = b->m_runWorker.get();
    b->m_keys = std::make_unique<db::ApiKeyRepository>(executor);
    b->m_audit = std::make_unique<db::AuditRepository>(executor);
    serviceDeps.keys = b->m_keys.get();
    serviceDeps.audit = b->m_audit.get();
    b->m_service = std::make_unique<service::AgencyService>(serviceDeps);
    return b;
}

void Backend::startRunWorkers()
{
    m_runWorker->start();
}

QFuture<void> Backend::stopRunWorkers()
{
    return m_runWorker->stop();
}

Backend::~Backend()
{
    // Reverse order of construction; turns and tools go before the repositories they use.
    m_service.reset();
    m_runWorker.reset();
    m_runQueue.reset();
    m_runs.reset();
    m_engine.reset();
    m_providerCache.clear();
    m_tools.reset();
    m_usage.reset();
    m_limiter.reset();
    m_limitPolicy.reset();
    m_providerFactory.reset();
    m_tenants.reset();
    m_conversations.reset();
    m_nam.reset();
    m_database.reset();
}

} // namespace agency::app

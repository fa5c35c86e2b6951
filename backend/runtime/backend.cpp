#include "backend.h"
#include "core/async/whenfinished.h"
#include "sql/changelistener.h"
#include "sql/embeddedpostgres.h"

#include "db/apikeyrepository.h"
#include "db/approvalrepository.h"
#include "db/auditrepository.h"
#include "db/conversationrepository.h"
#include "db/documentrepository.h"
#include "db/responsecacherepository.h"
#include "db/runqueue.h"
#include "db/runrepository.h"
#include "db/slackeventrepository.h"
#include "db/tenantrepository.h"
#include "db/tenantsecretstore.h"
#include "flows/flowregistry.h"
#include "flows/runworker.h"
#include "flows/slackresponder.h"
#include "flows/toolapprovals.h"
#include "flows/turnengine.h"
#include "knowledge/knowledgebase.h"
#include "llm/cachingprovider.h"
#include "llm/embedderfactory.h"
#include "mcp/servermanager.h"
#include "ratelimit/budget.h"
#include "ratelimit/limitpolicy.h"
#include "ratelimit/ratelimiting.h"
#include "ratelimit/usagerecorder.h"
#include "service/agencyservice.h"
#include "servicedocuments.h"
#include "sql/plannerstatistics.h"
#include "tools/builtintools.h"
#include "tools/slack/slackclient.h"
#include "tools/toolregistry.h"

#include <QTimer>

#include <functional>

namespace agency::runtime {

namespace {

/// SECRETS_KEY, else SECRETS_KEY_FILE, else secrets.key in the data dir (docs/secrets.md).
db::SecretKeySource secretKeySource(const RuntimeConfig &config)
{
    db::SecretKeySource source;
    source.keyText = config.secrets.key;
    source.keyFile = config.secrets.keyFile;
    if (source.keyFile.isEmpty()) {
        const QString dataDir = config.database.dataDir.isEmpty() ? sql::EmbeddedPostgres::defaultDataDir()
                                                                  : config.database.dataDir;
        source.keyFile = dataDir + QStringLiteral("/secrets.key");
    }
    return source;
}

/// A listener on `channel` for a cache trusted only while it listens: `setActive(true)` once it
/// listens, `setActive(false)` when its connection is lost, `changed` with each payload.
std::unique_ptr<sql::ChangeListener> cacheListener(const sql::ConnectionParams &params,
                                                   const QString &channel, QObject *context,
                                                   const std::function<void(bool)> &setActive,
                                                   const std::function<void(const QString &)> &changed)
{
    auto listener = std::make_unique<sql::ChangeListener>(params, channel);
    QObject::connect(listener.get(), &sql::ChangeListener::listening, context,
                     [setActive] { setActive(true); });
    QObject::connect(listener.get(), &sql::ChangeListener::lost, context, [setActive] { setActive(false); });
    QObject::connect(listener.get(), &sql::ChangeListener::notified, context, changed);
    listener->start();
    return listener;
}

} // namespace

core::TenantSecretSource &Backend::tenantSecrets()
{
    return *m_secrets;
}

core::Result<std::unique_ptr<Backend>> Backend::create(const RuntimeConfig &config, Injected injected)
{
    std::unique_ptr<Backend> b(new Backend);
    b->m_clock = injected.clock ? std::move(injected.clock) : std::make_shared<core::SystemClock>();
    b->m_tenantSecrets = injected.tenantSecrets;
    if (auto opened = b->openDatabase(config.database, injected.executor); !opened)
        return opened.error();
    b->m_providers = std::make_unique<ProviderRuntime>(config, injected.nam, *b->m_clock);
    b->m_secrets = std::make_unique<db::TenantSecretStore>(*b->m_executor, secretKeySource(config));
    // A test may give the tools credentials of its own; the deployment's store otherwise.
    if (!b->m_tenantSecrets)
        b->m_tenantSecrets = b->m_secrets.get();
    b->buildMcp(config);
    if (auto built = b->buildEngine(config, injected); !built)
        return built.error();
    b->m_runs = std::make_unique<db::RunRepository>(*b->m_executor);
    b->m_runQueue = std::make_unique<db::RunQueue>(*b->m_executor);
    b->m_runWorker = std::make_unique<flows::RunWorker>(*b->m_runQueue, *b->m_engine, config.runs);
    b->m_keys = std::make_unique<db::ApiKeyRepository>(*b->m_executor);
    b->m_audit = std::make_unique<db::AuditRepository>(*b->m_executor);
    b->buildKnowledge(config);
    b->buildSlack(config);
    b->buildService(config.keyCacheMs);
    b->storeAnswersAsDocuments();
    return b;
}

core::Status Backend::openDatabase(const DatabaseConfig &config, sql::DbExecutor *injected)
{
    if (injected) {
        m_executor = injected;
        return {};
    }
    auto database = DatabaseRuntime::open(config, DatabaseRuntime::Migrate::Yes);
    if (!database)
        return database.error();
    m_database = std::move(database).value();
    m_executor = &m_database->executor();
    return {};
}

core::Status Backend::buildEngine(const RuntimeConfig &config, const Injected &injected)
{
    const std::optional<QStringList> &flowDirectories = injected.flowDirectories;
    const QList<core::FlowDefinition> &extraFlows = injected.extraFlows;
    sql::DbExecutor &executor = *m_executor;
    m_conversations = std::make_unique<db::ConversationRepository>(executor);
    m_tenants = std::make_unique<db::TenantRepository>(executor);
    // Tools get their network and database from here: the weather tool builds neither.
    m_serviceDocuments = std::make_unique<ServiceDocuments>();
    auto tools = tools::createBuiltinToolRegistry(config.tools, m_providers->network(), &executor, m_clock,
                                                  m_serviceDocuments.get(), m_tenantSecrets);
    if (!tools)
        return tools.error();
    m_tools = std::move(tools).value();
    for (const std::shared_ptr<tools::Tool> &tool : injected.extraTools) {
        if (auto added = m_tools->add(tool); !added)
            return added.error();
    }

    m_flows = std::make_unique<flows::FlowRegistry>(flows::FlowRegistry::load(
        flowDirectories.value_or(QStringList{flows::FlowRegistry::defaultUserDirectory()}),
        m_tools->names()));
    for (const core::FlowDefinition &flow : extraFlows)
        m_flows->insert(flow);
    for (const auto &problem : m_flows->problems())
        m_flowProblems.append(QStringLiteral("%1: %2").arg(problem.source, problem.reason));

    db::TenantRepository *tenants = m_tenants.get();
    auto limiting = ratelimit::createRateLimiting(
        config.rateLimits, &executor, m_clock,
        [tenants](const QString &tenantId) { return tenants->settingsOf(tenantId); });
    if (!limiting)
        return limiting.error();
    m_limitPolicy = limiting->policy;
    m_tokenLimiter = std::move(limiting.value().limiter);
    auto prices = ratelimit::PriceTable::load(config.costs.pricesFile);
    if (!prices)
        return prices.error();
    m_usage = std::make_unique<ratelimit::UsageRecorder>(
        executor, m_clock, std::make_shared<const ratelimit::PriceTable>(std::move(prices).value()));
    // The money budget is checked in front of the token buckets, before every provider call.
    m_limiter =
        std::make_unique<ratelimit::BudgetedRateLimiter>(*m_tokenLimiter, m_limitPolicy, *m_usage, m_clock);
    m_responseCache = std::make_unique<db::ResponseCacheRepository>(executor, config.costs.cacheTtlS);

    flows::TurnDependencies deps;
    deps.conversations = m_conversations.get();
    deps.flows = m_flows.get();
    deps.tools = m_tools.get();
    deps.limiter = m_limiter.get();
    deps.usage = m_usage.get();
    deps.clock = m_clock.get();
    // The tenant's provider and model come through the limit policy's cache of tenant settings,
    // which the service refreshes on every tenant update.
    deps.tenantSettings = [policy = m_limitPolicy](const QString &tenantId) {
        return policy->tenantSettings(tenantId);
    };
    deps.offeredTools = m_serviceDocuments->offeredTools();
    // The flow's and the tenant's MCP servers (the tenant's settings come from the same cache).
    m_extraTools = [manager = m_mcp.get(), policy = m_limitPolicy](const QString &tenantId,
                                                                   const core::FlowDefinition &flow) {
        using Tools = QList<std::shared_ptr<tools::Tool>>;
        auto toolsOf = [manager, flow, tenantId](const QList<core::McpServerConfig> &tenantServers) {
            return manager->toolsFor(
                mcp::McpServerManager::usesOf(flow.flowType, flow.mcpServers, tenantId, tenantServers));
        };
        if (tenantId.isEmpty())
            return toolsOf({});
        return policy->tenantSettings(tenantId)
            .then(manager,
                  [toolsOf](const core::Result<QJsonObject> &settings) -> QFuture<Tools> {
                      // Stored settings were validated; unreadable ones attach nothing.
                      auto servers = settings ? core::McpServerConfig::listFromJson(
                                                    settings->value(QStringLiteral("mcp_servers")))
                                              : core::Result<QList<core::McpServerConfig>>(settings.error());
                      return toolsOf(servers ? servers.value() : QList<core::McpServerConfig>{});
                  })
            .unwrap();
    };
    deps.extraTools = m_extraTools;
    deps.options = config.turns;
    m_approvals = std::make_unique<db::ApprovalRepository>(executor);
    deps.approvals = m_approvals.get();
    llm::ResponseCacheStore cache;
    cache.find = [repository = m_responseCache.get()](const llm::CacheScope &scope, const QString &key) {
        return repository->find({scope.tenantId, scope.flowType, key});
    };
    cache.store = [repository = m_responseCache.get()](const llm::CacheScope &scope, const QString &key,
                                                       const llm::Completion &answer) {
        return repository->store({scope.tenantId, scope.flowType, key}, answer.provider, answer.model,
                                 llm::CachingProvider::completionToJson(answer));
    };
    // Every turn reaches its providers through the router, so the response cache wraps them there:
    // only flows with "cache": true use it (the turn names its tenant and flow); the others pass
    // straight through.
    m_providers->decorateRoutedProviders([cache](std::shared_ptr<llm::Provider> provider) {
        return std::shared_ptr<llm::Provider>(
            std::make_shared<llm::CachingProvider>(std::move(provider), cache));
    });
    deps.providers = [providers = m_providers.get()](const QString &name, const QString &model) {
        return providers->provider(name, model);
    };
    deps.router = &m_providers->router();
    deps.defaultRoute = config.routing.defaultRoute;
    m_engine = std::make_unique<flows::TurnEngine>(deps);
    m_toolApprovals =
        std::make_unique<flows::ToolApprovals>(*m_approvals, *m_tools, *m_engine, config.turns.approvalTtlS);
    return {};
}

void Backend::buildMcp(const RuntimeConfig &config)
{
    m_mcp = std::make_unique<mcp::McpServerManager>(m_providers->network(), m_tenantSecrets, config.mcp);
}

void Backend::buildKnowledge(const RuntimeConfig &config)
{
    m_documents = std::make_unique<db::DocumentRepository>(*m_executor);
    m_embedders = std::make_unique<llm::EmbedderFactory>(config.providers, &m_providers->network(), *m_clock);
    knowledge::KnowledgeDependencies deps;
    deps.documents = m_documents.get();
    deps.options = config.knowledge;
    deps.makeEmbedder = [factory = m_embedders.get()](const QString &model) {
        // "provider/model": the model part may itself contain '/', the provider never does.
        return factory->create(model.section(u'/', 0, 0), model.section(u'/', 1));
    };
    // The tenant's embedding_provider / embedding_model settings over EMBEDDING_*, through the
    // limit policy's cache of tenant settings (refreshed on every tenant update).
    deps.tenantModel = [factory = m_embedders.get(), policy = m_limitPolicy](const QString &tenantId) {
        return policy->tenantSettings(tenantId).then(
            [factory](const core::Result<QJsonObject> &settings) -> core::Result<QString> {
                if (!settings)
                    return settings.error();
                return factory->resolveModelName(
                    settings->value(QStringLiteral("embedding_provider")).toString(),
                    settings->value(QStringLiteral("embedding_model")).toString());
            });
    };
    m_knowledge = std::make_unique<knowledge::KnowledgeBase>(deps);
}

void Backend::buildSlack(const RuntimeConfig &config)
{
    m_slackEvents = std::make_unique<db::SlackEventRepository>(*m_executor);
    m_slackClient = std::make_unique<tools::slack::SlackClient>(config.tools.slack, m_providers->network(),
                                                                m_tenantSecrets);
    flows::SlackResponderDependencies deps;
    deps.events = m_slackEvents.get();
    deps.secrets = m_tenantSecrets;
    deps.engine = m_engine.get();
    deps.client = m_slackClient.get();
    deps.clock = m_clock.get();
    m_slack = std::make_unique<flows::SlackResponder>(deps);
    // A mention's answer that waited for approval goes on wherever the decision is made (this
    // process too: the console, the CLI, the server); it is posted in the mention's thread.
    QObject::connect(m_toolApprovals.get(), &flows::ToolApprovals::turnContinued, m_slack.get(),
                     &flows::SlackResponder::deliverContinued);
}

void Backend::buildService(int keyCacheMs)
{
    service::ServiceDependencies deps;
    deps.executor = m_executor;
    deps.conversations = m_conversations.get();
    deps.tenants = m_tenants.get();
    deps.secrets = m_secrets.get();
    deps.slack = m_slack.get();
    deps.flows = m_flows.get();
    deps.engine = m_engine.get();
    deps.providers = &m_providers->factory();
    deps.limiter = m_limiter.get();
    deps.limitPolicy = m_limitPolicy.get();
    deps.usage = m_usage.get();
    deps.runs = m_runs.get();
    deps.runWorker = m_runWorker.get();
    deps.keys = m_keys.get();
    deps.audit = m_audit.get();
    deps.approvals = m_approvals.get();
    deps.toolApprovals = m_toolApprovals.get();
    deps.knowledge = m_knowledge.get();
    deps.tools = m_tools.get();
    deps.extraTools = m_extraTools;
    deps.keyCacheMs = keyCacheMs;
    deps.routing = [providers = m_providers.get()] { return providers->routingStatus(); };
    deps.mcpStatuses = [manager = m_mcp.get()] { return manager->statuses(); };
    deps.mcpConnect = [manager = m_mcp.get(), flows = m_flows.get(), policy = m_limitPolicy](
                          const QString &tenantId) -> core::Async<QList<core::McpServerStatus>> {
        using Statuses = QList<core::McpServerStatus>;
        QList<mcp::McpServerManager::Use> uses;
        for (const core::FlowDefinition &flow : flows->flows())
            uses += mcp::McpServerManager::usesOf(flow.flowType, flow.mcpServers, tenantId, {});
        auto report = [manager](const QList<mcp::McpServerManager::Use> &all) {
            return manager->connectAll(all).then(
                [](const Statuses &statuses) { return core::Result<Statuses>(statuses); });
        };
        if (tenantId.isEmpty())
            return report(uses);
        return policy->tenantSettings(tenantId)
            .then(manager,
                  [uses, tenantId,
                   report](const core::Result<QJsonObject> &settings) mutable -> core::Async<Statuses> {
                      if (!settings)
                          return core::failedAsync<Statuses>(settings.error());
                      auto servers =
                          core::McpServerConfig::listFromJson(settings->value(QStringLiteral("mcp_servers")));
                      if (!servers)
                          return core::failedAsync<Statuses>(servers.error());
                      uses += mcp::McpServerManager::usesOf({}, {}, tenantId, servers.value());
                      return report(uses);
                  })
            .unwrap();
    };
    m_serviceDeps = deps;
    m_service = std::make_unique<service::AgencyService>(deps);
    m_serviceDocuments->attach(m_service.get());
}

void Backend::storeAnswersAsDocuments()
{
    // A flow with "store_answer_as_document" (a weekly report) also keeps each completed run's
    // answer as a document of the tenant, found by search_documents like any upload
    // (docs/design.md#runs). The service is the context: no answer is stored once it is gone.
    QObject::connect(
        m_runWorker.get(), &flows::RunWorker::runAnswered, m_service.get(),
        [flows = m_flows.get(), service = m_service.get(), clock = m_clock](
            const QUuid &runId, const QString &tenantId, const QString &flowType, const QString &answer) {
            const std::optional<core::FlowDefinition> flow = flows->find(flowType);
            if (!flow || flow->answerCollection.isEmpty() || answer.trimmed().isEmpty())
                return;
            core::NewDocument document;
            document.tenantId = tenantId;
            document.collection = flow->answerCollection;
            const QString id = runId.toString(QUuid::WithoutBraces);
            document.fileName = QStringLiteral("%1 %2 (run %3).md")
                                    .arg(flow->title.isEmpty() ? flowType : flow->title,
                                         clock->now().toString(QStringLiteral("yyyy-MM-dd")), id.left(8));
            document.mimeType = QStringLiteral("text/markdown");
            document.bytes = answer.toUtf8();
            core::whenFinished(service, service->addDocument(document),
                               [id](const core::Result<core::AddedDocument> &added) {
                                   if (!added)
                                       qWarning().noquote()
                                           << "the answer of run" << id
                                           << "was not stored as a document:" << added.error().toString();
                               });
        });
}

void Backend::startRunWorkers()
{
    m_runWorker->start();
    m_knowledge->startIngestion();
    // Slack mentions acknowledged by a process that stopped before answering them: now, then
    // every minute (their claim must have run out first).
    m_slack->resumeUnanswered();
    auto *slackRecovery = new QTimer(m_slack.get());
    QObject::connect(slackRecovery, &QTimer::timeout, m_slack.get(),
                     &flows::SlackResponder::resumeUnanswered);
    slackRecovery->start(60'000);
}

void Backend::startPlannerStatistics()
{
    if (!m_statistics) {
        sql::PlannerStatistics::Options options;
        options.tables = db::ConversationRepository::turnTables();
        m_statistics = std::make_unique<sql::PlannerStatistics>(*m_executor, options);
    }
    m_statistics->start();
}

QFuture<void> Backend::stopRunWorkers()
{
    // Both stop at once; the future finishes when both did.
    QFuture<void> runs = m_runWorker->stop();
    QFuture<void> documents = m_knowledge->stopIngestion();
    // Waited for on a pool thread: the documents' stop finishes on the event loop.
    return runs.then(QtFuture::Launch::Async,
                     [documents](QFuture<void>) mutable { documents.waitForFinished(); });
}

Backend::~Backend()
{
    // Reverse order of construction; turns and tools go before the repositories they use.
    m_changes.reset();
    m_keyChanges.reset();
    m_documentChanges.reset();
    if (m_serviceDocuments)
        m_serviceDocuments->attach(nullptr);
    m_service.reset();
    m_statistics.reset();
    m_slack.reset();
    m_slackClient.reset();
    m_slackEvents.reset();
    m_runWorker.reset();
    m_knowledge.reset();
    m_embedders.reset();
    m_documents.reset();
    m_audit.reset();
    m_keys.reset();
    m_runQueue.reset();
    m_runs.reset();
    m_toolApprovals.reset();
    m_engine.reset();
    m_mcp.reset();
    m_approvals.reset();
    m_tools.reset();
    m_serviceDocuments.reset();
    m_limiter.reset();
    m_responseCache.reset();
    m_usage.reset();
    m_tokenLimiter.reset();
    m_limitPolicy.reset();
    m_flows.reset();
    m_secrets.reset();
    m_tenants.reset();
    m_conversations.reset();
    m_providers.reset();
    m_database.reset();
}

} // namespace agency::runtime

namespace agency::runtime {

void Backend::reconfigureProviders(const RuntimeConfig &config)
{
    m_providers->reconfigure(config);
    m_serviceDeps.providers = &m_providers->factory();
    m_service->useProviders(&m_providers->factory());
}

} // namespace agency::runtime

namespace agency::runtime {

void Backend::startChangeListener()
{
    if (m_changes)
        return;
    m_changes = std::make_unique<sql::ChangeListener>(m_executor->params(), QStringLiteral("agency_changes"));
    // Payloads (migrations 0008 and 0010): a tenant id, "documents/" and a tenant id, or empty
    // after a reconnection, when anything may have changed.
    QObject::connect(m_changes.get(), &sql::ChangeListener::notified, m_service.get(),
                     [service = m_service.get()](const QString &payload) {
                         static const QString kDocuments = QStringLiteral("documents/");
                         if (payload.startsWith(kDocuments))
                             return service->announceDocumentsChange(payload.mid(kDocuments.size()));
                         if (payload.isEmpty())
                             service->announceDocumentsChange(payload);
                         service->announceDataChange(payload);
                     });
    m_changes->start();
}

void Backend::startKeyListener()
{
    if (m_keyChanges)
        return;
    service::AgencyService *service = m_service.get();
    m_keyChanges = cacheListener(
        m_executor->params(), QStringLiteral("agency_keys"), service,
        [service](bool active) { service->setKeyCacheActive(active); },
        [service](const QString &) { service->forgetCachedKeys(); });
}

bool Backend::documentPresenceCacheActive() const
{
    return m_serviceDocuments->presenceCacheActive();
}

void Backend::startDocumentListener()
{
    if (m_documentChanges)
        return;
    ServiceDocuments *documents = m_serviceDocuments.get();
    // The payload is a tenant id, or empty after a reconnection (anything may have changed).
    m_documentChanges = cacheListener(
        m_executor->params(), QStringLiteral("agency_documents"), m_service.get(),
        [documents](bool active) { documents->setPresenceCacheActive(active); },
        [documents](const QString &tenantId) { documents->forgetPresence(tenantId); });
}

} // namespace agency::runtime

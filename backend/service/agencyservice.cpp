#include "agencyservice.h"

#include "core/mcpserver.h"
#include <QRegularExpression>

#include "apikeysecret.h"
#include "core/async/whenfinished.h"
#include "core/limits.h"
#include "core/validation.h"
#include "db/apikeyrepository.h"
#include "db/approvalrepository.h"
#include "db/auditrepository.h"
#include "db/conversationrepository.h"
#include "db/runrepository.h"
#include "db/tenantrepository.h"
#include "flows/flowregistry.h"
#include "flows/runworker.h"
#include "flows/turnengine.h"
#include "keycache.h"
#include "llm/embedderfactory.h"
#include "llm/providerfactory.h"
#include "ratelimit/budget.h"
#include "ratelimit/limitpolicy.h"
#include "ratelimit/ratelimiter.h"
#include "ratelimit/usagerecorder.h"
#include "sql/dbexecutor.h"

#include <QPointer>

namespace agency::service {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

/// Follows message pages until the end, accumulating into `collected`.
void collectPages(db::ConversationRepository *repo, core::MessageQuery query,
                  std::shared_ptr<QList<core::Message>> collected,
                  std::shared_ptr<QPromise<Result<QList<core::Message>>>> promise)
{
    repo->messages(query).then([=](const Result<core::Page<core::Message>> &page) mutable {
        if (!page) {
            promise->addResult(Result<QList<core::Message>>(page.error()));
            promise->finish();
            return;
        }
        *collected += page->items;
        if (page->nextCursor.isEmpty()) {
            promise->addResult(Result<QList<core::Message>>(*collected));
            promise->finish();
            return;
        }
        query.cursor = page->nextCursor;
        collectPages(repo, query, collected, promise);
    });
}

core::Error invalidSetting(const QString &field, const QString &problem)
{
    return makeError(ErrorCode::InvalidArgument, field + QStringLiteral(": ") + problem,
                     {{QStringLiteral("field"), field}});
}

/// Everything in a tenant's settings that the program reads: rate-limit overrides, the money
/// budget, the Slack workspace, and the tenant's provider and model (used when neither the request nor the
/// flow names one).
core::Status validateTenantSettings(const QJsonObject &settings)
{
    // A key nothing reads would be stored and silently ignored: a typo ("rate_limit") must fail.
    static const QStringList kKeys{QStringLiteral("provider"),        QStringLiteral("model"),
                                   QStringLiteral("rate_limits"),     QStringLiteral("embedding_provider"),
                                   QStringLiteral("embedding_model"), QStringLiteral("route"),
                                   QStringLiteral("budget"),          QStringLiteral("slack_team_id"),
                                   QStringLiteral("mcp_servers")};
    for (auto it = settings.constBegin(); it != settings.constEnd(); ++it) {
        if (!kKeys.contains(it.key()))
            return invalidSetting(it.key(), QStringLiteral("is not a tenant setting (the settings are %1)")
                                                .arg(kKeys.join(QStringLiteral(", "))));
    }
    if (auto ok = ratelimit::LimitPolicy::validateTenantSettings(settings); !ok)
        return ok;
    // The Slack workspace whose events this tenant answers (docs/slack.md): a team id like T0123ABCD.
    if (const QJsonValue team = settings.value(QStringLiteral("slack_team_id")); !team.isUndefined()) {
        static const QRegularExpression kTeam(QStringLiteral("^T[A-Z0-9]{2,31}$"));
        if (!team.isString() || !kTeam.match(team.toString()).hasMatch())
            return invalidSetting(QStringLiteral("slack_team_id"),
                                  QStringLiteral("must be a Slack team id such as T0123ABCD"));
    }
    if (const QJsonValue route = settings.value(QStringLiteral("route")); !route.isUndefined()) {
        auto parsed = core::Route::parse(route.toString());
        if (!route.isString() || !parsed)
            return invalidSetting(
                QStringLiteral("route"),
                parsed ? QStringLiteral("must be a route such as \"openai:gpt-4o-mini,mistral:\"")
                       : parsed.error().message);
        for (const core::RouteTarget &target : parsed->targets) {
            if (!llm::ProviderFactory::names().contains(target.provider))
                return invalidSetting(
                    QStringLiteral("route"),
                    QStringLiteral("names an unknown provider \"%1\" (one of %2)")
                        .arg(target.provider, llm::ProviderFactory::names().join(QStringLiteral(", "))));
        }
    }
    if (auto ok = ratelimit::TenantBudget::validate(settings); !ok)
        return ok;
    // MCP servers whose tools every turn of the tenant gets (docs/mcp.md#using-mcp-servers-in-flows).
    if (auto servers = core::McpServerConfig::listFromJson(settings.value(QStringLiteral("mcp_servers")));
        !servers)
        return servers.error();
    const QJsonValue provider = settings.value(QStringLiteral("provider"));
    if (!provider.isUndefined() &&
        (!provider.isString() || !llm::ProviderFactory::names().contains(provider.toString()))) {
        return invalidSetting(QStringLiteral("provider"),
                              QStringLiteral("must be one of %1")
                                  .arg(llm::ProviderFactory::names().join(QStringLiteral(", "))));
    }
    const QJsonValue model = settings.value(QStringLiteral("model"));
    constexpr qsizetype kMaxModelChars = 200; // as a run's model
    if (!model.isUndefined()) {
        const QString name = model.toString();
        if (!model.isString() || name.isEmpty() || name.size() > kMaxModelChars || name.contains(QChar(0)) ||
            name.trimmed() != name) {
            return invalidSetting(QStringLiteral("model"),
                                  QStringLiteral("must be a model name of 1 to %1 characters without "
                                                 "surrounding spaces")
                                      .arg(kMaxModelChars));
        }
    }
    // The tenant's embedding provider and model (docs/knowledge.md#embedding-settings).
    const QJsonValue embeddingProvider = settings.value(QStringLiteral("embedding_provider"));
    if (!embeddingProvider.isUndefined() &&
        (!embeddingProvider.isString() ||
         !llm::EmbedderFactory::names().contains(embeddingProvider.toString()))) {
        return invalidSetting(QStringLiteral("embedding_provider"),
                              QStringLiteral("must be one of %1")
                                  .arg(llm::EmbedderFactory::names().join(QStringLiteral(", "))));
    }
    const QJsonValue embeddingModel = settings.value(QStringLiteral("embedding_model"));
    if (!embeddingModel.isUndefined()) {
        const QString name = embeddingModel.toString();
        if (!embeddingModel.isString() || name.isEmpty() || name.size() > kMaxModelChars ||
            name.contains(QChar(0)) || name.trimmed() != name) {
            return invalidSetting(QStringLiteral("embedding_model"),
                                  QStringLiteral("must be a model name of 1 to %1 characters without "
                                                 "surrounding spaces")
                                      .arg(kMaxModelChars));
        }
    }
    return {};
}

} // namespace

AgencyService::AgencyService(ServiceDependencies deps, QObject *parent)
    : QObject(parent), m_deps(deps), m_keyCache(std::make_shared<KeyCache>(deps.keyCacheMs))
{
}

AgencyService::~AgencyService() = default;

Async<Health> AgencyService::health()
{
    Health base;
    base.database = m_deps.executor->params().describe();
    base.defaultProvider = m_deps.providers->defaultProvider();
    base.providers = m_deps.providers->providers();
    base.routing = routing();
    if (m_deps.mcpStatuses)
        base.mcpServers = m_deps.mcpStatuses();
    return m_deps.executor
        ->run<bool>([](sql::DbConnection &conn) -> Result<bool> {
            auto ping = conn.exec(QStringLiteral("SELECT 1"), {}, QStringLiteral("health check"));
            if (!ping)
                return ping.error();
            return true;
        })
        .then([base](const Result<bool> &ping) -> Result<Health> {
            Health health = base;
            health.databaseOk = ping.ok();
            if (!ping.ok())
                health.databaseError = ping.error().message;
            return health;
        });
}

Async<QList<core::McpServerStatus>> AgencyService::mcpServers(const QString &tenantId)
{
    using Statuses = QList<core::McpServerStatus>;
    if (!m_deps.mcpConnect)
        return core::failedAsync<Statuses>(makeError(
            ErrorCode::NotConfigured, QStringLiteral("this program was built without MCP servers")));
    if (tenantId.isEmpty())
        return m_deps.mcpConnect({});
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<Statuses>(ok.error());
    return getTenant(tenantId)
        .then(this,
              [connect = m_deps.mcpConnect, tenantId](const Result<core::Tenant> &tenant) -> Async<Statuses> {
                  if (!tenant)
                      return core::failedAsync<Statuses>(tenant.error());
                  return connect(tenantId);
              })
        .unwrap();
}

core::RoutingStatus AgencyService::routing() const
{
    return m_deps.routing ? m_deps.routing() : core::RoutingStatus{};
}

DatabasePool AgencyService::databasePool() const
{
    const sql::DbExecutor::Stats stats = m_deps.executor->stats();
    return {stats.workers, stats.busy, stats.queued, stats.jobs, stats.connectionsCut};
}

QList<core::FlowDefinition> AgencyService::flows() const
{
    return m_deps.flows->flows();
}

QList<core::ProviderInfo> AgencyService::providers() const
{
    return m_deps.providers->providers();
}

Async<core::Page<core::Tenant>> AgencyService::listTenants(int limit, const QString &after)
{
    return m_deps.tenants->listTenants(limit, after);
}

Async<core::Tenant> AgencyService::createTenant(const QString &tenantId, const QString &name,
                                                const QJsonObject &settings)
{
    if (auto ok = validateTenantSettings(settings); !ok)
        return core::failedAsync<core::Tenant>(ok.error());
    return m_deps.tenants->createTenant(tenantId, name, settings);
}

Async<core::Tenant> AgencyService::getTenant(const QString &tenantId)
{
    return m_deps.tenants->getTenant(tenantId);
}

Async<core::Tenant> AgencyService::updateTenant(const QString &tenantId, const std::optional<QString> &name,
                                                const std::optional<QJsonObject> &settings)
{
    if (settings) {
        if (auto ok = validateTenantSettings(*settings); !ok)
            return core::failedAsync<core::Tenant>(ok.error());
    }
    ratelimit::LimitPolicy *policy = m_deps.limitPolicy;
    return m_deps.tenants->updateTenant(tenantId, name, settings)
        .then([policy, tenantId](const Result<core::Tenant> &t) {
            // New limits apply from the next call, not after the policy's cache expires.
            if (t && policy)
                policy->invalidate(tenantId);
            return t;
        });
}

Async<core::Page<core::Conversation>> AgencyService::listConversations(const core::ConversationQuery &query)
{
    return m_deps.conversations->listConversations(query);
}

Async<QList<core::SearchHit>> AgencyService::searchConversations(const core::SearchQuery &query)
{
    return m_deps.conversations->search(query);
}

Async<core::Conversation> AgencyService::getConversation(const QString &tenantId,
                                                         const QString &conversationId)
{
    auto id = core::parseConversationId(conversationId);
    if (!id)
        return core::failedAsync<core::Conversation>(id.error());
    if (!m_deps.approvals)
        return m_deps.conversations->getConversation(tenantId, id.value());
    // Its state (docs/flows-and-tools.md#approvals): are calls of its last answer waiting?
    auto promise = std::make_shared<QPromise<Result<core::Conversation>>>();
    promise->start();
    core::whenFinished(this, m_deps.conversations->getConversation(tenantId, id.value()),
                       [this, promise](const Result<core::Conversation> &found) {
                           if (!found) {
                               promise->addResult(found);
                               promise->finish();
                               return;
                           }
                           core::whenFinished(
                               this, m_deps.approvals->pendingIn(found->tenantId, found->conversationId),
                               [promise, found](const Result<QList<core::ToolApproval>> &pending) {
                                   core::Conversation conversation = found.value();
                                   conversation.awaitingApproval = pending && !pending->isEmpty();
                                   promise->addResult(conversation);
                                   promise->finish();
                               });
                       });
    return promise->future();
}

Async<core::Page<core::Message>> AgencyService::listMessages(const QString &tenantId,
                                                             const QString &conversationId, int limit,
                                                             const QString &cursor)
{
    auto id = core::parseConversationId(conversationId);
    if (!id)
        return core::failedAsync<core::Page<core::Message>>(id.error());
    core::MessageQuery query;
    query.tenantId = tenantId;
    query.conversationId = id.value();
    query.limit = limit;
    query.cursor = cursor;
    if (!cursor.isEmpty())
        return m_deps.conversations->messages(query);
    // Opening a conversation marks a turn its crashed process left unanswered (an expired lease),
    // so the thread shows it failed. Marking is best effort: the messages are read either way.
    // Continued on this object's thread, never on a database worker: a worker that queued the
    // read itself could be an executor shutting down.
    auto promise = std::make_shared<QPromise<Result<core::Page<core::Message>>>>();
    promise->start();
    core::whenFinished(this, m_deps.conversations->markInterruptedTurn(tenantId, query.conversationId),
                       [this, query, promise](const Result<bool> &) {
                           core::whenFinished(this, m_deps.conversations->messages(query),
                                              [promise](const Result<core::Page<core::Message>> &page) {
                                                  promise->addResult(page);
                                                  promise->finish();
                                              });
                       });
    return promise->future();
}

Async<bool> AgencyService::deleteConversation(const QString &tenantId, const QString &conversationId)
{
    auto id = core::parseConversationId(conversationId);
    if (!id)
        return core::failedAsync<bool>(id.error());
    return m_deps.conversations->deleteConversation(tenantId, id.value());
}

Async<core::Conversation> AgencyService::renameConversation(const QString &tenantId,
                                                            const QString &conversationId,
                                                            const QString &title)
{
    auto id = core::parseConversationId(conversationId);
    if (!id)
        return core::failedAsync<core::Conversation>(id.error());
    const QString trimmed = title.trimmed();
    if (trimmed.isEmpty()) {
        return core::failedAsync<core::Conversation>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("title: must not be empty"),
                      {{QStringLiteral("field"), QStringLiteral("title")}}));
    }
    if (auto ok = core::validateTitle(trimmed); !ok)
        return core::failedAsync<core::Conversation>(ok.error());
    return m_deps.conversations->setTitle(tenantId, id.value(), trimmed);
}

Async<core::Conversation> AgencyService::forkConversation(const QString &tenantId,
                                                          const QString &conversationId, qint64 messageId)
{
    auto id = core::parseConversationId(conversationId);
    if (!id)
        return core::failedAsync<core::Conversation>(id.error());
    return m_deps.conversations->forkConversation(tenantId, id.value(), messageId);
}

Async<QByteArray> AgencyService::exportConversation(const QString &tenantId, const QString &conversationId,
                                                    ExportFormat format)
{
    auto id = core::parseConversationId(conversationId);
    if (!id)
        return core::failedAsync<QByteArray>(id.error());
    auto *repo = m_deps.conversations;
    return repo->getConversation(tenantId, id.value())
        .then([repo, tenantId, format](const Result<core::Conversation> &conversation) -> Async<QByteArray> {
            if (!conversation)
                return core::failedAsync<QByteArray>(conversation.error());
            core::MessageQuery query;
            query.tenantId = tenantId;
            query.conversationId = conversation->conversationId;
            query.limit = core::limits::kMaxPageSize;
            auto promise = std::make_shared<QPromise<Result<QList<core::Message>>>>();
            promise->start();
            auto all = promise->future();
            collectPages(repo, query, std::make_shared<QList<core::Message>>(), promise);
            const core::Conversation c = conversation.value();
            return all.then([c, format](const Result<QList<core::Message>> &messages) -> Result<QByteArray> {
                if (!messages)
                    return messages.error();
                return service::exportConversation(c, messages.value(), format);
            });
        })
        .unwrap();
}

Async<core::TurnResult> AgencyService::chat(const core::TurnRequest &request, core::TurnEventHandler onEvent)
{
    if (auto ok = core::validateTenantId(request.tenantId); !ok)
        return core::failedAsync<core::TurnResult>(ok.error());
    return m_deps.engine->run(request, std::move(onEvent));
}

Async<core::TurnResult> AgencyService::chatWithHistory(const core::TurnRequest &request,
                                                       const QList<core::ChatMessage> &history,
                                                       core::TurnEventHandler onEvent)
{
    if (history.isEmpty())
        return chat(request, std::move(onEvent));
    if (!request.turnId.isNull() && request.conversationId.isNull()) {
        // A turn sent again (same turn id): its conversation exists already, with its history;
        // the turn engine returns or continues it rather than a second conversation being made.
        if (auto ok = core::validateTenantId(request.tenantId); !ok)
            return core::failedAsync<core::TurnResult>(ok.error());
        auto promise = std::make_shared<QPromise<Result<core::TurnResult>>>();
        promise->start();
        core::whenFinished(this, m_deps.conversations->findTurn(request.tenantId, request.turnId),
                           [this, request, history, onEvent, promise](const Result<db::StoredTurn> &found) {
                               auto next = found && found->found
                                               ? chat(request, onEvent)
                                               : startWithHistory(request, history, onEvent);
                               core::whenFinished(this, next, [promise](const Result<core::TurnResult> &r) {
                                   promise->addResult(r);
                                   promise->finish();
                               });
                           });
        return promise->future();
    }
    return startWithHistory(request, history, std::move(onEvent));
}

Async<core::TurnResult> AgencyService::startWithHistory(const core::TurnRequest &request,
                                                        const QList<core::ChatMessage> &history,
                                                        core::TurnEventHandler onEvent)
{
    auto fail = [](const QString &field, const QString &message) {
        return core::failedAsync<core::TurnResult>(
            makeError(ErrorCode::InvalidArgument, message, {{QStringLiteral("field"), field}}));
    };
    if (!request.conversationId.isNull())
        return fail(QStringLiteral("conversation_id"),
                    QStringLiteral("conversation_id: a history starts a new conversation; continue an "
                                   "existing one with its id and the new message alone"));
    if (request.message.trimmed().isEmpty())
        return fail(QStringLiteral("message"), QStringLiteral("message: must not be empty"));
    if (auto ok = core::validateTenantId(request.tenantId); !ok)
        return core::failedAsync<core::TurnResult>(ok.error());
    // Refused before anything is stored: an unknown flow would leave a conversation no turn can use.
    if (!m_deps.flows->find(request.flowType)) {
        return core::failedAsync<core::TurnResult>(
            makeError(ErrorCode::NotFound, QStringLiteral("flow \"%1\" does not exist").arg(request.flowType),
                      {{QStringLiteral("flow_type"), request.flowType}}));
    }
    QList<db::NewMessage> seed;
    for (const core::ChatMessage &m : history) {
        if (m.role == core::Role::Tool || !m.toolCalls.isEmpty())
            return fail(QStringLiteral("messages"),
                        QStringLiteral("messages: a history holds no tool calls"));
        db::NewMessage stored;
        stored.role = m.role;
        stored.content = m.content;
        stored.metadata = {{QStringLiteral("source"), QStringLiteral("client_history")}};
        seed.append(stored);
    }
    QPointer<AgencyService> self(this);
    auto promise = std::make_shared<QPromise<Result<core::TurnResult>>>();
    promise->start();
    m_deps.conversations->createConversationWithMessages(request.tenantId, request.flowType, seed)
        .then(this, [self, request, onEvent = std::move(onEvent),
                     promise](const Result<core::Conversation> &created) {
            auto settle = [promise](const Result<core::TurnResult> &result) {
                promise->addResult(result);
                promise->finish();
            };
            if (!created)
                return settle(created.error());
            if (!self)
                return settle(makeError(ErrorCode::Cancelled, QStringLiteral("the service stopped")));
            // The history is stored; the turn continues it like any other conversation.
            core::TurnRequest turn = request;
            turn.conversationId = created->conversationId;
            self->m_deps.engine->run(turn, onEvent).then(self, settle);
        });
    return promise->future();
}

namespace {
core::Error runsUnavailable()
{
    return makeError(ErrorCode::NotConfigured, QStringLiteral("runs are not available in this program"));
}

/// Queues `run` once the provider that would answer it (`providerName`, empty: the default) is
/// known to be configured: a worker could only fail it later.
Async<core::Run> queueRun(const ServiceDependencies &deps, const db::NewRun &run, const QString &providerName)
{
    if (deps.providers) {
        const QString effective = !providerName.isEmpty() ? providerName : deps.providers->defaultProvider();
        const core::ProviderInfo info = deps.providers->describe(effective);
        if (!info.configured) {
            return core::failedAsync<core::Run>(
                makeError(ErrorCode::NotConfigured,
                          QStringLiteral("provider %1 is not configured (%2 is not set)")
                              .arg(effective, info.missingSetting),
                          {{QStringLiteral("provider"), effective}}));
        }
    }
    auto created = deps.runs->create(run);
    // This process's workers start it at once; other processes find it at their next poll.
    if (deps.runWorker)
        deps.runWorker->notify(created);
    return created;
}
} // namespace

Async<core::Run> AgencyService::createRun(const QString &tenantId, const QString &flowType,
                                          const QString &input, const QString &provider, const QString &model)
{
    if (!m_deps.runs)
        return core::failedAsync<core::Run>(runsUnavailable());
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::Run>(ok.error());
    if (auto ok = core::validateFlowType(flowType); !ok)
        return core::failedAsync<core::Run>(ok.error());
    // Reject now what a worker could only fail later: an unknown flow or an unusable provider.
    const auto flow = m_deps.flows->find(flowType);
    if (!flow) {
        return core::failedAsync<core::Run>(
            makeError(ErrorCode::NotFound, QStringLiteral("flow \"%1\" does not exist").arg(flowType),
                      {{QStringLiteral("flow_type"), flowType}}));
    }
    if (!provider.isEmpty() && !llm::ProviderFactory::names().contains(provider)) {
        return core::failedAsync<core::Run>(
            makeError(ErrorCode::NotFound,
                      QStringLiteral("unknown provider \"%1\"; choose one of %2")
                          .arg(provider, llm::ProviderFactory::names().join(QStringLiteral(", "))),
                      {{QStringLiteral("field"), QStringLiteral("provider")}}));
    }
    const db::NewRun run{tenantId, flowType, input, provider, model};
    // The provider that would answer, as a turn chooses it: the request's, the flow's, the tenant's.
    const QString named = !provider.isEmpty() ? provider : flow->provider;
    if (!named.isEmpty() || !m_deps.limitPolicy)
        return queueRun(m_deps, run, named);
    const ServiceDependencies deps = m_deps;
    return m_deps.limitPolicy->tenantSettings(tenantId)
        .then(this,
              [deps, run](const Result<QJsonObject> &settings) -> Async<core::Run> {
                  if (!settings)
                      return core::failedAsync<core::Run>(settings.error());
                  return queueRun(deps, run, settings->value(QStringLiteral("provider")).toString());
              })
        .unwrap();
}

Async<core::Run> AgencyService::getRun(const QString &tenantId, const QString &runId)
{
    if (!m_deps.runs)
        return core::failedAsync<core::Run>(runsUnavailable());
    auto id = core::parseRunId(runId);
    if (!id)
        return core::failedAsync<core::Run>(id.error());
    return m_deps.runs->get(tenantId, id.value());
}

Async<core::Run> AgencyService::cancelRun(const QString &tenantId, const QString &runId)
{
    if (!m_deps.runs)
        return core::failedAsync<core::Run>(runsUnavailable());
    auto id = core::parseRunId(runId);
    if (!id)
        return core::failedAsync<core::Run>(id.error());
    auto cancelled = m_deps.runs->cancel(tenantId, id.value());
    // When this process executes it, the turn is cancelled now rather than at the next poll.
    if (m_deps.runWorker)
        m_deps.runWorker->notify(cancelled);
    return cancelled;
}

Async<core::Page<core::Run>> AgencyService::listRuns(const QString &tenantId, const QString &status,
                                                     int limit, const QString &cursor)
{
    if (!m_deps.runs)
        return core::failedAsync<core::Page<core::Run>>(runsUnavailable());
    db::RunQuery query;
    query.tenantId = tenantId;
    query.limit = limit;
    query.cursor = cursor;
    if (!status.isEmpty()) {
        query.status = core::runStatusFromName(status);
        if (!query.status) {
            return core::failedAsync<core::Page<core::Run>>(makeError(
                ErrorCode::InvalidArgument,
                QStringLiteral("status: must be one of queued, running, completed, failed, cancelled"),
                {{QStringLiteral("field"), QStringLiteral("status")}}));
        }
    }
    return m_deps.runs->list(query);
}

Async<QList<core::UsageSummaryRow>> AgencyService::usageSummary(const QString &tenantId,
                                                                const QDateTime &from, const QDateTime &to)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<QList<core::UsageSummaryRow>>(ok.error());
    return m_deps.usage->summary(tenantId, from, to);
}

Async<core::LimitStatus> AgencyService::rateLimitStatus(const QString &tenantId, const QString &provider)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::LimitStatus>(ok.error());
    return m_deps.limiter->status(tenantId, provider);
}

namespace {
core::Error keysUnavailable()
{
    return makeError(ErrorCode::NotConfigured, QStringLiteral("API keys are not available in this program"));
}
} // namespace

Async<core::CreatedApiKey> AgencyService::createApiKey(const core::NewApiKey &spec)
{
    if (!m_deps.keys)
        return core::failedAsync<core::CreatedApiKey>(keysUnavailable());
    const QString secret = generateApiKeySecret();
    const QString hash = hashApiKeySecret(secret);
    auto *keys = m_deps.keys;
    auto insert = [keys, spec, hash, secret](bool tenantCreated) {
        return keys->insert(spec, hash).then([secret, tenantCreated](const Result<core::ApiKey> &key) {
            if (!key)
                return Result<core::CreatedApiKey>(key.error());
            return Result<core::CreatedApiKey>(core::CreatedApiKey{key.value(), secret, tenantCreated});
        });
    };
    if (spec.globalAdmin)
        return insert(false);
    // Like `chat`: a key for a tenant that does not exist yet creates it (and says so).
    auto *tenants = m_deps.tenants;
    const QString tenantId = spec.tenantId;
    return tenants->getTenant(tenantId)
        .then([tenants, tenantId](const Result<core::Tenant> &t) -> Async<bool> {
            if (t)
                return core::readyAsync<bool>(false);
            if (t.error().code != ErrorCode::NotFound)
                return core::failedAsync<bool>(t.error());
            return tenants->ensureTenant(tenantId).then([](const Result<core::Tenant> &made) {
                return made ? Result<bool>(true) : Result<bool>(made.error());
            });
        })
        .unwrap()
        .then([insert](const Result<bool> &created) -> Async<core::CreatedApiKey> {
            if (!created)
                return core::failedAsync<core::CreatedApiKey>(created.error());
            return insert(created.value());
        })
        .unwrap();
}

Async<core::Principal> AgencyService::authenticate(const QString &secret)
{
    if (!m_deps.keys)
        return core::failedAsync<core::Principal>(keysUnavailable());
    if (!looksLikeApiKeySecret(secret))
        return core::failedAsync<core::Principal>(
            makeError(ErrorCode::Unauthenticated, QStringLiteral("unknown API key")));
    const QString hash = hashApiKeySecret(secret);
    if (auto known = m_keyCache->find(hash, QDateTime::currentDateTimeUtc()))
        return core::readyAsync(Result<core::Principal>(*known));
    const quint64 generation = m_keyCache->generation();
    return m_deps.keys->authenticate(hash).then(
        [cache = m_keyCache, hash, generation](const Result<core::ApiKey> &key) {
            if (!key)
                return Result<core::Principal>(key.error());
            core::Principal p;
            p.keyId = key->keyId;
            p.keyName = key->name;
            p.tenantId = key->tenantId;
            p.role = key->role;
            p.globalAdmin = key->globalAdmin;
            cache->remember(hash, p, key->expiresAt, QDateTime::currentDateTimeUtc(), generation);
            return Result<core::Principal>(p);
        });
}

void AgencyService::setKeyCacheActive(bool active)
{
    m_keyCache->setActive(active);
}

void AgencyService::forgetCachedKeys()
{
    m_keyCache->forgetAll();
}

bool AgencyService::keyCacheActive() const
{
    return m_keyCache->enabled();
}

Async<QList<core::ApiKey>> AgencyService::listApiKeys(const QString &tenantId)
{
    if (!m_deps.keys)
        return core::failedAsync<QList<core::ApiKey>>(keysUnavailable());
    return m_deps.keys->list(tenantId);
}

Async<core::ApiKey> AgencyService::revokeApiKey(const QString &keyId)
{
    if (!m_deps.keys)
        return core::failedAsync<core::ApiKey>(keysUnavailable());
    // Forgotten before and after: a request authenticated meanwhile must not keep the key.
    m_keyCache->forgetAll();
    return m_deps.keys->revoke(keyId).then([cache = m_keyCache](const Result<core::ApiKey> &revoked) {
        cache->forgetAll();
        return revoked;
    });
}

Async<qint64> AgencyService::countActiveApiKeys()
{
    if (!m_deps.keys)
        return core::failedAsync<qint64>(keysUnavailable());
    return m_deps.keys->countActive();
}

Async<core::AuditEntry> AgencyService::recordAudit(const core::AuditEntry &entry)
{
    if (!m_deps.audit)
        return core::failedAsync<core::AuditEntry>(keysUnavailable());
    return m_deps.audit->record(entry);
}

Async<core::Page<core::AuditEntry>> AgencyService::listAudit(const core::AuditQuery &query)
{
    if (!m_deps.audit)
        return core::failedAsync<core::Page<core::AuditEntry>>(keysUnavailable());
    if (!query.tenantId.isEmpty()) {
        if (auto ok = core::validateTenantId(query.tenantId); !ok)
            return core::failedAsync<core::Page<core::AuditEntry>>(ok.error());
    }
    return m_deps.audit->list(query);
}

} // namespace agency::service

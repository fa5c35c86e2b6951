#pragma once

#include "core/clock.h"
#include "core/flowdefinition.h"
#include "core/result.h"
#include "core/tenantsecrets.h"
#include "runtime/databaseruntime.h"
#include "runtime/providerruntime.h"
#include "runtime/runtimeconfig.h"
#include "service/agencyservice.h"

#include <QFuture>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace agency::sql {
class ChangeListener;
class PlannerStatistics;
} // namespace agency::sql
namespace agency::db {
class ConversationRepository;
class TenantRepository;
class RunRepository;
class RunQueue;
class ApiKeyRepository;
class AuditRepository;
class ApprovalRepository;
class DocumentRepository;
class ResponseCacheRepository;
class TenantSecretStore;
class SlackEventRepository;
} // namespace agency::db
namespace agency::llm {
class EmbedderFactory;
}
namespace agency::knowledge {
class KnowledgeBase;
}
namespace agency::tools {
class ToolRegistry;
class Tool;
} // namespace agency::tools
namespace agency::tools::slack {
class SlackClient;
}
namespace agency::mcp {
class McpServerManager;
}
namespace agency::core {
class TenantSecretSource;
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
class SlackResponder;
class ToolApprovals;
} // namespace agency::flows

namespace agency::runtime {

class ServiceDocuments;

/// What a caller may hand the composition root instead of letting it build its own. The program
/// injects nothing; tests inject a manual clock, their own database and no user flows; benchmarks
/// inject a database they set up themselves.
struct Injected
{
    /// Time source of everything (rate limits, caches, token expiry). Default: the system clock.
    std::shared_ptr<const core::Clock> clock;
    /// An open, migrated database, borrowed (it must outlive the backend). Default: the database
    /// of RuntimeConfig::database (the external DATABASE_URL or the embedded cluster), opened,
    /// migrated and owned by the backend.
    sql::DbExecutor *executor = nullptr;
    /// The network of providers and tools, borrowed, living on the calling thread. Default: network
    /// lanes with RuntimeConfig::httpConnectionsPerHost connections per host.
    QNetworkAccessManager *nam = nullptr;
    /// Directories of user flow files. Default: FlowRegistry::defaultUserDirectory(). An empty
    /// list loads the built-in flows only.
    std::optional<QStringList> flowDirectories;
    /// Flows added to the loaded ones (replacing a flow of the same type): a test's or a
    /// benchmark's own flows.
    QList<core::FlowDefinition> extraFlows;
    /// The tenants' credentials for the tools (GitHub tokens...) and MCP server headers
    /// (`${secret:NAME}`), borrowed. Default: the deployment's encrypted store.
    core::TenantSecretSource *tenantSecrets = nullptr;
    /// Tools added to the built-in ones (before the flows are loaded, so flows may name them): a
    /// test's own tools, e.g. a write tool that needs approval.
    QList<std::shared_ptr<tools::Tool>> extraTools;
};

/// The composition root (docs/design.md#layers): the one place that builds every backend component from
/// the typed config and wires them by constructor (no singletons). The program (chat, serve, the
/// console and the other commands), the tests and the benchmarks all get their backend here, so
/// there is one wiring. Create it on the thread that will run the event loop: providers, tools and
/// the service live there. Destruction tears down in reverse order, the database last.
class Backend
{
public:
    /// Opens the database (unless one is injected) and builds the service. Broken user flow files
    /// are reported in flowProblems(), not fatal. Fails with what to fix: database unreachable,
    /// schema newer than the program, PostgreSQL binaries missing, no database for a rate limiter
    /// that needs one.
    static core::Result<std::unique_ptr<Backend>> create(const RuntimeConfig &config, Injected injected = {});
    ~Backend();
    Backend(const Backend &) = delete;
    Backend &operator=(const Backend &) = delete;

    /// The one API of both front ends.
    service::AgencyService &service() { return *m_service; }
    /// The database this backend opened; nullptr when an executor was injected.
    DatabaseRuntime *database() { return m_database.get(); }
    /// Broken user flow files, one line each ("file: reason"); they were skipped.
    QStringList flowProblems() const { return m_flowProblems; }

    // Seams for tests and benchmarks that drive a turn without the service's checks in front of
    // it. Anything else they need (repositories, run queues) they build on the database they
    // injected, as the runtime does.

    /// The turn engine the service runs turns on.
    flows::TurnEngine &engine() { return *m_engine; }
    /// The network, provider factory and providers the turns use (ProviderRuntime::provider).
    ProviderRuntime &providers() { return *m_providers; }
    /// Applies `config`'s provider settings at once (ProviderRuntime::reconfigure) and tells the
    /// service, which announces AgencyService::providersChanged().
    void reconfigureProviders(const RuntimeConfig &config);
    /// What service() was built from, for a test that builds a service around its own run worker.
    const service::ServiceDependencies &serviceDependencies() const { return m_serviceDeps; }

    /// Starts this process's run worker pool (RUN_WORKERS slots; none when 0). Server and console
    /// call it; one-shot commands such as `chat` do not, so they never claim queued runs.
    /// Also starts indexing queued documents (KNOWLEDGE_WORKERS at once) and answering the Slack
    /// mentions a stopped process left unanswered (now, then every minute).
    void startRunWorkers();
    /// Stops claiming, cancels the runs executing here and puts them back in the queue; the same
    /// for the documents being indexed. Await the future (with a context, on the event loop)
    /// before destroying the Backend for a clean stop; otherwise they are recovered after
    /// RUN_LEASE_S.
    QFuture<void> stopRunWorkers();
    /// Tenants' stored secrets (tenant_secrets), decrypted with the deployment's key: what the
    /// tools of outside systems (Slack, GitHub) read their credentials from.
    core::TenantSecretSource &tenantSecrets();
    /// The knowledge base (documents); also the search behind the search_documents tool.
    knowledge::KnowledgeBase &knowledge() { return *m_knowledge; }
    /// Analyzes the tables a turn writes as soon as they hold rows, until each has planner
    /// statistics (sql::PlannerStatistics); a no-op on a database that has them. Long-running
    /// processes (server, console, benchmarks) call it.
    void startPlannerStatistics();
    /// Listens for the database's change notifications (migration 0008: tenants and
    /// conversations created, renamed, deleted or answered; 0010: documents added, deleted or
    /// progressing; by any process) and announces them through AgencyService::dataChanged() and
    /// documentsChanged(). The console calls it; idempotent.
    void startChangeListener();
    /// Listens for changes to API keys (migration 0012) so the service may trust a recently
    /// authenticated key without reading it again (HTTP_KEY_CACHE_MS); until it listens, and
    /// whenever its connection is lost, every key is read. The server calls it; idempotent.
    void startKeyListener();
    /// Listens for changes to documents (migration 0018) so a turn may use a remembered answer
    /// to whether its tenant has documents (whether search_documents is offered) instead of
    /// reading it every time; until it listens, and whenever its connection is lost, it is read.
    /// The server calls it; idempotent.
    void startDocumentListener();
    /// Whether turns use remembered answers to "does this tenant have documents?" now.
    bool documentPresenceCacheActive() const;
    /// Every MCP server connection of this process (the flows' and the tenants' servers).
    mcp::McpServerManager &mcpServers() { return *m_mcp; }

private:
    Backend() = default;
    core::Status openDatabase(const DatabaseConfig &config, sql::DbExecutor *injected);
    core::Status buildEngine(const RuntimeConfig &config, const Injected &injected);
    void buildKnowledge(const RuntimeConfig &config);
    void buildSlack(const RuntimeConfig &config);
    void buildService(int keyCacheMs);
    void storeAnswersAsDocuments();
    /// The MCP servers' tools for the turn engine (TurnDependencies::extraTools).
    void buildMcp(const RuntimeConfig &config);

    std::shared_ptr<const core::Clock> m_clock;
    core::TenantSecretSource *m_tenantSecrets = nullptr; ///< borrowed (Injected::tenantSecrets)
    std::unique_ptr<DatabaseRuntime> m_database;
    sql::DbExecutor *m_executor = nullptr;
    std::unique_ptr<ProviderRuntime> m_providers;
    std::unique_ptr<sql::ChangeListener> m_changes;
    std::unique_ptr<sql::ChangeListener> m_keyChanges;
    std::unique_ptr<sql::ChangeListener> m_documentChanges;
    std::unique_ptr<db::ConversationRepository> m_conversations;
    std::unique_ptr<db::TenantRepository> m_tenants;
    std::unique_ptr<db::TenantSecretStore> m_secrets;     ///< before m_tools: tools borrow it
    std::unique_ptr<ServiceDocuments> m_serviceDocuments; ///< before m_tools: the search tool borrows it
    std::unique_ptr<tools::ToolRegistry> m_tools;
    std::unique_ptr<flows::FlowRegistry> m_flows;
    std::shared_ptr<ratelimit::LimitPolicy> m_limitPolicy;
    std::unique_ptr<ratelimit::RateLimiter> m_tokenLimiter; ///< the token buckets
    std::unique_ptr<ratelimit::UsageRecorder> m_usage;
    std::unique_ptr<ratelimit::RateLimiter> m_limiter; ///< the money budget in front of m_tokenLimiter
    std::unique_ptr<db::ResponseCacheRepository> m_responseCache;
    std::unique_ptr<mcp::McpServerManager> m_mcp; ///< before m_engine: turns hold its tools
    /// The MCP servers' tools of a tenant and flow, for the turns and the service alike.
    std::function<QFuture<QList<std::shared_ptr<tools::Tool>>>(const QString &, const core::FlowDefinition &)>
        m_extraTools;
    std::unique_ptr<flows::TurnEngine> m_engine;
    std::unique_ptr<db::ApprovalRepository> m_approvals;
    std::unique_ptr<flows::ToolApprovals> m_toolApprovals;
    std::unique_ptr<db::RunRepository> m_runs;
    std::unique_ptr<db::RunQueue> m_runQueue;
    std::unique_ptr<db::ApiKeyRepository> m_keys;
    std::unique_ptr<db::AuditRepository> m_audit;
    std::unique_ptr<flows::RunWorker> m_runWorker;
    std::unique_ptr<db::SlackEventRepository> m_slackEvents;
    std::unique_ptr<tools::slack::SlackClient> m_slackClient;
    std::unique_ptr<flows::SlackResponder> m_slack;
    std::unique_ptr<db::DocumentRepository> m_documents;
    std::unique_ptr<llm::EmbedderFactory> m_embedders;
    std::unique_ptr<knowledge::KnowledgeBase> m_knowledge;
    std::unique_ptr<sql::PlannerStatistics> m_statistics;
    service::ServiceDependencies m_serviceDeps;
    std::unique_ptr<service::AgencyService> m_service;
    QStringList m_flowProblems;
};

} // namespace agency::runtime

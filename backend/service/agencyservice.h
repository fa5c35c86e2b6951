#pragma once

// Front ends (ui/, backend/http/) compile against this header and backend/core only: everything
// below is a core value type or a forward declaration (agency_service links its layers PRIVATE).

#include "conversationexport.h"
#include "core/access.h"
#include "core/async/future.h"
#include "core/conversation.h"
#include "core/document.h"
#include "core/flowdefinition.h"
#include "core/limitstatus.h"
#include "core/mcpserver.h"
#include "core/page.h"
#include "core/providerinfo.h"
#include "core/run.h"
#include "core/slackevent.h"
#include "core/tenant.h"
#include "core/tenantsecrets.h"
#include "core/toolapproval.h"
#include "core/tooldefinition.h"
#include "core/turnvalues.h"
#include "core/usagesummary.h"

#include <QDateTime>
#include <QObject>

#include <functional>
#include <memory>

#include <optional>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql
namespace agency::db {
class ConversationRepository;
class TenantRepository;
class RunRepository;
class ApiKeyRepository;
class AuditRepository;
class TenantSecretStore;
class ApprovalRepository;
} // namespace agency::db
namespace agency::llm {
class ProviderFactory;
}
namespace agency::knowledge {
class KnowledgeBase;
}
namespace agency::tools {
class ToolRegistry;
class Tool;
} // namespace agency::tools
namespace agency::flows {
class FlowRegistry;
class TurnEngine;
class RunWorker;
class SlackResponder;
class ToolApprovals;
} // namespace agency::flows
namespace agency::ratelimit {
class RateLimiter;
class LimitPolicy;
class UsageRecorder;
} // namespace agency::ratelimit

namespace agency::service {

class KeyCache;

/// Database reachability and provider configuration, for /health and the status bar.
struct Health
{
    bool databaseOk = false;
    QString database;      ///< "embedded …" / "external …" description, no password
    QString databaseError; ///< when not ok
    QString defaultProvider;
    QList<core::ProviderInfo> providers;
    core::RoutingStatus routing; ///< the default route and this process's breakers
    /// This process's MCP server connections (docs/mcp.md#using-mcp-servers-in-flows).
    QList<core::McpServerStatus> mcpServers;
};

/// The database connection pool right now, for /metrics and diagnostics.
struct DatabasePool
{
    int workers = 0;            ///< connections (one worker thread each)
    int busy = 0;               ///< connections running a job
    int queued = 0;             ///< jobs waiting for a connection
    quint64 jobs = 0;           ///< jobs run since start
    quint64 connectionsCut = 0; ///< connections cut by the statement watchdog since start
};

/// Everything the service is built from; all must outlive it.
struct ServiceDependencies
{
    sql::DbExecutor *executor = nullptr;
    db::ConversationRepository *conversations = nullptr;
    db::TenantRepository *tenants = nullptr;
    db::TenantSecretStore *secrets = nullptr; ///< optional: without it the secret methods fail NotConfigured
    flows::SlackResponder *slack = nullptr; ///< optional: without it receiveSlackEvent() fails NotConfigured
    const flows::FlowRegistry *flows = nullptr;
    flows::TurnEngine *engine = nullptr;
    const llm::ProviderFactory *providers = nullptr;
    ratelimit::RateLimiter *limiter = nullptr;
    ratelimit::LimitPolicy *limitPolicy = nullptr; ///< validates and refreshes tenant overrides
    ratelimit::UsageRecorder *usage = nullptr;
    db::RunRepository *runs = nullptr;     ///< optional: without it the run methods fail NotConfigured
    flows::RunWorker *runWorker = nullptr; ///< optional: this process's pool, told about new runs and cancels
    db::ApiKeyRepository *keys = nullptr;  ///< optional: without it the key methods fail NotConfigured
    db::AuditRepository *audit = nullptr;  ///< optional: without it the audit methods fail NotConfigured
    /// Optional: without them the approval methods fail NotConfigured.
    db::ApprovalRepository *approvals = nullptr;
    flows::ToolApprovals *toolApprovals = nullptr;
    knowledge::KnowledgeBase *knowledge =
        nullptr;                          ///< optional: without it the document methods fail NotConfigured
    tools::ToolRegistry *tools = nullptr; ///< optional: without it the tool methods fail NotConfigured
    /// Optional: the tools a turn of a tenant and flow gets beside the flow's own (its MCP servers'),
    /// the very source the turn engine asks, so admins see what the model sees.
    std::function<QFuture<QList<std::shared_ptr<tools::Tool>>>(const QString &tenantId,
                                                               const core::FlowDefinition &flow)>
        extraTools;
    /// How long an authenticated key may be trusted without reading it again (0: never), once
    /// setKeyCacheActive(true) says changes to keys are heard.
    int keyCacheMs = 0;
    /// Optional: the routing state (LLM_ROUTE, breakers, attempts) for /metrics, /health, the console.
    std::function<core::RoutingStatus()> routing;
    /// Optional: this process's MCP server connections as they are (nothing is started).
    std::function<QList<core::McpServerStatus>()> mcpStatuses;
    /// Optional: starts the MCP servers of every flow, and of the tenant's settings when a tenant
    /// is named, and reports every connection once none is still starting.
    std::function<core::Async<QList<core::McpServerStatus>>(const QString &tenantId)> mcpConnect;
};

/// The single API of the product: the desktop console and the HTTP server both call only this
/// (docs/design.md#layers). It validates every input (ids arrive as text from users), enforces tenant scope
/// (every conversation operation names its tenant; another tenant's conversation is NotFound) and
/// returns futures of Result. Holds no business state of its own.
///
/// Thread affinity: lives on the event-loop thread that owns the providers and tools; call it
/// from there. Futures of database-only operations may finish on a database thread: attach
/// continuations with a context object.
class AgencyService : public QObject
{
    Q_OBJECT

public:
    explicit AgencyService(ServiceDependencies deps, QObject *parent = nullptr);
    ~AgencyService() override;

    core::Async<Health> health();
    /// Immediate, no database round trip.
    DatabasePool databasePool() const;
    /// This process's routing state: LLM_ROUTE, the breakers, the attempts so far. Immediate.
    core::RoutingStatus routing() const;
    QList<core::FlowDefinition> flows() const;
    /// The MCP servers of every flow, and of `tenantId`'s settings when given, started if need be
    /// and reported once none is still starting (`aiagency mcp servers`). NotFound for an unknown
    /// tenant; NotConfigured without MCP support.
    core::Async<QList<core::McpServerStatus>> mcpServers(const QString &tenantId = {});
    QList<core::ProviderInfo> providers() const;
    /// "Test connection": one short call (a one-word prompt, at most 16 tokens, no tools, not
    /// stored, no rate-limit charge) to provider `name` as configured, with the non-empty fields
    /// of `typed` on top (values typed into the settings dialog and not saved yet; for vertex also
    /// its project, location and base URL). Errors are the
    /// provider's (ProviderUnauthorized, ProviderUnavailable, …) or NotConfigured/NotFound.
    core::Async<core::ProviderCheck> testProvider(const QString &name,
                                                  const core::ProviderOverride &typed = {});

    // Tenants
    core::Async<core::Page<core::Tenant>> listTenants(int limit = 100, const QString &after = {});
    core::Async<core::Tenant> createTenant(const QString &tenantId, const QString &name,
                                           const QJsonObject &settings = {});
    core::Async<core::Tenant> getTenant(const QString &tenantId);
    core::Async<core::Tenant> updateTenant(const QString &tenantId, const std::optional<QString> &name,
                                           const std::optional<QJsonObject> &settings);

    // Tenant secrets (docs/secrets.md): credentials of outside systems, encrypted at rest. Values
    // go in and never come out through the service; tools read them through TenantSecretSource.
    /// Creates or replaces secret `name` (^[a-z][a-z0-9_]{0,63}$) of an existing tenant.
    core::Async<core::TenantSecretInfo> setTenantSecret(const QString &tenantId, const QString &name,
                                                        const QString &value);
    /// Names and dates only, ordered by name.
    core::Async<QList<core::TenantSecretInfo>> listTenantSecrets(const QString &tenantId);
    /// NotFound when the tenant has no such secret.
    core::Async<bool> deleteTenantSecret(const QString &tenantId, const QString &name);

    // Slack (docs/slack.md)
    /// One POST /slack/events: verified with the signing secret of the tenant whose slack_team_id
    /// is the event's workspace, recorded once, answered at once; an app_mention is answered in
    /// its thread afterwards. Unauthenticated for a bad or stale signature.
    core::Async<core::SlackAck> receiveSlackEvent(const core::SlackDelivery &delivery);

    // Conversations (all tenant-scoped)
    core::Async<core::Page<core::Conversation>> listConversations(const core::ConversationQuery &query);
    core::Async<QList<core::SearchHit>> searchConversations(const core::SearchQuery &query);
    core::Async<core::Conversation> getConversation(const QString &tenantId, const QString &conversationId);
    core::Async<core::Page<core::Message>> listMessages(const QString &tenantId,
                                                        const QString &conversationId, int limit = 100,
                                                        const QString &cursor = {});
    core::Async<bool> deleteConversation(const QString &tenantId, const QString &conversationId);
    /// Sets the title (1 to 200 characters after trimming).
    core::Async<core::Conversation> renameConversation(const QString &tenantId, const QString &conversationId,
                                                       const QString &title);
    /// "Edit and resend": a new conversation with copies of the messages before user message
    /// `messageId`, its metadata recording `forked_from` {conversation_id, message_id}; the
    /// original is untouched. Send the edited text with chat() on the returned conversation.
    /// NotFound (conversation or message), InvalidArgument (not a user message).
    core::Async<core::Conversation> forkConversation(const QString &tenantId, const QString &conversationId,
                                                     qint64 messageId);
    core::Async<QByteArray> exportConversation(const QString &tenantId, const QString &conversationId,
                                               ExportFormat format);
    /// Stores `partialText`, the part of a reply shown before the user stopped it, as an
    /// assistant message marked `"stopped": true` (finish_reason "stopped") in its metadata.
    /// InvalidArgument for empty text, NotFound for another tenant's conversation.
    core::Async<core::Message> keepStoppedAnswer(const QString &tenantId, const QString &conversationId,
                                                 const QString &partialText, const QString &provider = {},
                                                 const QString &model = {});

    // Chat
    /// Runs one turn; events arrive on this thread while it runs.
    core::Async<core::TurnResult> chat(const core::TurnRequest &request, core::TurnEventHandler onEvent = {});
    /// Starts a new conversation whose earlier messages are `history` (system, user and
    /// assistant messages without tool calls, e.g. what an OpenAI client sent), then runs a turn
    /// with request.message in it. The history is stored in one transaction before the turn
    /// begins (all of it or none); its system messages follow the flow's own prompt on every
    /// call. request.conversationId must be null (InvalidArgument). An empty history is chat().
    core::Async<core::TurnResult> chatWithHistory(const core::TurnRequest &request,
                                                  const QList<core::ChatMessage> &history,
                                                  core::TurnEventHandler onEvent = {});

    // Tools, for admins checking what an agent would see
    /// The tools flow `flowType` may call: its own, in the flow's order, then those of the MCP
    /// servers the flow (and tenant `tenantId`, when given) attach, started if need be. Every
    /// built-in tool when `flowType` is empty. NotFound for an unknown flow.
    core::Async<QList<core::ToolInfo>> flowTools(const QString &flowType = {}, const QString &tenantId = {});
    /// Runs tool `name` once for `tenantId` with `argumentsJson` (a JSON object; empty means {}),
    /// as a turn of that tenant would, and returns what the model would see. An MCP server's tool
    /// is looked for among those of `flowType`, or of every flow when it is empty, and of the
    /// tenant's own servers. NotFound for an unknown tenant, flow or tool; InvalidArgument for
    /// arguments the tool's schema refuses (nothing runs). A tool that needs a person's approval
    /// does not run: the call waits as a pending approval (ToolCallOutcome::approvalId).
    core::Async<core::ToolCallOutcome> callTool(const QString &tenantId, const QString &name,
                                                const QString &argumentsJson, const QString &flowType = {});

    // Runs (non-interactive flow runs, executed by the run workers of any process on the database)
    /// Queues one turn of `flowType` with `input` as the user message. The flow must exist;
    /// `provider` (optional) must be a known provider name, and the provider that would answer must
    /// be configured (NotConfigured otherwise). Returns the queued run.
    core::Async<core::Run> createRun(const QString &tenantId, const QString &flowType, const QString &input,
                                     const QString &provider = {}, const QString &model = {});
    /// NotFound when absent or another tenant's; InvalidArgument for a malformed id.
    core::Async<core::Run> getRun(const QString &tenantId, const QString &runId);
    /// Cancels a queued run at once; a running run gets a cancel request (returned still running;
    /// its worker cancels the turn and marks it cancelled). Conflict when it already finished.
    core::Async<core::Run> cancelRun(const QString &tenantId, const QString &runId);
    /// A tenant's runs, newest first; `status` empty or one of queued, running, completed, failed,
    /// cancelled.
    core::Async<core::Page<core::Run>> listRuns(const QString &tenantId, const QString &status = {},
                                                int limit = 50, const QString &cursor = {});

    // Approval before writes (docs/flows-and-tools.md#approvals). All tenant-scoped: another
    // tenant's approval is NotFound. Deciding is for the tenant's admins; the front ends check.
    /// Newest first; `status` empty or pending, approved, rejected, expired; `conversationId`
    /// empty: all. Pending ones past their expiry are marked expired first.
    core::Async<QList<core::ToolApproval>> listApprovals(const QString &tenantId, const QString &status = {},
                                                         const QString &conversationId = {}, int limit = 100);
    core::Async<core::ToolApproval> getApproval(const QString &tenantId, const QString &approvalId);
    /// Runs the call with its stored arguments and, once every waiting call of its answer is
    /// decided, continues the conversation's turn (ApprovalOutcome::turn; its events reach
    /// `onEvent`). Conflict when it is no longer pending (decided, expired). Audited
    /// ("approval.approve", `actor` says who).
    core::Async<core::ApprovalOutcome> approveToolCall(const QString &tenantId, const QString &approvalId,
                                                       const core::AuditEntry &actor = {},
                                                       core::TurnEventHandler onEvent = {});
    /// Runs nothing; the model is told the call was rejected (with `reason`, optional) and the
    /// turn continues as for approveToolCall(). Audited ("approval.reject").
    core::Async<core::ApprovalOutcome> rejectToolCall(const QString &tenantId, const QString &approvalId,
                                                      const QString &reason,
                                                      const core::AuditEntry &actor = {},
                                                      core::TurnEventHandler onEvent = {});
    /// A direct call of a tool that needs approval (`aiagency tools call`): stores it pending, with
    /// no conversation; approving it runs the tool and keeps the result in the approval.
    core::Async<core::ToolApproval> requestToolApproval(const QString &tenantId, const QString &toolName,
                                                        const QJsonObject &arguments);

    // Usage and limits
    core::Async<QList<core::UsageSummaryRow>> usageSummary(const QString &tenantId, const QDateTime &from,
                                                           const QDateTime &to);
    core::Async<core::LimitStatus> rateLimitStatus(const QString &tenantId, const QString &provider);

    // API keys and the audit log (server mode)
    /// Creates a key with a fresh secret of 256 random bits; only its hash is stored. A tenant
    /// key's tenant is created when missing (CreatedApiKey::tenantCreated says so).
    core::Async<core::CreatedApiKey> createApiKey(const core::NewApiKey &spec);
    /// The principal a presented secret stands for: Unauthenticated when unknown, revoked or expired.
    core::Async<core::Principal> authenticate(const QString &secret);
    core::Async<QList<core::ApiKey>> listApiKeys(const QString &tenantId = {});
    core::Async<core::ApiKey> revokeApiKey(const QString &keyId);
    /// While changes to keys are heard (the server listens for them), authenticate() may answer
    /// from memory; false (the default, and whenever the listening connection is lost) reads
    /// every key from the database.
    void setKeyCacheActive(bool active);
    /// A key was changed (revoked, expired, deleted) by any process, or a notification was missed.
    void forgetCachedKeys();
    bool keyCacheActive() const;
    /// Keys that can still be used; the server refuses to bind a network address while there are none.
    core::Async<qint64> countActiveApiKeys();
    core::Async<core::AuditEntry> recordAudit(const core::AuditEntry &entry);
    core::Async<core::Page<core::AuditEntry>> listAudit(const core::AuditQuery &query);

    // Knowledge: a tenant's documents (docs/design.md#knowledge). All tenant-scoped; another
    // tenant's document is NotFound.
    /// Stores the file and queues its indexing; returns at once with the document `queued` (or
    /// the existing one, duplicate = true, when the collection already holds these bytes).
    /// InvalidArgument (empty file, bad collection name), PayloadTooLarge (over the size limit).
    core::Async<core::AddedDocument> addDocument(const core::NewDocument &document);
    core::Async<core::Page<core::Document>> listDocuments(const core::DocumentQuery &query);
    core::Async<core::Document> getDocument(const QString &tenantId, const QString &documentId);
    /// The original bytes as uploaded.
    core::Async<QByteArray> documentContent(const QString &tenantId, const QString &documentId);
    /// The extracted text with its page spans (ready documents), for showing a cited passage.
    core::Async<core::DocumentText> documentText(const QString &tenantId, const QString &documentId);
    core::Async<bool> deleteDocument(const QString &tenantId, const QString &documentId);
    /// Queues the indexing again of the tenant's documents (one collection, or all when empty),
    /// with the tenant's current embedding model; returns how many were queued.
    core::Async<int> reindexDocuments(const QString &tenantId, const QString &collection = {});
    /// Hybrid search (keywords and meaning, fused) over the tenant's ready chunks.
    core::Async<core::DocumentSearchResult> searchDocuments(const core::DocumentSearchQuery &query);
    /// Embeds texts with the tenant's embedding model, or `model` ("provider/model" or a model of
    /// the tenant's embedding provider) when given. Not stored.
    core::Async<core::TextEmbeddings> embedTexts(const QString &tenantId, const QStringList &texts,
                                                 const QString &model = {});

    // Settings applied while running (docs/design.md#configuration)
    /// How the program re-reads its saved settings and applies the provider ones (set by the
    /// program that saves settings: the console). Without it reloadSettings() is NotConfigured.
    void setSettingsReloader(std::function<core::Status()> reload) { m_reload = std::move(reload); }
    /// Re-reads the saved settings: provider choice, keys, base URLs and models apply to the
    /// next turn and to providers(). Emits providersChanged() on success.
    core::Status reloadSettings();
    /// The providers turns use from now on (called by the composition root on a reload).
    void useProviders(const llm::ProviderFactory *providers);

    /// Announces a change made by any process (the composition root calls it on the database's
    /// notification): dataChanged(tenantId).
    void announceDataChange(const QString &tenantId) { Q_EMIT dataChanged(tenantId); }
    /// The same for documents: documentsChanged(tenantId).
    void announceDocumentsChange(const QString &tenantId) { Q_EMIT documentsChanged(tenantId); }

Q_SIGNALS:
    /// Provider settings changed (reloadSettings()): providers() and health() answer anew.
    void providersChanged();
    /// Tenants, conversations or their counts changed for `tenantId` (empty: possibly any tenant,
    /// e.g. after the listening connection was lost). Lists showing them should be read again.
    void dataChanged(const QString &tenantId);
    /// Documents of `tenantId` were added, deleted, or changed status or progress (empty: possibly
    /// any tenant's). Documents views should list them again.
    void documentsChanged(const QString &tenantId);

private:
    core::Async<core::ApprovalOutcome> decideToolCall(const QString &tenantId, const QString &approvalId,
                                                      core::ApprovalStatus decision, const QString &reason,
                                                      const core::AuditEntry &actor,
                                                      core::TurnEventHandler onEvent);
    /// chatWithHistory() once it is known no earlier copy of the turn made the conversation.
    core::Async<core::TurnResult> startWithHistory(const core::TurnRequest &request,
                                                   const QList<core::ChatMessage> &history,
                                                   core::TurnEventHandler onEvent);
    std::function<core::Status()> m_reload;
    ServiceDependencies m_deps;
    std::shared_ptr<KeyCache> m_keyCache; ///< shared with continuations that may outlive the service
};

} // namespace agency::service

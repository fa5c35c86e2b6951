#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/clock.h"
#include "core/route.h"
#include "core/turnvalues.h"
#include "db/records.h"
#include "flowregistry.h"

#include <QObject>
#include <QUuid>

#include <functional>
#include <memory>

namespace agency::db {
class ApprovalRepository;
class ConversationRepository;
} // namespace agency::db
namespace agency::llm {
class Provider;
class Router;
} // namespace agency::llm
namespace agency::tools {
class Tool;
class ToolRegistry;
} // namespace agency::tools
namespace agency::ratelimit {
class RateLimiter;
class UsageRecorder;
} // namespace agency::ratelimit

namespace agency::flows {

/// The provider and model a turn uses, chosen from the levels that may name them, strongest
/// first: the request, the flow, the tenant's settings. The provider is the first one named
/// (none: the configured default, LLM_PROVIDER). The model is the first one named by a level that
/// names no provider or the chosen one: a model given together with another provider belongs to
/// that provider and is skipped. No model: the provider's default.
struct ProviderChoice
{
    struct Level
    {
        QString provider;
        QString model;
    };
    QString provider; ///< empty: the configured default
    QString model;    ///< empty: the provider's default
};
ProviderChoice chooseProvider(const QList<ProviderChoice::Level> &levels);

/// Fetches a tenant's settings object (tenants.settings), for its `provider` and `model`.
using TenantSettingsSource = std::function<core::Async<QJsonObject>(const QString &tenantId)>;
/// The tools of a flow that a tenant's turn offers the model (e.g. no search_documents while the
/// tenant has no documents: nothing to search, and the demo provider then answers as without it).
/// Unset: all of the flow's tools.
using OfferedToolsSource =
    std::function<core::Async<QStringList>(const QString &tenantId, const QStringList &flowTools)>;
/// The tools a turn offers beside its flow's own (`tools`): the tools of the MCP servers its flow
/// and tenant attach (docs/mcp.md#using-mcp-servers-in-flows). Asked once per turn, before
/// anything is stored; it never fails and finishes in bounded time (a server that is down
/// contributes tools whose calls explain why, or none). Such tools keep their own call timeouts;
/// the registry's only backs them up (kExtraToolTimeoutMs). A tool whose name clashes with one of
/// the flow's, or whose schema the registry refuses, is left out (logged). Unset: none.
using ExtraToolsSource = std::function<QFuture<QList<std::shared_ptr<tools::Tool>>>(
    const QString &tenantId, const core::FlowDefinition &flow)>;
/// Creates (or returns a cached) provider by name and model; empty name = the default provider.
using ProviderSource =
    std::function<core::Result<std::shared_ptr<llm::Provider>>(const QString &name, const QString &model)>;

/// How turns share conversations and ride out database trouble (docs/design.md#turn). Defaults are the
/// settings' defaults; the composition root fills it from AGENCY_TURN_LEASE_S, AGENCY_TURN_WAIT_MS,
/// AGENCY_DB_RETRY_MS, AGENCY_DB_STATEMENT_TIMEOUT_MS and AGENCY_DB_CONNECT_TIMEOUT_S.
struct TurnOptions
{
    /// A turn's lease on its conversation lasts this long past its last write or renewal (renewed
    /// every third of it): what a crashed process can block a conversation for.
    int leaseMs = 20'000;
    /// A turn that finds another in flight in its conversation waits this long for it (polling),
    /// then fails with Conflict "a reply is still being written". 0: refuse at once.
    int waitForTurnMs = 10'000;
    /// Turn writes are retried on connection errors with backoff for this long.
    int dbRetryMs = 10'000;
    /// One database step of a turn is given up (and retried) after this long without an answer.
    int dbStepTimeoutMs = 20'000;
    /// APPROVAL_TTL_S: a call waiting for approval expires (counts as rejected) after this long.
    int approvalTtlS = 86'400;
};

/// Everything a turn needs; all must outlive the engine.
struct TurnDependencies
{
    db::ConversationRepository *conversations = nullptr;
    const FlowRegistry *flows = nullptr;
    tools::ToolRegistry *tools = nullptr;
    ProviderSource providers;
    /// Sends each provider call along the turn's route (fallback, breakers, capabilities). Null:
    /// the engine makes one over `providers`, without breakers.
    llm::Router *router = nullptr;
    /// LLM_ROUTE: the deployment's route, used when the request, the flow and the tenant name
    /// neither a route nor a provider or model. Empty: LLM_PROVIDER alone, as without routing.
    core::Route defaultRoute;
    ratelimit::RateLimiter *limiter = nullptr;
    ratelimit::UsageRecorder *usage = nullptr; ///< optional
    const core::Clock *clock = nullptr;
    /// Optional: without it the tenant level of chooseProvider() is skipped. The composition root
    /// passes a cached lookup, so a turn rarely waits for it.
    TenantSettingsSource tenantSettings;
    OfferedToolsSource offeredTools; ///< optional
    ExtraToolsSource extraTools;     ///< optional
    /// Where calls of tools that need approval wait (docs/flows-and-tools.md#approvals). Null: such
    /// calls are never run; the model is told approval is not available.
    db::ApprovalRepository *approvals = nullptr;
    TurnOptions options;
};

/// The tool-calling turn engine shared by every flow (docs/design.md#turn). A turn is an explicit
/// state machine: conversation → store user message → history → reserve tokens → call provider
/// (streaming) → settle → run every tool call in parallel → store the round → … → store the
/// final answer. It can be cancelled at every step through TurnRequest::cancel.
///
/// Persistence guarantees: the user message is stored before the provider is called and is kept
/// whatever happens next (its commit does not wait for the disk flush: the turn's next write,
/// which comes before anything is answered, makes it durable; a database crash before then loses
/// only that unanswered request, see Turn::openTurn()); an assistant message with tool calls is stored only
/// together with all of its results (one transaction); a failure or cancellation part-way stores nothing
/// further.
///
/// One turn at a time per conversation, across processes: a turn holds a lease on its
/// conversation from its opening to its final answer (TurnOptions); another turn waits for it
/// up to waitForTurnMs, then fails with Conflict. Tool-call ids are unique within a conversation
/// whatever the provider returns (a repeated id is replaced before the tools run). Writes are
/// retried through database outages (dbRetryMs); past that the error says what was not stored.
///
/// Thread affinity: lives on the thread that owns the providers and tools (an event-loop thread);
/// run() and events happen there. Errors: InvalidArgument, NotFound (flow or conversation,
/// including one of another tenant or flow), RateLimited, PayloadTooLarge, provider errors,
/// database errors, Cancelled.
class TurnEngine : public QObject
{
    Q_OBJECT

public:
    explicit TurnEngine(TurnDependencies deps, QObject *parent = nullptr);
    ~TurnEngine() override;

    core::Async<core::TurnResult> run(const core::TurnRequest &request, core::TurnEventHandler onEvent = {});

    /// Turns currently running.
    int activeTurns() const;

    static constexpr int kDefaultMaxTokens = 1000; ///< completion allowance when a flow sets none
    static constexpr int kTitleChars = 80;
    /// The registry's limit for an extra tool's call, which enforces its own (at most 10 min).
    static constexpr int kExtraToolTimeoutMs = 610'000;

private:
    TurnDependencies m_deps;
    std::unique_ptr<llm::Router> m_ownRouter;
};

} // namespace agency::flows

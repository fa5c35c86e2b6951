#pragma once

#include "core/canceltoken.h"
#include "core/clock.h"
#include "core/future.h"
#include "db/records.h"
#include "flowregistry.h"

#include <QObject>
#include <QUuid>

#include <functional>
#include <memory>

namespace agency::db {
class ConversationRepository;
}
namespace agency::llm {
class Provider;
}
namespace agency::tools {
class ToolRegistry;
}
namespace agency::ratelimit {
class RateLimiter;
class UsageRecorder;
} // namespace agency::ratelimit

namespace agency::flows {

/// One user message to an agent.
struct TurnRequest
{
    QString tenantId;
    QString flowType;
    QUuid conversationId; ///< null: start a new conversation
    QString message;
    QString provider; ///< empty: the flow's provider, else the configured default
    QString model;    ///< empty: the flow's model, else the provider's default
    core::CancelTokenPtr cancel;
};

/// What front ends see while a turn runs (streamed to the console or as SSE).
struct TurnEvent
{
    enum class Kind { Started, TextDelta, ToolCallStarted, ToolResult, Done, Error };
    Kind kind = Kind::Started;
    QUuid conversationId;
    int round = 0;           ///< provider call number within the turn, from 1
    QString text;            ///< TextDelta
    core::ToolCall toolCall; ///< ToolCallStarted, ToolResult
    QJsonObject toolResult;  ///< ToolResult: {"success": bool, ...}
    core::Error error;       ///< Error
};

/// The outcome of a completed turn.
struct TurnResult
{
    QUuid conversationId;
    QString content;      ///< the final answer
    QString finishReason; ///< provider's, or "round_limit"
    QString provider;
    QString model;
    core::Usage usage; ///< summed over every provider call of the turn
    int providerCalls = 0;
    int toolRounds = 0;
    QList<db::Message> messages; ///< everything this turn stored, in order
};

using TurnEventHandler = std::function<void(const TurnEvent &)>;
/// Creates (or returns a cached) provider by name and model; empty name = the default provider.
using ProviderSource =
    std::function<core::Result<std::shared_ptr<llm::Provider>>(const QString &name, const QString &model)>;

/// Everything a turn needs; all must outlive the engine.
struct TurnDependencies
{
    db::ConversationRepository *conversations = nullptr;
    const FlowRegistry *flows = nullptr;
    tools::ToolRegistry *tools = nullptr;
    ProviderSource providers;
    ratelimit::RateLimiter *limiter = nullptr;
    ratelimit::UsageRecorder *usage = nullptr; ///< optional
    const core::Clock *clock = nullptr;
};

/// The tool-calling turn engine shared by every flow (DESIGN.md §2, §5). A turn is an explicit
/// state machine: conversation → store user message → history → reserve tokens → call provider
/// (streaming) → settle → run every tool call in parallel → store the round → … → store the
/// final answer. It can be cancelled at every step through TurnRequest::cancel.
///
/// Persistence guarantees: the user message is stored before the provider is called and is kept
/// whatever happens next; an assistant message with tool calls is stored only together with all
/// of its results (one transaction); a failure or cancellation part-way stores nothing further.
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

    core::Async<TurnResult> run(const TurnRequest &request, TurnEventHandler onEvent = {});

    /// Turns currently running.
    int activeTurns() const;

    static constexpr int kDefaultMaxTokens = 1000; ///< completion allowance when a flow sets none
    static constexpr int kTitleChars = 80;

private:
    TurnDependencies m_deps;
};

} // namespace agency::flows

#pragma once

#include "core/canceltoken.h"
#include "core/clock.h"
#include "core/future.h"
#include "core/turn.h"
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

    core::Async<core::TurnResult> run(const core::TurnRequest &request, core::TurnEventHandler onEvent = {});

    /// Turns currently running.
    int activeTurns() const;

    static constexpr int kDefaultMaxTokens = 1000; ///< completion allowance when a flow sets none
    static constexpr int kTitleChars = 80;

private:
    TurnDependencies m_deps;
};

} // namespace agency::flows

#pragma once

#include "db/approvalrepository.h"
#include "llm/completion.h"
#include "llm/router.h"
#include "ratelimit/ratelimiter.h"
#include "ratelimit/usagerecorder.h"
#include "tools/tool.h"
#include "turnengine.h"

#include <QElapsedTimer>
#include <QPromise>
#include <QSet>

#include <atomic>

class QTimer;

namespace agency::flows {

/// One running turn: the state machine behind TurnEngine::run(). Internal to the flows layer.
/// Owned by the engine (as a QObject child) and deleted once it has finished.
class Turn : public QObject
{
    Q_OBJECT

public:
    enum class State {
        Created,
        Opening, ///< conversation, user message and history: one statement
        Reserve,
        Provider,
        Tools,
        Persist,
        Done,
        Failed
    };

    Turn(const TurnDependencies &deps, core::TurnRequest request, core::TurnEventHandler onEvent,
         QObject *parent);
    core::Async<core::TurnResult> start();
    State state() const { return m_state; }

private:
    // Steps, in order. Each ends by starting the next one (or finish/fail).
    void begin(); ///< checks the request, picks the flow, asks for the tenant's settings if needed
    void useProvider(const ProviderChoice &choice); ///< a route of one target: today's choice
    void useRoute(const core::Route &route);        ///< plans the route once, picks the tools
    /// The candidates of the next provider call (capabilities, the small model); false when none
    /// can serve it (the turn has failed).
    bool planCall(qint64 promptTokens);
    /// The first plan, before anything is stored: a route none of whose targets can serve the
    /// turn fails it here. Names the effective route.
    bool planRoute();
    core::CapabilityNeeds needs(qint64 tokens) const;
    void useTools(const QStringList &names);
    /// The turn's tools: the flow's `names` and, when there are any, `extra` (ExtraToolsSource)
    /// in a registry of the turn's own.
    void offerTools(const QStringList &names, const QList<std::shared_ptr<tools::Tool>> &extra);
    void openTurn();
    /// A client-made turn id: is that turn stored already (sent before)?
    void lookUpTurn();
    void foundTurn(const db::StoredTurn &stored);
    /// Stores the user message: the turn is new.
    void openNewTurn();
    void opened(const db::TurnOpening &opening);
    /// Continues a stored turn that has no answer and no longer runs.
    void resumeTurn(const db::StoredTurn &stored);
    /// Ends with an answer stored by an earlier copy of this turn.
    void returnStoredAnswer(const db::StoredTurn &stored);
    /// Polls again for a turn that holds the conversation; false when waiting is over.
    bool waitForOtherTurn(void (Turn::*retry)());
    void reserveTokens();
    void callProvider(const ratelimit::Reservation &reservation);
    void afterProvider(const ratelimit::Reservation &reservation, const llm::RoutedCompletion &routed);
    /// A stream cut after text reached the client: the partial answer is stored marked as cut,
    /// then the turn fails with the error (never a clean end).
    void storeCutAnswer(const llm::RoutedCompletion &routed, const ratelimit::UsageRecord &usage);
    /// Replaces tool-call ids already used in the conversation (or twice in one response).
    void makeToolCallIdsUnique(llm::Completion completion);
    void runTools(const llm::Completion &completion);
    /// The assistant message with its calls, then the results (those at `skipped` indices left out).
    QList<db::NewMessage> roundMessages(const llm::Completion &completion,
                                        const QList<tools::ToolResult> &results,
                                        const QSet<int> &skipped = {}) const;
    void storeToolRound(const llm::Completion &completion, const QList<tools::ToolResult> &results);
    // Approval before writes (turnapproval.cpp, docs/flows-and-tools.md#approvals).
    /// A call of a tool that needs a person's approval: it does not run in the turn.
    bool needsApproval(const core::ToolCall &call) const;
    /// A new message to a conversation whose calls wait for approval is refused (Conflict,
    /// reason "awaiting_approval"); otherwise `next` goes on with the opening.
    void refuseWhileAwaitingApproval(const QUuid &conversationId, std::function<void()> next);
    /// Stores the round with the results of the calls that ran and releases the conversation,
    /// then stores one pending approval per waiting call (`waiting`: their validated arguments by
    /// call index) and ends the turn paused.
    void storePausedRound(const llm::Completion &completion, const QList<tools::ToolResult> &results,
                          const QHash<int, QJsonObject> &waiting);
    void pauseForApprovals(const QList<db::NewApproval> &approvals);
    /// A continued turn: stores the decided calls' results (those not stored yet), then calls the model.
    void storeDecidedCalls(const QList<core::Message> &history, const db::StoredTurn &stored);

    /// Stores the answer with `usage`, its provider call's usage row, in the same statement.
    void storeFinalAnswer(const llm::Completion &completion, const QString &content,
                          const QString &finishReason, const ratelimit::UsageRecord &usage);

    /// Runs a database step under the turn's outage policy (see core/async/dbretry.h).
    /// databaseStep() for a write: each attempt gets a commit gate, and once the step is over
    /// every attempt still pending is abandoned, so none can commit later (a frozen database that
    /// resumes). `step` learns whether an attempt's commit was sent without an answer.
    template <typename T>
    void writeStep(std::function<core::Async<T>(const core::CommitGatePtr &)> attempt,
                   std::function<void(const core::Result<T> &, bool mayBeStored)> step);
    template <typename T>
    void databaseStep(std::function<core::Async<T>()> attempt,
                      std::function<void(const core::Result<T> &)> step, int retryMs = -1);
    void startLeaseRenewal();
    void releaseLease();
    db::TurnWrite nextWrite(bool release) const;

    bool toolsAllowed() const;
    llm::CompletionRequest buildRequest() const;
    QJsonObject assistantMetadata(const llm::Completion &completion) const;
    ratelimit::UsageRecord usageRecord(const llm::Completion *completion, const core::Error *error,
                                       qint64 latencyMs) const;
    /// A failed attempt's usage row (its provider, model, outcome and latency).
    ratelimit::UsageRecord attemptRecord(const core::RouteAttempt &attempt) const;
    /// Records a provider call's usage on its own (bookkeeping: never waited for).
    void recordUsage(const ratelimit::UsageRecord &usage);
    /// Checks cancellation; fails the turn and returns true when cancelled.
    bool cancelled();
    void emitEvent(core::TurnEvent event);
    void emitStarted(qint64 userMessageId);
    void fail(const core::Error &error);
    void finish();

    /// Continue `future` on this object's thread with `step`, unless the turn was destroyed.
    template <typename T, typename Step> void then(const QFuture<T> &future, Step step)
    {
        QFuture<T>(future).then(this, std::move(step));
    }

    TurnDependencies m_deps;
    core::TurnRequest m_request;
    core::TurnEventHandler m_onEvent;
    core::FlowDefinition m_flow;
    core::Route m_route;
    QList<llm::Candidate> m_candidates;        ///< the next provider call's, in order
    QList<core::RouteAttempt> m_roundAttempts; ///< the last provider call's attempts
    QString m_providerName;                    ///< the provider reserved against, then the one that answered
    QString m_model;                           ///< empty: the provider's default
    QList<core::ToolDefinition> m_toolDefinitions;
    tools::ToolRegistry *m_tools = nullptr; ///< deps.tools, or the turn's own with its extra tools
    QSet<QString> m_extraTools;             ///< names of the extra tools offered
    QList<core::ChatMessage> m_messages;    ///< what the next provider call sends
    core::TurnResult m_result;
    State m_state = State::Created;
    QPromise<core::Result<core::TurnResult>> m_promise;
    QElapsedTimer m_callTimer;
    db::TurnLease m_lease; ///< held from a successful opening to the final answer
    bool m_leaseHeld = false;
    int m_stored = 0;             ///< messages this turn stored (TurnWrite::storedBefore)
    qint64 m_messageCount = 0;    ///< the conversation's message count (TurnWrite::messageCountBefore)
    QElapsedTimer m_waitingSince; ///< since the first opening attempt (waiting for another turn)
    int m_waitBackoffMs = 50;
    QTimer *m_renewTimer = nullptr;
    QSet<QString> m_toolCallIds;      ///< tool-call ids known to be in the conversation
    QList<QJsonObject> m_toolResults; ///< this turn's successful tool payloads, for citations
    std::shared_ptr<std::atomic_int> m_citations = std::make_shared<std::atomic_int>(0);
    QUuid m_newConversationId;   ///< the id a new conversation is created with (kept across retries)
    bool m_createdHere = false;  ///< the conversation began with this turn
    bool m_clientTurnId = false; ///< the turn id came with the request: it may be stored already
};

} // namespace agency::flows

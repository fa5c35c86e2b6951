#pragma once

// The values of one chat turn as front ends see them: what they ask (TurnRequest), what streams
// back while it runs (TurnEvent) and the outcome (TurnResult). Plain values, no thread affinity.

#include "conversation.h"
#include "core/async/canceltoken.h"
#include "error.h"
#include "message.h"
#include "responseformat.h"
#include "route.h"
#include "toolapproval.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUuid>

#include <functional>
#include <optional>

namespace agency::core {

/// A call that waited for approval, decided: its result as the model will see it (the tool's
/// result, or why it was not run).
struct DecidedToolCall
{
    QString toolCallId;
    QString toolName;
    QJsonObject result; ///< {"success": bool, ...}
};

/// One user message to an agent.
struct TurnRequest
{
    QString tenantId;
    QString flowType;
    QUuid conversationId; ///< null: start a new conversation
    QString message;
    QString provider; ///< empty: the flow's, else the tenant's, else LLM_PROVIDER (see flows::chooseProvider)
    QString model;    ///< empty: the flow's, else the tenant's, else the provider's default
    /// A route (core::Route text) weaker than provider/model but stronger than the flow's: the run
    /// queue's RUN_ROUTE. Empty: the flow's, the tenant's, LLM_ROUTE.
    QString route;
    CancelTokenPtr cancel;
    ResponseFormat responseFormat; ///< the final answer's shape; Text: free text
    /// The turn's id, made by the client so that sending the same turn again (after an error
    /// whose outcome was unclear) is recognised: a turn id the tenant already stored returns that
    /// turn's answer, or waits for or continues it, and never stores the message twice
    /// (docs/design.md#turn). Null: the engine makes one, and a resend is a new turn.
    QUuid turnId;
    /// A turn continued after its tool calls were decided (docs/flows-and-tools.md#approvals):
    /// `turnId` names the paused turn, `message` is unused (no new user message is stored), and
    /// these results of the calls that waited are stored first, then the model is called again.
    bool resume = false;
    QList<DecidedToolCall> decidedCalls;
};

/// What front ends see while a turn runs (streamed to the console or as SSE).
struct TurnEvent
{
    enum class Kind { Started, TextDelta, ToolCallStarted, ToolResult, ApprovalRequired, Done, Error };
    Kind kind = Kind::Started;
    QUuid conversationId;
    int round = 0;          ///< provider call number within the turn, from 1
    QString text;           ///< TextDelta
    ToolCall toolCall;      ///< ToolCallStarted, ToolResult
    QJsonObject toolResult; ///< ToolResult: {"success": bool, ...}
    Error error;            ///< Error
    qint64 messageId = 0;   ///< Started: the id of the user message the turn stored
    ToolApproval approval;  ///< ApprovalRequired: the call that waits (before Done)
};

/// The outcome of a completed turn.
struct TurnResult
{
    QUuid conversationId;
    QString content;      ///< the final answer
    QString finishReason; ///< provider's, or "round_limit"
    QString provider;
    QString model;
    Usage usage; ///< summed over every provider call of the turn
    int providerCalls = 0;
    int toolRounds = 0;
    QString route;                ///< the effective route (text form)
    QList<RouteAttempt> attempts; ///< every attempt of every provider call, in order
    QList<Message> messages;      ///< everything this turn stored, in order
    /// Not empty: the turn paused (finishReason "awaiting_approval") until a person decides these
    /// calls; `content` says so in words. The conversation accepts no new message meanwhile.
    QList<ToolApproval> approvals;
};

/// A decision on an approval and what followed it.
struct ApprovalOutcome
{
    ToolApproval approval;
    /// Every call of the paused answer is decided and the conversation's turn went on: its
    /// outcome (a final answer, or another pause). Empty while other calls of that answer still
    /// wait, and for a direct call (no conversation).
    std::optional<TurnResult> turn;
    /// The continued turn failed (the decision stands; the conversation can be written to again).
    std::optional<Error> turnError;
};

using TurnEventHandler = std::function<void(const TurnEvent &)>;

} // namespace agency::core

#pragma once

#include "core/async/future.h"
#include "core/async/resultpromise.h"
#include "core/result.h"
#include "core/turnvalues.h"

#include <QObject>

namespace agency::db {
class ApprovalRepository;
}
namespace agency::tools {
class ToolRegistry;
}

namespace agency::flows {

class TurnEngine;

/// Decisions on tool calls that wait for a person (docs/flows-and-tools.md#approvals). Approving
/// runs the tool with the stored arguments through the registry, in the tenant's context, and
/// keeps its result with the approval; rejecting runs nothing. Once every waiting call of a paused
/// answer is decided, the conversation's turn goes on (TurnRequest::resume) under the usual
/// one-turn-at-a-time rules: the model gets the results (a rejection says so, with its reason) and
/// answers.
///
/// Thread affinity: the thread of the turn engine and the tools. Errors: NotFound (another
/// tenant's approval included), Conflict (already decided or expired), InvalidArgument.
class ToolApprovals : public QObject
{
    Q_OBJECT

public:
    ToolApprovals(db::ApprovalRepository &approvals, tools::ToolRegistry &tools, TurnEngine &engine, int ttlS,
                  QObject *parent = nullptr);

    /// A direct call of a tool that needs approval, outside any conversation (`aiagency tools
    /// call`): validates the arguments and stores a pending approval. Approving it runs the tool
    /// and keeps its result with the approval. NotFound (no such tool), InvalidArgument (arguments).
    core::Async<core::ToolApproval> request(const QString &tenantId, const QString &toolName,
                                            const QJsonObject &arguments);
    /// Approves (runs the tool) or rejects. `onDecided` hears of the decision as soon as it is
    /// stored (before the tool runs); `onEvent` sees the continued turn's events.
    core::Async<core::ApprovalOutcome> decide(const QString &tenantId, const QUuid &approvalId,
                                              core::ApprovalStatus decision, const QString &reason,
                                              const QString &decidedBy,
                                              std::function<void(const core::ToolApproval &)> onDecided = {},
                                              core::TurnEventHandler onEvent = {});

    /// The result the model reads for a call that was not run.
    static QJsonObject notRunResult(const core::ToolApproval &approval);

Q_SIGNALS:
    /// A paused answer went on after its calls were decided, and that turn ended: with a final
    /// answer, another pause or an error. Whoever started the conversation elsewhere (a Slack
    /// thread) delivers it there.
    void turnContinued(const QString &tenantId, const QUuid &conversationId,
                       const core::Result<core::TurnResult> &turn);

private:
    void afterDecision(const core::ToolApproval &approval, core::TurnEventHandler onEvent,
                       const core::ResultPromise<core::ApprovalOutcome> &promise);
    void continueTurn(const core::ToolApproval &approval, core::TurnEventHandler onEvent,
                      const core::ResultPromise<core::ApprovalOutcome> &promise);

    db::ApprovalRepository &m_approvals;
    tools::ToolRegistry &m_tools;
    TurnEngine &m_engine;
    int m_ttlS;
};

} // namespace agency::flows

#include "toolapprovals.h"

#include "core/async/whenfinished.h"
#include "core/validation.h"
#include "db/approvalrepository.h"
#include "tools/toolregistry.h"
#include "turnengine.h"

namespace agency::flows {

using core::ApprovalStatus;
using core::ErrorCode;
using core::makeError;
using core::Result;
using core::ResultPromise;
using core::ToolApproval;

ToolApprovals::ToolApprovals(db::ApprovalRepository &approvals, tools::ToolRegistry &tools,
                             TurnEngine &engine, int ttlS, QObject *parent)
    : QObject(parent), m_approvals(approvals), m_tools(tools), m_engine(engine), m_ttlS(ttlS)
{
}

QJsonObject ToolApprovals::notRunResult(const ToolApproval &approval)
{
    QString error;
    if (approval.status == ApprovalStatus::Expired)
        error = QStringLiteral("Nobody approved this call in time, so it was not run.");
    else
        error = QStringLiteral("A person rejected this call, so it was not run.");
    if (approval.status == ApprovalStatus::Rejected && !approval.reason.trimmed().isEmpty())
        error += QStringLiteral(" Reason: ") + approval.reason.trimmed();
    return {{QStringLiteral("success"), false},
            {QStringLiteral("error"), error},
            {QStringLiteral("error_code"), approval.status == ApprovalStatus::Expired
                                               ? QStringLiteral("expired")
                                               : QStringLiteral("rejected")}};
}

core::Async<ToolApproval> ToolApprovals::request(const QString &tenantId, const QString &toolName,
                                                 const QJsonObject &arguments)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<ToolApproval>(ok.error());
    auto validated = m_tools.validateArguments(toolName, arguments);
    if (!validated)
        return core::failedAsync<ToolApproval>(validated.error());
    db::NewApproval approval;
    approval.tenantId = tenantId;
    approval.toolName = toolName;
    approval.arguments = validated.value();
    approval.ttlS = m_ttlS;
    return m_approvals.create({approval})
        .then([](const Result<QList<ToolApproval>> &created) -> Result<ToolApproval> {
            if (!created)
                return created.error();
            return created->constFirst();
        });
}

core::Async<core::ApprovalOutcome> ToolApprovals::decide(const QString &tenantId, const QUuid &approvalId,
                                                         ApprovalStatus decision, const QString &reason,
                                                         const QString &decidedBy,
                                                         std::function<void(const ToolApproval &)> onDecided,
                                                         core::TurnEventHandler onEvent)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::ApprovalOutcome>(ok.error());
    ResultPromise<core::ApprovalOutcome> promise;
    core::whenFinished(this, m_approvals.decide(tenantId, approvalId, decision, reason, decidedBy),
                       [this, onEvent, onDecided, promise](const Result<ToolApproval> &decided) {
                           if (!decided)
                               return promise.finish(decided.error());
                           if (onDecided)
                               onDecided(decided.value());
                           afterDecision(decided.value(), onEvent, promise);
                       });
    return promise.future();
}

void ToolApprovals::afterDecision(const ToolApproval &approval, core::TurnEventHandler onEvent,
                                  const ResultPromise<core::ApprovalOutcome> &promise)
{
    if (approval.status != ApprovalStatus::Approved) {
        // Nothing is sent; the model reads why (continueTurn()).
        if (approval.conversationId.isNull())
            return promise.finish(core::ApprovalOutcome{approval, std::nullopt, std::nullopt});
        return continueTurn(approval, onEvent, promise);
    }
    // Not cancellable: once approved the call is made (a half-sent write is worse than a late one).
    QFuture<tools::ToolResult> run =
        m_tools.execute(approval.toolName, approval.arguments, core::CancelToken::create(), 0,
                        tools::ToolContext{approval.tenantId, nullptr});
    core::whenFinished(this, run, [this, approval, onEvent, promise](const tools::ToolResult &result) {
        core::whenFinished(
            this, m_approvals.storeResult(approval.tenantId, approval.approvalId, result.json),
            [this, approval, onEvent, promise, result](const Result<ToolApproval> &stored) {
                ToolApproval withResult = approval;
                withResult.result = result.json;
                if (stored)
                    withResult = stored.value();
                // A result that could not be kept still reaches the model below.
                if (withResult.conversationId.isNull()) {
                    if (!stored)
                        return promise.finish(stored.error());
                    return promise.finish(core::ApprovalOutcome{withResult, std::nullopt, std::nullopt});
                }
                continueTurn(withResult, onEvent, promise);
            });
    });
}

void ToolApprovals::continueTurn(const ToolApproval &approval, core::TurnEventHandler onEvent,
                                 const ResultPromise<core::ApprovalOutcome> &promise)
{
    core::whenFinished(
        this, m_approvals.ofMessage(approval.tenantId, approval.conversationId, approval.messageId),
        [this, approval, onEvent, promise](const Result<QList<ToolApproval>> &round) {
            core::ApprovalOutcome outcome{approval, std::nullopt, std::nullopt};
            if (!round) {
                outcome.turnError = round.error();
                return promise.finish(outcome);
            }
            core::TurnRequest request;
            request.tenantId = approval.tenantId;
            request.flowType = approval.flowType;
            request.conversationId = approval.conversationId;
            request.turnId = approval.turnId;
            request.resume = true;
            for (const ToolApproval &call : round.value()) {
                ToolApproval current = call.approvalId == approval.approvalId ? approval : call;
                if (current.isPending())
                    return promise.finish(outcome); // the answer goes on once all its calls are decided
                // Approved and still running (decided elsewhere at this moment): that decision goes on.
                if (current.status == ApprovalStatus::Approved && !current.result)
                    return promise.finish(outcome);
                request.decidedCalls.append(core::DecidedToolCall{
                    current.toolCallId, current.toolName,
                    current.status == ApprovalStatus::Approved ? *current.result : notRunResult(current)});
            }
            core::whenFinished(this, m_engine.run(request, onEvent),
                               [this, outcome, promise](const Result<core::TurnResult> &turn) mutable {
                                   if (turn)
                                       outcome.turn = turn.value();
                                   else
                                       outcome.turnError = turn.error();
                                   promise.finish(outcome);
                                   Q_EMIT turnContinued(outcome.approval.tenantId,
                                                        outcome.approval.conversationId, turn);
                               });
        });
}

} // namespace agency::flows

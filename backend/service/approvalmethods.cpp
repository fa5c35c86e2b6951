// Approval before writes (docs/flows-and-tools.md#approvals): the service's side. Deciding goes
// through flows::ToolApprovals (it runs the tool and continues the turn); every decision is
// recorded in the audit log.

#include "agencyservice.h"
#include "core/async/whenfinished.h"
#include "core/validation.h"
#include "db/approvalrepository.h"
#include "db/auditrepository.h"
#include "flows/toolapprovals.h"

namespace agency::service {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;
using core::ToolApproval;

namespace {

core::Error notConfigured()
{
    return makeError(ErrorCode::NotConfigured, QStringLiteral("approvals are not available here"));
}

Result<QUuid> parseApprovalId(const QString &text)
{
    const QUuid id = QUuid::fromString(text.trimmed());
    if (id.isNull())
        return makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("approval_id: must be a UUID such as 123e4567-e89b-12d3-a456-426614174000"),
            {{QStringLiteral("field"), QStringLiteral("approval_id")}});
    return id;
}

} // namespace

Async<QList<ToolApproval>> AgencyService::listApprovals(const QString &tenantId, const QString &status,
                                                        const QString &conversationId, int limit)
{
    if (!m_deps.approvals)
        return core::failedAsync<QList<ToolApproval>>(notConfigured());
    core::ApprovalQuery query;
    query.tenantId = tenantId;
    query.limit = limit;
    if (!status.isEmpty()) {
        query.status = core::approvalStatusFromName(status);
        if (!query.status)
            return core::failedAsync<QList<ToolApproval>>(
                makeError(ErrorCode::InvalidArgument,
                          QStringLiteral("status: must be one of pending, approved, rejected, expired"),
                          {{QStringLiteral("field"), QStringLiteral("status")}}));
    }
    if (!conversationId.isEmpty()) {
        auto id = core::parseConversationId(conversationId);
        if (!id)
            return core::failedAsync<QList<ToolApproval>>(id.error());
        query.conversationId = id.value();
    }
    return m_deps.approvals->list(query);
}

Async<ToolApproval> AgencyService::getApproval(const QString &tenantId, const QString &approvalId)
{
    if (!m_deps.approvals)
        return core::failedAsync<ToolApproval>(notConfigured());
    auto id = parseApprovalId(approvalId);
    if (!id)
        return core::failedAsync<ToolApproval>(id.error());
    return m_deps.approvals->get(tenantId, id.value());
}

Async<core::ApprovalOutcome> AgencyService::approveToolCall(const QString &tenantId,
                                                            const QString &approvalId,
                                                            const core::AuditEntry &actor,
                                                            core::TurnEventHandler onEvent)
{
    return decideToolCall(tenantId, approvalId, core::ApprovalStatus::Approved, {}, actor,
                          std::move(onEvent));
}

Async<core::ApprovalOutcome> AgencyService::rejectToolCall(const QString &tenantId, const QString &approvalId,
                                                           const QString &reason,
                                                           const core::AuditEntry &actor,
                                                           core::TurnEventHandler onEvent)
{
    return decideToolCall(tenantId, approvalId, core::ApprovalStatus::Rejected, reason, actor,
                          std::move(onEvent));
}

Async<core::ApprovalOutcome> AgencyService::decideToolCall(const QString &tenantId, const QString &approvalId,
                                                           core::ApprovalStatus decision,
                                                           const QString &reason,
                                                           const core::AuditEntry &actor,
                                                           core::TurnEventHandler onEvent)
{
    if (!m_deps.toolApprovals)
        return core::failedAsync<core::ApprovalOutcome>(notConfigured());
    auto id = parseApprovalId(approvalId);
    if (!id)
        return core::failedAsync<core::ApprovalOutcome>(id.error());
    const QString decidedBy = !actor.actorName.isEmpty()    ? actor.actorName
                              : !actor.actorKeyId.isEmpty() ? QStringLiteral("key ") + actor.actorKeyId
                                                            : QStringLiteral("unknown");
    // The audit entry is written before the outcome is handed back, so a caller that stops once
    // it has its answer (the CLI exits) never leaves the entry queued behind it, unwritten.
    auto recording = std::make_shared<std::optional<Async<core::AuditEntry>>>();
    auto audit = [this, actor, decision, recording](const ToolApproval &approval) {
        if (!m_deps.audit)
            return;
        // Who let which call out (or stopped it); the arguments stay in the approval row.
        core::AuditEntry entry = actor;
        entry.action = decision == core::ApprovalStatus::Approved ? QStringLiteral("approval.approve")
                                                                  : QStringLiteral("approval.reject");
        entry.tenantId = approval.tenantId;
        entry.resource = QStringLiteral("approval/%1 tool %2")
                             .arg(approval.approvalId.toString(QUuid::WithoutBraces), approval.toolName);
        *recording = m_deps.audit->record(entry);
        core::whenFinished(this, recording->value(), [](const Result<core::AuditEntry> &recorded) {
            if (!recorded)
                qWarning("approval decided but not audited: %s", qPrintable(recorded.error().toString()));
        });
    };
    core::ResultPromise<core::ApprovalOutcome> audited;
    core::whenFinished(this,
                       m_deps.toolApprovals->decide(tenantId, id.value(), decision, reason.trimmed(),
                                                    decidedBy, audit, std::move(onEvent)),
                       [this, recording, audited](const Result<core::ApprovalOutcome> &outcome) {
                           if (!recording->has_value())
                               return audited.finish(outcome);
                           const auto handBack = [audited, outcome] { audited.finish(outcome); };
                           core::whenFinished(
                               this, recording->value(),
                               [handBack](const Result<core::AuditEntry> &) { handBack(); }, handBack);
                       });
    return audited.future();
}

Async<ToolApproval> AgencyService::requestToolApproval(const QString &tenantId, const QString &toolName,
                                                       const QJsonObject &arguments)
{
    if (!m_deps.toolApprovals)
        return core::failedAsync<ToolApproval>(notConfigured());
    return m_deps.toolApprovals->request(tenantId, toolName, arguments);
}

} // namespace agency::service

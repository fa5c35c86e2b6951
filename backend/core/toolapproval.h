#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QUuid>

#include <optional>

namespace agency::core {

/// Where a call that needs a person's approval is (docs/flows-and-tools.md#approvals). Only
/// Pending can change; the other three are final. An expired approval is one nobody decided in time:
/// it counts as rejected.
enum class ApprovalStatus { Pending, Approved, Rejected, Expired };

/// "pending", "approved", "rejected", "expired" (as stored and shown in JSON).
QString approvalStatusName(ApprovalStatus status);
std::optional<ApprovalStatus> approvalStatusFromName(const QString &name);

/// One call of a tool that acts on another system (Tool::requiresApproval()), waiting for or past
/// its decision. Plain value.
struct ToolApproval
{
    QUuid approvalId;
    QString tenantId;
    QUuid conversationId; ///< null: a direct call (`aiagency tools call`), outside any conversation
    QString flowType;     ///< the conversation's flow; empty for a direct call
    QUuid turnId;         ///< the paused turn (null for a direct call)
    qint64 messageId = 0; ///< the assistant message that made the call (0 for a direct call)
    QString toolName;
    QJsonObject arguments; ///< exactly what the tool is run with: validated, defaults filled in
    QString toolCallId;    ///< the model's id of the call (empty for a direct call)
    ApprovalStatus status = ApprovalStatus::Pending;
    QString reason;    ///< a rejection's reason (optional), or why it expired
    QString decidedBy; ///< who approved or rejected (a key's name or id, "cli", "console")
    QDateTime createdAt;
    QDateTime expiresAt;
    QDateTime decidedAt;               ///< null while pending
    std::optional<QJsonObject> result; ///< the tool's result once run ({"success": …})

    bool isPending() const { return status == ApprovalStatus::Pending; }
};

/// A tenant's approvals, newest first.
struct ApprovalQuery
{
    QString tenantId;
    std::optional<ApprovalStatus> status; ///< empty: every status
    QUuid conversationId;                 ///< null: every conversation (and direct calls)
    int limit = 100;
};

} // namespace agency::core

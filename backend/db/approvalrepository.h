#pragma once

#include "core/async/future.h"
#include "core/toolapproval.h"

#include <QList>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// A call to be approved, as a paused turn (or a direct call) stores it.
struct NewApproval
{
    QString tenantId;
    QUuid conversationId; ///< null: a direct call
    QString flowType;
    QUuid turnId;
    qint64 messageId = 0;
    QString toolName;
    QJsonObject arguments; ///< validated
    QString toolCallId;
    int ttlS = 86'400; ///< it expires this long after it was stored
};

/// Approvals of tool calls (table tool_approvals, docs/flows-and-tools.md#approvals). Every method
/// is scoped to one tenant: another tenant's approval is NotFound. A pending approval past its
/// expiry is marked expired by whichever statement touches it first (reads included), so a
/// decision never lands on one that ran out. Thread-safe; results arrive on database threads.
class ApprovalRepository
{
public:
    explicit ApprovalRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Stores the calls (all or none, creating the tenant row on first use), pending.
    core::Async<QList<core::ToolApproval>> create(const QList<NewApproval> &approvals);
    /// Newest first, at most query.limit (1 to 500).
    core::Async<QList<core::ToolApproval>> list(const core::ApprovalQuery &query);
    /// NotFound when absent or another tenant's.
    core::Async<core::ToolApproval> get(const QString &tenantId, const QUuid &approvalId);
    /// Pending → `decision` (Approved or Rejected) with who and why, in one statement. NotFound;
    /// Conflict (details.reason "already_decided", details.status) when it is no longer pending,
    /// expiry included.
    core::Async<core::ToolApproval> decide(const QString &tenantId, const QUuid &approvalId,
                                           core::ApprovalStatus decision, const QString &reason,
                                           const QString &decidedBy);
    /// Keeps the tool's result with the approval.
    core::Async<core::ToolApproval> storeResult(const QString &tenantId, const QUuid &approvalId,
                                                const QJsonObject &result);
    /// Every approval of one paused answer (assistant message), oldest first.
    core::Async<QList<core::ToolApproval>> ofMessage(const QString &tenantId, const QUuid &conversationId,
                                                     qint64 messageId);
    /// The conversation's calls still waiting (unexpired).
    core::Async<QList<core::ToolApproval>> pendingIn(const QString &tenantId, const QUuid &conversationId);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

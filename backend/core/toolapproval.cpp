#include "toolapproval.h"

namespace agency::core {

QString approvalStatusName(ApprovalStatus status)
{
    switch (status) {
    case ApprovalStatus::Pending:
        return QStringLiteral("pending");
    case ApprovalStatus::Approved:
        return QStringLiteral("approved");
    case ApprovalStatus::Rejected:
        return QStringLiteral("rejected");
    case ApprovalStatus::Expired:
        return QStringLiteral("expired");
    }
    return {};
}

std::optional<ApprovalStatus> approvalStatusFromName(const QString &name)
{
    for (ApprovalStatus status : {ApprovalStatus::Pending, ApprovalStatus::Approved, ApprovalStatus::Rejected,
                                  ApprovalStatus::Expired}) {
        if (approvalStatusName(status) == name)
            return status;
    }
    return std::nullopt;
}

} // namespace agency::core

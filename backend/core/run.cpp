#include "run.h"

namespace agency::core {

QString runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Queued:
        return QStringLiteral("queued");
    case RunStatus::Running:
        return QStringLiteral("running");
    case RunStatus::Completed:
        return QStringLiteral("completed");
    case RunStatus::Failed:
        return QStringLiteral("failed");
    case RunStatus::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("failed");
}

std::optional<RunStatus> runStatusFromName(const QString &name)
{
    for (RunStatus s : {RunStatus::Queued, RunStatus::Running, RunStatus::Completed, RunStatus::Failed,
                        RunStatus::Cancelled}) {
        if (runStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

} // namespace agency::core

#pragma once

#include "error.h"
#include "message.h"

#include <QDateTime>
#include <QString>
#include <QUuid>

#include <optional>

namespace agency::core {

/// Where a run is in its life. Queued and Running are live; the other three are final.
enum class RunStatus { Queued, Running, Completed, Failed, Cancelled };

/// "queued", "running", "completed", "failed", "cancelled" (as stored and shown in JSON).
QString runStatusName(RunStatus status);
std::optional<RunStatus> runStatusFromName(const QString &name);

/// A non-interactive flow run: one turn of `flowType` with `input` as the user message, executed
/// by a worker in a new conversation. Plain value.
struct Run
{
    qint64 id = 0; ///< row id (internal; identifies a lease together with the attempt number)
    QUuid runId;   ///< the public id
    QString tenantId;
    QString flowType;
    QString input;
    QString provider; ///< requested (empty: flow/default); the one that answered once completed
    QString model;
    RunStatus status = RunStatus::Queued;
    QString output;               ///< the final answer (completed runs)
    std::optional<Error> error;   ///< why it failed or was cancelled
    Usage usage;                  ///< tokens of the run's provider calls (completed runs)
    QUuid conversationId;         ///< the conversation the turn stored; null before it started
    int attempts = 0;             ///< times a worker claimed it
    bool cancelRequested = false; ///< a cancel arrived while it was running
    QString workerId;             ///< the worker holding it (running runs)
    QDateTime createdAt;
    QDateTime startedAt; ///< of the latest attempt
    QDateTime finishedAt;
    QDateTime heartbeatAt;

    bool isFinished() const
    {
        return status == RunStatus::Completed || status == RunStatus::Failed ||
               status == RunStatus::Cancelled;
    }
};

} // namespace agency::core

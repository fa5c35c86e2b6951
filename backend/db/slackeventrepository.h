#pragma once

#include "core/async/future.h"

#include <QStringList>
#include <QUuid>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// The slack_events table (migration 0015) and the tenant a Slack workspace belongs to.
/// Thread-safe; futures finish on executor threads.
class SlackEventRepository
{
public:
    explicit SlackEventRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Tenants whose setting slack_team_id is `teamId`; with an empty `teamId`, every tenant that
    /// has the setting (a url_verification request names no workspace). Ordered by tenant id.
    core::Async<QStringList> tenantsForTeam(const QString &teamId);

    struct NewEvent
    {
        QString tenantId;
        QString eventId;
        QString eventType;
        QString channel;
        QString threadTs;
    };
    /// Records a delivery: true the first time, false for a delivery of an event already recorded
    /// (its retries_seen is counted).
    core::Async<bool> record(const NewEvent &event);
    /// How the work of an event ended: answered, failed (with `error`) or ignored.
    core::Async<bool> finish(const QString &tenantId, const QString &eventId, const QString &status,
                             const QUuid &conversationId = {}, const QString &error = {});
    /// The status of an event ("" when unknown), for tests and diagnostics.
    core::Async<QString> status(const QString &tenantId, const QString &eventId);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

#pragma once

#include "core/async/future.h"

#include <QStringList>
#include <QUuid>

#include <optional>

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
        QString user;           ///< who mentioned the app
        QString text;           ///< what they wrote
        bool answerable = true; ///< false: recorded as ignored, nothing to answer
    };
    /// How long a process may take to answer a mention before another one takes it over.
    static constexpr int kClaimSeconds = 300;
    /// Records a delivery: true the first time, false for a delivery of an event already recorded
    /// (its retries_seen is counted). An answerable event is recorded queued and claimed by the
    /// caller for kClaimSeconds.
    core::Async<bool> record(const NewEvent &event);
    /// Mentions acknowledged but never answered whose claim ran out (their process stopped), oldest
    /// first, at most `limit`: each is claimed again for kClaimSeconds by this call, so two
    /// processes never take the same one.
    core::Async<QList<NewEvent>> claimUnanswered(int limit = 20);
    /// How the work of an event ended: answered, failed (with `error`) or ignored.
    core::Async<bool> finish(const QString &tenantId, const QString &eventId, const QString &status,
                             const QUuid &conversationId = {}, const QString &error = {});
    /// Where a mention was made: its channel and thread.
    struct Thread
    {
        QString channel;
        QString threadTs;
    };
    /// The thread of the mention that started `conversationId` (the latest, should several have
    /// continued it); none when no Slack mention did.
    core::Async<std::optional<Thread>> threadOf(const QString &tenantId, const QUuid &conversationId);
    /// The status of an event ("" when unknown), for tests and diagnostics.
    core::Async<QString> status(const QString &tenantId, const QString &eventId);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

#include "slackeventrepository.h"

#include "sql/dbexecutor.h"

namespace agency::db {

using core::Async;
using core::Result;

Async<QStringList> SlackEventRepository::tenantsForTeam(const QString &teamId)
{
    return m_executor.run<QStringList>([teamId](sql::DbConnection &conn) -> Result<QStringList> {
        auto q =
            teamId.isEmpty()
                ? conn.exec(QStringLiteral(
                                "SELECT tenant_id FROM tenants WHERE settings ->> 'slack_team_id' IS NOT "
                                "NULL ORDER BY tenant_id"),
                            {}, QStringLiteral("slack tenants"))
                : conn.exec(
                      QStringLiteral("SELECT tenant_id FROM tenants WHERE settings ->> 'slack_team_id' = ? "
                                     " ORDER BY tenant_id"),
                      {teamId}, QStringLiteral("slack team tenant"));
        if (!q)
            return q.error();
        QStringList out;
        while (q.value()->next())
            out.append(q.value()->value(0).toString());
        return out;
    });
}

Async<bool> SlackEventRepository::record(const NewEvent &event)
{
    return m_executor.run<bool>([event](sql::DbConnection &conn) -> Result<bool> {
        // xmax = 0 only for a row this statement inserted; an update means a repeated delivery.
        auto q = conn.exec(
            QStringLiteral("INSERT INTO slack_events AS e (tenant_id, event_id, event_type, channel, "
                           "thread_ts, mention_user, mention_text, status, claimed_until) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?)) ON CONFLICT "
                           "(tenant_id, event_id) DO UPDATE SET retries_seen = e.retries_seen + 1 "
                           "RETURNING (xmax = 0)"),
            {event.tenantId, event.eventId, event.eventType, event.channel, event.threadTs, event.user,
             event.text.left(40000), event.answerable ? QStringLiteral("queued") : QStringLiteral("ignored"),
             kClaimSeconds},
            QStringLiteral("record slack event"));
        if (!q)
            return q.error();
        return q.value()->next() && q.value()->value(0).toBool();
    });
}

Async<QList<SlackEventRepository::NewEvent>> SlackEventRepository::claimUnanswered(int limit)
{
    return m_executor.run<QList<NewEvent>>([limit](sql::DbConnection &conn) -> Result<QList<NewEvent>> {
        // SKIP LOCKED: processes resuming at the same moment split the rows instead of waiting.
        auto q = conn.exec(
            QStringLiteral("UPDATE slack_events e SET claimed_until = now() + make_interval(secs => ?) "
                           "FROM (SELECT tenant_id, event_id FROM slack_events WHERE status = 'queued' "
                           "AND claimed_until < now() ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED) "
                           "AS stale WHERE e.tenant_id = stale.tenant_id AND e.event_id = stale.event_id "
                           "RETURNING e.tenant_id, e.event_id, e.event_type, e.channel, e.thread_ts, "
                           "e.mention_user, e.mention_text"),
            {kClaimSeconds, limit}, QStringLiteral("claim unanswered slack events"));
        if (!q)
            return q.error();
        QList<NewEvent> events;
        while (q.value()->next()) {
            events.append({q.value()->value(0).toString(), q.value()->value(1).toString(),
                           q.value()->value(2).toString(), q.value()->value(3).toString(),
                           q.value()->value(4).toString(), q.value()->value(5).toString(),
                           q.value()->value(6).toString(), true});
        }
        return events;
    });
}

Async<bool> SlackEventRepository::finish(const QString &tenantId, const QString &eventId,
                                         const QString &status, const QUuid &conversationId,
                                         const QString &error)
{
    return m_executor.run<bool>([=](sql::DbConnection &conn) -> Result<bool> {
        auto q = conn.exec(
            QStringLiteral("UPDATE slack_events SET status = ?, conversation_id = ?::uuid, error = ?, "
                           "finished_at = now() WHERE tenant_id = ? AND event_id = ?"),
            {status,
             conversationId.isNull() ? QVariant(QMetaType::fromType<QString>())
                                     : QVariant(conversationId.toString(QUuid::WithoutBraces)),
             error.left(2000), tenantId, eventId},
            QStringLiteral("finish slack event"));
        if (!q)
            return q.error();
        return q.value()->numRowsAffected() > 0;
    });
}

Async<std::optional<SlackEventRepository::Thread>> SlackEventRepository::threadOf(const QString &tenantId,
                                                                                  const QUuid &conversationId)
{
    using Found = std::optional<Thread>;
    return m_executor.run<Found>([=](sql::DbConnection &conn) -> Result<Found> {
        auto q =
            conn.exec(QStringLiteral("SELECT channel, thread_ts FROM slack_events WHERE tenant_id = ? AND "
                                     "conversation_id = ?::uuid AND channel <> '' AND thread_ts <> '' "
                                     "ORDER BY received_at DESC LIMIT 1"),
                      {tenantId, conversationId.toString(QUuid::WithoutBraces)},
                      QStringLiteral("slack thread of conversation"));
        if (!q)
            return q.error();
        if (!q.value()->next())
            return Found();
        return Found(Thread{q.value()->value(0).toString(), q.value()->value(1).toString()});
    });
}

Async<QString> SlackEventRepository::status(const QString &tenantId, const QString &eventId)
{
    return m_executor.run<QString>([=](sql::DbConnection &conn) -> Result<QString> {
        auto q =
            conn.exec(QStringLiteral("SELECT status FROM slack_events WHERE tenant_id = ? AND event_id = ?"),
                      {tenantId, eventId}, QStringLiteral("slack event status"));
        if (!q)
            return q.error();
        return q.value()->next() ? q.value()->value(0).toString() : QString();
    });
}

} // namespace agency::db

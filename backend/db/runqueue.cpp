#include "runqueue.h"

#include "core/json.h"
#include "core/validation.h"
#include "runrows.h"
#include "sql/dbexecutor.h"

#include <QHash>

#include <algorithm>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;
using namespace runrows;

namespace {

constexpr qsizetype kMaxWorkerIdChars = 200;

core::Error leaseLost(const RunLease &lease)
{
    return makeError(ErrorCode::Conflict,
                     QStringLiteral("run %1 is no longer held by worker %2 (attempt %3)")
                         .arg(uuidText(lease.runId), lease.workerId)
                         .arg(lease.attempt),
                     {{QStringLiteral("run_id"), uuidText(lease.runId)}});
}

QString usageJson(const core::Usage &usage)
{
    return core::toCompactJsonString({{QStringLiteral("prompt_tokens"), usage.promptTokens},
                                      {QStringLiteral("completion_tokens"), usage.completionTokens},
                                      {QStringLiteral("total_tokens"), usage.totalTokens}});
}

core::Status validateWorkerId(const QString &workerId)
{
    if (workerId.trimmed().isEmpty() || workerId.size() > kMaxWorkerIdChars)
        return invalid(QStringLiteral("worker_id"),
                       QStringLiteral("must be 1-%1 characters").arg(kMaxWorkerIdChars));
    return {};
}

core::Status validateLease(const RunLease &lease)
{
    if (auto ok = validateWorkerId(lease.workerId); !ok)
        return ok;
    if (lease.id <= 0 || lease.attempt <= 0)
        return invalid(QStringLiteral("lease"), QStringLiteral("is not a lease returned by claim()"));
    return {};
}

/// The leases' ids and attempts as PostgreSQL array literals, for unnest(?::bigint[], ?::int[]).
/// All leases must belong to one worker.
core::Status leaseArrays(const QList<RunLease> &leases, QString *ids, QString *attempts, QString *workerId)
{
    QStringList idList;
    QStringList attemptList;
    for (const RunLease &lease : leases) {
        if (auto ok = validateLease(lease); !ok)
            return ok;
        if (lease.workerId != leases.first().workerId)
            return invalid(QStringLiteral("lease"), QStringLiteral("leases of several workers in one call"));
        idList.append(QString::number(lease.id));
        attemptList.append(QString::number(lease.attempt));
    }
    *ids = u'{' + idList.join(u',') + u'}';
    *attempts = u'{' + attemptList.join(u',') + u'}';
    *workerId = leases.isEmpty() ? QString() : leases.first().workerId;
    return {};
}

/// Heartbeat and check share their shape: a statement returning (id, cancel requested) per held lease.
Async<QList<LeaseState>> leaseStates(sql::DbExecutor &executor, const QList<RunLease> &leases,
                                     const QString &sql, const QString &what)
{
    QString ids;
    QString attempts;
    QString workerId;
    if (auto ok = leaseArrays(leases, &ids, &attempts, &workerId); !ok)
        return core::failedAsync<QList<LeaseState>>(ok.error());
    if (leases.isEmpty())
        return core::readyAsync<QList<LeaseState>>(QList<LeaseState>());
    return executor.run<QList<LeaseState>>([=](sql::DbConnection &conn) -> Result<QList<LeaseState>> {
        auto query = conn.exec(sql, {ids, attempts, workerId}, what);
        if (!query)
            return query.error();
        QHash<qint64, bool> held;
        while (query.value()->next())
            held.insert(query.value()->value(0).toLongLong(), query.value()->value(1).toBool());
        QList<LeaseState> states;
        for (const RunLease &lease : leases) {
            LeaseState state;
            state.id = lease.id;
            const auto it = held.constFind(lease.id);
            state.kind = it == held.constEnd() ? LeaseState::Kind::Lost
                         : it.value()          ? LeaseState::Kind::CancelRequested
                                               : LeaseState::Kind::Held;
            states.append(state);
        }
        return states;
    });
}

const QString kLeaseCondition = QStringLiteral(
    " WHERE r.id = ?::bigint AND r.worker_id = ? AND r.attempts = ?::int AND r.status = 'running'");

Async<core::Run> finishUnsuccessfully(sql::DbExecutor &executor, const RunLease &lease,
                                      core::RunStatus status, const core::Error &error,
                                      const QUuid &conversationId)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<core::Run>(ok.error());
    const QVariantList binds{core::runStatusName(status),
                             errorJson(error),
                             nullableUuid(conversationId),
                             lease.id,
                             lease.workerId,
                             lease.attempt};
    return executor.run<core::Run>([=](sql::DbConnection &conn) -> Result<core::Run> {
        return singleRun(
            conn.exec(
                QStringLiteral("UPDATE runs AS r SET status = ?, error = ?::jsonb, "
                               "conversation_id = coalesce((SELECT c.conversation_id FROM conversations c "
                               "WHERE c.conversation_id = ?::uuid), r.conversation_id), "
                               "finished_at = now()") +
                    kLeaseCondition + QStringLiteral(" RETURNING ") + kRunColumns,
                binds, QStringLiteral("finish run")),
            leaseLost(lease));
    });
}

} // namespace

Async<QList<core::Run>> RunQueue::claim(const QString &workerId, int maxRuns)
{
    if (auto ok = validateWorkerId(workerId); !ok)
        return core::failedAsync<QList<core::Run>>(ok.error());
    if (auto ok = core::validateLimit(maxRuns, kMaxClaim, QStringLiteral("max_runs")); !ok)
        return core::failedAsync<QList<core::Run>>(ok.error());
    return m_executor.run<QList<core::Run>>([=](sql::DbConnection &conn) -> Result<QList<core::Run>> {
        // One statement: lock the oldest queued rows nobody else has locked, and take them. A row a
        // concurrent claimer holds is skipped (not waited for); a row that stopped being queued
        // since our snapshot is re-checked by the lock and dropped. The pick is a MATERIALIZED CTE
        // so it runs exactly once: as an IN (subquery) the planner may rescan it, and a rescan
        // skips the rows this statement already updated and locks further ones (over-claiming).
        auto query = conn.exec(
            QStringLiteral(
                "WITH picked AS MATERIALIZED (SELECT q.id FROM runs q WHERE q.status = 'queued' "
                "ORDER BY q.created_at, q.id LIMIT ?::int FOR UPDATE SKIP LOCKED) "
                "UPDATE runs AS r SET status = 'running', worker_id = ?, attempts = r.attempts + 1, "
                "started_at = now(), heartbeat_at = now() "
                "FROM picked WHERE r.id = picked.id AND r.status = 'queued' RETURNING ") +
                kRunColumns,
            {maxRuns, workerId}, QStringLiteral("claim runs"));
        if (!query)
            return query.error();
        QList<core::Run> runs;
        while (query.value()->next())
            runs.append(readRun(*query.value()));
        std::sort(runs.begin(), runs.end(), [](const core::Run &a, const core::Run &b) {
            return a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;
        });
        return runs;
    });
}

Async<QList<LeaseState>> RunQueue::heartbeat(const QList<RunLease> &leases)
{
    return leaseStates(
        m_executor, leases,
        QStringLiteral("UPDATE runs AS r SET heartbeat_at = now() "
                       "FROM unnest(?::bigint[], ?::int[]) AS l(id, attempt) "
                       "WHERE r.id = l.id AND r.attempts = l.attempt AND r.worker_id = ? "
                       "AND r.status = 'running' RETURNING r.id, r.cancel_requested_at IS NOT NULL"),
        QStringLiteral("run heartbeat"));
}

Async<QList<LeaseState>> RunQueue::check(const QList<RunLease> &leases)
{
    return leaseStates(m_executor, leases,
                       QStringLiteral("SELECT r.id, r.cancel_requested_at IS NOT NULL "
                                      "FROM runs r JOIN unnest(?::bigint[], ?::int[]) AS l(id, attempt) "
                                      "ON r.id = l.id AND r.attempts = l.attempt "
                                      "WHERE r.worker_id = ? AND r.status = 'running'"),
                       QStringLiteral("check runs"));
}

Async<core::Run> RunQueue::complete(const RunLease &lease, const RunOutput &output)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<core::Run>(ok.error());
    const QVariantList binds{output.output,           nullableUuid(output.conversationId),
                             output.provider,         output.model,
                             usageJson(output.usage), lease.id,
                             lease.workerId,          lease.attempt};
    return m_executor.run<core::Run>([=](sql::DbConnection &conn) -> Result<core::Run> {
        // The conversation may have been deleted meanwhile: record NULL rather than fail the FK.
        return singleRun(
            conn.exec(QStringLiteral(
                          "UPDATE runs AS r SET status = 'completed', output = ?, "
                          "conversation_id = (SELECT c.conversation_id FROM conversations c "
                          "WHERE c.conversation_id = ?::uuid), "
                          "provider = ?, model = ?, usage = ?::jsonb, error = NULL, finished_at = now()") +
                          kLeaseCondition + QStringLiteral(" RETURNING ") + kRunColumns,
                      binds, QStringLiteral("complete run")),
            leaseLost(lease));
    });
}

Async<core::Run> RunQueue::fail(const RunLease &lease, const core::Error &error, const QUuid &conversationId)
{
    return finishUnsuccessfully(m_executor, lease, core::RunStatus::Failed, error, conversationId);
}

Async<core::Run> RunQueue::markCancelled(const RunLease &lease, const QUuid &conversationId)
{
    return finishUnsuccessfully(m_executor, lease, core::RunStatus::Cancelled,
                                makeError(ErrorCode::Cancelled, QStringLiteral("cancelled while running")),
                                conversationId);
}

Async<int> RunQueue::release(const QList<RunLease> &leases)
{
    QString ids;
    QString attempts;
    QString workerId;
    if (auto ok = leaseArrays(leases, &ids, &attempts, &workerId); !ok)
        return core::failedAsync<int>(ok.error());
    if (leases.isEmpty())
        return core::readyAsync<int>(0);
    const QString cancelledError =
        errorJson(makeError(ErrorCode::Cancelled, QStringLiteral("cancelled while its worker was stopping")));
    return m_executor.run<int>([=](sql::DbConnection &conn) -> Result<int> {
        // The interrupted attempt does not count: the run did nothing wrong.
        auto query = conn.exec(
            QStringLiteral(
                "UPDATE runs AS r SET "
                "status = CASE WHEN r.cancel_requested_at IS NULL THEN 'queued' ELSE 'cancelled' END, "
                "attempts = CASE WHEN r.cancel_requested_at IS NULL THEN r.attempts - 1 ELSE r.attempts END, "
                "worker_id = CASE WHEN r.cancel_requested_at IS NULL THEN NULL ELSE r.worker_id END, "
                "heartbeat_at = CASE WHEN r.cancel_requested_at IS NULL THEN NULL ELSE r.heartbeat_at END, "
                "started_at = CASE WHEN r.cancel_requested_at IS NULL THEN NULL ELSE r.started_at END, "
                "finished_at = CASE WHEN r.cancel_requested_at IS NULL THEN NULL ELSE now() END, "
                "error = CASE WHEN r.cancel_requested_at IS NULL THEN NULL ELSE ?::jsonb END "
                "FROM unnest(?::bigint[], ?::int[]) AS l(id, attempt) "
                "WHERE r.id = l.id AND r.attempts = l.attempt AND r.worker_id = ? AND r.status = 'running' "
                "RETURNING r.id"),
            {cancelledError, ids, attempts, workerId}, QStringLiteral("release runs"));
        if (!query)
            return query.error();
        int released = 0;
        while (query.value()->next())
            ++released;
        return released;
    });
}

Async<QList<core::Run>> RunQueue::recoverStale(int leaseSeconds, int maxAttempts)
{
    if (leaseSeconds < 1)
        return core::failedAsync<QList<core::Run>>(
            invalid(QStringLiteral("lease_seconds"), QStringLiteral("must be at least 1")));
    if (maxAttempts < 1)
        return core::failedAsync<QList<core::Run>>(
            invalid(QStringLiteral("max_attempts"), QStringLiteral("must be at least 1")));
    return m_executor.run<QList<core::Run>>([=](sql::DbConnection &conn) -> Result<QList<core::Run>> {
        // The CTE locks the stale rows (skipping any a live worker is heartbeating right now) and
        // decides each one's fate from the locked, current row version; so two processes
        // recovering at once never both act on a run. MATERIALIZED: evaluated exactly once.
        auto query = conn.exec(
            QStringLiteral(
                "WITH stale AS MATERIALIZED ("
                "SELECT q.id, q.attempts, q.worker_id, "
                "CASE WHEN q.cancel_requested_at IS NOT NULL THEN 'cancelled' "
                "WHEN q.attempts >= ?::int THEN 'failed' ELSE 'queued' END AS next "
                "FROM runs q WHERE q.status = 'running' "
                "AND q.heartbeat_at < now() - ?::int * interval '1 second' "
                "ORDER BY q.id FOR UPDATE SKIP LOCKED) "
                "UPDATE runs AS r SET status = s.next, "
                "error = CASE s.next "
                "WHEN 'failed' THEN jsonb_build_object('code', 'internal', 'message', "
                "format('abandoned after %s attempts: its worker (%s) stopped responding for more than %s s "
                "each time', s.attempts, s.worker_id, ?::int), "
                "'details', jsonb_build_object('reason', 'abandoned', 'attempts', s.attempts, "
                "'worker_id', s.worker_id)) "
                "WHEN 'cancelled' THEN jsonb_build_object('code', 'cancelled', 'message', "
                "'cancelled; its worker stopped responding before it could finish') "
                "ELSE NULL END, "
                "finished_at = CASE WHEN s.next = 'queued' THEN NULL ELSE now() END, "
                "worker_id = CASE WHEN s.next = 'queued' THEN NULL ELSE r.worker_id END, "
                "heartbeat_at = CASE WHEN s.next = 'queued' THEN NULL ELSE r.heartbeat_at END, "
                "started_at = CASE WHEN s.next = 'queued' THEN NULL ELSE r.started_at END "
                "FROM stale AS s WHERE r.id = s.id RETURNING ") +
                kRunColumns,
            {maxAttempts, leaseSeconds, leaseSeconds}, QStringLiteral("recover stale runs"));
        if (!query)
            return query.error();
        QList<core::Run> runs;
        while (query.value()->next())
            runs.append(readRun(*query.value()));
        return runs;
    });
}

} // namespace agency::db

#include "runrepository.h"

#include "core/json.h"
#include "dbexecutor.h"
#include "rowmapping.h"
#include "validation.h"

#include <QJsonDocument>
#include <QRegularExpression>

#include <algorithm>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr qsizetype kMaxProviderChars = 64;
constexpr qsizetype kMaxModelChars = 200;
constexpr qsizetype kMaxWorkerIdChars = 200;

/// runs r: id, run_id, tenant_id, flow_type, input, provider, model, status, output, error, usage,
/// conversation_id, attempts, cancel requested, worker_id, created_at, started_at, finished_at,
/// heartbeat_at, created_at in epoch microseconds (for the keyset cursor).
const QString kRunColumns = QStringLiteral(
    "r.id, r.run_id, r.tenant_id, r.flow_type, r.input, r.provider, r.model, r.status, r.output, "
    "r.error::text, r.usage::text, r.conversation_id, r.attempts, r.cancel_requested_at IS NOT NULL, "
    "r.worker_id, r.created_at, r.started_at, r.finished_at, r.heartbeat_at, "
    "(extract(epoch FROM r.created_at) * 1000000)::bigint");
constexpr int kMicrosColumn = 19;

QString uuidText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

QVariant nullableUuid(const QUuid &id)
{
    return id.isNull() ? QVariant() : QVariant(uuidText(id));
}

core::Error invalid(const QString &field, const QString &message)
{
    return makeError(ErrorCode::InvalidArgument, field + QStringLiteral(": ") + message,
                     {{QStringLiteral("field"), field}});
}

core::Error notFound(const QUuid &id)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("run %1 not found").arg(uuidText(id)),
                     {{QStringLiteral("run_id"), uuidText(id)}});
}

core::Error leaseLost(const RunLease &lease)
{
    return makeError(ErrorCode::Conflict,
                     QStringLiteral("run %1 is no longer held by worker %2 (attempt %3)")
                         .arg(uuidText(lease.runId), lease.workerId)
                         .arg(lease.attempt),
                     {{QStringLiteral("run_id"), uuidText(lease.runId)}});
}

QString errorJson(const core::Error &error)
{
    QJsonObject json{{QStringLiteral("code"), error.codeName()}, {QStringLiteral("message"), error.message}};
    if (!error.details.isEmpty())
        json.insert(QStringLiteral("details"), error.details);
    return core::toCompactJsonString(json);
}

QString usageJson(const core::Usage &usage)
{
    return core::toCompactJsonString({{QStringLiteral("prompt_tokens"), usage.promptTokens},
                                      {QStringLiteral("completion_tokens"), usage.completionTokens},
                                      {QStringLiteral("total_tokens"), usage.totalTokens}});
}

core::Run readRun(const QSqlQuery &q)
{
    core::Run r;
    r.id = q.value(0).toLongLong();
    r.runId = QUuid::fromString(q.value(1).toString());
    r.tenantId = q.value(2).toString();
    r.flowType = q.value(3).toString();
    r.input = q.value(4).toString();
    r.provider = q.value(5).toString();
    r.model = q.value(6).toString();
    r.status = core::runStatusFromName(q.value(7).toString()).value_or(core::RunStatus::Failed);
    r.output = q.value(8).toString();
    if (!q.value(9).isNull()) {
        const QJsonObject e = rows::parseObject(q.value(9));
        r.error = makeError(errorCodeFromName(e.value(QStringLiteral("code")).toString()),
                            e.value(QStringLiteral("message")).toString(),
                            e.value(QStringLiteral("details")).toObject());
    }
    if (!q.value(10).isNull()) {
        const QJsonObject u = rows::parseObject(q.value(10));
        r.usage.promptTokens = u.value(QStringLiteral("prompt_tokens")).toInteger();
        r.usage.completionTokens = u.value(QStringLiteral("completion_tokens")).toInteger();
        r.usage.totalTokens = u.value(QStringLiteral("total_tokens")).toInteger();
    }
    if (!q.value(11).isNull())
        r.conversationId = QUuid::fromString(q.value(11).toString());
    r.attempts = q.value(12).toInt();
    r.cancelRequested = q.value(13).toBool();
    r.workerId = q.value(14).toString();
    r.createdAt = rows::readTimestamp(q.value(15));
    r.startedAt = rows::readTimestamp(q.value(16));
    r.finishedAt = rows::readTimestamp(q.value(17));
    r.heartbeatAt = rows::readTimestamp(q.value(18));
    return r;
}

QString runCursor(const QSqlQuery &q)
{
    return encodeCursor(Cursor{q.value(kMicrosColumn).toLongLong(), q.value(0).toLongLong()});
}

Result<core::Run> singleRun(const Result<QSqlQuery *> &query, const core::Error &ifNone)
{
    if (!query)
        return query.error();
    if (!query.value()->next())
        return ifNone;
    return readRun(*query.value());
}

core::Status validateScope(const QString &tenantId, const QUuid &runId)
{
    if (auto ok = validateTenantId(tenantId); !ok)
        return ok;
    if (runId.isNull())
        return invalid(QStringLiteral("run_id"), QStringLiteral("must be a UUID"));
    return {};
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
Async<QList<LeaseState>> leaseStates(DbExecutor &executor, const QList<RunLease> &leases, const QString &sql,
                                     const QString &what)
{
    QString ids;
    QString attempts;
    QString workerId;
    if (auto ok = leaseArrays(leases, &ids, &attempts, &workerId); !ok)
        return core::failedAsync<QList<LeaseState>>(ok.error());
    if (leases.isEmpty())
        return core::readyAsync<QList<LeaseState>>(QList<LeaseState>());
    return executor.run<QList<LeaseState>>([=](DbConnection &conn) -> Result<QList<LeaseState>> {
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

} // namespace

core::Result<QUuid> parseRunId(const QString &text)
{
    const QUuid id = QUuid::fromString(text.trimmed());
    if (id.isNull())
        return invalid(QStringLiteral("run_id"), QStringLiteral("must be a UUID"));
    return id;
}

core::ErrorCode errorCodeFromName(const QString &name)
{
    for (int i = 0; i <= static_cast<int>(ErrorCode::Internal); ++i) {
        const auto code = static_cast<ErrorCode>(i);
        if (core::errorCodeName(code) == name)
            return code;
    }
    return ErrorCode::Internal;
}

Async<core::Run> RunRepository::create(const NewRun &run)
{
    if (auto ok = validateTenantId(run.tenantId); !ok)
        return core::failedAsync<core::Run>(ok.error());
    if (auto ok = validateFlowType(run.flowType); !ok)
        return core::failedAsync<core::Run>(ok.error());
    if (run.input.trimmed().isEmpty())
        return core::failedAsync<core::Run>(
            invalid(QStringLiteral("input"), QStringLiteral("must not be empty")));
    if (auto ok = validateContent(run.input); !ok) {
        // Same limits as a chat message, reported under this API's field name.
        core::Error e = ok.error();
        e.message.replace(QStringLiteral("content:"), QStringLiteral("input:"));
        e.details.insert(QStringLiteral("field"), QStringLiteral("input"));
        return core::failedAsync<core::Run>(e);
    }
    static const QRegularExpression providerPattern(QStringLiteral("^[a-z0-9][a-z0-9_-]*$"));
    if (!run.provider.isEmpty() &&
        (run.provider.size() > kMaxProviderChars || !providerPattern.match(run.provider).hasMatch())) {
        return core::failedAsync<core::Run>(
            invalid(QStringLiteral("provider"), QStringLiteral("must be a provider name such as openai")));
    }
    if (run.model.size() > kMaxModelChars || run.model.contains(QChar(0)) ||
        run.model.trimmed() != run.model) {
        return core::failedAsync<core::Run>(invalid(
            QStringLiteral("model"),
            QStringLiteral("must be at most %1 characters without surrounding spaces").arg(kMaxModelChars)));
    }
    const QUuid id = QUuid::createUuid();
    const NewRun r = run;
    return m_executor.run<core::Run>([id, r](DbConnection &conn) -> Result<core::Run> {
        return conn.transaction([&]() -> Result<core::Run> {
            const QString what = QStringLiteral("create run");
            auto tenant = conn.exec(
                QStringLiteral(
                    "INSERT INTO tenants (tenant_id) VALUES (?) ON CONFLICT (tenant_id) DO NOTHING"),
                {r.tenantId}, what);
            if (!tenant)
                return tenant.error();
            auto inserted =
                conn.exec(QStringLiteral("INSERT INTO runs AS r (run_id, tenant_id, flow_type, input, "
                                         "provider, model) VALUES (?::uuid, ?, ?, ?, ?, ?) RETURNING ") +
                              kRunColumns,
                          {uuidText(id), r.tenantId, r.flowType, r.input, r.provider, r.model}, what);
            return singleRun(
                inserted, makeError(ErrorCode::DatabaseError, QStringLiteral("create run returned no row")));
        });
    });
}

Async<core::Run> RunRepository::get(const QString &tenantId, const QUuid &runId)
{
    if (auto ok = validateScope(tenantId, runId); !ok)
        return core::failedAsync<core::Run>(ok.error());
    return m_executor.run<core::Run>([=](DbConnection &conn) -> Result<core::Run> {
        return singleRun(
            conn.exec(QStringLiteral("SELECT ") + kRunColumns +
                          QStringLiteral(" FROM runs r WHERE r.run_id = ?::uuid AND r.tenant_id = ?"),
                      {uuidText(runId), tenantId}, QStringLiteral("get run")),
            notFound(runId));
    });
}

Async<core::Run> RunRepository::cancel(const QString &tenantId, const QUuid &runId)
{
    if (auto ok = validateScope(tenantId, runId); !ok)
        return core::failedAsync<core::Run>(ok.error());
    const QString cancelledError =
        errorJson(makeError(ErrorCode::Cancelled, QStringLiteral("cancelled before it started")));
    return m_executor.run<core::Run>([=](DbConnection &conn) -> Result<core::Run> {
        // In SET, r.status is the value before this update: a queued run ends here, a running one
        // only gets the request (its worker finishes it).
        auto updated = conn.exec(
            QStringLiteral(
                "UPDATE runs AS r SET "
                "status = CASE WHEN r.status = 'queued' THEN 'cancelled' ELSE r.status END, "
                "finished_at = CASE WHEN r.status = 'queued' THEN now() ELSE r.finished_at END, "
                "error = CASE WHEN r.status = 'queued' THEN ?::jsonb ELSE r.error END, "
                "cancel_requested_at = coalesce(r.cancel_requested_at, now()) "
                "WHERE r.run_id = ?::uuid AND r.tenant_id = ? AND r.status IN ('queued', 'running') "
                "RETURNING ") +
                kRunColumns,
            {cancelledError, uuidText(runId), tenantId}, QStringLiteral("cancel run"));
        if (!updated)
            return updated.error();
        if (updated.value()->next())
            return readRun(*updated.value());
        auto existing = conn.exec(QStringLiteral("SELECT r.status FROM runs r WHERE r.run_id = ?::uuid AND "
                                                 "r.tenant_id = ?"),
                                  {uuidText(runId), tenantId}, QStringLiteral("cancel run"));
        if (!existing)
            return existing.error();
        if (!existing.value()->next())
            return notFound(runId);
        const QString status = existing.value()->value(0).toString();
        return makeError(ErrorCode::Conflict,
                         QStringLiteral("run %1 has already %2").arg(uuidText(runId), status),
                         {{QStringLiteral("run_id"), uuidText(runId)}, {QStringLiteral("status"), status}});
    });
}

Async<core::Page<core::Run>> RunRepository::list(const RunQuery &q)
{
    if (auto ok = validateTenantId(q.tenantId); !ok)
        return core::failedAsync<core::Page<core::Run>>(ok.error());
    if (auto ok = validateLimit(q.limit, limits::kMaxPageSize, QStringLiteral("limit")); !ok)
        return core::failedAsync<core::Page<core::Run>>(ok.error());
    QString sql =
        QStringLiteral("SELECT ") + kRunColumns + QStringLiteral(" FROM runs r WHERE r.tenant_id = ?");
    QVariantList binds{q.tenantId};
    if (q.status) {
        sql += QStringLiteral(" AND r.status = ?");
        binds << core::runStatusName(*q.status);
    }
    if (auto paged = rows::appendNewestFirstPage(sql, binds, QStringLiteral("r.created_at"),
                                                 QStringLiteral("r.id"), q.cursor, q.limit);
        !paged)
        return core::failedAsync<core::Page<core::Run>>(paged.error());
    const int limit = q.limit;
    return m_executor.run<core::Page<core::Run>>([=](DbConnection &conn) -> Result<core::Page<core::Run>> {
        auto query = conn.exec(sql, binds, QStringLiteral("list runs"));
        if (!query)
            return query.error();
        return rows::readPage<core::Run>(
            *query.value(), limit, [](const QSqlQuery &row) { return readRun(row); },
            [](const QSqlQuery &row) { return runCursor(row); });
    });
}

Async<QList<core::Run>> RunRepository::claim(const QString &workerId, int maxRuns)
{
    if (auto ok = validateWorkerId(workerId); !ok)
        return core::failedAsync<QList<core::Run>>(ok.error());
    if (auto ok = validateLimit(maxRuns, kMaxClaim, QStringLiteral("max_runs")); !ok)
        return core::failedAsync<QList<core::Run>>(ok.error());
    return m_executor.run<QList<core::Run>>([=](DbConnection &conn) -> Result<QList<core::Run>> {
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

Async<QList<LeaseState>> RunRepository::heartbeat(const QList<RunLease> &leases)
{
    return leaseStates(
        m_executor, leases,
        QStringLiteral("UPDATE runs AS r SET heartbeat_at = now() "
                       "FROM unnest(?::bigint[], ?::int[]) AS l(id, attempt) "
                       "WHERE r.id = l.id AND r.attempts = l.attempt AND r.worker_id = ? "
                       "AND r.status = 'running' RETURNING r.id, r.cancel_requested_at IS NOT NULL"),
        QStringLiteral("run heartbeat"));
}

Async<QList<LeaseState>> RunRepository::check(const QList<RunLease> &leases)
{
    return leaseStates(m_executor, leases,
                       QStringLiteral("SELECT r.id, r.cancel_requested_at IS NOT NULL "
                                      "FROM runs r JOIN unnest(?::bigint[], ?::int[]) AS l(id, attempt) "
                                      "ON r.id = l.id AND r.attempts = l.attempt "
                                      "WHERE r.worker_id = ? AND r.status = 'running'"),
                       QStringLiteral("check runs"));
}

Async<core::Run> RunRepository::complete(const RunLease &lease, const RunOutput &output)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<core::Run>(ok.error());
    const QVariantList binds{output.output,           nullableUuid(output.conversationId),
                             output.provider,         output.model,
                             usageJson(output.usage), lease.id,
                             lease.workerId,          lease.attempt};
    return m_executor.run<core::Run>([=](DbConnection &conn) -> Result<core::Run> {
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

namespace {

Async<core::Run> finishUnsuccessfully(DbExecutor &executor, const RunLease &lease, core::RunStatus status,
                                      const core::Error &error, const QUuid &conversationId)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<core::Run>(ok.error());
    const QVariantList binds{core::runStatusName(status),
                             errorJson(error),
                             nullableUuid(conversationId),
                             lease.id,
                             lease.workerId,
                             lease.attempt};
    return executor.run<core::Run>([=](DbConnection &conn) -> Result<core::Run> {
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

Async<core::Run> RunRepository::fail(const RunLease &lease, const core::Error &error,
                                     const QUuid &conversationId)
{
    return finishUnsuccessfully(m_executor, lease, core::RunStatus::Failed, error, conversationId);
}

Async<core::Run> RunRepository::markCancelled(const RunLease &lease, const QUuid &conversationId)
{
    return finishUnsuccessfully(m_executor, lease, core::RunStatus::Cancelled,
                                makeError(ErrorCode::Cancelled, QStringLiteral("cancelled while running")),
                                conversationId);
}

Async<int> RunRepository::release(const QList<RunLease> &leases)
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
    return m_executor.run<int>([=](DbConnection &conn) -> Result<int> {
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

Async<QList<core::Run>> RunRepository::recoverStale(int leaseSeconds, int maxAttempts)
{
    if (leaseSeconds < 1)
        return core::failedAsync<QList<core::Run>>(
            invalid(QStringLiteral("lease_seconds"), QStringLiteral("must be at least 1")));
    if (maxAttempts < 1)
        return core::failedAsync<QList<core::Run>>(
            invalid(QStringLiteral("max_attempts"), QStringLiteral("must be at least 1")));
    return m_executor.run<QList<core::Run>>([=](DbConnection &conn) -> Result<QList<core::Run>> {
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

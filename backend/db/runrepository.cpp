#include "runrepository.h"

#include "core/limits.h"
#include "core/text.h"
#include "core/validation.h"
#include "cursor.h"
#include "rowmapping.h"
#include "runrows.h"
#include "sql/dbexecutor.h"

#include <QRegularExpression>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;
using namespace runrows;

namespace {

constexpr qsizetype kMaxProviderChars = 64;
constexpr qsizetype kMaxModelChars = 200;

core::Error notFound(const QUuid &id)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("run %1 not found").arg(uuidText(id)),
                     {{QStringLiteral("run_id"), uuidText(id)}});
}

QString runCursor(const QSqlQuery &q)
{
    return encodeCursor(Cursor{q.value(kMicrosColumn).toLongLong(), q.value(0).toLongLong()});
}

core::Status validateScope(const QString &tenantId, const QUuid &runId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return ok;
    if (runId.isNull())
        return invalid(QStringLiteral("run_id"), core::uuidRule());
    return {};
}

} // namespace

Async<core::Run> RunRepository::create(const NewRun &run)
{
    if (auto ok = core::validateTenantId(run.tenantId); !ok)
        return core::failedAsync<core::Run>(ok.error());
    if (auto ok = core::validateFlowType(run.flowType); !ok)
        return core::failedAsync<core::Run>(ok.error());
    if (run.input.trimmed().isEmpty())
        return core::failedAsync<core::Run>(
            invalid(QStringLiteral("input"), QStringLiteral("must not be empty")));
    if (auto ok = core::validateContent(run.input); !ok) {
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
    return m_executor.run<core::Run>([id, r](sql::DbConnection &conn) -> Result<core::Run> {
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
    return m_executor.run<core::Run>([=](sql::DbConnection &conn) -> Result<core::Run> {
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
    return m_executor.run<core::Run>([=](sql::DbConnection &conn) -> Result<core::Run> {
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
                         QStringLiteral("run %1 has already finished (%2)").arg(uuidText(runId), status),
                         {{QStringLiteral("run_id"), uuidText(runId)}, {QStringLiteral("status"), status}});
    });
}

Async<core::Page<core::Run>> RunRepository::list(const RunQuery &q)
{
    if (auto ok = core::validateTenantId(q.tenantId); !ok)
        return core::failedAsync<core::Page<core::Run>>(ok.error());
    if (auto ok = core::validateLimit(q.limit, core::limits::kMaxPageSize, QStringLiteral("limit")); !ok)
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
    return m_executor.run<core::Page<core::Run>>(
        [=](sql::DbConnection &conn) -> Result<core::Page<core::Run>> {
            auto query = conn.exec(sql, binds, QStringLiteral("list runs"));
            if (!query)
                return query.error();
            return rows::readPage<core::Run>(
                *query.value(), limit, [](const QSqlQuery &row) { return readRun(row); },
                [](const QSqlQuery &row) { return runCursor(row); });
        });
}

} // namespace agency::db

#include "auditrepository.h"

#include "core/limits.h"
#include "core/validation.h"
#include "cursor.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

#include <QUuid>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kAuditColumns = QStringLiteral(
    "a.id, a.at, a.actor_key_id, a.actor_name, a.action, a.tenant_id, a.resource, a.request_id, "
    "(extract(epoch FROM a.at) * 1000000)::bigint");

core::AuditEntry readAudit(const QSqlQuery &q)
{
    core::AuditEntry e;
    e.id = q.value(0).toLongLong();
    e.at = rows::readTimestamp(q.value(1));
    e.actorKeyId = q.value(2).isNull() ? QString() : q.value(2).toUuid().toString(QUuid::WithoutBraces);
    e.actorName = q.value(3).toString();
    e.action = q.value(4).toString();
    e.tenantId = q.value(5).toString();
    e.resource = q.value(6).toString();
    e.requestId = q.value(7).toString();
    return e;
}

} // namespace

Async<core::AuditEntry> AuditRepository::record(const core::AuditEntry &entry)
{
    const QVariant actor = entry.actorKeyId.isEmpty() ? QVariant() : QVariant(entry.actorKeyId);
    const core::AuditEntry e = entry;
    return m_executor.run<core::AuditEntry>([=](sql::DbConnection &conn) -> Result<core::AuditEntry> {
        auto q = conn.exec(
            QStringLiteral("INSERT INTO audit_log AS a (actor_key_id, actor_name, action, tenant_id, "
                           "resource, request_id) VALUES (?::uuid, ?, ?, ?, ?, ?) RETURNING ") +
                kAuditColumns,
            {actor, e.actorName.left(200), e.action, e.tenantId, e.resource.left(300), e.requestId.left(200)},
            QStringLiteral("record audit"));
        if (!q)
            return q.error();
        if (!q.value()->next())
            return makeError(ErrorCode::Internal, QStringLiteral("record audit: no row returned"));
        return readAudit(*q.value());
    });
}

Async<core::Page<core::AuditEntry>> AuditRepository::list(const core::AuditQuery &query)
{
    if (auto ok = core::validateLimit(query.limit, core::limits::kMaxPageSize, QStringLiteral("limit")); !ok)
        return core::failedAsync<core::Page<core::AuditEntry>>(ok.error());
    QString sql = QStringLiteral("SELECT ") + kAuditColumns +
                  QStringLiteral(" FROM audit_log a WHERE (? = '' OR a.tenant_id = ?)");
    QVariantList binds{query.tenantId, query.tenantId};
    if (auto paged = rows::appendNewestFirstPage(sql, binds, QStringLiteral("a.at"), QStringLiteral("a.id"),
                                                 query.cursor, query.limit);
        !paged)
        return core::failedAsync<core::Page<core::AuditEntry>>(paged.error());
    const int limit = query.limit;
    return m_executor.run<core::Page<core::AuditEntry>>(
        [=](sql::DbConnection &conn) -> Result<core::Page<core::AuditEntry>> {
            auto q = conn.exec(sql, binds, QStringLiteral("list audit"));
            if (!q)
                return q.error();
            return rows::readPage<core::AuditEntry>(
                *q.value(), limit, [](const QSqlQuery &row) { return readAudit(row); },
                [](const QSqlQuery &row) {
                    return encodeCursor(Cursor{row.value(8).toLongLong(), row.value(0).toLongLong()});
                });
        });
}

} // namespace agency::db

#include "approvalrepository.h"

#include "core/validation.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

#include <QJsonDocument>

namespace agency::db {

using core::ApprovalStatus;
using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;
using core::ToolApproval;

namespace {

const QString kColumns = QStringLiteral(
    "a.approval_id, a.tenant_id, a.conversation_id, a.flow_type, a.turn_id, a.message_id, a.tool_name, "
    "a.arguments::text, a.tool_call_id, a.status, a.reason, a.decided_by, "
    "(extract(epoch FROM a.created_at) * 1000000)::bigint, (extract(epoch FROM a.expires_at) * "
    "1000000)::bigint, "
    "(extract(epoch FROM a.decided_at) * 1000000)::bigint, a.result::text");

/// Runs first in every statement that reads or decides: what ran out is expired before anyone sees it.
const QString kExpire = QStringLiteral("UPDATE tool_approvals SET status = 'expired', decided_at = now(), "
                                       "reason = 'not decided before it expired' WHERE tenant_id = ? AND "
                                       "status = 'pending' AND expires_at <= now()");

QString jsonText(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QVariant uuidOrNull(const QUuid &id)
{
    return id.isNull() ? QVariant() : QVariant(id.toString(QUuid::WithoutBraces));
}

ToolApproval readApproval(const QSqlQuery &q)
{
    ToolApproval a;
    a.approvalId = q.value(0).toUuid();
    a.tenantId = q.value(1).toString();
    a.conversationId = q.value(2).isNull() ? QUuid() : q.value(2).toUuid();
    a.flowType = q.value(3).toString();
    a.turnId = q.value(4).isNull() ? QUuid() : q.value(4).toUuid();
    a.messageId = q.value(5).toLongLong();
    a.toolName = q.value(6).toString();
    a.arguments = rows::parseObject(q.value(7));
    a.toolCallId = q.value(8).toString();
    a.status = core::approvalStatusFromName(q.value(9).toString()).value_or(ApprovalStatus::Pending);
    a.reason = q.value(10).toString();
    a.decidedBy = q.value(11).toString();
    a.createdAt = rows::fromEpochMicros(q.value(12));
    a.expiresAt = rows::fromEpochMicros(q.value(13));
    if (!q.value(14).isNull())
        a.decidedAt = rows::fromEpochMicros(q.value(14));
    if (!q.value(15).isNull())
        a.result = rows::parseObject(q.value(15));
    return a;
}

core::Error notFound(const QUuid &approvalId)
{
    return makeError(
        ErrorCode::NotFound,
        QStringLiteral("approval %1 does not exist").arg(approvalId.toString(QUuid::WithoutBraces)),
        {{QStringLiteral("approval_id"), approvalId.toString(QUuid::WithoutBraces)}});
}

Result<QList<ToolApproval>> readAll(QSqlQuery &q)
{
    QList<ToolApproval> all;
    while (q.next())
        all.append(readApproval(q));
    return all;
}

Result<ToolApproval> readOne(QSqlQuery &q, const QUuid &approvalId)
{
    if (!q.next())
        return notFound(approvalId);
    return readApproval(q);
}

} // namespace

Async<QList<ToolApproval>> ApprovalRepository::create(const QList<NewApproval> &approvals)
{
    for (const NewApproval &a : approvals) {
        if (auto ok = core::validateTenantId(a.tenantId); !ok)
            return core::failedAsync<QList<ToolApproval>>(ok.error());
    }
    return m_executor.run<QList<ToolApproval>>([approvals](
                                                   sql::DbConnection &conn) -> Result<QList<ToolApproval>> {
        return conn.transaction([&]() -> Result<QList<ToolApproval>> {
            QList<ToolApproval> stored;
            for (const NewApproval &a : approvals) {
                auto tenant = conn.exec(
                    QStringLiteral(
                        "INSERT INTO tenants (tenant_id) VALUES (?) ON CONFLICT (tenant_id) DO NOTHING"),
                    {a.tenantId}, QStringLiteral("create approval tenant"));
                if (!tenant)
                    return tenant.error();
                auto q = conn.exec(
                    QStringLiteral(
                        "INSERT INTO tool_approvals AS a (approval_id, tenant_id, conversation_id, "
                        "flow_type, "
                        "turn_id, message_id, tool_name, arguments, tool_call_id, expires_at) VALUES "
                        "(?::uuid, ?, ?::uuid, ?, ?::uuid, ?, ?, ?::jsonb, ?, now() + ? * interval '1 "
                        "second') RETURNING ") +
                        kColumns,
                    {QUuid::createUuid().toString(QUuid::WithoutBraces), a.tenantId,
                     uuidOrNull(a.conversationId), a.flowType, uuidOrNull(a.turnId),
                     a.messageId > 0 ? QVariant(a.messageId) : QVariant(), a.toolName, jsonText(a.arguments),
                     a.toolCallId, std::max(1, a.ttlS)},
                    QStringLiteral("create approval"));
                if (!q)
                    return q.error();
                if (!q.value()->next())
                    return makeError(ErrorCode::Internal, QStringLiteral("create approval: no row returned"));
                stored.append(readApproval(*q.value()));
            }
            return stored;
        });
    });
}

Async<QList<ToolApproval>> ApprovalRepository::list(const core::ApprovalQuery &query)
{
    if (auto ok = core::validateTenantId(query.tenantId); !ok)
        return core::failedAsync<QList<ToolApproval>>(ok.error());
    if (auto ok = core::validateLimit(query.limit, 500, QStringLiteral("limit")); !ok)
        return core::failedAsync<QList<ToolApproval>>(ok.error());
    const core::ApprovalQuery qy = query;
    return m_executor.run<QList<ToolApproval>>([qy](sql::DbConnection &conn) -> Result<QList<ToolApproval>> {
        if (auto expired = conn.exec(kExpire, {qy.tenantId}, QStringLiteral("expire approvals")); !expired)
            return expired.error();
        const QString status = qy.status ? core::approvalStatusName(*qy.status) : QString();
        auto q = conn.exec(
            QStringLiteral("SELECT ") + kColumns +
                QStringLiteral(" FROM tool_approvals a WHERE a.tenant_id = ? AND (? = '' OR a.status "
                               "= ?) AND (?::uuid IS NULL OR a.conversation_id = ?::uuid) ORDER BY "
                               "a.created_at DESC, a.approval_id LIMIT ?"),
            {qy.tenantId, status, status, uuidOrNull(qy.conversationId), uuidOrNull(qy.conversationId),
             qy.limit},
            QStringLiteral("list approvals"));
        if (!q)
            return q.error();
        return readAll(*q.value());
    });
}

Async<ToolApproval> ApprovalRepository::get(const QString &tenantId, const QUuid &approvalId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<ToolApproval>(ok.error());
    return m_executor.run<ToolApproval>([tenantId,
                                         approvalId](sql::DbConnection &conn) -> Result<ToolApproval> {
        if (auto expired = conn.exec(kExpire, {tenantId}, QStringLiteral("expire approvals")); !expired)
            return expired.error();
        auto q = conn.exec(
            QStringLiteral("SELECT ") + kColumns +
                QStringLiteral(" FROM tool_approvals a WHERE a.tenant_id = ? AND a.approval_id = ?::uuid"),
            {tenantId, approvalId.toString(QUuid::WithoutBraces)}, QStringLiteral("get approval"));
        if (!q)
            return q.error();
        return readOne(*q.value(), approvalId);
    });
}

Async<ToolApproval> ApprovalRepository::decide(const QString &tenantId, const QUuid &approvalId,
                                               ApprovalStatus decision, const QString &reason,
                                               const QString &decidedBy)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<ToolApproval>(ok.error());
    if (decision != ApprovalStatus::Approved && decision != ApprovalStatus::Rejected)
        return core::failedAsync<ToolApproval>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("a decision is approved or rejected")));
    if (reason.size() > 2000)
        return core::failedAsync<ToolApproval>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("reason: at most 2000 characters"),
                      {{QStringLiteral("field"), QStringLiteral("reason")}}));
    const QString id = approvalId.toString(QUuid::WithoutBraces);
    return m_executor.run<ToolApproval>([=](sql::DbConnection &conn) -> Result<ToolApproval> {
        if (auto expired = conn.exec(kExpire, {tenantId}, QStringLiteral("expire approvals")); !expired)
            return expired.error();
        // Only a pending row changes: of two decisions at once, one wins and the other is told.
        auto q =
            conn.exec(QStringLiteral("UPDATE tool_approvals a SET status = ?, reason = ?, decided_by = ?, "
                                     "decided_at = now() WHERE a.tenant_id = ? AND a.approval_id = ?::uuid "
                                     "AND a.status = 'pending' RETURNING ") +
                          kColumns,
                      {core::approvalStatusName(decision), reason, decidedBy.left(200), tenantId, id},
                      QStringLiteral("decide approval"));
        if (!q)
            return q.error();
        if (q.value()->next())
            return readApproval(*q.value());
        auto current = conn.exec(QStringLiteral("SELECT status FROM tool_approvals WHERE tenant_id = ? AND "
                                                "approval_id = ?::uuid"),
                                 {tenantId, id}, QStringLiteral("decide approval"));
        if (!current)
            return current.error();
        if (!current.value()->next())
            return notFound(approvalId);
        const QString status = current.value()->value(0).toString();
        return makeError(
            ErrorCode::Conflict,
            QStringLiteral("approval %1 is already %2: it can no longer be decided").arg(id, status),
            {{QStringLiteral("reason"), QStringLiteral("already_decided")},
             {QStringLiteral("status"), status},
             {QStringLiteral("approval_id"), id}});
    });
}

Async<ToolApproval> ApprovalRepository::storeResult(const QString &tenantId, const QUuid &approvalId,
                                                    const QJsonObject &result)
{
    const QString json = jsonText(result);
    return m_executor.run<ToolApproval>([=](sql::DbConnection &conn) -> Result<ToolApproval> {
        auto q = conn.exec(
            QStringLiteral("UPDATE tool_approvals a SET result = ?::jsonb WHERE a.tenant_id = ? AND "
                           "a.approval_id = ?::uuid RETURNING ") +
                kColumns,
            {json, tenantId, approvalId.toString(QUuid::WithoutBraces)},
            QStringLiteral("store approval result"));
        if (!q)
            return q.error();
        return readOne(*q.value(), approvalId);
    });
}

Async<QList<ToolApproval>> ApprovalRepository::ofMessage(const QString &tenantId, const QUuid &conversationId,
                                                         qint64 messageId)
{
    return m_executor.run<QList<ToolApproval>>([=](sql::DbConnection &conn) -> Result<QList<ToolApproval>> {
        if (auto expired = conn.exec(kExpire, {tenantId}, QStringLiteral("expire approvals")); !expired)
            return expired.error();
        auto q = conn.exec(
            QStringLiteral("SELECT ") + kColumns +
                QStringLiteral(" FROM tool_approvals a WHERE a.tenant_id = ? AND a.conversation_id = "
                               "?::uuid AND a.message_id = ? ORDER BY a.created_at, a.approval_id"),
            {tenantId, conversationId.toString(QUuid::WithoutBraces), messageId},
            QStringLiteral("approvals of a message"));
        if (!q)
            return q.error();
        return readAll(*q.value());
    });
}

Async<QList<ToolApproval>> ApprovalRepository::pendingIn(const QString &tenantId, const QUuid &conversationId)
{
    core::ApprovalQuery query;
    query.tenantId = tenantId;
    query.conversationId = conversationId;
    query.status = ApprovalStatus::Pending;
    return list(query);
}

} // namespace agency::db

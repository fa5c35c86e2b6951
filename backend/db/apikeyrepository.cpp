#include "apikeyrepository.h"

#include "core/text.h"

#include "core/validation.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

#include <QRegularExpression>
#include <QUuid>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kKeyColumns = QStringLiteral(
    "k.key_id, k.name, k.tenant_id, k.role, k.global_admin, k.created_at, k.last_used_at, k.expires_at, "
    "k.revoked_at");

core::ApiKey readKey(const QSqlQuery &q)
{
    core::ApiKey key;
    key.keyId = q.value(0).toUuid().toString(QUuid::WithoutBraces);
    key.name = q.value(1).toString();
    key.tenantId = q.value(2).toString();
    key.role = core::keyRoleFromName(q.value(3).toString()).value_or(core::KeyRole::Member);
    key.globalAdmin = q.value(4).toBool();
    key.createdAt = rows::readTimestamp(q.value(5));
    if (!q.value(6).isNull())
        key.lastUsedAt = rows::readTimestamp(q.value(6));
    if (!q.value(7).isNull())
        key.expiresAt = rows::readTimestamp(q.value(7));
    if (!q.value(8).isNull())
        key.revokedAt = rows::readTimestamp(q.value(8));
    return key;
}

core::Error badKey(const QString &why)
{
    return makeError(ErrorCode::Unauthenticated, why);
}

core::Status validateHash(const QString &hash)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    if (!hex.match(hash).hasMatch())
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("key hash: 64 lowercase hex digits expected"));
    return {};
}

} // namespace

Async<core::ApiKey> ApiKeyRepository::insert(const core::NewApiKey &spec, const QString &keyHash)
{
    if (auto ok = validateHash(keyHash); !ok)
        return core::failedAsync<core::ApiKey>(ok.error());
    if (spec.globalAdmin != spec.tenantId.isEmpty()) {
        return core::failedAsync<core::ApiKey>(
            makeError(ErrorCode::InvalidArgument,
                      QStringLiteral("a key is either a tenant key or a global admin key")));
    }
    if (!spec.globalAdmin) {
        if (auto ok = core::validateTenantId(spec.tenantId); !ok)
            return core::failedAsync<core::ApiKey>(ok.error());
    }
    if (spec.name.size() > 200) {
        return core::failedAsync<core::ApiKey>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("name: longer than 200 characters"),
                      {{QStringLiteral("field"), QStringLiteral("name")}}));
    }
    if (spec.expiresInDays < 0 || spec.expiresInDays > 36500) {
        return core::failedAsync<core::ApiKey>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("expires in days: 0 (never) to 36500"),
                      {{QStringLiteral("field"), QStringLiteral("expires_in_days")}}));
    }
    const QString keyId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString role = spec.globalAdmin ? QStringLiteral("admin") : core::keyRoleName(spec.role);
    const QVariant tenant = spec.globalAdmin ? QVariant() : QVariant(spec.tenantId);
    const int days = spec.expiresInDays;
    const QString name = spec.name;
    const bool global = spec.globalAdmin;
    return m_executor.run<core::ApiKey>([=](sql::DbConnection &conn) -> Result<core::ApiKey> {
        auto q =
            conn.exec(QStringLiteral("INSERT INTO api_keys AS k (key_id, key_hash, name, tenant_id, role, "
                                     "global_admin, expires_at) VALUES (?::uuid, ?, ?, ?, ?, ?, "
                                     "CASE WHEN ?::int > 0 THEN clock_timestamp() + ?::int * interval "
                                     "'1 day' END) RETURNING ") +
                          kKeyColumns,
                      {keyId, keyHash, name, tenant, role, global, days, days}, QStringLiteral("create key"));
        if (!q)
            return q.error();
        if (!q.value()->next())
            return makeError(ErrorCode::Internal, QStringLiteral("create key: no row returned"));
        return readKey(*q.value());
    });
}

Async<core::ApiKey> ApiKeyRepository::authenticate(const QString &keyHash)
{
    if (!validateHash(keyHash))
        return core::failedAsync<core::ApiKey>(badKey(QStringLiteral("unknown API key")));
    return m_executor.run<core::ApiKey>([=](sql::DbConnection &conn) -> Result<core::ApiKey> {
        // One round trip: read the key and, if usable and not marked in the last minute, mark it
        // used (a write per request would make every read a write).
        auto q = conn.exec(
            QStringLiteral(
                "WITH touch AS (UPDATE api_keys SET last_used_at = clock_timestamp() "
                "WHERE key_hash = ? AND revoked_at IS NULL "
                "AND (expires_at IS NULL OR expires_at > clock_timestamp()) "
                "AND (last_used_at IS NULL OR last_used_at < clock_timestamp() - interval '60 seconds')) "
                "SELECT ") +
                kKeyColumns +
                QStringLiteral(", k.expires_at IS NOT NULL AND k.expires_at <= clock_timestamp() "
                               "FROM api_keys k WHERE k.key_hash = ?"),
            {keyHash, keyHash}, QStringLiteral("authenticate"));
        if (!q)
            return q.error();
        if (!q.value()->next())
            return badKey(QStringLiteral("unknown API key"));
        core::ApiKey key = readKey(*q.value());
        if (key.revokedAt.isValid())
            return badKey(QStringLiteral("this API key was revoked"));
        if (q.value()->value(9).toBool())
            return badKey(QStringLiteral("this API key expired"));
        return key;
    });
}

Async<QList<core::ApiKey>> ApiKeyRepository::list(const QString &tenantId)
{
    if (!tenantId.isEmpty()) {
        if (auto ok = core::validateTenantId(tenantId); !ok)
            return core::failedAsync<QList<core::ApiKey>>(ok.error());
    }
    return m_executor.run<QList<core::ApiKey>>([=](sql::DbConnection &conn) -> Result<QList<core::ApiKey>> {
        auto q = conn.exec(QStringLiteral("SELECT ") + kKeyColumns +
                               QStringLiteral(" FROM api_keys k WHERE (? = '' OR k.tenant_id = ?) "
                                              "ORDER BY k.created_at, k.id"),
                           {tenantId, tenantId}, QStringLiteral("list keys"));
        if (!q)
            return q.error();
        QList<core::ApiKey> keys;
        while (q.value()->next())
            keys.append(readKey(*q.value()));
        return keys;
    });
}

Async<core::ApiKey> ApiKeyRepository::revoke(const QString &keyId)
{
    const QUuid id = QUuid::fromString(keyId);
    if (id.isNull()) {
        return core::failedAsync<core::ApiKey>(makeError(
            ErrorCode::InvalidArgument, QStringLiteral("key id %1: %2").arg(keyId, core::uuidRule())));
    }
    const QString idText = id.toString(QUuid::WithoutBraces);
    return m_executor.run<core::ApiKey>([=](sql::DbConnection &conn) -> Result<core::ApiKey> {
        auto q = conn.exec(QStringLiteral("UPDATE api_keys AS k SET revoked_at = coalesce(k.revoked_at, "
                                          "clock_timestamp()) WHERE k.key_id = ?::uuid RETURNING ") +
                               kKeyColumns,
                           {idText}, QStringLiteral("revoke key"));
        if (!q)
            return q.error();
        if (!q.value()->next())
            return makeError(ErrorCode::NotFound, QStringLiteral("no API key with id %1").arg(idText));
        return readKey(*q.value());
    });
}

Async<qint64> ApiKeyRepository::countActive()
{
    return m_executor.run<qint64>([](sql::DbConnection &conn) -> Result<qint64> {
        auto q = conn.exec(QStringLiteral("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL AND "
                                          "(expires_at IS NULL OR expires_at > clock_timestamp())"),
                           {}, QStringLiteral("count keys"));
        if (!q)
            return q.error();
        q.value()->next();
        return q.value()->value(0).toLongLong();
    });
}

} // namespace agency::db

#include "responsecacherepository.h"

#include "sql/dbexecutor.h"

#include <QJsonDocument>
#include <QSqlQuery>

namespace agency::db {

ResponseCacheRepository::ResponseCacheRepository(sql::DbExecutor &executor, qint64 ttlSeconds)
    : m_executor(executor), m_ttlSeconds(ttlSeconds)
{
}

core::Async<std::optional<QJsonObject>> ResponseCacheRepository::find(const ResponseCacheKey &key)
{
    const QVariantList binds{key.tenantId, key.flowType, key.requestKey, m_ttlSeconds, m_ttlSeconds};
    return m_executor.run<std::optional<QJsonObject>>(
        [binds](sql::DbConnection &conn) -> core::Result<std::optional<QJsonObject>> {
            auto query = conn.exec(
                QStringLiteral("UPDATE response_cache SET hits = hits + 1 "
                               "WHERE tenant_id = ? AND flow_type = ? AND request_key = ? "
                               "AND (?::bigint = 0 OR created_at > now() - make_interval(secs => ?::bigint)) "
                               "RETURNING answer::text"),
                binds, QStringLiteral("read the response cache"));
            if (!query)
                return query.error();
            QSqlQuery &q = *query.value();
            if (!q.next())
                return std::optional<QJsonObject>();
            const QJsonDocument doc = QJsonDocument::fromJson(q.value(0).toString().toUtf8());
            if (!doc.isObject())
                return std::optional<QJsonObject>();
            return std::optional<QJsonObject>(doc.object());
        });
}

core::Async<void> ResponseCacheRepository::store(const ResponseCacheKey &key, const QString &provider,
                                                 const QString &model, const QJsonObject &answer)
{
    const QString json = QString::fromUtf8(QJsonDocument(answer).toJson(QJsonDocument::Compact));
    const QVariantList binds{key.tenantId, key.requestKey, m_ttlSeconds, m_ttlSeconds, key.tenantId,
                             key.flowType, key.requestKey, provider,     model,        json};
    return m_executor.run<void>([binds](sql::DbConnection &conn) -> core::Status {
        // The tenant's expired entries go in the same statement: the table never outgrows what
        // the TTL can still serve by more than the tenants that stopped asking. (Not the entry being
        // stored: one statement must not change a row twice.)
        auto stored = conn.exec(
            QStringLiteral(
                "WITH expired AS (DELETE FROM response_cache WHERE tenant_id = ? AND request_key <> ? "
                "AND ?::bigint > 0 "
                "AND created_at <= now() - make_interval(secs => ?::bigint)) "
                "INSERT INTO response_cache (tenant_id, flow_type, request_key, provider, model, answer) "
                "VALUES (?, ?, ?, ?, ?, ?::jsonb) "
                "ON CONFLICT (tenant_id, flow_type, request_key) DO UPDATE SET "
                "provider = excluded.provider, model = excluded.model, answer = excluded.answer, "
                "hits = 0, created_at = now()"),
            binds, QStringLiteral("store in the response cache"));
        if (!stored)
            return stored.error();
        return {};
    });
}

} // namespace agency::db

#pragma once

#include "core/async/future.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::db {

/// Where one cached answer is kept: always by tenant, so no lookup can reach another tenant's.
struct ResponseCacheKey
{
    QString tenantId;
    QString flowType;
    QString requestKey; ///< SHA-256 hex of the whole request, provider and model
};

/// The `response_cache` table (docs/costs.md): answers of flows that opt into the exact-match
/// cache. Entries older than `ttlSeconds` (0: never) are not served, and a tenant's expired
/// entries are deleted when it stores a new one. Thread-safe; borrows the executor.
class ResponseCacheRepository
{
public:
    ResponseCacheRepository(sql::DbExecutor &executor, qint64 ttlSeconds);

    /// The stored answer (and one more hit counted), or nullopt.
    core::Async<std::optional<QJsonObject>> find(const ResponseCacheKey &key);
    /// Stores (or replaces) the answer. NotFound-like database errors for an unknown tenant.
    core::Async<void> store(const ResponseCacheKey &key, const QString &provider, const QString &model,
                            const QJsonObject &answer);

private:
    sql::DbExecutor &m_executor;
    qint64 m_ttlSeconds;
};

} // namespace agency::db

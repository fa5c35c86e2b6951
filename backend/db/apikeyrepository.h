#pragma once

#include "core/access.h"
#include "core/async/future.h"
#include "records.h"

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// API keys (table api_keys). Stores and finds keys by the hash of their secret; never sees a
/// secret. Thread-safe; results arrive on executor threads.
class ApiKeyRepository
{
public:
    explicit ApiKeyRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Stores a new key under `keyHash` (64 lowercase hex digits). A tenant key's tenant must exist.
    core::Async<core::ApiKey> insert(const core::NewApiKey &spec, const QString &keyHash);
    /// The key with this hash, if it may be used now: Unauthenticated when unknown, revoked or
    /// expired (the message says which, never the hash). Marks it used (at most once a minute).
    core::Async<core::ApiKey> authenticate(const QString &keyHash);
    /// Keys, oldest first; `tenantId` empty: every key.
    core::Async<QList<core::ApiKey>> list(const QString &tenantId = {});
    /// Revokes a key (idempotent: revoking again keeps the first time). NotFound when unknown.
    core::Async<core::ApiKey> revoke(const QString &keyId);
    /// Number of keys that can still be used (not revoked, not expired).
    core::Async<qint64> countActive();

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

#pragma once

#include "core/access.h"
#include "core/async/future.h"
#include "records.h"

namespace agency::db {

class DbExecutor;

/// API keys (table api_keys). Stores and finds keys by the hash of their secret; never sees a
/// secret. Thread-safe; results arrive on executor threads.
class ApiKeyRepository
{
public:
    explicit ApiKeyRepository(DbExecutor &executor) : m_executor(executor) {}

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
    DbExecutor &m_executor;
};

/// The audit log (table audit_log): append and read. Thread-safe.
class AuditRepository
{
public:
    explicit AuditRepository(DbExecutor &executor) : m_executor(executor) {}

    /// Appends one entry (id and time are the database's). Returns the stored entry.
    core::Async<core::AuditEntry> record(const core::AuditEntry &entry);
    /// Newest first, keyset paged.
    core::Async<core::Page<core::AuditEntry>> list(const core::AuditQuery &query);

private:
    DbExecutor &m_executor;
};

} // namespace agency::db

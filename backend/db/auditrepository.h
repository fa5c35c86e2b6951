#pragma once

#include "core/access.h"
#include "core/async/future.h"
#include "core/page.h"

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// The audit log (table audit_log): append and read. Thread-safe.
class AuditRepository
{
public:
    explicit AuditRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Appends one entry (id and time are the database's). Returns the stored entry.
    core::Async<core::AuditEntry> record(const core::AuditEntry &entry);
    /// Newest first, keyset paged.
    core::Async<core::Page<core::AuditEntry>> list(const core::AuditQuery &query);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

#pragma once

#include "core/async/future.h"
#include "records.h"

#include <optional>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// Tenants: the unit of isolation. Thread-safe; results arrive on executor threads.
class TenantRepository
{
public:
    explicit TenantRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Creates the tenant if it does not exist (then `name` is stored), and returns it either way.
    core::Async<core::Tenant> ensureTenant(const QString &tenantId, const QString &name = {});
    /// Creates a new tenant; Conflict when it already exists.
    core::Async<core::Tenant> createTenant(const QString &tenantId, const QString &name,
                                           const QJsonObject &settings = {});
    core::Async<core::Tenant> getTenant(const QString &tenantId);
    /// Tenants ordered by id, with their conversation counts; `afterTenantId` continues a listing.
    core::Async<core::Page<core::Tenant>> listTenants(int limit = 100, const QString &afterTenantId = {});
    /// The tenant's settings object; {} for a tenant without a row yet (it has no overrides).
    core::Async<QJsonObject> settingsOf(const QString &tenantId);
    /// Replaces the name and/or the settings object (only the given parts).
    core::Async<core::Tenant> updateTenant(const QString &tenantId, const std::optional<QString> &name,
                                           const std::optional<QJsonObject> &settings);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

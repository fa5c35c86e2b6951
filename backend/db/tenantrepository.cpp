#include "tenantrepository.h"

#include "core/json.h"
#include "core/validation.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kColumns =
    QStringLiteral("t.tenant_id, t.name, t.settings::text, t.conversation_count, t.created_at, t.updated_at");

core::Tenant readTenant(const QSqlQuery &q)
{
    core::Tenant t;
    t.tenantId = q.value(0).toString();
    t.name = q.value(1).toString();
    t.settings = rows::parseObject(q.value(2));
    t.conversationCount = q.value(3).toLongLong();
    t.createdAt = rows::readTimestamp(q.value(4));
    t.updatedAt = rows::readTimestamp(q.value(5));
    return t;
}

core::Error notFound(const QString &tenantId)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("tenant %1 not found").arg(tenantId),
                     {{QStringLiteral("tenant_id"), tenantId}});
}

core::Status validateName(const QString &name)
{
    if (name.size() > 200) {
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("name: longer than 200 characters"),
                         {{QStringLiteral("field"), QStringLiteral("name")}});
    }
    if (name.contains(QChar(0))) {
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("name: must not contain NUL characters"),
                         {{QStringLiteral("field"), QStringLiteral("name")}});
    }
    return {};
}

Result<core::Tenant> firstTenant(Result<QSqlQuery *> query, const QString &tenantId)
{
    if (!query)
        return query.error();
    if (!query.value()->next())
        return notFound(tenantId);
    return readTenant(*query.value());
}

} // namespace

Async<core::Tenant> TenantRepository::ensureTenant(const QString &tenantId, const QString &name)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::Tenant>(ok.error());
    if (auto ok = validateName(name); !ok)
        return core::failedAsync<core::Tenant>(ok.error());
    return m_executor.run<core::Tenant>([=](sql::DbConnection &conn) -> Result<core::Tenant> {
        // DO UPDATE with an unchanged value so RETURNING yields the existing row too.
        return firstTenant(
            conn.exec(QStringLiteral("INSERT INTO tenants AS t (tenant_id, name) VALUES (?, ?) "
                                     "ON CONFLICT (tenant_id) DO UPDATE SET tenant_id = t.tenant_id "
                                     "RETURNING ") +
                          kColumns,
                      {tenantId, name}, QStringLiteral("ensure tenant")),
            tenantId);
    });
}

Async<core::Tenant> TenantRepository::createTenant(const QString &tenantId, const QString &name,
                                                   const QJsonObject &settings)
{
    for (const core::Status &check : {core::validateTenantId(tenantId), validateName(name),
                                      core::validateMetadata(settings, QStringLiteral("settings"))}) {
        if (!check)
            return core::failedAsync<core::Tenant>(check.error());
    }
    const QString settingsJson = core::toCompactJsonString(settings);
    return m_executor.run<core::Tenant>([=](sql::DbConnection &conn) -> Result<core::Tenant> {
        auto result =
            firstTenant(conn.exec(QStringLiteral("INSERT INTO tenants AS t (tenant_id, name, settings) "
                                                 "VALUES (?, ?, ?::jsonb) RETURNING ") +
                                      kColumns,
                                  {tenantId, name, settingsJson}, QStringLiteral("create tenant")),
                        tenantId);
        if (!result && result.error().code == ErrorCode::Conflict)
            return makeError(ErrorCode::Conflict, QStringLiteral("tenant %1 already exists").arg(tenantId));
        return result;
    });
}

Async<core::Tenant> TenantRepository::getTenant(const QString &tenantId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::Tenant>(ok.error());
    return m_executor.run<core::Tenant>([=](sql::DbConnection &conn) -> Result<core::Tenant> {
        return firstTenant(conn.exec(QStringLiteral("SELECT ") + kColumns +
                                         QStringLiteral(" FROM tenants t WHERE t.tenant_id = ?"),
                                     {tenantId}, QStringLiteral("get tenant")),
                           tenantId);
    });
}

Async<QJsonObject> TenantRepository::settingsOf(const QString &tenantId)
{
    return getTenant(tenantId).then([](const Result<core::Tenant> &tenant) -> Result<QJsonObject> {
        if (!tenant)
            return tenant.error().code == ErrorCode::NotFound ? Result<QJsonObject>(QJsonObject())
                                                              : Result<QJsonObject>(tenant.error());
        return tenant->settings;
    });
}

Async<core::Page<core::Tenant>> TenantRepository::listTenants(int limit, const QString &afterTenantId)
{
    if (auto ok = core::validateLimit(limit, 1000, QStringLiteral("limit")); !ok)
        return core::failedAsync<core::Page<core::Tenant>>(ok.error());
    if (!afterTenantId.isEmpty()) {
        if (auto ok = core::validateTenantId(afterTenantId); !ok)
            return core::failedAsync<core::Page<core::Tenant>>(ok.error());
    }
    return m_executor.run<core::Page<core::Tenant>>(
        [=](sql::DbConnection &conn) -> Result<core::Page<core::Tenant>> {
            auto query = conn.exec(
                QStringLiteral("SELECT ") + kColumns +
                    QStringLiteral(" FROM tenants t WHERE t.tenant_id > ? ORDER BY t.tenant_id LIMIT ?"),
                {afterTenantId, limit + 1}, QStringLiteral("list tenants"));
            if (!query)
                return query.error();
            core::Page<core::Tenant> page;
            while (query.value()->next()) {
                if (page.items.size() == limit) {
                    page.nextCursor = page.items.constLast().tenantId;
                    break;
                }
                page.items.append(readTenant(*query.value()));
            }
            return page;
        });
}

Async<core::Tenant> TenantRepository::updateTenant(const QString &tenantId,
                                                   const std::optional<QString> &name,
                                                   const std::optional<QJsonObject> &settings)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::Tenant>(ok.error());
    if (name) {
        if (auto ok = validateName(*name); !ok)
            return core::failedAsync<core::Tenant>(ok.error());
    }
    if (settings) {
        if (auto ok = core::validateMetadata(*settings, QStringLiteral("settings")); !ok)
            return core::failedAsync<core::Tenant>(ok.error());
    }
    const QVariant nameValue = name ? QVariant(*name) : QVariant();
    const QVariant settingsValue = settings ? QVariant(core::toCompactJsonString(*settings)) : QVariant();
    return m_executor.run<core::Tenant>([=](sql::DbConnection &conn) -> Result<core::Tenant> {
        return firstTenant(
            conn.exec(QStringLiteral("UPDATE tenants AS t SET name = coalesce(?::text, t.name), "
                                     "settings = coalesce(?::text::jsonb, t.settings), "
                                     "updated_at = now() WHERE t.tenant_id = ? RETURNING ") +
                          kColumns,
                      {nameValue, settingsValue, tenantId}, QStringLiteral("update tenant")),
            tenantId);
    });
}

} // namespace agency::db

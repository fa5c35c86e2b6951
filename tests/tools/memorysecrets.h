#pragma once

// A TenantSecretSource held in memory, for tests of the tools that read credentials (the real
// one, db::TenantSecretStore, is tested against PostgreSQL in tests/db).

#include "core/tenantsecrets.h"

#include <QHash>

namespace agency::test {

class MemorySecrets : public core::TenantSecretSource
{
public:
    void set(const QString &tenantId, const QString &name, const QString &value)
    {
        m_values.insert(tenantId + u'/' + name, value);
    }
    core::Async<QString> secret(const QString &tenantId, const QString &name) override
    {
        const QString key = tenantId + u'/' + name;
        if (!m_values.contains(key))
            return core::failedAsync<QString>(
                core::makeError(core::ErrorCode::NotFound, QStringLiteral("no secret %1").arg(name)));
        return core::readyAsync<QString>(m_values.value(key));
    }

private:
    QHash<QString, QString> m_values;
};

} // namespace agency::test

#pragma once

#include "core/tenantsecrets.h"

#include <QHash>
#include <QPair>

namespace agency::test {

/// Tenant secrets held in memory, for tests of the tools that read them.
class MemorySecrets final : public core::TenantSecretSource
{
public:
    void set(const QString &tenantId, const QString &name, const QString &value)
    {
        m_values.insert({tenantId, name}, value);
    }
    void remove(const QString &tenantId, const QString &name) { m_values.remove({tenantId, name}); }
    int reads() const { return m_reads; }

    core::Async<QString> secret(const QString &tenantId, const QString &name) override
    {
        ++m_reads;
        const auto it = m_values.constFind({tenantId, name});
        if (it == m_values.cend())
            return core::failedAsync<QString>(
                core::makeError(core::ErrorCode::NotFound, QStringLiteral("no secret %1").arg(name)));
        return core::readyAsync<QString>(*it);
    }

private:
    QHash<QPair<QString, QString>, QString> m_values;
    int m_reads = 0;
};

} // namespace agency::test

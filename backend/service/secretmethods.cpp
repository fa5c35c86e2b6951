#include "agencyservice.h"

#include "db/tenantsecretstore.h"
#include "flows/slackresponder.h"

// The tenant-secret methods (docs/secrets.md) and the Slack events they guard (docs/slack.md).
// The store validates and encrypts; nothing here sees a value beyond passing it on, and nothing
// returns one.

namespace agency::service {

namespace {

template <typename T> core::Async<T> notConfigured()
{
    return core::failedAsync<T>(core::makeError(
        core::ErrorCode::NotConfigured, QStringLiteral("tenant secrets are not available in this build")));
}

} // namespace

core::Async<core::TenantSecretInfo> AgencyService::setTenantSecret(const QString &tenantId,
                                                                   const QString &name, const QString &value)
{
    if (!m_deps.secrets)
        return notConfigured<core::TenantSecretInfo>();
    return m_deps.secrets->set(tenantId, name, value);
}

core::Async<QList<core::TenantSecretInfo>> AgencyService::listTenantSecrets(const QString &tenantId)
{
    if (!m_deps.secrets)
        return notConfigured<QList<core::TenantSecretInfo>>();
    return m_deps.secrets->list(tenantId);
}

core::Async<bool> AgencyService::deleteTenantSecret(const QString &tenantId, const QString &name)
{
    if (!m_deps.secrets)
        return notConfigured<bool>();
    return m_deps.secrets->remove(tenantId, name);
}

core::Async<core::SlackAck> AgencyService::receiveSlackEvent(const core::SlackDelivery &delivery)
{
    if (!m_deps.slack)
        return notConfigured<core::SlackAck>();
    return m_deps.slack->receive(delivery);
}

} // namespace agency::service

#pragma once

#include "core/async/future.h"

#include <QDateTime>
#include <QString>

namespace agency::core {

/// What may be shown of a stored secret: never its value.
struct TenantSecretInfo
{
    QString tenantId;
    QString name;
    QString keyId; ///< fingerprint of the secrets key that encrypted it
    QDateTime createdAt;
    QDateTime updatedAt;
};

/// Read access to a tenant's credentials for outside systems (a GitHub token, a Slack bot
/// token...), decrypted only when a tool or route needs one (docs/design.md#security).
///
/// Implementations keep the values encrypted at rest and never log them. Callers must not log,
/// store or return a value either: it goes into an outgoing request and nowhere else.
class TenantSecretSource
{
public:
    virtual ~TenantSecretSource() = default;

    /// The value of secret `name` of `tenantId`. NotFound when the tenant has no such secret;
    /// NotConfigured when the deployment has no secrets key.
    virtual Async<QString> secret(const QString &tenantId, const QString &name) = 0;
};

} // namespace agency::core

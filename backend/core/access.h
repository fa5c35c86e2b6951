#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace agency::core {

/// What a tenant key may do inside its tenant: members chat and read; admins also delete,
/// export and manage the tenant's settings.
enum class KeyRole { Member, Admin };

QString keyRoleName(KeyRole role);
std::optional<KeyRole> keyRoleFromName(const QString &name);

/// Who is calling: the identity an API key resolves to (never the key itself). A tenant key acts
/// only in `tenantId`; a global admin key has no tenant and may act in every tenant.
struct Principal
{
    QString keyId; ///< the key's id (safe to log); empty when authentication is off
    QString keyName;
    QString tenantId; ///< empty for a global admin
    KeyRole role = KeyRole::Member;
    bool globalAdmin = false;
    /// Authentication is off (`serve --no-auth`, loopback only): the caller acts as a global admin.
    bool unauthenticatedAdmin = false;

    bool isGlobal() const { return globalAdmin || unauthenticatedAdmin; }
    bool isTenantAdmin() const { return isGlobal() || role == KeyRole::Admin; }
};

/// A stored API key as listed: everything but the secret (only its hash is stored).
struct ApiKey
{
    QString keyId;
    QString name;
    QString tenantId; ///< empty for a global admin key
    KeyRole role = KeyRole::Member;
    bool globalAdmin = false;
    QDateTime createdAt;
    QDateTime lastUsedAt; ///< null: never used
    QDateTime expiresAt;  ///< null: never expires
    QDateTime revokedAt;  ///< null: active
};

/// What to create. `tenantId` empty together with `globalAdmin`.
struct NewApiKey
{
    QString name;
    QString tenantId;
    KeyRole role = KeyRole::Member;
    bool globalAdmin = false;
    int expiresInDays = 0; ///< 0: never expires
};

/// A key just created: the only moment its secret exists outside the client.
struct CreatedApiKey
{
    ApiKey key;
    QString secret;
    bool tenantCreated = false; ///< the key's tenant did not exist and was created
};

/// One audit record: a global admin read or deleted a tenant's data. Holds no key and no message text.
struct AuditEntry
{
    qint64 id = 0;
    QDateTime at;
    QString actorKeyId;
    QString actorName;
    QString action;   ///< e.g. "conversation.read", "conversation.delete"
    QString tenantId; ///< the tenant whose data was touched
    QString resource; ///< e.g. "conversation/<uuid>"
    QString requestId;
};

struct AuditQuery
{
    QString tenantId; ///< empty: every tenant
    int limit = 50;
    QString cursor; ///< from a previous page's nextCursor
};

} // namespace agency::core

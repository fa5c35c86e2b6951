#pragma once

#include "core/async/future.h"
#include "core/tenantsecrets.h"
#include "secretcipher.h"

#include <QList>
#include <QMutex>

#include <optional>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// Where the deployment's secrets key comes from (SECRETS_KEY, SECRETS_KEY_FILE): the key itself
/// when given, else the key file. Never the database.
struct SecretKeySource
{
    QByteArray keyText; ///< base64 of 32 bytes; empty: read keyFile
    QString keyFile;    ///< path of a file holding the base64 key
    /// Create keyFile (mode 0600, 32 random bytes) on the first write of a secret when it does
    /// not exist, so a single-machine setup works without configuring a key.
    bool createKeyFile = true;
};

/// The tenant_secrets table (migration 0013): a tenant's credentials, sealed with SecretCipher
/// before they leave this class and opened only in secret() (docs/design.md#security).
/// Values are never logged, never part of an error message, never listed.
///
/// Thread-safe; futures finish on executor threads.
class TenantSecretStore : public core::TenantSecretSource
{
public:
    TenantSecretStore(sql::DbExecutor &executor, SecretKeySource keySource);

    /// ^[a-z][a-z0-9_]{0,63}$ (e.g. slack_bot_token).
    static core::Status validateName(const QString &name);
    static constexpr qsizetype kMaxValueBytes = 65'536;

    core::Async<QString> secret(const QString &tenantId, const QString &name) override;
    /// Creates or replaces (rotates) the secret. NotFound when the tenant does not exist;
    /// InvalidArgument for a bad name or an empty value; PayloadTooLarge over kMaxValueBytes.
    core::Async<core::TenantSecretInfo> set(const QString &tenantId, const QString &name,
                                            const QString &value);
    /// Names and dates, ordered by name. An unknown tenant has none.
    core::Async<QList<core::TenantSecretInfo>> list(const QString &tenantId);
    /// NotFound when there is no such secret.
    core::Async<bool> remove(const QString &tenantId, const QString &name);

    /// The fingerprint of the deployment's key, or NotConfigured (without creating a key file).
    core::Result<QString> keyId();

private:
    /// The key, loaded once; a missing key file is created when `create` and the source allows it.
    core::Result<SecretCipher> cipher(bool create);

    sql::DbExecutor &m_executor;
    SecretKeySource m_keySource;
    QMutex m_mutex;
    std::optional<SecretCipher> m_cipher;
};

} // namespace agency::db

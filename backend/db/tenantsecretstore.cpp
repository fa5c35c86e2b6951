#include "tenantsecretstore.h"

#include "core/validation.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kColumns = QStringLiteral("tenant_id, name, key_id, created_at, updated_at");

core::TenantSecretInfo readInfo(const QSqlQuery &q)
{
    core::TenantSecretInfo info;
    info.tenantId = q.value(0).toString();
    info.name = q.value(1).toString();
    info.keyId = q.value(2).toString();
    info.createdAt = rows::readTimestamp(q.value(3));
    info.updatedAt = rows::readTimestamp(q.value(4));
    return info;
}

/// Binds a value to its row: a ciphertext copied to another tenant or name does not open.
QByteArray associatedData(const QString &tenantId, const QString &name)
{
    return tenantId.toUtf8() + '\0' + name.toUtf8();
}

core::Error secretNotFound(const QString &tenantId, const QString &name)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("tenant %1 has no secret %2").arg(tenantId, name),
                     {{QStringLiteral("tenant_id"), tenantId}, {QStringLiteral("name"), name}});
}

core::Status validateIds(const QString &tenantId, const QString &name)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return ok;
    return TenantSecretStore::validateName(name);
}

/// Writes a fresh key to `path`, readable by its owner only from the first byte on.
core::Status createKeyFile(const QString &path)
{
    auto text = SecretCipher::generateKeyText();
    if (!text)
        return text.error();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        file.write(text.value()) != text->size() || !file.flush()) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("cannot create the secrets key file %1: %2").arg(path, file.errorString()));
    }
    return {};
}

} // namespace

TenantSecretStore::TenantSecretStore(sql::DbExecutor &executor, SecretKeySource keySource)
    : m_executor(executor), m_keySource(std::move(keySource))
{
}

core::Status TenantSecretStore::validateName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z][a-z0-9_]{0,63}$"));
    if (!pattern.match(name).hasMatch()) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("secret name: 1 to 64 lower-case letters, digits and underscores, "
                                        "starting with a letter (e.g. slack_bot_token)"),
                         {{QStringLiteral("field"), QStringLiteral("name")}});
    }
    return {};
}

Result<SecretCipher> TenantSecretStore::cipher(bool create)
{
    QMutexLocker lock(&m_mutex);
    if (m_cipher)
        return *m_cipher;
    if (!m_keySource.keyText.isEmpty()) {
        auto cipher = SecretCipher::fromBase64(m_keySource.keyText, QStringLiteral("SECRETS_KEY"));
        if (cipher)
            m_cipher = cipher.value();
        return cipher;
    }
    const QString path = m_keySource.keyFile;
    if (path.isEmpty())
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("no secrets key: set SECRETS_KEY or SECRETS_KEY_FILE"));
    if (!QFileInfo::exists(path)) {
        if (!create || !m_keySource.createKeyFile) {
            return makeError(ErrorCode::NotConfigured,
                             QStringLiteral("no secrets key: %1 does not exist (set SECRETS_KEY or "
                                            "SECRETS_KEY_FILE, or set a secret to create the file)")
                                 .arg(path));
        }
        if (auto ok = createKeyFile(path); !ok)
            return ok.error();
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("cannot read the secrets key file %1: %2").arg(path, file.errorString()));
    auto cipher = SecretCipher::fromBase64(file.read(4096), QStringLiteral("the secrets key file ") + path);
    if (cipher)
        m_cipher = cipher.value();
    return cipher;
}

Result<QString> TenantSecretStore::keyId()
{
    auto loaded = cipher(false);
    if (!loaded)
        return loaded.error();
    return loaded->keyId();
}

Async<QString> TenantSecretStore::secret(const QString &tenantId, const QString &name)
{
    if (auto ok = validateIds(tenantId, name); !ok)
        return core::failedAsync<QString>(ok.error());
    auto loaded = cipher(false);
    if (!loaded)
        return core::failedAsync<QString>(loaded.error());
    return m_executor.run<QString>([tenantId, name,
                                    cipher = loaded.value()](sql::DbConnection &conn) -> Result<QString> {
        auto q =
            conn.exec(QStringLiteral("SELECT encode(ciphertext, 'base64'), encode(nonce, 'base64'), key_id "
                                     "FROM tenant_secrets WHERE tenant_id = ? AND name = ?"),
                      {tenantId, name}, QStringLiteral("read secret"));
        if (!q)
            return q.error();
        if (!q.value()->next())
            return secretNotFound(tenantId, name);
        SealedSecret sealed;
        sealed.ciphertext = QByteArray::fromBase64(q.value()->value(0).toByteArray());
        sealed.nonce = QByteArray::fromBase64(q.value()->value(1).toByteArray());
        sealed.keyId = q.value()->value(2).toString();
        auto opened = cipher.open(sealed, associatedData(tenantId, name));
        if (!opened) {
            core::Error error = opened.error();
            error.message = QStringLiteral("secret %1 of tenant %2: %3").arg(name, tenantId, error.message);
            return error;
        }
        return QString::fromUtf8(opened.value());
    });
}

Async<core::TenantSecretInfo> TenantSecretStore::set(const QString &tenantId, const QString &name,
                                                     const QString &value)
{
    if (auto ok = validateIds(tenantId, name); !ok)
        return core::failedAsync<core::TenantSecretInfo>(ok.error());
    const QByteArray plaintext = value.toUtf8();
    if (plaintext.isEmpty())
        return core::failedAsync<core::TenantSecretInfo>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("value: empty (delete the secret instead)"),
                      {{QStringLiteral("field"), QStringLiteral("value")}}));
    if (plaintext.size() > kMaxValueBytes)
        return core::failedAsync<core::TenantSecretInfo>(makeError(
            ErrorCode::PayloadTooLarge, QStringLiteral("value: longer than %1 bytes").arg(kMaxValueBytes),
            {{QStringLiteral("field"), QStringLiteral("value")}}));
    auto loaded = cipher(true);
    if (!loaded)
        return core::failedAsync<core::TenantSecretInfo>(loaded.error());
    auto sealed = loaded->seal(plaintext, associatedData(tenantId, name));
    if (!sealed)
        return core::failedAsync<core::TenantSecretInfo>(sealed.error());
    return m_executor.run<core::TenantSecretInfo>(
        [tenantId, name, sealed = sealed.value()](sql::DbConnection &conn) -> Result<core::TenantSecretInfo> {
            // Selecting from tenants makes an unknown tenant an empty result rather than a key violation.
            auto q =
                conn.exec(QStringLiteral(
                              "INSERT INTO tenant_secrets (tenant_id, name, ciphertext, nonce, key_id) "
                              "SELECT tenant_id, ?, decode(?, 'base64'), decode(?, 'base64'), ? FROM tenants "
                              "WHERE tenant_id = ? "
                              "ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, "
                              "nonce = EXCLUDED.nonce, key_id = EXCLUDED.key_id, "
                              "key_version = EXCLUDED.key_version, updated_at = now() RETURNING ") +
                              kColumns,
                          {name, QString::fromLatin1(sealed.ciphertext.toBase64()),
                           QString::fromLatin1(sealed.nonce.toBase64()), sealed.keyId, tenantId},
                          QStringLiteral("store secret"));
            if (!q)
                return q.error();
            if (!q.value()->next())
                return makeError(ErrorCode::NotFound, QStringLiteral("tenant %1 not found").arg(tenantId),
                                 {{QStringLiteral("tenant_id"), tenantId}});
            return readInfo(*q.value());
        });
}

Async<QList<core::TenantSecretInfo>> TenantSecretStore::list(const QString &tenantId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<QList<core::TenantSecretInfo>>(ok.error());
    return m_executor.run<QList<core::TenantSecretInfo>>(
        [tenantId](sql::DbConnection &conn) -> Result<QList<core::TenantSecretInfo>> {
            auto q = conn.exec(QStringLiteral("SELECT ") + kColumns +
                                   QStringLiteral(" FROM tenant_secrets WHERE tenant_id = ? ORDER BY name"),
                               {tenantId}, QStringLiteral("list secrets"));
            if (!q)
                return q.error();
            QList<core::TenantSecretInfo> out;
            while (q.value()->next())
                out.append(readInfo(*q.value()));
            return out;
        });
}

Async<bool> TenantSecretStore::remove(const QString &tenantId, const QString &name)
{
    if (auto ok = validateIds(tenantId, name); !ok)
        return core::failedAsync<bool>(ok.error());
    return m_executor.run<bool>([tenantId, name](sql::DbConnection &conn) -> Result<bool> {
        auto q = conn.exec(QStringLiteral("DELETE FROM tenant_secrets WHERE tenant_id = ? AND name = ?"),
                           {tenantId, name}, QStringLiteral("delete secret"));
        if (!q)
            return q.error();
        if (q.value()->numRowsAffected() < 1)
            return secretNotFound(tenantId, name);
        return true;
    });
}

} // namespace agency::db

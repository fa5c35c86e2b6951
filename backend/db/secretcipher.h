#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace agency::db {

/// One sealed value: what a tenant_secrets row holds besides its names and dates.
struct SealedSecret
{
    QByteArray ciphertext; ///< AES-256-GCM output with the 16-byte tag appended
    QByteArray nonce;      ///< 12 random bytes, new for every seal
    QString keyId;         ///< the fingerprint of the key that sealed it
};

/// AES-256-GCM under the deployment's secrets key (docs/design.md#security). The associated data
/// binds a value to its tenant and name: a ciphertext moved to another row does not open.
/// Holds the key only in memory; never logs it or a value.
class SecretCipher
{
public:
    /// From the 32 raw key bytes; InvalidArgument for any other length.
    static core::Result<SecretCipher> fromKey(const QByteArray &key);
    /// From the key as base64 text (surrounding white space ignored), as in SECRETS_KEY or a key
    /// file. `source` names where it came from in the error.
    static core::Result<SecretCipher> fromBase64(const QByteArray &text, const QString &source);
    /// 32 fresh random bytes, base64-encoded: the contents of a new key file.
    static core::Result<QByteArray> generateKeyText();

    /// A public fingerprint of the key (16 hex digits of a SHA-256 over it): stored with each row
    /// and shown by `tenants secret list`, so an operator sees which key sealed what.
    QString keyId() const { return m_keyId; }

    core::Result<SealedSecret> seal(const QByteArray &plaintext, const QByteArray &associatedData) const;
    /// Unauthenticated data (a wrong key, an altered row, another row's associated data) is an
    /// Internal error naming the key ids, never a garbled value.
    core::Result<QByteArray> open(const SealedSecret &sealed, const QByteArray &associatedData) const;

private:
    SecretCipher() = default;
    QByteArray m_key;
    QString m_keyId;
};

} // namespace agency::db

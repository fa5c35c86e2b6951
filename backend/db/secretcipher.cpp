#include "secretcipher.h"

#include <QCryptographicHash>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace agency::db {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr int kKeyBytes = 32;
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext newContext()
{
    return CipherContext(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
}

core::Error cryptoFailure(const char *step)
{
    return makeError(ErrorCode::Internal,
                     QStringLiteral("secret encryption failed (%1)").arg(QLatin1String(step)));
}

const unsigned char *bytes(const QByteArray &data)
{
    return reinterpret_cast<const unsigned char *>(data.constData());
}

unsigned char *bytes(QByteArray &data)
{
    return reinterpret_cast<unsigned char *>(data.data());
}

} // namespace

Result<SecretCipher> SecretCipher::fromKey(const QByteArray &key)
{
    if (key.size() != kKeyBytes) {
        return makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("the secrets key must be %1 bytes, it has %2").arg(kKeyBytes).arg(key.size()));
    }
    SecretCipher cipher;
    cipher.m_key = key;
    // Domain-separated so the fingerprint is not a plain hash of the key used anywhere else.
    const QByteArray digest = QCryptographicHash::hash(
        QByteArray(QByteArrayLiteral("aiagency secrets key id\n") + key), QCryptographicHash::Sha256);
    cipher.m_keyId = QString::fromLatin1(digest.left(8).toHex());
    return cipher;
}

Result<SecretCipher> SecretCipher::fromBase64(const QByteArray &text, const QString &source)
{
    auto decoded = QByteArray::fromBase64Encoding(text.trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != kKeyBytes) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("%1 does not hold a secrets key: expected the base64 text of %2 random "
                           "bytes (e.g. from `openssl rand -base64 32`)")
                .arg(source)
                .arg(kKeyBytes));
    }
    return fromKey(decoded.decoded);
}

Result<QByteArray> SecretCipher::generateKeyText()
{
    QByteArray key(kKeyBytes, '\0');
    if (RAND_bytes(bytes(key), kKeyBytes) != 1)
        return cryptoFailure("random key");
    return QByteArray(key.toBase64() + '\n');
}

Result<SealedSecret> SecretCipher::seal(const QByteArray &plaintext, const QByteArray &associatedData) const
{
    SealedSecret sealed;
    sealed.keyId = m_keyId;
    sealed.nonce = QByteArray(kNonceBytes, '\0');
    if (RAND_bytes(bytes(sealed.nonce), kNonceBytes) != 1)
        return cryptoFailure("random nonce");
    CipherContext ctx = newContext();
    int length = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(m_key), bytes(sealed.nonce)) != 1)
        return cryptoFailure("init");
    if (!associatedData.isEmpty() && EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(associatedData),
                                                       int(associatedData.size())) != 1)
        return cryptoFailure("associated data");
    QByteArray out(plaintext.size() + kTagBytes, '\0');
    int written = 0;
    if (!plaintext.isEmpty() &&
        EVP_EncryptUpdate(ctx.get(), bytes(out), &written, bytes(plaintext), int(plaintext.size())) != 1)
        return cryptoFailure("update");
    if (EVP_EncryptFinal_ex(ctx.get(), bytes(out) + written, &length) != 1)
        return cryptoFailure("final");
    written += length;
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, bytes(out) + written) != 1)
        return cryptoFailure("tag");
    out.resize(written + kTagBytes);
    sealed.ciphertext = out;
    return sealed;
}

Result<QByteArray> SecretCipher::open(const SealedSecret &sealed, const QByteArray &associatedData) const
{
    if (sealed.keyId != m_keyId) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("the secret was encrypted with secrets key %1, but this deployment's key "
                           "is %2: configure that key (SECRETS_KEY or SECRETS_KEY_FILE) or set the "
                           "secret again")
                .arg(sealed.keyId, m_keyId),
            {{QStringLiteral("key_id"), sealed.keyId}, {QStringLiteral("deployment_key_id"), m_keyId}});
    }
    if (sealed.nonce.size() != kNonceBytes || sealed.ciphertext.size() < kTagBytes)
        return makeError(ErrorCode::Internal, QStringLiteral("the stored secret is malformed"));
    const qsizetype bodySize = sealed.ciphertext.size() - kTagBytes;
    QByteArray tag = sealed.ciphertext.right(kTagBytes);
    CipherContext ctx = newContext();
    int length = 0;
    if (!ctx ||
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(m_key), bytes(sealed.nonce)) != 1)
        return cryptoFailure("init");
    if (!associatedData.isEmpty() && EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(associatedData),
                                                       int(associatedData.size())) != 1)
        return cryptoFailure("associated data");
    QByteArray out(bodySize, '\0');
    int written = 0;
    if (bodySize > 0 &&
        EVP_DecryptUpdate(ctx.get(), bytes(out), &written, bytes(sealed.ciphertext), int(bodySize)) != 1)
        return cryptoFailure("update");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, bytes(tag)) != 1)
        return cryptoFailure("tag");
    if (EVP_DecryptFinal_ex(ctx.get(), bytes(out) + written, &length) <= 0) {
        return makeError(
            ErrorCode::Internal,
            QStringLiteral("the stored secret does not decrypt under secrets key %1: it was altered "
                           "or belongs to another tenant or name; set it again")
                .arg(m_keyId));
    }
    out.resize(written + length);
    return out;
}

} // namespace agency::db

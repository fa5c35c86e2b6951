#include "apikeysecret.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

#include <array>

namespace agency::service {

namespace {
const QString kPrefix = QStringLiteral("agk_");
constexpr int kSecretChars = 4 + 43; // prefix + base64url(32 bytes) without padding
} // namespace

QString generateApiKeySecret()
{
    std::array<quint32, 8> words{};
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()), sizeof(words));
    return kPrefix + QString::fromLatin1(
                         bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString hashApiKeySecret(const QString &secret)
{
    return QString::fromLatin1(QCryptographicHash::hash(secret.toUtf8(), QCryptographicHash::Sha256).toHex());
}

bool looksLikeApiKeySecret(const QString &secret)
{
    return secret.size() == kSecretChars && secret.startsWith(kPrefix);
}

} // namespace agency::service

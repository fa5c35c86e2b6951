#pragma once

#include <QString>

namespace agency::service {

/// A new API key secret: "agk_" + 256 bits from the system's cryptographic random source,
/// base64url without padding (47 characters in all).
QString generateApiKeySecret();
/// What is stored and looked up: SHA-256 of the secret, 64 lowercase hex digits.
QString hashApiKeySecret(const QString &secret);
/// Cheap shape check before any lookup (prefix and length), so garbage never reaches the database.
bool looksLikeApiKeySecret(const QString &secret);

} // namespace agency::service

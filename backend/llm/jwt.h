#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace agency::llm {

/// base64url without padding (RFC 7515 §2).
QByteArray base64UrlEncode(const QByteArray &bytes);

/// RSASSA-PKCS1-v1_5 with SHA-256 (JWS "RS256") over `data`, with an RSA private key in PEM
/// (PKCS#8 "BEGIN PRIVATE KEY" as in Google service-account files, or PKCS#1). Uses OpenSSL.
/// Errors: NotConfigured when the key cannot be read. Thread-safe (no shared state).
core::Result<QByteArray> signRs256(const QByteArray &data, const QByteArray &privateKeyPem);

/// A compact JWS: base64url(header).base64url(claims).base64url(RS256 signature).
/// The header is {"alg":"RS256","typ":"JWT"} plus "kid" when `keyId` is not empty.
core::Result<QByteArray> makeRs256Jwt(const QJsonObject &claims, const QByteArray &privateKeyPem,
                                      const QString &keyId = {});

} // namespace agency::llm

#pragma once

// Google OAuth fakes: a token endpoint that really verifies the service-account JWT (RS256
// signature with the public key, claims), a GCP metadata server, and RSA test keys.

#include "fakehttpserver.h"

#include <QStringList>

namespace agency::test {

/// A fresh RSA key pair (2048 bits, OpenSSL), PEM encoded: PKCS#8 private, SubjectPublicKeyInfo public.
struct TestRsaKey
{
    QByteArray privatePem;
    QByteArray publicPem;

    static TestRsaKey generate();
    bool isValid() const { return !privatePem.isEmpty() && !publicPem.isEmpty(); }
};

/// The JSON of a service-account key file for `key`.
QByteArray serviceAccountJson(const TestRsaKey &key, const QString &clientEmail, const QString &projectId,
                              const QString &tokenUri, const QString &keyId = QStringLiteral("fake-key-id"));

/// Verifies an RS256 JWT's signature with `publicPem`; returns the claims or an error text.
/// Header must be {"alg":"RS256","typ":"JWT",...}.
QJsonObject verifyRs256Jwt(const QByteArray &jwt, const QByteArray &publicPem, QString *error);

/// POST /token (form: grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer, assertion=JWT).
/// Answers 200 {"access_token": "fake-token-N", "expires_in", "token_type": "Bearer"} when the JWT
/// verifies and its claims are right (iss = the expected email, scope includes cloud-platform,
/// aud = tokenUrl(), exp - iat in (0, 3600]); else 400 {"error": "invalid_grant",
/// "error_description": why} and lastRejection() says why.
class FakeGoogleTokenServer : public FakeHttpServer
{
    Q_OBJECT

public:
    FakeGoogleTokenServer(QByteArray publicPem, QString expectedEmail, QObject *parent = nullptr);

    QString tokenUrl() const { return origin() + QStringLiteral("/token"); }
    void setExpiresIn(int seconds) { m_expiresIn = seconds; }

    int tokensIssued() const { return m_issued; }
    QString lastIssuedToken() const { return m_lastToken; }
    QJsonObject lastClaims() const { return m_lastClaims; }
    QString lastRejection() const { return m_lastRejection; }

private:
    FakeResponse handle(const RecordedRequest &request);

    QByteArray m_publicPem;
    QString m_expectedEmail;
    int m_expiresIn = 3600;
    int m_issued = 0;
    QString m_lastToken;
    QJsonObject m_lastClaims;
    QString m_lastRejection;
};

/// GET /computeMetadata/v1/instance/service-accounts/default/token with `Metadata-Flavor: Google`
/// → {"access_token": "metadata-token-N", "expires_in", "token_type"}; GET
/// /computeMetadata/v1/project/project-id → the project id as text/plain (404 when none is set);
/// without the header → 403.
class FakeMetadataServer : public FakeHttpServer
{
    Q_OBJECT

public:
    explicit FakeMetadataServer(QObject *parent = nullptr);
    QString host() const; ///< "127.0.0.1:<port>", the form GCE_METADATA_HOST takes
    void setExpiresIn(int seconds) { m_expiresIn = seconds; }
    void setProjectId(const QString &projectId) { m_projectId = projectId; }
    int tokensIssued() const { return m_issued; }

private:
    int m_expiresIn = 3600;
    int m_issued = 0;
    QString m_projectId;
};

} // namespace agency::test

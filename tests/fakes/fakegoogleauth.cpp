#include "fakegoogleauth.h"

#include <QJsonDocument>
#include <QUrlQuery>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

namespace agency::test {

namespace {

struct BioFree
{
    void operator()(BIO *b) const { BIO_free(b); }
};
struct PkeyFree
{
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree
{
    void operator()(EVP_PKEY_CTX *c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree
{
    void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, static_cast<qsizetype>(size));
}

QByteArray base64UrlDecode(const QByteArray &text)
{
    return QByteArray::fromBase64(text, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

FakeResponse tokenAnswer(const QString &token, int expiresIn)
{
    return FakeResponse::json(200, QJsonObject{{QStringLiteral("access_token"), token},
                                               {QStringLiteral("expires_in"), expiresIn},
                                               {QStringLiteral("token_type"), QStringLiteral("Bearer")}});
}

} // namespace

TestRsaKey TestRsaKey::generate()
{
    TestRsaKey out;
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr));
    EVP_PKEY *raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
        return out;
    std::unique_ptr<EVP_PKEY, PkeyFree> key(raw);
    std::unique_ptr<BIO, BioFree> priv(BIO_new(BIO_s_mem()));
    std::unique_ptr<BIO, BioFree> pub(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
        PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1)
        return out;
    out.privatePem = bioContents(priv.get());
    out.publicPem = bioContents(pub.get());
    return out;
}

QByteArray serviceAccountJson(const TestRsaKey &key, const QString &clientEmail, const QString &projectId,
                              const QString &tokenUri, const QString &keyId)
{
    const QJsonObject obj{{QStringLiteral("type"), QStringLiteral("service_account")},
                          {QStringLiteral("project_id"), projectId},
                          {QStringLiteral("private_key_id"), keyId},
                          {QStringLiteral("private_key"), QString::fromLatin1(key.privatePem)},
                          {QStringLiteral("client_email"), clientEmail},
                          {QStringLiteral("client_id"), QStringLiteral("1234567890")},
                          {QStringLiteral("token_uri"), tokenUri}};
    return QJsonDocument(obj).toJson();
}

QJsonObject verifyRs256Jwt(const QByteArray &jwt, const QByteArray &publicPem, QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return QJsonObject();
    };
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return fail(QStringLiteral("not a compact JWS (expected 3 parts, got %1)").arg(parts.size()));
    const QJsonObject header = QJsonDocument::fromJson(base64UrlDecode(parts.at(0))).object();
    if (header.value(QStringLiteral("alg")).toString() != QLatin1String("RS256"))
        return fail(QStringLiteral("alg is not RS256"));
    if (header.value(QStringLiteral("typ")).toString() != QLatin1String("JWT"))
        return fail(QStringLiteral("typ is not JWT"));
    const QByteArray signingInput = parts.at(0) + '.' + parts.at(1);
    const QByteArray signature = base64UrlDecode(parts.at(2));

    std::unique_ptr<BIO, BioFree> bio(
        BIO_new_mem_buf(publicPem.constData(), static_cast<int>(publicPem.size())));
    std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
        return fail(QStringLiteral("cannot load the public key"));
    const int verified =
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.constData()),
                         static_cast<size_t>(signature.size()),
                         reinterpret_cast<const unsigned char *>(signingInput.constData()),
                         static_cast<size_t>(signingInput.size()));
    if (verified != 1)
        return fail(QStringLiteral("the signature does not verify with the public key"));
    const QJsonDocument claims = QJsonDocument::fromJson(base64UrlDecode(parts.at(1)));
    if (!claims.isObject())
        return fail(QStringLiteral("the claims are not a JSON object"));
    return claims.object();
}

FakeGoogleTokenServer::FakeGoogleTokenServer(QByteArray publicPem, QString expectedEmail, QObject *parent)
    : FakeHttpServer(parent), m_publicPem(std::move(publicPem)), m_expectedEmail(std::move(expectedEmail))
{
    setHandler([this](const RecordedRequest &request) { return handle(request); });
}

FakeResponse FakeGoogleTokenServer::handle(const RecordedRequest &request)
{
    auto reject = [this](const QString &why) {
        m_lastRejection = why;
        return FakeResponse::json(400, QJsonObject{{QStringLiteral("error"), QStringLiteral("invalid_grant")},
                                                   {QStringLiteral("error_description"), why}});
    };
    if (request.method != "POST" || request.path() != QLatin1String("/token"))
        return reject(QStringLiteral("expected POST /token"));
    if (!request.header("content-type").startsWith("application/x-www-form-urlencoded"))
        return reject(QStringLiteral("expected a form body"));
    const QUrlQuery form(QString::fromUtf8(request.body));
    if (form.queryItemValue(QStringLiteral("grant_type"), QUrl::FullyDecoded) !=
        QLatin1String("urn:ietf:params:oauth:grant-type:jwt-bearer"))
        return reject(QStringLiteral("wrong grant_type"));
    QString error;
    const QJsonObject claims = verifyRs256Jwt(
        form.queryItemValue(QStringLiteral("assertion"), QUrl::FullyDecoded).toUtf8(), m_publicPem, &error);
    if (claims.isEmpty())
        return reject(error);
    if (claims.value(QStringLiteral("iss")).toString() != m_expectedEmail)
        return reject(QStringLiteral("iss is not the service account"));
    if (!claims.value(QStringLiteral("scope"))
             .toString()
             .split(u' ')
             .contains(QStringLiteral("https://www.googleapis.com/auth/cloud-platform")))
        return reject(QStringLiteral("scope lacks cloud-platform"));
    if (claims.value(QStringLiteral("aud")).toString() != tokenUrl())
        return reject(QStringLiteral("aud is not the token URL"));
    const qint64 iat = claims.value(QStringLiteral("iat")).toInteger();
    const qint64 exp = claims.value(QStringLiteral("exp")).toInteger();
    if (iat <= 0 || exp <= iat || exp - iat > 3600)
        return reject(QStringLiteral("iat/exp out of range"));
    m_lastClaims = claims;
    m_lastRejection.clear();
    m_lastToken = QStringLiteral("fake-token-%1").arg(++m_issued);
    return tokenAnswer(m_lastToken, m_expiresIn);
}

FakeMetadataServer::FakeMetadataServer(QObject *parent) : FakeHttpServer(parent)
{
    setHandler([this](const RecordedRequest &request) {
        if (request.header("metadata-flavor") != "Google")
            return FakeResponse::raw(403, "Missing Metadata-Flavor:Google header.", "text/html");
        if (request.method == "GET" &&
            request.path() == QLatin1String("/computeMetadata/v1/project/project-id")) {
            return m_projectId.isEmpty() ? FakeResponse::raw(404, "not found", "text/html")
                                         : FakeResponse::raw(200, m_projectId.toUtf8(), "application/text");
        }
        if (request.method != "GET" ||
            request.path() != QLatin1String("/computeMetadata/v1/instance/service-accounts/default/token"))
            return FakeResponse::raw(404, "not found", "text/html");
        return tokenAnswer(QStringLiteral("metadata-token-%1").arg(++m_issued), m_expiresIn);
    });
}

QString FakeMetadataServer::host() const
{
    return QStringLiteral("127.0.0.1:%1").arg(port());
}

} // namespace agency::test

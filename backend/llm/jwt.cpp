#include "jwt.h"

#include "core/json.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

namespace agency::llm {

namespace {

struct BioFree
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct PkeyFree
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree
{
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};

} // namespace

QByteArray base64UrlEncode(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

core::Result<QByteArray> signRs256(const QByteArray &data, const QByteArray &privateKeyPem)
{
    auto fail = [](const char *what) {
        return core::makeError(
            core::ErrorCode::NotConfigured,
            QStringLiteral("cannot sign the service-account token: %1").arg(QLatin1String(what)));
    };
    std::unique_ptr<BIO, BioFree> bio(
        BIO_new_mem_buf(privateKeyPem.constData(), static_cast<int>(privateKeyPem.size())));
    if (!bio)
        return fail("out of memory");
    std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key)
        return fail("the private key is not a readable PEM key");
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
        return fail("the private key is not an RSA key");
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
        return fail("signing could not start");
    size_t length = 0;
    const auto *input = reinterpret_cast<const unsigned char *>(data.constData());
    if (EVP_DigestSign(ctx.get(), nullptr, &length, input, static_cast<size_t>(data.size())) != 1)
        return fail("signing failed");
    QByteArray signature(static_cast<qsizetype>(length), '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &length, input,
                       static_cast<size_t>(data.size())) != 1)
        return fail("signing failed");
    signature.resize(static_cast<qsizetype>(length));
    return signature;
}

core::Result<QByteArray> makeRs256Jwt(const QJsonObject &claims, const QByteArray &privateKeyPem,
                                      const QString &keyId)
{
    QJsonObject header{{QStringLiteral("alg"), QStringLiteral("RS256")},
                       {QStringLiteral("typ"), QStringLiteral("JWT")}};
    if (!keyId.isEmpty())
        header.insert(QStringLiteral("kid"), keyId);
    const QByteArray signingInput =
        base64UrlEncode(core::toCompactJson(header)) + '.' + base64UrlEncode(core::toCompactJson(claims));
    auto signature = signRs256(signingInput, privateKeyPem);
    if (!signature)
        return signature.error();
    return QByteArray(signingInput + '.' + base64UrlEncode(signature.value()));
}

} // namespace agency::llm

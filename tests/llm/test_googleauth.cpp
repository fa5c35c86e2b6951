// Vertex AI auth: a service-account key (generated here) signs a JWT the fake token endpoint
// verifies with the public key; tokens are cached and refreshed by the (manual) clock; the metadata
// server; and the whole chain through ProviderFactory.
#include "core/clock.h"
#include "fakegoogleauth.h"
#include "fakevertex.h"
#include "llm/googleauth.h"
#include "llm/providerfactory.h"
#include "llmtesthelpers.h"
#include "runtime/runtimeconfig.h"

#include <QNetworkAccessManager>
#include <QTemporaryDir>

using namespace agency;
using namespace agency::test;
using core::ErrorCode;

namespace {
const QString kEmail = QStringLiteral("agency@proj-sa.iam.gserviceaccount.com");
}

class TestGoogleAuth : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<llm::ServiceAccountTokenSource> makeSource(const FakeGoogleTokenServer &server,
                                                               const QByteArray &privatePem)
    {
        llm::ServiceAccountKey key;
        key.clientEmail = kEmail;
        key.privateKeyPem = privatePem;
        key.privateKeyId = QStringLiteral("kid-1");
        return std::make_unique<llm::ServiceAccountTokenSource>(
            key, server.tokenUrl(), &m_nam, m_clock, fastConfig({}).timeouts, fastConfig({}).retry);
    }

    QNetworkAccessManager m_nam;
    core::ManualClock m_clock;
    TestRsaKey m_key;

private Q_SLOTS:
    void initTestCase()
    {
        m_key = TestRsaKey::generate();
        QVERIFY(m_key.isValid());
    }

    void jwtVerifiesAndClaimsAreRight()
    {
        FakeGoogleTokenServer server(m_key.publicPem, kEmail);
        QVERIFY(server.listen());
        auto source = makeSource(server, m_key.privatePem);
        const auto token = awaitFuture(source->accessToken());
        LLM_VERIFY_OK(token);
        QCOMPARE(token.value(), QStringLiteral("fake-token-1"));
        QVERIFY2(server.lastRejection().isEmpty(), qPrintable(server.lastRejection()));
        const QJsonObject claims = server.lastClaims();
        QCOMPARE(claims.value(QStringLiteral("iss")).toString(), kEmail);
        QCOMPARE(claims.value(QStringLiteral("aud")).toString(), server.tokenUrl());
        QCOMPARE(claims.value(QStringLiteral("scope")).toString(),
                 llm::ServiceAccountTokenSource::cloudPlatformScope);
        QCOMPARE(claims.value(QStringLiteral("iat")).toInteger(), m_clock.now().toSecsSinceEpoch());
        QCOMPARE(claims.value(QStringLiteral("exp")).toInteger(), m_clock.now().toSecsSinceEpoch() + 3600);
        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.method, QByteArray("POST"));
        QVERIFY(sent.header("content-type").startsWith("application/x-www-form-urlencoded"));
        // The key id travels in the JWT header.
        const QByteArray jwt =
            QUrlQuery(QString::fromUtf8(sent.body)).queryItemValue(QStringLiteral("assertion")).toUtf8();
        const QJsonObject header =
            QJsonDocument::fromJson(
                QByteArray::fromBase64(jwt.split('.').first(), QByteArray::Base64UrlEncoding))
                .object();
        QCOMPARE(header.value(QStringLiteral("kid")).toString(), QStringLiteral("kid-1"));
    }

    void tokenIsCachedThenRefreshedBeforeExpiry()
    {
        FakeGoogleTokenServer server(m_key.publicPem, kEmail);
        QVERIFY(server.listen());
        server.setExpiresIn(3600);
        auto source = makeSource(server, m_key.privatePem);
        QCOMPARE(awaitFuture(source->accessToken()).valueOr({}), QStringLiteral("fake-token-1"));
        QCOMPARE(awaitFuture(source->accessToken()).valueOr({}), QStringLiteral("fake-token-1"));
        QCOMPARE(server.tokensIssued(), 1); // second call served from the cache

        m_clock.advanceMs((3600 - llm::CachedTokenSource::refreshMarginSecs - 10) * 1000);
        QCOMPARE(awaitFuture(source->accessToken()).valueOr({}), QStringLiteral("fake-token-1"));
        QCOMPARE(server.tokensIssued(), 1);

        m_clock.advanceMs(20 * 1000); // now inside the refresh margin
        QCOMPARE(awaitFuture(source->accessToken()).valueOr({}), QStringLiteral("fake-token-2"));
        QCOMPARE(server.tokensIssued(), 2);
        QCOMPARE(server.lastClaims().value(QStringLiteral("iat")).toInteger(),
                 m_clock.now().toSecsSinceEpoch());

        source->invalidate(); // e.g. after a 401
        QCOMPARE(awaitFuture(source->accessToken()).valueOr({}), QStringLiteral("fake-token-3"));
    }

    void concurrentRequestsShareOneFetch()
    {
        FakeGoogleTokenServer server(m_key.publicPem, kEmail);
        QVERIFY(server.listen());
        auto source = makeSource(server, m_key.privatePem);
        const auto a = source->accessToken();
        const auto b = source->accessToken();
        QCOMPARE(awaitFuture(a).valueOr({}), QStringLiteral("fake-token-1"));
        QCOMPARE(awaitFuture(b).valueOr({}), QStringLiteral("fake-token-1"));
        QCOMPARE(server.tokensIssued(), 1);
    }

    void wrongKeyIsRejectedAsUnauthorized()
    {
        const TestRsaKey other = TestRsaKey::generate();
        FakeGoogleTokenServer server(m_key.publicPem, kEmail);
        QVERIFY(server.listen());
        auto source = makeSource(server, other.privatePem);
        const auto token = awaitFuture(source->accessToken());
        QVERIFY(!token);
        QCOMPARE(token.error().code, ErrorCode::ProviderUnauthorized);
        QVERIFY2(token.error().message.contains(QStringLiteral("signature")),
                 qPrintable(token.error().message));
        QCOMPARE(server.requestCount(), 1); // not retried
    }

    void unreadableKeyIsNotConfigured()
    {
        FakeGoogleTokenServer server(m_key.publicPem, kEmail);
        QVERIFY(server.listen());
        auto source =
            makeSource(server, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        const auto token = awaitFuture(source->accessToken());
        QVERIFY(!token);
        QCOMPARE(token.error().code, ErrorCode::NotConfigured);
        QCOMPARE(server.requestCount(), 0);
    }

    void serviceAccountKeyFile()
    {
        QVERIFY(!llm::ServiceAccountKey::fromJson("{}"));
        QVERIFY(!llm::ServiceAccountKey::fromJson(
            R"({"type":"authorized_user","client_email":"a","private_key":"b"})"));
        const auto key = llm::ServiceAccountKey::fromJson(serviceAccountJson(
            m_key, kEmail, QStringLiteral("proj-sa"), QStringLiteral("https://oauth2.example/token")));
        LLM_VERIFY_OK(key);
        QCOMPARE(key->projectId, QStringLiteral("proj-sa"));
        QCOMPARE(key->privateKeyPem, m_key.privatePem);
        const auto missing = llm::ServiceAccountKey::fromFile(QStringLiteral("/nonexistent/key.json"));
        QVERIFY(!missing);
        QVERIFY(missing.error().message.contains(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS")));
    }

    void metadataServer()
    {
        FakeMetadataServer server;
        QVERIFY(server.listen());
        llm::MetadataTokenSource source(server.host(), &m_nam, m_clock, fastConfig({}).timeouts,
                                        fastConfig({}).retry);
        QCOMPARE(awaitFuture(source.accessToken()).valueOr({}), QStringLiteral("metadata-token-1"));
        QCOMPARE(awaitFuture(source.accessToken()).valueOr({}), QStringLiteral("metadata-token-1"));
        QCOMPARE(server.tokensIssued(), 1);
        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.method, QByteArray("GET"));
        QCOMPARE(sent.header("metadata-flavor"), QByteArray("Google"));
        m_clock.advanceMs(3600 * 1000);
        QCOMPARE(awaitFuture(source.accessToken()).valueOr({}), QStringLiteral("metadata-token-2"));
    }

    void endToEndThroughTheFactory()
    {
        FakeGoogleTokenServer tokens(m_key.publicPem, kEmail);
        FakeVertexServer vertex;
        QVERIFY(tokens.listen());
        QVERIFY(vertex.listen());
        QTemporaryDir dir;
        const QString keyPath = dir.filePath(QStringLiteral("sa.json"));
        QFile file(keyPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(serviceAccountJson(m_key, kEmail, QStringLiteral("proj-from-key"),
                                      QStringLiteral("https://ignored")));
        file.close();
        const auto config = runtime::RuntimeConfig::fromValues(
            {{QStringLiteral("LLM_PROVIDER"), QStringLiteral("vertex")},
             {QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"), keyPath},
             {QStringLiteral("GOOGLE_TOKEN_URL"), tokens.tokenUrl()},
             {QStringLiteral("VERTEX_AI_BASE_URL"), vertex.baseUrl()},
             {QStringLiteral("VERTEX_AI_MODEL"), QStringLiteral("gemini-2.5-flash")}});
        LLM_VERIFY_OK(config);
        const llm::ProviderFactory factory(config->providers, &m_nam, m_clock);
        auto provider = factory.create();
        LLM_VERIFY_OK(provider);
        vertex.enqueueText(QStringLiteral("first"));
        vertex.enqueue(
            vertex::errorReply(401, QStringLiteral("token revoked"), QStringLiteral("UNAUTHENTICATED")));
        vertex.enqueueText(QStringLiteral("third"));
        QCOMPARE(
            awaitFuture(provider.value()->complete(userRequest(QStringLiteral("hi")))).valueOr({}).content,
            QStringLiteral("first"));
        const RecordedRequest sent = vertex.lastRequest();
        QCOMPARE(sent.header("authorization"), QByteArray("Bearer fake-token-1"));
        QCOMPARE(sent.path(),
                 QStringLiteral("/v1/projects/proj-from-key/locations/us-central1/publishers/google/models/"
                                "gemini-2.5-flash:generateContent"));
        // A 401 drops the cached token: the next call signs in again.
        const auto rejected = awaitFuture(provider.value()->complete(userRequest(QStringLiteral("hi"))));
        QVERIFY(!rejected);
        QCOMPARE(rejected.error().code, ErrorCode::ProviderUnauthorized);
        QCOMPARE(
            awaitFuture(provider.value()->complete(userRequest(QStringLiteral("hi")))).valueOr({}).content,
            QStringLiteral("third"));
        QCOMPARE(vertex.lastRequest().header("authorization"), QByteArray("Bearer fake-token-2"));
        QCOMPARE(tokens.tokensIssued(), 2);
    }
};

QTEST_GUILESS_MAIN(TestGoogleAuth)
#include "test_googleauth.moc"

// httpserver::HttpServer without the service: routing (404, 405 with Allow), authentication
// through the Authenticator it is given, the failed-authentication throttle, access levels, the
// access log and the request metrics.
#include "httpserver/httpserver.h"
#include "rawhttpclient.h"

#include <QJsonDocument>
#include <QTest>

using namespace agency;
using agency::test::RawHttpClient;
using agency::test::RawResponse;

class TestHttpServerCore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void publicRouteNeedsNoKey();
    void unknownPathAndWrongMethod();
    void keyIsCheckedByTheAuthenticator();
    void accessLevelIsEnforced();
    void failedAuthenticationsAreThrottled();
    void accessLogAndMetricsSeeEveryAnswer();

private:
    /// One request on a new connection, with `key` as the bearer key when given.
    RawResponse request(const QByteArray &method, const QByteArray &path, const QByteArray &key = {});
    RawResponse get(const QByteArray &path, const QByteArray &key = {}) { return request("GET", path, key); }

    std::unique_ptr<httpserver::HttpServer> m_server;
    QStringList m_secretsSeen;
    QList<QJsonObject> m_accessLog;
    quint16 m_port = 0;
};

void TestHttpServerCore::init()
{
    m_secretsSeen.clear();
    m_accessLog.clear();
    httpserver::ServerConfig config;
    config.authFailLimit = 2;
    config.accessLog = [this](const QByteArray &line) {
        m_accessLog.append(QJsonDocument::fromJson(line).object());
    };
    // "member" and "admin" are keys; anything else is refused as an unknown key would be.
    auto authenticate = [this](const QString &secret) -> core::Async<core::Principal> {
        m_secretsSeen.append(secret);
        core::Principal p;
        p.keyId = secret;
        p.tenantId = QStringLiteral("t1");
        if (secret == QLatin1String("admin"))
            p.role = core::KeyRole::Admin;
        else if (secret != QLatin1String("member"))
            return core::failedAsync<core::Principal>(
                core::makeError(core::ErrorCode::Unauthenticated, QStringLiteral("unknown key")));
        return core::readyAsync(core::Result<core::Principal>(p));
    };
    m_server = std::make_unique<httpserver::HttpServer>(config, authenticate);
    const auto echoKey = [](const httpserver::CallPtr &call) {
        call->sendJson(200, QJsonObject{{QStringLiteral("key"), call->principal().keyId}});
    };
    m_server->router().add({"GET", QStringLiteral("/open"), httpserver::Access::Public, echoKey, {}, {}});
    m_server->router().add(
        {"GET", QStringLiteral("/things/{id}"), httpserver::Access::Member, echoKey, {}, {}});
    m_server->router().add(
        {"DELETE", QStringLiteral("/things/{id}"), httpserver::Access::TenantAdmin, echoKey, {}, {}});
    auto bound = m_server->listen(QHostAddress::LocalHost, 0);
    QVERIFY2(bound.ok(), bound.ok() ? "" : qPrintable(bound.error().message));
    m_port = bound.value();
}

void TestHttpServerCore::cleanup()
{
    m_server.reset();
}

RawResponse TestHttpServerCore::request(const QByteArray &method, const QByteArray &path,
                                        const QByteArray &key)
{
    RawHttpClient client;
    if (!client.connectTo(m_port))
        return {};
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!key.isEmpty())
        headers.append({QByteArrayLiteral("Authorization"), "Bearer " + key});
    client.send(method, path, {}, headers);
    return client.takeResponse();
}

void TestHttpServerCore::publicRouteNeedsNoKey()
{
    const RawResponse r = get("/open");
    QCOMPARE(r.status, 200);
    QVERIFY(!r.header("X-Request-Id").isEmpty());
    QVERIFY(m_secretsSeen.isEmpty());
}

void TestHttpServerCore::unknownPathAndWrongMethod()
{
    const RawResponse missing = get("/nowhere");
    QCOMPARE(missing.status, 404);
    QCOMPARE(missing.json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
             QStringLiteral("not_found"));

    const RawResponse wrong = request("POST", "/things/1");
    QCOMPARE(wrong.status, 405);
    QCOMPARE(wrong.header("Allow"), QByteArrayLiteral("GET, DELETE"));
}

void TestHttpServerCore::keyIsCheckedByTheAuthenticator()
{
    QCOMPARE(get("/things/1").status, 401); // no key: the authenticator is not even asked
    QVERIFY(m_secretsSeen.isEmpty());
    QCOMPARE(get("/things/1", "wrong").status, 401);
    const RawResponse ok = get("/things/1", "member");
    QCOMPARE(ok.status, 200);
    QCOMPARE(ok.json()[QStringLiteral("key")].toString(), QStringLiteral("member"));
    QCOMPARE(m_secretsSeen, (QStringList{QStringLiteral("wrong"), QStringLiteral("member")}));
}

void TestHttpServerCore::accessLevelIsEnforced()
{
    QCOMPARE(request("DELETE", "/things/1", "member").status, 403);
    QCOMPARE(request("DELETE", "/things/1", "admin").status, 200);
}

void TestHttpServerCore::failedAuthenticationsAreThrottled()
{
    QCOMPARE(get("/things/1", "wrong").status, 401);
    QCOMPARE(get("/things/1", "wrong").status, 401);
    // The limit (2) is reached: the address is refused, even with a good key, without asking.
    const RawResponse refused = get("/things/1", "member");
    QCOMPARE(refused.status, 429);
    QVERIFY(!refused.header("Retry-After").isEmpty());
    QCOMPARE(m_secretsSeen.size(), 2);
    QVERIFY(m_server->metrics().render().contains(
        "agency_rate_limit_refusals_total{reason=\"failed_authentication\"} 1"));
}

void TestHttpServerCore::accessLogAndMetricsSeeEveryAnswer()
{
    QCOMPARE(get("/open").status, 200);
    QCOMPARE(get("/nowhere").status, 404);
    QTRY_COMPARE(m_accessLog.size(), 2);
    QCOMPARE(m_accessLog.at(0)[QStringLiteral("path")].toString(), QStringLiteral("/open"));
    QCOMPARE(m_accessLog.at(0)[QStringLiteral("status")].toInt(), 200);
    QCOMPARE(m_accessLog.at(1)[QStringLiteral("status")].toInt(), 404);
    const QByteArray metrics = m_server->metrics().render();
    QVERIFY(metrics.contains("agency_http_requests_total{method=\"GET\",route=\"/open\",status=\"200\"} 1"));
    QVERIFY(metrics.contains("agency_http_requests_total{method=\"GET\",route=\"(none)\",status=\"404\"} 1"));
}

QTEST_GUILESS_MAIN(TestHttpServerCore)
#include "test_httpservercore.moc"

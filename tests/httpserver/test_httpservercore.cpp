// httpserver::HttpServer without the service: routing (404, 405 with Allow, HEAD, 501), the
// connection gate's fairness and HTTP edges, authentication through the Authenticator it is given,
// the failed-authentication throttle, access levels, the access log and the request metrics.
#include "httpserver/auththrottle.h"
#include "httpserver/httpserver.h"
#include "rawhttpclient.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

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
    void successesDoNotResetTheFailureCount();
    void failuresSlideOutOfTheWindow();
    void accessLogAndMetricsSeeEveryAnswer();
    void oneAddressCannotTakeEveryonesSlots();
    void silentNewConnectionIsClosed();
    void http10ClosesUnlessKeepAliveIsAsked();
    void headAnswersLikeGetWithoutABody();
    void tooManyHeaderLinesAre431();
    void unknownMethodsAre501ByName();
    void bytesThatAreNotHttpAreRefusedAtOnce();
    void bearerSchemeIsCaseInsensitive();

private:
    static httpserver::ServerConfig baseConfig();
    void startServer(const httpserver::ServerConfig &config);
    /// A raw connection from `source` whose received bytes are appended to `*received`.
    std::unique_ptr<QTcpSocket> rawSocket(QByteArray *received,
                                          const QHostAddress &source = QHostAddress::LocalHost);
    /// One request on a new connection, with `key` as the bearer key when given.
    RawResponse request(const QByteArray &method, const QByteArray &path, const QByteArray &key = {});
    RawResponse get(const QByteArray &path, const QByteArray &key = {}) { return request("GET", path, key); }
    /// One request with an Authorization header written exactly as given.
    RawResponse getWithAuthorization(const QByteArray &path, const QByteArray &authorization);

    std::unique_ptr<httpserver::HttpServer> m_server;
    QStringList m_secretsSeen;
    QList<QJsonObject> m_accessLog;
    quint16 m_port = 0;
};

httpserver::ServerConfig TestHttpServerCore::baseConfig()
{
    httpserver::ServerConfig config;
    config.authFailLimit = 2;
    return config;
}

void TestHttpServerCore::init()
{
    startServer(baseConfig());
}

void TestHttpServerCore::startServer(const httpserver::ServerConfig &base)
{
    m_server.reset();
    m_secretsSeen.clear();
    m_accessLog.clear();
    httpserver::ServerConfig config = base;
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

std::unique_ptr<QTcpSocket> TestHttpServerCore::rawSocket(QByteArray *received, const QHostAddress &source)
{
    auto socket = std::make_unique<QTcpSocket>();
    // Linux routes all of 127.0.0.0/8 to loopback, so a client can come from 127.0.0.2.
    if (source != QHostAddress(QHostAddress::LocalHost) && !socket->bind(source, 0))
        return socket;
    QTcpSocket *raw = socket.get();
    QObject::connect(raw, &QTcpSocket::readyRead, raw, [raw, received] { *received += raw->readAll(); });
    socket->connectToHost(QHostAddress::LocalHost, m_port);
    socket->waitForConnected(5000);
    return socket;
}

RawResponse TestHttpServerCore::getWithAuthorization(const QByteArray &path, const QByteArray &authorization)
{
    RawHttpClient client;
    if (!client.connectTo(m_port))
        return {};
    client.send("GET", path, {}, {{QByteArrayLiteral("Authorization"), authorization}});
    return client.takeResponse();
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
    QCOMPARE(wrong.header("Allow"), QByteArrayLiteral("GET, HEAD, DELETE"));
    QVERIFY2(wrong.json()[QStringLiteral("error")][QStringLiteral("message")].toString().startsWith(
                 QStringLiteral("POST is not allowed")),
             wrong.body.constData());
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
    // Counted once, under its own reason (not as a token budget refusal too).
    const QByteArray metrics = m_server->metrics().render();
    QVERIFY2(metrics.contains("agency_rate_limit_refusals_total{reason=\"failed_authentication\"} 1\n"),
             metrics.constData());
    QVERIFY2(!metrics.contains("reason=\"tokens\""), metrics.constData());
}

void TestHttpServerCore::successesDoNotResetTheFailureCount()
{
    // An attacker holding one valid key alternates it with guesses: the guesses still add up.
    QCOMPARE(get("/things/1", "wrong").status, 401);
    QCOMPARE(get("/things/1", "member").status, 200);
    QCOMPARE(get("/things/1", "wrong").status, 401); // the limit (2) is reached here
    QCOMPARE(get("/things/1", "member").status, 429);
    QCOMPARE(get("/things/1", "wrong").status, 429);
    QCOMPARE(m_secretsSeen.size(), 3);
}

void TestHttpServerCore::failuresSlideOutOfTheWindow()
{
    httpserver::ServerConfig config;
    config.authFailLimit = 3;
    config.authFailWindowMs = 10'000;
    config.authBanMs = 5'000;
    httpserver::AuthThrottle throttle(config);
    const QHostAddress a(QStringLiteral("192.0.2.1"));
    const QHostAddress b(QStringLiteral("192.0.2.2"));
    using std::chrono::milliseconds;
    const auto t0 = httpserver::AuthThrottle::Clock::now();
    throttle.recordFailure(a, t0);
    throttle.recordFailure(a, t0 + milliseconds(4'000));
    // The first failure is out of the window 10 s later: two in the window, below the limit.
    throttle.recordFailure(a, t0 + milliseconds(11'000));
    QCOMPARE(throttle.refusedForMs(a, t0 + milliseconds(11'000)), 0);
    // Three within 10 s: refused for the ban, then free again.
    throttle.recordFailure(a, t0 + milliseconds(12'000));
    QVERIFY(throttle.refusedForMs(a, t0 + milliseconds(12'000)) > 4'000);
    QCOMPARE(throttle.refusedForMs(b, t0 + milliseconds(12'000)), 0); // per address
    QCOMPARE(throttle.refusedForMs(a, t0 + milliseconds(17'001)), 0);
    // The ban wiped the count: one more failure does not ban again.
    throttle.recordFailure(a, t0 + milliseconds(17'100));
    QCOMPARE(throttle.refusedForMs(a, t0 + milliseconds(17'100)), 0);
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

void TestHttpServerCore::oneAddressCannotTakeEveryonesSlots()
{
    httpserver::ServerConfig config = baseConfig();
    config.maxConnectionsPerClient = 4;
    config.maxConnections = 8;     // more than one address may hold
    config.headerTimeoutMs = 1500; // long enough to see the excess refused before it fires
    config.requestTimeoutMs = 30'000;
    startServer(config);
    // Twelve half-open requests from one address: headers begun, never finished.
    std::vector<QByteArray> received(12);
    std::vector<std::unique_ptr<QTcpSocket>> flood;
    for (QByteArray &r : received) {
        flood.push_back(rawSocket(&r));
        QCOMPARE(flood.back()->state(), QAbstractSocket::ConnectedState);
        flood.back()->write("GET /open HTTP/1.1\r\nHost: x\r\n");
    }
    QElapsedTimer sent;
    sent.start();
    const auto closed = [&flood] {
        return int(std::count_if(flood.cbegin(), flood.cend(), [](const auto &s) {
            return s->state() == QAbstractSocket::UnconnectedState;
        }));
    };
    // The excess over the address's share is refused at once; its share stays open.
    QTRY_COMPARE_WITH_TIMEOUT(closed(), 8, 3000);
    QCOMPARE(m_server->openConnections(), 4);

    // Another address still gets its answer, promptly.
    QByteArray other;
    auto client = rawSocket(&other, QHostAddress(QStringLiteral("127.0.0.2")));
    QCOMPARE(client->state(), QAbstractSocket::ConnectedState);
    QElapsedTimer answered;
    answered.start();
    client->write("GET /open HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(other.contains("\r\n\r\n{"), 5000);
    QVERIFY2(other.startsWith("HTTP/1.1 200 "), other.constData());
    QVERIFY2(answered.elapsed() < 2000, qPrintable(QString::number(answered.elapsed())));

    // The held requests get 408 once their headers are overdue, well before the request deadline.
    QTRY_COMPARE_WITH_TIMEOUT(closed(), 12, 5000);
    QVERIFY2(sent.elapsed() >= 1400, "the header deadline fired before its time");
    int timedOut = 0;
    for (const QByteArray &r : received)
        timedOut += r.startsWith("HTTP/1.1 408 ") && r.contains("request_timeout") ? 1 : 0;
    QCOMPARE(timedOut, 4);
}

void TestHttpServerCore::silentNewConnectionIsClosed()
{
    httpserver::ServerConfig config = baseConfig();
    config.headerTimeoutMs = 300;
    startServer(config);
    QByteArray received;
    auto socket = rawSocket(&received);
    QCOMPARE(socket->state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE_WITH_TIMEOUT(socket->state(), QAbstractSocket::UnconnectedState, 3000);
    QVERIFY(received.isEmpty()); // nothing was asked, so nothing is answered
}

void TestHttpServerCore::http10ClosesUnlessKeepAliveIsAsked()
{
    QByteArray received;
    auto plain = rawSocket(&received);
    plain->write("GET /open HTTP/1.0\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(plain->state(), QAbstractSocket::UnconnectedState, 3000);
    QVERIFY2(received.startsWith("HTTP/1.1 200 "), received.constData());
    QVERIFY(received.contains("\r\nConnection: close\r\n"));

    received.clear();
    auto kept = rawSocket(&received);
    kept->write("GET /open HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(received.endsWith("{\"key\":\"\"}"), 3000);
    QVERIFY2(received.contains("\r\nConnection: keep-alive\r\n"), received.constData());
    received.clear();
    kept->write("GET /open HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(received.endsWith("{\"key\":\"\"}"), 3000);
    QCOMPARE(kept->state(), QAbstractSocket::ConnectedState);
}

void TestHttpServerCore::headAnswersLikeGetWithoutABody()
{
    const RawResponse got = get("/things/1", "member");
    QCOMPARE(got.status, 200);
    QByteArray received;
    auto socket = rawSocket(&received);
    socket->write("HEAD /things/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer member\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("\r\n\r\n"), 3000);
    QTest::qWait(100); // a body, if one were sent, would have arrived by now
    QVERIFY2(received.startsWith("HTTP/1.1 200 "), received.constData());
    QVERIFY2(received.endsWith("\r\n\r\n"), received.constData());
    QVERIFY(
        received.contains(QByteArray("\r\nContent-Length: " + QByteArray::number(got.body.size()) + "\r\n")));
    QVERIFY(received.contains(QByteArray("\r\nContent-Type: " + got.header("Content-Type") + "\r\n")));
    // The connection carries on: nothing stray precedes the next answer.
    received.clear();
    socket->write("GET /open HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(received.endsWith("{\"key\":\"\"}"), 3000);
    QVERIFY2(received.startsWith("HTTP/1.1 200 "), received.constData());
}

void TestHttpServerCore::tooManyHeaderLinesAre431()
{
    // The most allowed: every header is seen (the key, sent last, authenticates).
    const auto requestWithLines = [](int lines) -> QByteArray {
        QByteArray r = "GET /things/1 HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; i < lines - 2; ++i)
            r += "X-Filler-" + QByteArray::number(i) + ": v\r\n";
        return r + "Authorization: Bearer member\r\n\r\n";
    };
    QByteArray received;
    auto most = rawSocket(&received);
    most->write(requestWithLines(99));
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("\r\n\r\n{"), 3000);
    QVERIFY2(received.startsWith("HTTP/1.1 200 "), received.constData());

    received.clear();
    auto tooMany = rawSocket(&received);
    tooMany->write(requestWithLines(100));
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("\r\n\r\n{"), 3000);
    QVERIFY2(received.startsWith("HTTP/1.1 431 "), received.constData());
    QVERIFY(received.contains("headers_too_large"));
    QTRY_COMPARE_WITH_TIMEOUT(tooMany->state(), QAbstractSocket::UnconnectedState, 3000);
}

void TestHttpServerCore::unknownMethodsAre501ByName()
{
    // PROPFIND and TRACE are parsed by QHttpServer, FOO is not: all three are named in a 501.
    for (const QByteArray &method :
         {QByteArrayLiteral("PROPFIND"), QByteArrayLiteral("TRACE"), QByteArrayLiteral("FOO")}) {
        QByteArray received;
        auto socket = rawSocket(&received);
        socket->write(QByteArray(method + " /open HTTP/1.1\r\nHost: x\r\n\r\n"));
        QTRY_VERIFY_WITH_TIMEOUT(received.contains("\r\n\r\n{"), 3000);
        QVERIFY2(received.startsWith("HTTP/1.1 501 "), received.constData());
        QVERIFY2(received.contains(QByteArray("the method " + method + " is not implemented")),
                 received.constData());
    }
    // A method the server knows, on a route that does not take it, is 405 by name.
    const RawResponse put = request("PUT", "/things/1", "member");
    QCOMPARE(put.status, 405);
    QVERIFY(put.body.contains("PUT is not allowed"));
}

void TestHttpServerCore::bytesThatAreNotHttpAreRefusedAtOnce()
{
    // The start of a TLS ClientHello: a client speaking HTTPS to the plain port.
    QByteArray received;
    auto socket = rawSocket(&received);
    QElapsedTimer sent;
    sent.start();
    socket->write(QByteArray::fromHex("160301020001"));
    QTRY_COMPARE_WITH_TIMEOUT(socket->state(), QAbstractSocket::UnconnectedState, 3000);
    QVERIFY2(sent.elapsed() < 2000, qPrintable(QString::number(sent.elapsed())));
    QVERIFY2(received.isEmpty() || received.startsWith("HTTP/1.1 400 "), received.constData());
    // The server is fine afterwards.
    QCOMPARE(get("/open").status, 200);
}

void TestHttpServerCore::bearerSchemeIsCaseInsensitive()
{
    for (const QByteArray &scheme :
         {QByteArrayLiteral("bearer"), QByteArrayLiteral("BEARER"), QByteArrayLiteral("Bearer")}) {
        const RawResponse r = getWithAuthorization("/things/1", QByteArray(scheme + " member"));
        QVERIFY2(r.status == 200, scheme.constData());
    }
    QCOMPARE(getWithAuthorization("/things/1", "Basic bWVtYmVyOg==").status, 401);
    QCOMPARE(getWithAuthorization("/things/1", "Bearer").status, 401);
}

QTEST_GUILESS_MAIN(TestHttpServerCore)
#include "test_httpservercore.moc"

// The server core: error shape and statuses, X-Request-Id, 404/405, authentication (missing,
// unknown, revoked, expired keys; roles; the failed-authentication ban), bind rules, limits
// enforced before QHttpServer reads a request (body, headers), the access log and OpenAPI ==
// the routes served.

#include "httpfixture.h"
#include "httpserver/requestlogformat.h"
#include "jsonschemavalidator.h"
#include "sql/dbexecutor.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSet>
#include <QTcpSocket>
#include <QTest>

using namespace agency;
using test::HttpFixture;
using test::HttpReply;

class TestHttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void unknownPathIsJson404WithRequestId();
    void clientRequestIdIsEchoed();
    void wrongMethodIs405WithAllow();
    void healthAnswersWithoutKey();
    void missingAndUnknownKeysAre401();
    void revokedAndExpiredKeysAre401();
    void memberIsForbiddenAdminRoutes();
    void metricsShowTheDatabasePoolAsItIsNow();
    void healthReusesARecentDatabaseCheck();
    void repeatedFailuresAreRefusedWith429();
    void bodyOverLimitIs413BeforeItIsRead();
    void hugeHeadersAre431();
    void slowRequestIs408();
    void idleKeepAliveIsClosed();
    void slowRequestAfterAnAnsweredOneIs408();
    void connectionsOverTheLimitAre503();
    void nonLoopbackNeedsAKey();
    void noAuthOnlyOnLoopback();
    void accessLogHasNoSecrets();
    void accessLogNamesEachClientAddress();
    void accessLogStringsAreValidJson();
    void openApiListsExactlyTheServedRoutes();
    void openApiExamplesValidate();
    void everyJsonBodyRefusesUnknownFields();

private:
    /// Connects `socket` to the server; everything it receives is appended to `received`.
    void connectRaw(QTcpSocket &socket, QByteArray &received)
    {
        socket.connectToHost(QHostAddress::LocalHost, m_fx->port());
        QVERIFY(socket.waitForConnected(5000));
        connect(&socket, &QTcpSocket::readyRead, this, [&] { received += socket.readAll(); });
    }
    void makeServer(httpserver::ServerConfig config = {});

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    test::FakeOpenAiServer m_llm;
    std::unique_ptr<HttpFixture> m_fx;
};

void TestHttpServer::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
    QVERIFY(m_llm.listen());
}

void TestHttpServer::makeServer(httpserver::ServerConfig config)
{
    m_fx.reset();
    m_fx = std::make_unique<HttpFixture>(*m_db, m_llm.baseUrl(), m_weather.baseUrl().toString(), config);
    QVERIFY2(m_fx->start(), qPrintable(m_fx->error()));
}

void TestHttpServer::cleanup()
{
    m_fx.reset();
}

void TestHttpServer::cleanupTestCase()
{
    m_db.reset();
}

void TestHttpServer::unknownPathIsJson404WithRequestId()
{
    makeServer();
    const HttpReply r = m_fx->get(QStringLiteral("/no/such/thing"));
    AGENCY_COMPARE_STATUS(r, 404);
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
    const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
    QVERIFY(error.contains(QStringLiteral("message")));
    QVERIFY(error.value(QStringLiteral("details")).isObject());
    QVERIFY(!QUuid::fromString(QString::fromLatin1(r.header("x-request-id"))).isNull());
}

void TestHttpServer::clientRequestIdIsEchoed()
{
    makeServer();
    const HttpReply r =
        m_fx->request("GET", QStringLiteral("/healthz"), {}, {}, {{"X-Request-Id", "trace-42.a"}});
    AGENCY_COMPARE_STATUS(r, 200);
    QCOMPARE(r.header("x-request-id"), QByteArray("trace-42.a"));
    // Not a sane token: replaced, never reflected.
    const HttpReply bad =
        m_fx->request("GET", QStringLiteral("/healthz"), {}, {}, {{"X-Request-Id", "a b<script>"}});
    QVERIFY(bad.header("x-request-id") != "a b<script>");
    // A replacement (or a missing id) is a fresh random UUID (version 4), a new one each time.
    const QUuid first = QUuid::fromString(QString::fromLatin1(bad.header("x-request-id")));
    QCOMPARE(first.version(), QUuid::Random);
    QCOMPARE(first.variant(), QUuid::DCE);
    // In the usual text form (lowercase, hyphenated): it is formatted by hand, not by QUuid.
    QCOMPARE(bad.header("x-request-id"), first.toString(QUuid::WithoutBraces).toLatin1());
    const HttpReply tooLong =
        m_fx->request("GET", QStringLiteral("/healthz"), {}, {}, {{"X-Request-Id", QByteArray(129, 'a')}});
    const QUuid second = QUuid::fromString(QString::fromLatin1(tooLong.header("x-request-id")));
    QCOMPARE(second.version(), QUuid::Random);
    QVERIFY(second != first);
}

void TestHttpServer::wrongMethodIs405WithAllow()
{
    makeServer();
    const HttpReply r = m_fx->request("DELETE", QStringLiteral("/health"));
    AGENCY_COMPARE_STATUS(r, 405);
    QCOMPARE(r.header("allow"), QByteArray("GET, HEAD")); // HEAD is answered wherever GET is
    QCOMPARE(r.errorCode(), QStringLiteral("method_not_allowed"));
}

void TestHttpServer::healthAnswersWithoutKey()
{
    makeServer();
    const HttpReply r = m_fx->get(QStringLiteral("/health"));
    AGENCY_COMPARE_STATUS(r, 200);
    QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(r.json().value(QStringLiteral("failing")).toArray().size(), 0);
}

void TestHttpServer::missingAndUnknownKeysAre401()
{
    makeServer();
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/flows")), 401);
    const HttpReply unknown =
        m_fx->get(QStringLiteral("/flows"), QStringLiteral("agk_") + QString(43, QLatin1Char('x')));
    AGENCY_COMPARE_STATUS(unknown, 401);
    QCOMPARE(unknown.errorCode(), QStringLiteral("unauthenticated"));
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/flows"), QStringLiteral("garbage")), 401);
    const QString key = m_fx->createKey(QStringLiteral("tenant-a"));
    QVERIFY(!key.isEmpty());
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/flows"), key), 200);
}

void TestHttpServer::revokedAndExpiredKeysAre401()
{
    makeServer();
    QString revokedId;
    const QString revoked = m_fx->createKey(QStringLiteral("tenant-a"), core::KeyRole::Member, 0, &revokedId);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/flows"), revoked), 200);
    AGENCY_VERIFY_OK(test::await(m_fx->service().revokeApiKey(revokedId)));
    const HttpReply r = m_fx->get(QStringLiteral("/flows"), revoked);
    AGENCY_COMPARE_STATUS(r, 401);
    QVERIFY(r.json()[QStringLiteral("error")][QStringLiteral("message")].toString().contains(
        QStringLiteral("revoked")));

    QString expiredId;
    const QString expired = m_fx->createKey(QStringLiteral("tenant-a"), core::KeyRole::Member, 1, &expiredId);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/flows"), expired), 200);
    // Move its expiry into the past, as time passing would.
    auto moved = test::await(m_db->run<bool>([expiredId](sql::DbConnection &conn) -> core::Result<bool> {
        auto q = conn.exec(
            QStringLiteral(
                "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_id = ?::uuid"),
            {expiredId}, QStringLiteral("expire key"));
        if (!q)
            return q.error();
        return true;
    }));
    AGENCY_VERIFY_OK(moved);
    const HttpReply e = m_fx->get(QStringLiteral("/flows"), expired);
    AGENCY_COMPARE_STATUS(e, 401);
    QVERIFY(e.json()[QStringLiteral("error")][QStringLiteral("message")].toString().contains(
        QStringLiteral("expired")));
}

void TestHttpServer::memberIsForbiddenAdminRoutes()
{
    makeServer();
    const QString member = m_fx->createKey(QStringLiteral("tenant-a"));
    const QString admin = m_fx->createKey(QStringLiteral("tenant-a"), core::KeyRole::Admin);
    const QString global = m_fx->createGlobalAdminKey();
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/metrics"), member), 403);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/metrics"), admin), 403);
    const HttpReply metrics = m_fx->get(QStringLiteral("/metrics"), global);
    AGENCY_COMPARE_STATUS(metrics, 200);
    QVERIFY(metrics.header("content-type").startsWith("text/plain"));
    QVERIFY(metrics.body.contains(
        "agency_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"403\"} 2"));
    // Each (method, route, status) is its own series, listed in sorted order (stable scrapes).
    const QByteArray again = m_fx->get(QStringLiteral("/metrics"), global).body;
    const qsizetype ok =
        again.indexOf("agency_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"} 1\n");
    const qsizetype forbidden =
        again.indexOf("agency_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"403\"} 2\n");
    QVERIFY2(ok >= 0 && forbidden > ok, again.constData());
}

void TestHttpServer::healthReusesARecentDatabaseCheck()
{
    httpserver::ServerConfig config;
    config.healthMaxAgeMs = 600'000;
    makeServer(config);
    const quint64 before = m_db->stats().jobs;
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/health")), 200);
    const quint64 afterFirst = m_db->stats().jobs;
    QCOMPARE(afterFirst, before + 1); // the check itself; /health needs no key lookup
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/health")), 200);
    QCOMPARE(m_db->stats().jobs, afterFirst);

    // With caching off, every request asks the database.
    config.healthMaxAgeMs = 0;
    makeServer(config);
    const quint64 uncached = m_db->stats().jobs;
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/health")), 200);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/health")), 200);
    QCOMPARE(m_db->stats().jobs, uncached + 2);
}

void TestHttpServer::metricsShowTheDatabasePoolAsItIsNow()
{
    // Without keys (loopback --no-auth): with both connections held, a key lookup would queue too.
    httpserver::ServerConfig config;
    config.authRequired = false;
    makeServer(config);
    // Both connections held by jobs that wait for the test, and one more job queued behind them.
    // The semaphores are shared with the jobs: a job may still be inside acquire() after the
    // test function returned.
    auto started = std::make_shared<QSemaphore>();
    auto release = std::make_shared<QSemaphore>();
    const auto hold = [started, release](sql::DbConnection &) -> core::Result<bool> {
        started->release();
        release->acquire();
        return true;
    };
    // A failed check must not leave the workers held: the executor's destructor waits for them.
    const auto releaseOnExit = qScopeGuard([release] { release->release(2); });
    core::Async<bool> first = m_db->run<bool>(hold);
    core::Async<bool> second = m_db->run<bool>(hold);
    QVERIFY(started->tryAcquire(2, 10'000));
    core::Async<bool> third = m_db->run<bool>([](sql::DbConnection &) -> core::Result<bool> { return true; });
    const HttpReply busy = m_fx->get(QStringLiteral("/metrics"));
    AGENCY_COMPARE_STATUS(busy, 200);
    QVERIFY2(busy.body.contains("\nagency_db_pool_connections 2\n"), busy.body.constData());
    QVERIFY2(busy.body.contains("\nagency_db_pool_busy 2\n"), busy.body.constData());
    QVERIFY2(busy.body.contains("\nagency_db_pool_queued 1\n"), busy.body.constData());
    release->release(2);
    AGENCY_VERIFY_OK(test::await(first));
    AGENCY_VERIFY_OK(test::await(second));
    AGENCY_VERIFY_OK(test::await(third));
    // A worker counts as busy until its job's future is delivered and it loops back for work.
    QTRY_VERIFY_WITH_TIMEOUT(m_fx->get(QStringLiteral("/metrics")).body.contains("\nagency_db_pool_busy 0\n"),
                             10'000);
    const HttpReply idle = m_fx->get(QStringLiteral("/metrics"));
    QVERIFY2(idle.body.contains("\nagency_db_pool_queued 0\n"), idle.body.constData());
}

void TestHttpServer::repeatedFailuresAreRefusedWith429()
{
    httpserver::ServerConfig config;
    config.authFailLimit = 3;
    config.authBanMs = 60'000;
    makeServer(config);
    const QString key = m_fx->createKey(QStringLiteral("tenant-a"));
    const QString wrong = QStringLiteral("agk_") + QString(43, QLatin1Char('y'));
    for (int i = 0; i < 3; ++i)
        AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/flows"), wrong), 401);
    // Refused now even with a good key: the address is banned, not the key.
    const HttpReply r = m_fx->get(QStringLiteral("/flows"), key);
    AGENCY_COMPARE_STATUS(r, 429);
    QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
    const int retryAfter = r.header("retry-after").toInt();
    QVERIFY2(retryAfter >= 59 && retryAfter <= 60, r.header("retry-after").constData());
    // Public routes still answer.
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/healthz")), 200);
}

void TestHttpServer::bodyOverLimitIs413BeforeItIsRead()
{
    httpserver::ServerConfig config;
    config.maxBodyBytes = 1024 * 1024;
    makeServer(config);
    const QByteArray body(10 * 1024 * 1024, 'a');
    const QByteArray request =
        "POST /runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
        QByteArray::number(body.size()) + "\r\n\r\n" + body;
    const QByteArray answer = m_fx->rawExchange(request);
    QVERIFY2(answer.startsWith("HTTP/1.1 413 "), answer.left(300).constData());
    QVERIFY(answer.contains("\"code\":\"payload_too_large\""));
    QVERIFY(answer.contains("X-Request-Id: "));
    // The server is fine afterwards.
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/healthz")), 200);

    // Also through a regular client (announced length).
    const HttpReply r = m_fx->request("POST", QStringLiteral("/flows"), {}, body);
    AGENCY_COMPARE_STATUS(r, 413);
}

void TestHttpServer::hugeHeadersAre431()
{
    httpserver::ServerConfig config;
    config.maxHeaderBytes = 8192;
    makeServer(config);
    const QByteArray request =
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(64 * 1024, 'h') + "\r\n\r\n";
    const QByteArray answer = m_fx->rawExchange(request);
    QVERIFY2(answer.startsWith("HTTP/1.1 431 "), answer.left(300).constData());
    QVERIFY(answer.contains("\"code\":\"headers_too_large\""));
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/healthz")), 200);
}

void TestHttpServer::slowRequestIs408()
{
    httpserver::ServerConfig config;
    config.requestTimeoutMs = 300;
    makeServer(config);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_fx->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // never finished
    QByteArray received;
    connect(&socket, &QTcpSocket::readyRead, this, [&] { received += socket.readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("\r\n\r\n{"), 5000);
    QVERIFY2(received.startsWith("HTTP/1.1 408 "), received.constData());
    QVERIFY(received.contains("request_timeout"));
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 5000);
}

void TestHttpServer::idleKeepAliveIsClosed()
{
    httpserver::ServerConfig config;
    config.idleTimeoutMs = 300;
    makeServer(config);
    QTcpSocket socket;
    QByteArray received;
    connectRaw(socket, received);
    if (QTest::currentTestFailed())
        return;
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(received.endsWith("{\"status\":\"ok\"}"), 5000);
    // Keep-alive: a second request on the same connection is answered too.
    received.clear();
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(received.endsWith("{\"status\":\"ok\"}"), 5000);
    // Then nothing: the server closes the idle connection.
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 5000);
}

void TestHttpServer::slowRequestAfterAnAnsweredOneIs408()
{
    // The gate moves its deadlines without restarting timers; a stalled request on a connection
    // that has served others (whose timer was armed for earlier deadlines) still times out.
    httpserver::ServerConfig config;
    config.requestTimeoutMs = 300;
    config.idleTimeoutMs = 60000;
    makeServer(config);
    QTcpSocket socket;
    QByteArray received;
    connectRaw(socket, received);
    if (QTest::currentTestFailed())
        return;
    for (int i = 0; i < 3; ++i) {
        received.clear();
        socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(received.endsWith("{\"status\":\"ok\"}"), 5000);
    }
    received.clear();
    QElapsedTimer stalled;
    stalled.start();
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // never finished
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("\r\n\r\n{"), 5000);
    QVERIFY2(received.startsWith("HTTP/1.1 408 "), received.constData());
    QVERIFY2(stalled.elapsed() >= 250, "the timeout fired before the request had its time");
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 5000);
}

void TestHttpServer::connectionsOverTheLimitAre503()
{
    httpserver::ServerConfig config;
    config.maxConnections = 2;
    makeServer(config);
    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(std::make_unique<QTcpSocket>());
        held.back()->connectToHost(QHostAddress::LocalHost, m_fx->port());
        QVERIFY(held.back()->waitForConnected(5000));
    }
    // The server has accepted both once the third is refused; requests on held ones still work.
    const QByteArray third = m_fx->rawExchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY2(third.startsWith("HTTP/1.1 503 "), third.left(200).constData());
    QVERIFY(third.contains("too_many_connections"));
    QByteArray received;
    connect(held[0].get(), &QTcpSocket::readyRead, this, [&] { received += held[0]->readAll(); });
    held[0]->write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(received.startsWith("HTTP/1.1 200 "), 5000);
    held.clear();
    // Closed connections free their slots.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_fx->rawExchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 500)
            .startsWith("HTTP/1.1 200 "),
        5000);
}

void TestHttpServer::nonLoopbackNeedsAKey()
{
    makeServer();
    // A fresh database per test would be cleaner, but keys from other tests may exist: revoke all.
    auto keys = test::await(m_fx->service().listApiKeys());
    AGENCY_VERIFY_OK(keys);
    for (const core::ApiKey &k : keys.value())
        AGENCY_VERIFY_OK(test::await(m_fx->service().revokeApiKey(k.keyId)));
    http::ApiServer other(m_fx->service(), httpserver::ServerConfig{});
    auto refused = test::await(other.listen(QHostAddress::AnyIPv4, 0));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, core::ErrorCode::Forbidden);
    QVERIFY(refused.error().message.contains(QStringLiteral("keys create")));
    QVERIFY(!m_fx->createKey(QStringLiteral("tenant-a")).isEmpty());
    http::ApiServer allowed(m_fx->service(), httpserver::ServerConfig{});
    AGENCY_VERIFY_OK(test::await(allowed.listen(QHostAddress::AnyIPv4, 0)));
}

void TestHttpServer::noAuthOnlyOnLoopback()
{
    makeServer();
    httpserver::ServerConfig open;
    open.authRequired = false;
    http::ApiServer anywhere(m_fx->service(), open);
    auto refused = test::await(anywhere.listen(QHostAddress::AnyIPv4, 0));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, core::ErrorCode::Forbidden);
    QVERIFY(refused.error().message.contains(QStringLiteral("--no-auth")));
    http::ApiServer local(m_fx->service(), open);
    AGENCY_VERIFY_OK(test::await(local.listen(QHostAddress::LocalHostIPv6, 0)));
}

void TestHttpServer::accessLogStringsAreValidJson()
{
    // The access log writes its JSON by hand: any text must come back unchanged through a parser.
    const QString tricky = QStringLiteral("quote\" back\\ nl\n tab\t bell\x01 del\x7f é 😀 \u2028");
    QByteArray out = "[";
    httpserver::appendJsonString(out, tricky);
    out += ",";
    httpserver::appendJsonString(out, QString());
    out += ",";
    httpserver::appendJsonString(out, QStringLiteral("/conversations/a-1_b.c~d?x=1")); // nothing to escape
    out += "]";
    QJsonParseError error{};
    const QJsonArray parsed = QJsonDocument::fromJson(out, &error).array();
    QVERIFY2(error.error == QJsonParseError::NoError,
             qPrintable(error.errorString() + QString::fromUtf8(out)));
    QCOMPARE(parsed.at(0).toString(), tricky);
    QCOMPARE(parsed.at(1).toString(), QString());
    QCOMPARE(parsed.at(2).toString(), QStringLiteral("/conversations/a-1_b.c~d?x=1"));
}

void TestHttpServer::accessLogHasNoSecrets()
{
    makeServer();
    QString keyId;
    const QString key = m_fx->createKey(QStringLiteral("tenant-a"), core::KeyRole::Member, 0, &keyId);
    const HttpReply r =
        m_fx->request("GET", QStringLiteral("/flows"), key, {}, {{"X-Request-Id", "log-check-1"}});
    AGENCY_COMPARE_STATUS(r, 200);
    QTRY_VERIFY(!m_fx->accessLog().isEmpty());
    const QJsonObject line = m_fx->accessLog().constLast();
    QCOMPARE(line.value(QStringLiteral("method")).toString(), QStringLiteral("GET"));
    QCOMPARE(line.value(QStringLiteral("path")).toString(), QStringLiteral("/flows"));
    QCOMPARE(line.value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(line.value(QStringLiteral("tenant")).toString(), QStringLiteral("tenant-a"));
    QCOMPARE(line.value(QStringLiteral("key_id")).toString(), keyId);
    QCOMPARE(line.value(QStringLiteral("request_id")).toString(), QStringLiteral("log-check-1"));
    QVERIFY(line.contains(QStringLiteral("duration_ms")));
    QCOMPARE(line.value(QStringLiteral("client")).toString(), QStringLiteral("127.0.0.1"));
    const QDateTime ts =
        QDateTime::fromString(line.value(QStringLiteral("ts")).toString(), Qt::ISODateWithMs);
    QVERIFY2(ts.isValid() && ts.timeSpec() == Qt::UTC,
             qPrintable(line.value(QStringLiteral("ts")).toString()));
    QVERIFY(qAbs(ts.msecsTo(QDateTime::currentDateTimeUtc())) < 60000);
    for (const QJsonObject &l : m_fx->accessLog())
        QVERIFY(!QJsonDocument(l).toJson().contains(key.toUtf8()));
}

void TestHttpServer::accessLogNamesEachClientAddress()
{
    // The log keeps the last client address's text; a request from another address must not be
    // logged under it. Linux routes all of 127.0.0.0/8 to loopback, so a second client can come
    // from 127.0.0.2.
    makeServer();
    QTcpSocket first;
    QTcpSocket second;
    QVERIFY(second.bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
    QByteArray received;
    connectRaw(first, received);
    connectRaw(second, received);
    const QList<QTcpSocket *> order{&first, &second, &first, &second};
    for (qsizetype i = 0; i < order.size(); ++i) {
        const qsizetype before = m_fx->accessLog().size();
        order[i]->write("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Request-Id: order-" +
                        QByteArray::number(i) + "\r\n\r\n");
        QTRY_COMPARE(m_fx->accessLog().size(), before + 1);
    }
    const QList<QJsonObject> &log = m_fx->accessLog();
    const QStringList expected{QStringLiteral("127.0.0.1"), QStringLiteral("127.0.0.2"),
                               QStringLiteral("127.0.0.1"), QStringLiteral("127.0.0.2")};
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const QJsonObject &line = log.at(log.size() - expected.size() + i);
        QCOMPARE(line.value(QStringLiteral("request_id")).toString(), QStringLiteral("order-%1").arg(i));
        QCOMPARE(line.value(QStringLiteral("client")).toString(), expected.at(i));
    }
}

void TestHttpServer::openApiListsExactlyTheServedRoutes()
{
    makeServer();
    const HttpReply r = m_fx->get(QStringLiteral("/openapi.json"));
    AGENCY_COMPARE_STATUS(r, 200);
    const QJsonObject doc = r.json();
    QCOMPARE(doc.value(QStringLiteral("openapi")).toString(), QStringLiteral("3.1.0"));
    QSet<QString> documented;
    const QJsonObject paths = doc.value(QStringLiteral("paths")).toObject();
    for (auto p = paths.begin(); p != paths.end(); ++p) {
        const QJsonObject item = p.value().toObject();
        for (auto m = item.begin(); m != item.end(); ++m)
            documented.insert(m.key().toUpper() + QLatin1Char(' ') + p.key());
    }
    QSet<QString> served;
    for (const httpserver::RouteSpec &route : m_fx->server().router().routes())
        served.insert(QString::fromLatin1(route.method) + QLatin1Char(' ') + route.path);
    QCOMPARE(documented, served);
    QVERIFY(served.contains(QStringLiteral("GET /openapi.json")));
    QVERIFY(served.contains(QStringLiteral("GET /health")));
}

void TestHttpServer::openApiExamplesValidate()
{
    makeServer();
    const QJsonObject doc = m_fx->get(QStringLiteral("/openapi.json")).json();
    const QJsonObject components = doc.value(QStringLiteral("components")).toObject();
    int checked = 0;
    const auto checkMedia = [&](const QJsonObject &content, const QString &where) {
        for (auto m = content.begin(); m != content.end(); ++m) {
            const QJsonObject media = m.value().toObject();
            if (!media.contains(QStringLiteral("example")))
                continue;
            QJsonObject root = media.value(QStringLiteral("schema")).toObject();
            root.insert(QStringLiteral("components"), components); // so "#/components/…" resolves
            const QStringList errors =
                test::JsonSchemaValidator(root).validate(media.value(QStringLiteral("example")));
            QVERIFY2(errors.isEmpty(),
                     qPrintable(where + QStringLiteral(": ") + errors.join(QStringLiteral("; "))));
            ++checked;
        }
    };
    const QJsonObject paths = doc.value(QStringLiteral("paths")).toObject();
    for (auto p = paths.begin(); p != paths.end(); ++p) {
        const QJsonObject item = p.value().toObject();
        for (auto op = item.begin(); op != item.end(); ++op) {
            const QJsonObject operation = op.value().toObject();
            const QString where = op.key() + QLatin1Char(' ') + p.key();
            checkMedia(operation[QStringLiteral("requestBody")][QStringLiteral("content")].toObject(),
                       where + QStringLiteral(" request"));
            const QJsonObject responses = operation.value(QStringLiteral("responses")).toObject();
            for (auto r = responses.begin(); r != responses.end(); ++r)
                checkMedia(r.value()[QStringLiteral("content")].toObject(),
                           where + QLatin1Char(' ') + r.key());
        }
    }
    QVERIFY2(checked >= 15, qPrintable(QStringLiteral("only %1 examples").arg(checked)));
    // A wrong example would be caught: the validator is not vacuous.
    QJsonObject tenantRoot = components[QStringLiteral("schemas")][QStringLiteral("Tenant")].toObject();
    QVERIFY(!test::JsonSchemaValidator(tenantRoot)
                 .validate(QJsonObject{{QStringLiteral("tenant_id"), 5}})
                 .isEmpty());
}

void TestHttpServer::everyJsonBodyRefusesUnknownFields()
{
    // Every documented JSON request body is closed (additionalProperties: false) and the route
    // serves what the document says: its example plus one unknown member is refused, naming it,
    // before anything is looked up (the ids here name nothing).
    makeServer();
    const QString global = m_fx->createGlobalAdminKey();
    const QJsonObject doc = m_fx->get(QStringLiteral("/openapi.json")).json();
    const QJsonObject schemas = doc[QStringLiteral("components")][QStringLiteral("schemas")].toObject();
    const QString unknown = QStringLiteral("zz_not_a_field");
    int checked = 0;
    const QJsonObject paths = doc.value(QStringLiteral("paths")).toObject();
    for (auto p = paths.begin(); p != paths.end(); ++p) {
        const QJsonObject item = p.value().toObject();
        for (auto op = item.begin(); op != item.end(); ++op) {
            const QJsonObject media = op.value()[QStringLiteral("requestBody")][QStringLiteral("content")]
                                                [QStringLiteral("application/json")]
                                                    .toObject();
            if (media.isEmpty())
                continue;
            const QString where = op.key().toUpper() + QLatin1Char(' ') + p.key();
            QJsonObject schema = media.value(QStringLiteral("schema")).toObject();
            const QString ref = schema.value(QStringLiteral("$ref")).toString();
            if (!ref.isEmpty())
                schema = schemas.value(ref.section(u'/', -1)).toObject();
            QVERIFY2(schema.value(QStringLiteral("additionalProperties")) == QJsonValue(false),
                     qPrintable(where));
            QJsonObject body = media.value(QStringLiteral("example")).toObject();
            QVERIFY2(!body.isEmpty(), qPrintable(where + QStringLiteral(": no example")));
            body.insert(unknown, true);
            QString path = p.key();
            path.replace(QStringLiteral("{flow_type}"), QStringLiteral("weather"));
            path.replace(QStringLiteral("{id}"), p.key().startsWith(QLatin1String("/tenants"))
                                                     ? QStringLiteral("acme")
                                                     : QUuid::createUuid().toString(QUuid::WithoutBraces));
            const HttpReply reply =
                m_fx->request(op.key().toUpper().toLatin1(), path + QStringLiteral("?tenant_id=acme"), global,
                              QJsonDocument(body).toJson(QJsonDocument::Compact));
            const int expected = p.key().startsWith(QLatin1String("/v1/")) ? 400 : 422;
            QVERIFY2(reply.status == expected && reply.body.contains(unknown.toLatin1()),
                     qPrintable(where + QStringLiteral(": ") + QString::fromUtf8(test::describe(reply))));
            ++checked;
        }
    }
    QVERIFY2(checked >= 8, qPrintable(QStringLiteral("only %1 bodies").arg(checked)));
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "test_httpserver.moc"

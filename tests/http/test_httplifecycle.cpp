// Server life cycle: the database stopped under a running server (503 naming the part, then
// recovery without a restart), and a graceful stop with a turn in flight (new requests refused
// with 503, the turn allowed to finish within the grace time, else cancelled).

#include "httpfixture.h"
#include "httpserver/errorbody.h"
#include "sql/dbexecutor.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QTest>

using namespace agency;
using test::HttpFixture;
using test::HttpReply;
namespace openai = test::openai;

class TestHttpLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void databaseDownIs503AndRecovers();
    void gracefulStopLetsTheTurnFinish();
    void gracefulStopCancelsPastTheGraceTime();

private:
    void makeServer(httpserver::ServerConfig config = {});
    /// Starts a turn as a chat route does: registered with the server's turn tracker.
    core::Async<core::TurnResult> startTrackedTurn(std::shared_ptr<httpserver::TurnTicket> *ticket);

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<test::FakeOpenAiServer> m_llm;
    std::unique_ptr<HttpFixture> m_fx;
};

void TestHttpLifecycle::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
}

void TestHttpLifecycle::makeServer(httpserver::ServerConfig config)
{
    m_llm = std::make_unique<test::FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    m_fx = std::make_unique<HttpFixture>(*m_db, m_llm->baseUrl(), m_weather.baseUrl().toString(), config);
    QVERIFY2(m_fx->start(), qPrintable(m_fx->error()));
}

void TestHttpLifecycle::cleanup()
{
    m_fx.reset();
    m_llm.reset();
}

void TestHttpLifecycle::cleanupTestCase()
{
    m_db.reset();
}

core::Async<core::TurnResult>
TestHttpLifecycle::startTrackedTurn(std::shared_ptr<httpserver::TurnTicket> *ticket)
{
    *ticket = m_fx->server().turns().begin();
    core::TurnRequest request;
    request.tenantId = QStringLiteral("lifecycle");
    request.flowType = QStringLiteral("weather");
    request.message = QStringLiteral("Say three words slowly.");
    request.cancel = (*ticket)->cancelToken();
    return m_fx->service().chat(request);
}

void TestHttpLifecycle::databaseDownIs503AndRecovers()
{
    makeServer();
    const QString key = m_fx->createKey(QStringLiteral("lifecycle"));
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations"), key), 200);

    AGENCY_VERIFY_OK(m_pg.cluster().stop());
    const HttpReply health = m_fx->get(QStringLiteral("/health"));
    AGENCY_COMPARE_STATUS(health, 503);
    QCOMPARE(health.json()[QStringLiteral("failing")].toArray(), QJsonArray{QStringLiteral("database")});
    const HttpReply list = m_fx->get(QStringLiteral("/conversations"), key);
    AGENCY_COMPARE_STATUS(list, 503);
    QCOMPARE(list.errorCode(), QStringLiteral("database_unavailable"));
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/healthz")), 200);

    AGENCY_VERIFY_OK(m_pg.cluster().start());
    // The same server, no restart: the executor reconnects on the next job.
    QTRY_VERIFY_WITH_TIMEOUT(m_fx->get(QStringLiteral("/health")).status == 200, 15000);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations"), key), 200);
}

void TestHttpLifecycle::gracefulStopLetsTheTurnFinish()
{
    httpserver::ServerConfig config;
    config.shutdownGraceMs = 30'000;
    makeServer(config);
    m_llm->enqueue(
        openai::streamReply({QStringLiteral("one "), QStringLiteral("two "), QStringLiteral("three")}, {},
                            core::Usage{12, 7, 19}, 300));
    std::shared_ptr<httpserver::TurnTicket> ticket;
    auto turn = startTrackedTurn(&ticket);
    QTRY_VERIFY(m_llm->chatRequests().size() == 1); // the turn is at its provider call
    // A client in the middle of sending a request when the stop begins.
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, m_fx->port());
    QVERIFY(client.waitForConnected(5000));
    QByteArray received;
    connect(&client, &QTcpSocket::readyRead, this, [&] { received += client.readAll(); });
    client.write("GET /health HTTP/1.1\r\nHost: x\r\n");
    // Received, not only accepted: a connection whose first bytes have not arrived yet is idle,
    // and a stop closes idle connections.
    QTRY_VERIFY(m_fx->server().busyConnections() >= 1);
    QFuture<void> stopped = m_fx->server().stop();
    QVERIFY(!stopped.isFinished());
    // No new connections; the request already under way is answered 503.
    const HttpReply fresh = m_fx->get(QStringLiteral("/healthz"));
    QCOMPARE(fresh.status, -1);
    client.write("\r\n");
    QTRY_VERIFY(received.contains("\r\n\r\n{"));
    QVERIFY2(received.startsWith("HTTP/1.1 503 "), received.constData());
    QVERIFY(received.contains("\"code\":\"cancelled\""));
    auto result = test::await(turn);
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("one two three"));
    QVERIFY(!stopped.isFinished()); // the ticket is still held, as a route holds it until it answers
    ticket.reset();
    QTRY_VERIFY(stopped.isFinished());
}

void TestHttpLifecycle::gracefulStopCancelsPastTheGraceTime()
{
    httpserver::ServerConfig config;
    config.shutdownGraceMs = 200;
    makeServer(config);
    m_llm->enqueue(
        openai::streamReply({QStringLiteral("slow "), QStringLiteral("slow "), QStringLiteral("slow")}, {},
                            core::Usage{12, 7, 19}, 3000));
    std::shared_ptr<httpserver::TurnTicket> ticket;
    auto turn = startTrackedTurn(&ticket);
    QTRY_VERIFY(m_llm->chatRequests().size() == 1);
    QFuture<void> stopped = m_fx->server().stop();
    auto result = test::await(turn, 10000);
    QVERIFY(!result);
    QCOMPARE(result.error().code, core::ErrorCode::Cancelled);
    const core::Error explained = ticket->explain(result.error());
    QVERIFY(explained.message.contains(QStringLiteral("shutting down")));
    QCOMPARE(httpserver::statusForError(explained), 503);
    ticket.reset();
    QTRY_VERIFY(stopped.isFinished());
}

QTEST_GUILESS_MAIN(TestHttpLifecycle)
#include "test_httplifecycle.moc"

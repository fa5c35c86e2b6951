// get_weather over real HTTP against FakeWeatherServer, through the ToolRegistry as the turn engine
// calls it, with its cache in a real PostgreSQL: both back-ends' requests and parsed fields,
// unknown places, outages, timeouts, cancellation, malformed answers, cache hit/miss/expiry, overlapping
// identical calls sharing one lookup, and the OpenWeatherMap key going nowhere but its own base URL
// (and never into logs or results).

#include "fakeweatherserver.h"
#include "runtime/runtimeconfig.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"
#include "tools/builtintools.h"
#include "tools/toolregistry.h"
#include "tools/weathertool.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

using namespace agency;
using core::ErrorCode;
using test::FakeWeatherServer;
using tools::ToolResult;
using tools::WeatherConfig;

namespace {

const QString kOwmKey = QStringLiteral("owm-secret-key-4242");

QStringList *g_logs = nullptr;
QtMessageHandler g_previousHandler = nullptr;

void captureMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_logs)
        g_logs->append(message);
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

QStringList fields(const QUrlQuery &query, const QString &key)
{
    return query.queryItemValue(key, QUrl::FullyDecoded).split(u',');
}

/// The weather itself: a result without what depends on how this call got it.
QJsonObject weatherOf(QJsonObject json)
{
    json.remove(QStringLiteral("cached"));
    json.remove(QStringLiteral("cached_at"));
    return json;
}

} // namespace

class TestWeatherTool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void openMeteoRequestsAndFields();
    void openMeteoUnits_data();
    void openMeteoUnits();
    void qualifierPicksAmongCandidates();
    void unknownPlace();
    void serviceDown();
    void connectionRefused();
    void malformedAndClosed();
    void httpTimeout();
    void registryTimeoutAbortsTheRequest();
    void cancellationAbortsTheRequest();
    void invalidArgumentsNeverReachTheNetwork();
    void cacheHitMissAndExpiry();
    void cacheFailureOnlyCostsAFetch();
    void noCacheWithoutExecutor();
    void concurrentSamePlaceShareOneLookup();
    void concurrentDifferentPlacesLookUpSeparately();
    void concurrentFailureSharedAndNotCached_data();
    void concurrentFailureSharedAndNotCached();
    void cancelledCallerLeavesTheSharedLookup();
    void sharedLookupAbortedWhenEveryCallerCancelled();
    void openWeatherMap();
    void openWeatherMapRejectedKey();
    void keyOnlySentToItsBaseUrl();
    void settingsValidation();
    void builtinRegistryFromSettings();
    void locationNormalisation();

private:
    WeatherConfig settings(const QString &key = {}, int httpTimeoutMs = 3000) const;
    void makeTool(const WeatherConfig &s, sql::DbExecutor *cache, int registryTimeoutMs = 0);
    ToolResult call(const QString &arguments, const core::CancelTokenPtr &cancel = {}, int timeoutMs = 0);
    QFuture<ToolResult> start(const QString &arguments, const core::CancelTokenPtr &cancel = {});
    static ToolResult wait(const QFuture<ToolResult> &future);
    qint64 cacheRows();

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    FakeWeatherServer m_server;
    std::shared_ptr<core::ManualClock> m_clock;
    /// What the composition root gives the tools; outlives them. A new one per tool, so no
    /// keep-alive connection of one test is still open in the next.
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<tools::ToolRegistry> m_registry;
    std::shared_ptr<tools::WeatherTool> m_tool;
    QStringList m_logs;
};

void TestWeatherTool::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_server.listen());
    m_server.addDefaultPlaces();
    g_logs = &m_logs;
    g_previousHandler = qInstallMessageHandler(captureMessages);
}

void TestWeatherTool::init()
{
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Normal);
    m_server.setResponseDelayMs(0);
    m_server.setOpenWeatherKey(kOwmKey);
    m_server.clearRequests();
    m_clock = std::make_shared<core::ManualClock>();
    auto cleared = test::await(m_db->run<void>([](sql::DbConnection &conn) {
        return conn.execScript(QStringLiteral("DELETE FROM weather_cache"), QStringLiteral("clear cache"));
    }));
    AGENCY_VERIFY_OK(cleared);
    makeTool(settings(), m_db.get());
}

void TestWeatherTool::cleanup()
{
    m_registry.reset();
    m_tool.reset();
    // Nothing a test did may have put the key into a log line.
    for (const QString &line : std::as_const(m_logs))
        QVERIFY2(!line.contains(kOwmKey), qPrintable(line));
    m_logs.clear();
}

void TestWeatherTool::cleanupTestCase()
{
    qInstallMessageHandler(g_previousHandler);
    g_logs = nullptr;
    m_db.reset();
}

WeatherConfig TestWeatherTool::settings(const QString &key, int httpTimeoutMs) const
{
    WeatherConfig s;
    s.openMeteoBaseUrl = m_server.forecastUrl();
    s.openMeteoGeocodingUrl = m_server.geocodingUrl();
    s.openWeatherBaseUrl = m_server.openWeatherUrl();
    s.openWeatherApiKey = key;
    s.cacheTtlSeconds = 600;
    s.httpTimeoutMs = httpTimeoutMs;
    return s;
}

void TestWeatherTool::makeTool(const WeatherConfig &s, sql::DbExecutor *cache, int registryTimeoutMs)
{
    m_registry.reset();
    m_tool.reset();
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_registry = std::make_unique<tools::ToolRegistry>(registryTimeoutMs > 0 ? registryTimeoutMs : 10'000);
    m_tool = std::make_shared<tools::WeatherTool>(tools::makeWeatherBackend(s, *m_nam), s.cacheTtlSeconds,
                                                  cache, m_clock);
    QVERIFY(m_registry->add(m_tool).ok());
}

ToolResult TestWeatherTool::call(const QString &arguments, const core::CancelTokenPtr &cancel, int timeoutMs)
{
    return wait(m_registry->executeCall(
        core::ToolCall{QStringLiteral("call_1"), QStringLiteral("get_weather"), arguments}, cancel,
        timeoutMs));
}

QFuture<ToolResult> TestWeatherTool::start(const QString &arguments, const core::CancelTokenPtr &cancel)
{
    return m_registry->executeCall(
        core::ToolCall{QStringLiteral("call_1"), QStringLiteral("get_weather"), arguments}, cancel);
}

ToolResult TestWeatherTool::wait(const QFuture<ToolResult> &future)
{
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, 20'000))
        return ToolResult::fromError(core::makeError(ErrorCode::Internal, QStringLiteral("test timed out")));
    return future.result();
}

qint64 TestWeatherTool::cacheRows()
{
    auto count = test::await(m_db->run<qint64>([](sql::DbConnection &conn) -> core::Result<qint64> {
        auto q = conn.exec(QStringLiteral("SELECT count(*) FROM weather_cache"), {}, QStringLiteral("count"));
        if (!q)
            return q.error();
        q.value()->next();
        return q.value()->value(0).toLongLong();
    }));
    return count.ok() ? count.value() : -1;
}

void TestWeatherTool::openMeteoRequestsAndFields()
{
    QCOMPARE(m_tool->backendId(), QStringLiteral("open-meteo"));
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"));
    QVERIFY2(r.success(), qPrintable(r.content()));

    QCOMPARE(m_server.requests().size(), 2);
    const auto geo = m_server.requests().at(0);
    QCOMPARE(geo.path, QStringLiteral("/geo/v1/search"));
    QCOMPARE(geo.query.queryItemValue(QStringLiteral("name")), QStringLiteral("Paris"));
    QCOMPARE(geo.query.queryItemValue(QStringLiteral("count")), QStringLiteral("1"));
    const auto forecast = m_server.requests().at(1);
    QCOMPARE(forecast.path, QStringLiteral("/meteo/v1/forecast"));
    QCOMPARE(forecast.query.queryItemValue(QStringLiteral("latitude")), QStringLiteral("48.85341"));
    QCOMPARE(forecast.query.queryItemValue(QStringLiteral("longitude")), QStringLiteral("2.34880"));
    for (const char *field :
         {"temperature_2m", "apparent_temperature", "relative_humidity_2m", "pressure_msl", "wind_speed_10m",
          "wind_direction_10m", "cloud_cover", "weather_code"})
        QVERIFY2(fields(forecast.query, QStringLiteral("current")).contains(QLatin1String(field)), field);
    QCOMPARE(fields(forecast.query, QStringLiteral("daily")),
             QStringList({QStringLiteral("temperature_2m_max"), QStringLiteral("temperature_2m_min")}));
    QCOMPARE(forecast.query.queryItemValue(QStringLiteral("temperature_unit")), QStringLiteral("celsius"));
    QCOMPARE(forecast.query.queryItemValue(QStringLiteral("wind_speed_unit")), QStringLiteral("ms"));
    QCOMPARE(forecast.query.queryItemValue(QStringLiteral("timezone")), QStringLiteral("auto"));

    const QJsonObject &j = r.json;
    QCOMPARE(j.value(QLatin1String("success")).toBool(), true);
    QCOMPARE(j.value(QLatin1String("location")).toString(), QStringLiteral("Paris, FR"));
    QCOMPARE(j.value(QLatin1String("country")).toString(), QStringLiteral("FR"));
    QCOMPARE(j.value(QLatin1String("region")).toString(), QStringLiteral("Île-de-France"));
    QCOMPARE(j.value(QLatin1String("temperature")).toDouble(), 14.2);
    QCOMPARE(j.value(QLatin1String("feels_like")).toDouble(), 12.9);
    QCOMPARE(j.value(QLatin1String("temp_min")).toDouble(), 9.5);
    QCOMPARE(j.value(QLatin1String("temp_max")).toDouble(), 16.8);
    QCOMPARE(j.value(QLatin1String("humidity")).toDouble(), 71.0);
    QCOMPARE(j.value(QLatin1String("pressure")).toDouble(), 1013.4);
    QCOMPARE(j.value(QLatin1String("wind_speed")).toDouble(), 4.6);
    QCOMPARE(j.value(QLatin1String("wind_direction")).toDouble(), 250.0);
    QCOMPARE(j.value(QLatin1String("clouds")).toDouble(), 75.0);
    QCOMPARE(j.value(QLatin1String("condition")).toString(), QStringLiteral("Rain"));
    QCOMPARE(j.value(QLatin1String("description")).toString(), QStringLiteral("moderate rain"));
    QCOMPARE(j.value(QLatin1String("units")).toString(), QStringLiteral("metric"));
    QCOMPARE(j.value(QLatin1String("temperature_unit")).toString(), QStringLiteral("°C"));
    QCOMPARE(j.value(QLatin1String("wind_speed_unit")).toString(), QStringLiteral("m/s"));
    QCOMPARE(j.value(QLatin1String("source")).toString(), QStringLiteral("open-meteo"));
    QCOMPARE(j.value(QLatin1String("observed_at")).toString(), QStringLiteral("2024-03-01T12:00"));
    QCOMPARE(j.value(QLatin1String("cached")).toBool(true), false);
}

void TestWeatherTool::openMeteoUnits_data()
{
    QTest::addColumn<QString>("units");
    QTest::addColumn<QString>("temperatureUnitParam");
    QTest::addColumn<QString>("windUnitParam");
    QTest::addColumn<double>("temperature");
    QTest::addColumn<double>("tempMin");
    QTest::addColumn<double>("windSpeed");
    QTest::addColumn<QString>("label");
    QTest::newRow("imperial") << "imperial"
                              << "fahrenheit"
                              << "mph" << 57.56 << 49.1 << 10.29 << "°F";
    QTest::newRow("standard") << "standard"
                              << "celsius"
                              << "ms" << 287.35 << 282.65 << 4.6 << "K";
}

void TestWeatherTool::openMeteoUnits()
{
    QFETCH(QString, units);
    QFETCH(QString, temperatureUnitParam);
    QFETCH(QString, windUnitParam);
    QFETCH(double, temperature);
    QFETCH(double, tempMin);
    QFETCH(double, windSpeed);
    QFETCH(QString, label);
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris","units":"%1"})").arg(units));
    QVERIFY2(r.success(), qPrintable(r.content()));
    const auto forecast = m_server.requests().at(1);
    QCOMPARE(forecast.query.queryItemValue(QStringLiteral("temperature_unit")), temperatureUnitParam);
    QCOMPARE(forecast.query.queryItemValue(QStringLiteral("wind_speed_unit")), windUnitParam);
    QCOMPARE(r.json.value(QLatin1String("temperature")).toDouble(), temperature);
    QCOMPARE(r.json.value(QLatin1String("temp_min")).toDouble(), tempMin);
    QCOMPARE(r.json.value(QLatin1String("wind_speed")).toDouble(), windSpeed);
    QCOMPARE(r.json.value(QLatin1String("units")).toString(), units);
    QCOMPARE(r.json.value(QLatin1String("temperature_unit")).toString(), label);
}

void TestWeatherTool::qualifierPicksAmongCandidates()
{
    const ToolResult texas = call(QStringLiteral(R"({"location":"Paris, Texas"})"));
    QVERIFY2(texas.success(), qPrintable(texas.content()));
    QCOMPARE(m_server.requests().at(0).query.queryItemValue(QStringLiteral("name")), QStringLiteral("Paris"));
    QCOMPARE(m_server.requests().at(0).query.queryItemValue(QStringLiteral("count")), QStringLiteral("10"));
    QCOMPARE(texas.json.value(QLatin1String("location")).toString(), QStringLiteral("Paris, US"));
    QCOMPARE(texas.json.value(QLatin1String("temperature")).toDouble(), 24.0);
    const ToolResult france = call(QStringLiteral(R"({"location":"paris, fr"})"));
    QCOMPARE(france.json.value(QLatin1String("location")).toString(), QStringLiteral("Paris, FR"));
}

void TestWeatherTool::unknownPlace()
{
    const ToolResult r = call(QStringLiteral(R"({"location":"Atlantis"})"));
    QVERIFY(!r.success());
    QCOMPARE(r.errorCode, ErrorCode::NotFound);
    QCOMPARE(r.json.value(QLatin1String("error")).toString(),
             QStringLiteral("no place called \"Atlantis\" was found"));
    QCOMPARE(r.json.value(QLatin1String("error_code")).toString(), QStringLiteral("not_found"));
    QCOMPARE(m_server.countRequests(QStringLiteral("/forecast")), 0);
    // Failures are not cached.
    QCOMPARE(cacheRows(), 0);
    (void)call(QStringLiteral(R"({"location":"Atlantis"})"));
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 2);
}

void TestWeatherTool::serviceDown()
{
    m_server.setBehaviour(FakeWeatherServer::Behaviour::ServerError);
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"));
    QCOMPARE(r.errorCode, ErrorCode::ProviderUnavailable);
    QCOMPARE(r.json.value(QLatin1String("error")).toString(),
             QStringLiteral("Open-Meteo geocoding failed (HTTP 503)"));
    QCOMPARE(r.json.value(QLatin1String("success")).toBool(true), false);
}

void TestWeatherTool::connectionRefused()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();
    WeatherConfig s = settings();
    s.openMeteoGeocodingUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
    makeTool(s, m_db.get());
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"));
    QCOMPARE(r.errorCode, ErrorCode::ProviderUnavailable);
    QCOMPARE(r.json.value(QLatin1String("error")).toString(),
             QStringLiteral("Open-Meteo geocoding is unreachable (connection refused)"));
}

void TestWeatherTool::malformedAndClosed()
{
    m_server.setBehaviour(FakeWeatherServer::Behaviour::MalformedJson);
    const ToolResult malformed = call(QStringLiteral(R"({"location":"Paris"})"));
    QCOMPARE(malformed.errorCode, ErrorCode::ProviderMalformed);
    QCOMPARE(malformed.json.value(QLatin1String("error")).toString(),
             QStringLiteral("Open-Meteo geocoding returned malformed JSON"));
    QCOMPARE(malformed.json.value(QLatin1String("error_code")).toString(),
             QStringLiteral("provider_malformed_response"));

    m_server.setBehaviour(FakeWeatherServer::Behaviour::CloseConnection);
    const ToolResult closed = call(QStringLiteral(R"({"location":"Paris"})"));
    QCOMPARE(closed.errorCode, ErrorCode::ProviderUnavailable);
    QVERIFY2(closed.json.value(QLatin1String("error"))
                 .toString()
                 .startsWith(QLatin1String("Open-Meteo geocoding is unreachable")),
             qPrintable(closed.content()));
}

void TestWeatherTool::httpTimeout()
{
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Hang);
    makeTool(settings({}, 300), m_db.get());
    QElapsedTimer timer;
    timer.start();
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"));
    QCOMPARE(r.errorCode, ErrorCode::ProviderTimeout);
    QCOMPARE(r.json.value(QLatin1String("error")).toString(),
             QStringLiteral("Open-Meteo geocoding did not answer within 300 ms"));
    QVERIFY2(timer.elapsed() >= 290 && timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QTRY_COMPARE_WITH_TIMEOUT(m_server.openConnections(), 0, 3000);
}

void TestWeatherTool::registryTimeoutAbortsTheRequest()
{
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Hang);
    makeTool(settings({}, 60'000), m_db.get(), 10'000);
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"), {}, 250);
    QCOMPARE(r.errorCode, ErrorCode::ProviderTimeout);
    QCOMPARE(r.json.value(QLatin1String("error")).toString(),
             QStringLiteral("tool get_weather did not finish within 250 ms"));
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 1);
    // The tool's token was cancelled: the hung request is aborted, not left running.
    QTRY_COMPARE_WITH_TIMEOUT(m_server.openConnections(), 0, 3000);
}

void TestWeatherTool::cancellationAbortsTheRequest()
{
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Hang);
    auto cancel = core::CancelToken::create();
    QTimer::singleShot(100, [cancel] { cancel->cancel(); });
    QElapsedTimer timer;
    timer.start();
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"), cancel);
    QCOMPARE(r.errorCode, ErrorCode::Cancelled);
    QVERIFY(timer.elapsed() < 2000);
    QTRY_COMPARE_WITH_TIMEOUT(m_server.openConnections(), 0, 3000);
}

void TestWeatherTool::invalidArgumentsNeverReachTheNetwork()
{
    const ToolResult units = call(QStringLiteral(R"({"location":"Paris","units":"celsius"})"));
    QCOMPARE(units.errorCode, ErrorCode::InvalidArgument);
    QCOMPARE(units.json.value(QLatin1String("error")).toString(),
             QStringLiteral("units: must be one of metric, imperial, standard"));
    const ToolResult missing = call(QStringLiteral(R"({"city":"Paris"})"));
    QCOMPARE(missing.errorCode, ErrorCode::InvalidArgument);
    QVERIFY2(missing.json.value(QLatin1String("error"))
                 .toString()
                 .contains(QLatin1String("location: is required")),
             qPrintable(missing.content()));
    const ToolResult blank = call(QStringLiteral(R"({"location":"   "})"));
    QCOMPARE(blank.errorCode, ErrorCode::InvalidArgument);
    QCOMPARE(m_server.requests().size(), 0);
}

void TestWeatherTool::cacheHitMissAndExpiry()
{
    const ToolResult first = call(QStringLiteral(R"({"location":"Paris"})"));
    QVERIFY2(first.success(), qPrintable(first.content()));
    QCOMPARE(first.json.value(QLatin1String("cached")).toBool(true), false);
    QCOMPARE(m_server.requests().size(), 2);
    QCOMPARE(cacheRows(), 1);

    // Same place, differently typed: a hit, no HTTP at all.
    const ToolResult hit = call(QStringLiteral(R"({"location":"  PARIS  "})"));
    QVERIFY(hit.success());
    QCOMPARE(hit.json.value(QLatin1String("cached")).toBool(false), true);
    QCOMPARE(hit.json.value(QLatin1String("temperature")).toDouble(), 14.2);
    QCOMPARE(hit.json.value(QLatin1String("cached_at")).toString(),
             m_clock->now().toUTC().toString(Qt::ISODate));
    QCOMPARE(m_server.requests().size(), 2);

    // Other units: a miss.
    const ToolResult imperial = call(QStringLiteral(R"({"location":"Paris","units":"imperial"})"));
    QCOMPARE(imperial.json.value(QLatin1String("cached")).toBool(true), false);
    QCOMPARE(m_server.requests().size(), 4);

    // Just before the TTL: still a hit.
    m_clock->advanceMs(599'000);
    QCOMPARE(
        call(QStringLiteral(R"({"location":"Paris"})")).json.value(QLatin1String("cached")).toBool(false),
        true);
    QCOMPARE(m_server.requests().size(), 4);

    // Past the TTL: fetched again, and stored again.
    m_clock->advanceMs(2'000);
    const ToolResult expired = call(QStringLiteral(R"({"location":"Paris"})"));
    QVERIFY(expired.success());
    QCOMPARE(expired.json.value(QLatin1String("cached")).toBool(true), false);
    QCOMPARE(m_server.requests().size(), 6);
    QCOMPARE(
        call(QStringLiteral(R"({"location":"paris"})")).json.value(QLatin1String("cached")).toBool(false),
        true);
    QCOMPARE(m_server.requests().size(), 6);
}

void TestWeatherTool::cacheFailureOnlyCostsAFetch()
{
    // A database without the weather_cache table: every lookup and write fails.
    auto params = m_pg.freshDatabase(false);
    AGENCY_VERIFY_OK(params);
    sql::DbExecutor broken(params.value(), 1);
    makeTool(settings(), &broken);
    const ToolResult r = call(QStringLiteral(R"({"location":"Berlin"})"));
    QVERIFY2(r.success(), qPrintable(r.content()));
    QCOMPARE(r.json.value(QLatin1String("condition")).toString(), QStringLiteral("Snow"));
    QCOMPARE(r.json.value(QLatin1String("cached")).toBool(true), false);
    m_registry.reset();
    m_tool.reset();
}

void TestWeatherTool::noCacheWithoutExecutor()
{
    makeTool(settings(), nullptr);
    QVERIFY(call(QStringLiteral(R"({"location":"London"})")).success());
    QVERIFY(call(QStringLiteral(R"({"location":"London"})")).success());
    QCOMPARE(m_server.requests().size(), 4);
    QCOMPARE(cacheRows(), 0);
}

void TestWeatherTool::concurrentSamePlaceShareOneLookup()
{
    m_server.setResponseDelayMs(150);
    // Both calls are under way before the first request is answered; spelt differently, same key.
    const auto first = start(QStringLiteral(R"({"location":"Paris"})"));
    const auto second = start(QStringLiteral(R"({"location":"  PARIS "})"));
    const ToolResult a = wait(first);
    const ToolResult b = wait(second);
    QVERIFY2(a.success(), qPrintable(a.content()));
    QVERIFY2(b.success(), qPrintable(b.content()));
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 1);
    QCOMPARE(m_server.countRequests(QStringLiteral("/forecast")), 1);
    QCOMPARE(weatherOf(b.json), weatherOf(a.json));
    QCOMPARE(a.json.value(QLatin1String("temperature")).toDouble(), 14.2);
    // Only the call that started the lookup made the service work.
    QCOMPARE(a.json.value(QLatin1String("cached")).toBool(true), false);
    QVERIFY(!a.json.contains(QLatin1String("cached_at")));
    QCOMPARE(b.json.value(QLatin1String("cached")).toBool(false), true);
    QCOMPARE(b.json.value(QLatin1String("cached_at")).toString(),
             m_clock->now().toUTC().toString(Qt::ISODate));
    QCOMPARE(cacheRows(), 1);
    QCOMPARE(m_tool->lookupsInFlight(), 0);

    // Over: the next call is an ordinary cache hit, with no request.
    const ToolResult later = call(QStringLiteral(R"({"location":"paris"})"));
    QCOMPARE(later.json.value(QLatin1String("cached")).toBool(false), true);
    QCOMPARE(m_server.requests().size(), 2);
}

void TestWeatherTool::concurrentDifferentPlacesLookUpSeparately()
{
    m_server.setResponseDelayMs(150);
    const auto paris = start(QStringLiteral(R"({"location":"Paris"})"));
    const auto berlin = start(QStringLiteral(R"({"location":"Berlin"})"));
    const auto parisImperial = start(QStringLiteral(R"({"location":"Paris","units":"imperial"})"));
    const ToolResult p = wait(paris);
    const ToolResult b = wait(berlin);
    const ToolResult pi = wait(parisImperial);
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 3);
    QCOMPARE(m_server.countRequests(QStringLiteral("/forecast")), 3);
    QCOMPARE(p.json.value(QLatin1String("temperature")).toDouble(), 14.2);
    QCOMPARE(b.json.value(QLatin1String("temperature")).toDouble(), -2.5);
    QCOMPARE(pi.json.value(QLatin1String("temperature")).toDouble(), 57.56);
    for (const ToolResult *r : {&p, &b, &pi})
        QCOMPARE(r->json.value(QLatin1String("cached")).toBool(true), false);
    QCOMPARE(m_tool->lookupsInFlight(), 0);
}

void TestWeatherTool::concurrentFailureSharedAndNotCached_data()
{
    QTest::addColumn<QString>("location");
    QTest::addColumn<bool>("serviceDown");
    QTest::addColumn<int>("expectedCode");
    QTest::addColumn<QString>("expectedError");
    QTest::newRow("unknown place") << "Atlantis" << false << int(ErrorCode::NotFound)
                                   << "no place called \"Atlantis\" was found";
    QTest::newRow("service down") << "Paris" << true << int(ErrorCode::ProviderUnavailable)
                                  << "Open-Meteo geocoding failed (HTTP 503)";
}

void TestWeatherTool::concurrentFailureSharedAndNotCached()
{
    QFETCH(QString, location);
    QFETCH(bool, serviceDown);
    QFETCH(int, expectedCode);
    QFETCH(QString, expectedError);
    const QString args = QStringLiteral(R"({"location":"%1"})").arg(location);
    if (serviceDown)
        m_server.setBehaviour(FakeWeatherServer::Behaviour::ServerError);
    m_server.setResponseDelayMs(150);
    const auto first = start(args);
    const auto second = start(args);
    for (const ToolResult &r : {wait(first), wait(second)}) {
        QCOMPARE(r.errorCode, ErrorCode(expectedCode));
        QCOMPARE(r.json.value(QLatin1String("error")).toString(), expectedError);
    }
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 1);
    QCOMPARE(m_server.countRequests(QStringLiteral("/forecast")), 0);
    QCOMPARE(cacheRows(), 0);
    QCOMPARE(m_tool->lookupsInFlight(), 0);

    // Neither cached nor left in flight: the next call asks the service again.
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Normal);
    const ToolResult again = call(args);
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 2);
    QCOMPARE(again.success(), serviceDown);
}

void TestWeatherTool::cancelledCallerLeavesTheSharedLookup()
{
    // The service holds the lookup until the first caller has left: the order is certain.
    m_server.hold();
    auto cancel = core::CancelToken::create();
    const auto leaving = start(QStringLiteral(R"({"location":"London"})"), cancel);
    const auto staying = start(QStringLiteral(R"({"location":"London"})"));
    QTRY_COMPARE(m_server.countRequests(QStringLiteral("/search")), 1);
    cancel->cancel();
    const ToolResult gone = wait(leaving);
    QCOMPARE(gone.errorCode, ErrorCode::Cancelled);
    QVERIFY(!staying.isFinished());
    // The caller that started the lookup left; the lookup still answers the one that stayed.
    m_server.release();
    const ToolResult r = wait(staying);
    QVERIFY2(r.success(), qPrintable(r.content()));
    QCOMPARE(r.json.value(QLatin1String("temperature")).toDouble(), 11.0);
    QCOMPARE(r.json.value(QLatin1String("cached")).toBool(false), true);
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 1);
    QCOMPARE(m_server.countRequests(QStringLiteral("/forecast")), 1);
    QCOMPARE(cacheRows(), 1);
    QCOMPARE(m_tool->lookupsInFlight(), 0);
}

void TestWeatherTool::sharedLookupAbortedWhenEveryCallerCancelled()
{
    QTRY_COMPARE_WITH_TIMEOUT(m_server.openConnections(), 0, 3000); // none left by earlier tests
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Hang);
    auto cancelFirst = core::CancelToken::create();
    auto cancelSecond = core::CancelToken::create();
    const auto first = start(QStringLiteral(R"({"location":"Berlin"})"), cancelFirst);
    const auto second = start(QStringLiteral(R"({"location":"Berlin"})"), cancelSecond);
    QTRY_COMPARE_WITH_TIMEOUT(m_server.countRequests(QStringLiteral("/search")), 1, 5000);
    cancelFirst->cancel();
    QCOMPARE(wait(first).errorCode, ErrorCode::Cancelled);
    // The first caller's leaving is handled in full once its result arrived, and a lookup is torn
    // down (its request aborted) in the same step that takes it out of flight: still in flight
    // means still wanted by the second caller, and its connection is still open.
    QCOMPARE(m_tool->lookupsInFlight(), 1);
    QCOMPARE(m_server.openConnections(), 1);
    cancelSecond->cancel();
    QCOMPARE(wait(second).errorCode, ErrorCode::Cancelled);
    QCOMPARE(m_tool->lookupsInFlight(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_server.openConnections(), 0, 3000);

    // Nothing left in flight: a new call starts its own lookup.
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Normal);
    const ToolResult r = call(QStringLiteral(R"({"location":"Berlin"})"));
    QVERIFY2(r.success(), qPrintable(r.content()));
    QCOMPARE(r.json.value(QLatin1String("cached")).toBool(true), false);
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")), 2);
}

void TestWeatherTool::openWeatherMap()
{
    makeTool(settings(kOwmKey), m_db.get());
    QCOMPARE(m_tool->backendId(), QStringLiteral("openweathermap"));
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris, FR","units":"imperial"})"));
    QVERIFY2(r.success(), qPrintable(r.content()));
    QCOMPARE(m_server.requests().size(), 1);
    const auto request = m_server.requests().first();
    QCOMPARE(request.path, QStringLiteral("/owm/data/2.5/weather"));
    QCOMPARE(request.query.queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded),
             QStringLiteral("Paris, FR"));
    QCOMPARE(request.query.queryItemValue(QStringLiteral("appid")), kOwmKey);
    QCOMPARE(request.query.queryItemValue(QStringLiteral("units")), QStringLiteral("imperial"));

    const QJsonObject &j = r.json;
    QCOMPARE(j.value(QLatin1String("location")).toString(), QStringLiteral("Paris, FR"));
    QCOMPARE(j.value(QLatin1String("temperature")).toDouble(), 57.56);
    QCOMPARE(j.value(QLatin1String("feels_like")).toDouble(), 55.22);
    QCOMPARE(j.value(QLatin1String("temp_min")).toDouble(), 49.1);
    QCOMPARE(j.value(QLatin1String("temp_max")).toDouble(), 62.24);
    QCOMPARE(j.value(QLatin1String("humidity")).toDouble(), 71.0);
    QCOMPARE(j.value(QLatin1String("pressure")).toDouble(), 1013.4);
    QCOMPARE(j.value(QLatin1String("wind_speed")).toDouble(), 10.29);
    QCOMPARE(j.value(QLatin1String("wind_direction")).toDouble(), 250.0);
    QCOMPARE(j.value(QLatin1String("clouds")).toDouble(), 75.0);
    QCOMPARE(j.value(QLatin1String("condition")).toString(), QStringLiteral("Rain"));
    QCOMPARE(j.value(QLatin1String("description")).toString(), QStringLiteral("moderate rain"));
    QCOMPARE(j.value(QLatin1String("units")).toString(), QStringLiteral("imperial"));
    QCOMPARE(j.value(QLatin1String("wind_speed_unit")).toString(), QStringLiteral("mph"));
    QCOMPARE(j.value(QLatin1String("source")).toString(), QStringLiteral("openweathermap"));
    QCOMPARE(j.value(QLatin1String("observed_at")).toString(), QStringLiteral("2024-03-01T12:00:00Z"));
    QCOMPARE(j.value(QLatin1String("cached")).toBool(true), false);
    QCOMPARE(m_server.countRequests(QStringLiteral("/search")) +
                 m_server.countRequests(QStringLiteral("/forecast")),
             0);

    // Cached per back-end: a hit now, without a request.
    const ToolResult hit = call(QStringLiteral(R"({"location":"paris,fr","units":"imperial"})"));
    QCOMPARE(hit.json.value(QLatin1String("cached")).toBool(false), true);
    QCOMPARE(m_server.requests().size(), 1);

    const ToolResult unknown = call(QStringLiteral(R"({"location":"Atlantis"})"));
    QCOMPARE(unknown.errorCode, ErrorCode::NotFound);
    QCOMPARE(unknown.json.value(QLatin1String("error")).toString(),
             QStringLiteral("no place called \"Atlantis\" was found"));
    QVERIFY(!unknown.content().contains(kOwmKey));
}

void TestWeatherTool::openWeatherMapRejectedKey()
{
    makeTool(settings(QStringLiteral("wrong-key-0000")), m_db.get());
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"));
    QCOMPARE(r.errorCode, ErrorCode::ProviderUnauthorized);
    QCOMPARE(r.json.value(QLatin1String("error")).toString(),
             QStringLiteral("OpenWeatherMap rejected the API key (HTTP 401)"));
    QVERIFY(!r.content().contains(QLatin1String("wrong-key-0000")));
}

void TestWeatherTool::keyOnlySentToItsBaseUrl()
{
    // OpenWeatherMap redirects elsewhere: the redirect is not followed, the key stays home.
    FakeWeatherServer elsewhere;
    QVERIFY(elsewhere.listen());
    elsewhere.addDefaultPlaces();
    elsewhere.setOpenWeatherKey(kOwmKey);
    m_server.setRedirectTarget(elsewhere.baseUrl());
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Redirect);
    makeTool(settings(kOwmKey), m_db.get());
    const ToolResult r = call(QStringLiteral(R"({"location":"Paris"})"));
    QCOMPARE(r.errorCode, ErrorCode::ProviderUnavailable);
    QCOMPARE(r.json.value(QLatin1String("error")).toString(),
             QStringLiteral("OpenWeatherMap answered with a redirect (HTTP 302), which is not followed"));
    // A followed redirect would have been requested (and answered) before the call could finish,
    // so no wait is needed for this count to be final.
    QCOMPARE(elsewhere.requests().size(), 0);
    QVERIFY(!r.content().contains(kOwmKey));

    // With the key configured, the Open-Meteo hosts never see it; without it, nobody does.
    m_server.setBehaviour(FakeWeatherServer::Behaviour::Normal);
    m_server.clearRequests();
    QVERIFY(call(QStringLiteral(R"({"location":"Berlin"})")).success());
    makeTool(settings(), m_db.get());
    QVERIFY(call(QStringLiteral(R"({"location":"London"})")).success());
    QCOMPARE(m_server.requests().size(), 3);
    for (const auto &request : m_server.requests()) {
        if (!request.path.startsWith(QLatin1String("/owm/")))
            QVERIFY2(!request.target.contains(kOwmKey.toUtf8()) &&
                         !request.query.hasQueryItem(QStringLiteral("appid")),
                     request.target.constData());
    }
}

void TestWeatherTool::settingsValidation()
{
    const auto defaults = runtime::RuntimeConfig::fromValues({});
    AGENCY_VERIFY_OK(defaults);
    QCOMPARE(defaults->tools.weather.openMeteoBaseUrl, QUrl(QStringLiteral("https://api.open-meteo.com/v1")));
    QCOMPARE(defaults->tools.weather.cacheTtlSeconds, 600);
    QVERIFY(defaults->tools.weather.openWeatherApiKey.isEmpty());

    // Bad values are refused with the settings, before any tool exists.
    const auto badUrl = runtime::RuntimeConfig::fromValues(
        {{QStringLiteral("OPEN_METEO_BASE_URL"), QStringLiteral("ftp://example.org")}});
    QCOMPARE(badUrl.error().code, ErrorCode::InvalidArgument);
    QVERIFY(badUrl.error().message.contains(QLatin1String("OPEN_METEO_BASE_URL")));
    const auto badTtl =
        runtime::RuntimeConfig::fromValues({{QStringLiteral("WEATHER_CACHE_TTL_S"), QStringLiteral("-5")}});
    QCOMPARE(badTtl.error().code, ErrorCode::InvalidArgument);
    const auto withKey = runtime::RuntimeConfig::fromValues(
        {{QStringLiteral("OPENWEATHER_API_KEY"), QStringLiteral(" k123 ")}});
    AGENCY_VERIFY_OK(withKey);
    QCOMPARE(withKey->tools.weather.openWeatherApiKey, QStringLiteral("k123"));
}

void TestWeatherTool::builtinRegistryFromSettings()
{
    const auto config = runtime::RuntimeConfig::fromValues({
        {QStringLiteral("OPEN_METEO_BASE_URL"), m_server.forecastUrl().toString()},
        {QStringLiteral("OPEN_METEO_GEOCODING_URL"), m_server.geocodingUrl().toString()},
        {QStringLiteral("TOOL_TIMEOUT_MS"), QStringLiteral("1234")},
    });
    AGENCY_VERIFY_OK(config);
    auto registry = tools::createBuiltinToolRegistry(config->tools, *m_nam, m_db.get(), m_clock);
    AGENCY_VERIFY_OK(registry);
    QCOMPARE(registry.value()->names(),
             (QStringList{QStringLiteral("get_weather"), QStringLiteral("github_comment"),
                          QStringLiteral("github_create_issue"), QStringLiteral("github_get_file"),
                          QStringLiteral("github_get_issue"), QStringLiteral("github_list_commits"),
                          QStringLiteral("github_list_workflow_runs"), QStringLiteral("github_search_issues"),
                          QStringLiteral("search_documents"), QStringLiteral("slack_channel_history"),
                          QStringLiteral("slack_post_message"), QStringLiteral("slack_thread_replies"),
                          QStringLiteral("slack_user_info")}));
    QCOMPARE(registry.value()->defaultTimeoutMs(), 1234);
    const auto future =
        registry.value()->executeCall(core::ToolCall{QStringLiteral("c1"), QStringLiteral("get_weather"),
                                                     QStringLiteral(R"({"location":"Berlin"})")},
                                      {});
    QVERIFY(QTest::qWaitFor([&future] { return future.isFinished(); }, 10'000));
    QVERIFY2(future.result().success(), qPrintable(future.result().content()));
    QCOMPARE(future.result().json.value(QLatin1String("temperature")).toDouble(), -2.5);

    const auto bad =
        runtime::RuntimeConfig::fromValues({{QStringLiteral("TOOL_TIMEOUT_MS"), QStringLiteral("soon")}});
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
    QVERIFY(bad.error().message.contains(QLatin1String("TOOL_TIMEOUT_MS")));
}

void TestWeatherTool::locationNormalisation()
{
    QCOMPARE(tools::WeatherCache::normaliseLocation(QStringLiteral("  New   York ,US ")),
             QStringLiteral("new york,us"));
    QCOMPARE(tools::WeatherCache::normaliseLocation(QStringLiteral("Paris,\tFR")),
             QStringLiteral("paris,fr"));
    QCOMPARE(tools::WeatherCache::normaliseLocation(QStringLiteral("SÃO PAULO")),
             QStringLiteral("são paulo"));
}

QTEST_GUILESS_MAIN(TestWeatherTool)
#include "test_weathertool.moc"

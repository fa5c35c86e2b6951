// `aiagency tools list|call` as an admin runs them: the built program against a fresh database
// and the fake weather services. A listing shows each tool's JSON Schema; a call runs the tool as
// a turn of the tenant would and prints exactly what the model would see; mistakes (unknown
// tenant, tool or flow, arguments the schema refuses) are refused before any request leaves.

#include "clirunner.h"
#include "db/tenantrepository.h"
#include "fakeweatherserver.h"
#include "futurewait.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using test::CliRun;
using test::FakeWeatherServer;

class TestToolsCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void listShowsEveryToolWithItsSchema();
    void listByFlow();
    void listUnknownFlowIsNotFound();
    void callRunsTheToolForTheTenant();
    void callWithArgumentsTheSchemaRefusesSendsNothing();
    void callOfAWriteToolWaitsForApproval();
    void callMistakesFollowTheExitCodeTable_data();
    void callMistakesFollowTheExitCodeTable();

private:
    CliRun aiagency(const QStringList &args) const;

    test::CliDatabase m_db;
    FakeWeatherServer m_weather;
    QTemporaryDir m_home;
    QString m_work;
};

void TestToolsCli::initTestCase()
{
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    db::TenantRepository tenants(m_db.executor());
    QVERIFY(test::await(tenants.ensureTenant(QStringLiteral("acme"))).ok());
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
    QVERIFY(m_home.isValid());
}

void TestToolsCli::init()
{
    static int serial = 0;
    m_work = m_home.filePath(QStringLiteral("work-%1").arg(++serial));
    QVERIFY(QDir().mkpath(m_work));
    m_weather.clearRequests();
}

void TestToolsCli::cleanupTestCase()
{
    m_db.stop();
}

CliRun TestToolsCli::aiagency(const QStringList &args) const
{
    const QString origin = m_weather.baseUrl().toString();
    const test::CliRunner runner(
        QStringLiteral(AGENCY_CLI), m_work,
        {QStringLiteral("--database-url"), m_db.url(), QStringLiteral("--set"),
         QStringLiteral("OPEN_METEO_BASE_URL=") + origin + QStringLiteral("/meteo/v1"),
         QStringLiteral("--set"),
         QStringLiteral("OPEN_METEO_GEOCODING_URL=") + origin + QStringLiteral("/geo/v1"),
         QStringLiteral("--set"), QStringLiteral("WEATHER_CACHE_TTL_S=0")});
    return runner.run(QStringList{QStringLiteral("tools")} + args);
}

void TestToolsCli::listShowsEveryToolWithItsSchema()
{
    const CliRun r = aiagency({QStringLiteral("list"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.all()));
    QJsonParseError error;
    const QJsonArray tools = QJsonDocument::fromJson(r.out.toUtf8(), &error).array();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QStringList names;
    for (const QJsonValue &tool : tools)
        names.append(tool[QStringLiteral("name")].toString());
    QVERIFY2(names.contains(QStringLiteral("get_weather")), qPrintable(r.out));
    QVERIFY2(names.contains(QStringLiteral("search_documents")), qPrintable(r.out));
    for (const QJsonValue &tool : tools) {
        if (tool[QStringLiteral("name")] != QStringLiteral("get_weather"))
            continue;
        const QJsonObject parameters = tool[QStringLiteral("parameters")].toObject();
        QCOMPARE(parameters.value(QStringLiteral("type")).toString(), QStringLiteral("object"));
        QVERIFY(
            parameters.value(QStringLiteral("properties")).toObject().contains(QStringLiteral("location")));
        QCOMPARE(tool[QStringLiteral("requires_approval")].toBool(true), false);
        QVERIFY(!tool[QStringLiteral("description")].toString().isEmpty());
    }
}

void TestToolsCli::listByFlow()
{
    const CliRun weather =
        aiagency({QStringLiteral("list"), QStringLiteral("--flow"), QStringLiteral("weather")});
    QVERIFY2(weather.exitCode == 0, qPrintable(weather.all()));
    QVERIFY2(weather.out.startsWith(QStringLiteral("get_weather\n")), qPrintable(weather.out));
    QVERIFY2(weather.out.contains(QStringLiteral("\"location\"")), qPrintable(weather.out));
    QVERIFY2(!weather.out.contains(QStringLiteral("search_documents")), qPrintable(weather.out));

    const CliRun consulting = aiagency({QStringLiteral("list"), QStringLiteral("--flow"),
                                        QStringLiteral("consulting"), QStringLiteral("--json")});
    QVERIFY2(consulting.exitCode == 0, qPrintable(consulting.all()));
    const QJsonArray tools = QJsonDocument::fromJson(consulting.out.toUtf8()).array();
    for (const QJsonValue &tool : tools)
        QVERIFY2(tool[QStringLiteral("name")] != QStringLiteral("get_weather"), qPrintable(consulting.out));
}

void TestToolsCli::listUnknownFlowIsNotFound()
{
    const CliRun r =
        aiagency({QStringLiteral("list"), QStringLiteral("--flow"), QStringLiteral("nosuchflow")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("flow \"nosuchflow\" does not exist")), qPrintable(r.all()));
    QVERIFY(r.out.isEmpty());
}

void TestToolsCli::callRunsTheToolForTheTenant()
{
    const CliRun r =
        aiagency({QStringLiteral("call"), QStringLiteral("get_weather"), QStringLiteral("--tenant"),
                  QStringLiteral("acme"), QStringLiteral(R"({"location": "Berlin"})")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.all()));
    const QJsonObject result = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(result.value(QStringLiteral("success")).toBool(), true);
    QVERIFY2(r.out.contains(QStringLiteral("Berlin")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("-2.5")), qPrintable(r.out));
    QVERIFY(!m_weather.requests().isEmpty());
}

void TestToolsCli::callWithArgumentsTheSchemaRefusesSendsNothing()
{
    const CliRun r =
        aiagency({QStringLiteral("call"), QStringLiteral("get_weather"), QStringLiteral("--tenant"),
                  QStringLiteral("acme"), QStringLiteral(R"({"location": "Berlin", "units": "kelvinish"})")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("units")), qPrintable(r.all()));
    QVERIFY(m_weather.requests().isEmpty());
}

void TestToolsCli::callOfAWriteToolWaitsForApproval()
{
    // No GitHub is listening at this address: a call that reached it would fail, not wait.
    const CliRun r = aiagency({QStringLiteral("call"), QStringLiteral("github_create_issue"),
                               QStringLiteral("--tenant"), QStringLiteral("acme"),
                               QStringLiteral(R"({"repository": "acme/shop", "title": "Broken build"})")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.all()));
    const QJsonObject result = QJsonDocument::fromJson(r.out.toUtf8()).object();
    const QString approvalId = result.value(QStringLiteral("awaiting_approval")).toString();
    QVERIFY2(!approvalId.isEmpty(), qPrintable(r.all()));
    QVERIFY2(r.err.contains(QStringLiteral("aiagency approvals approve ") + approvalId), qPrintable(r.err));

    const test::CliRunner runner(QStringLiteral(AGENCY_CLI), m_work,
                                 {QStringLiteral("--database-url"), m_db.url()});
    const CliRun listed = runner.run({QStringLiteral("approvals"), QStringLiteral("list"),
                                      QStringLiteral("--tenant"), QStringLiteral("acme")});
    QVERIFY2(listed.exitCode == 0, qPrintable(listed.all()));
    QVERIFY2(listed.out.contains(approvalId), qPrintable(listed.all()));
    QVERIFY2(listed.out.contains(QStringLiteral("github_create_issue")), qPrintable(listed.all()));

    // Arguments the schema refuses never become an approval.
    const CliRun refused =
        aiagency({QStringLiteral("call"), QStringLiteral("github_create_issue"), QStringLiteral("--tenant"),
                  QStringLiteral("acme"), QStringLiteral(R"({"repository": "acme/shop"})")});
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains(QStringLiteral("title")), qPrintable(refused.all()));
}

void TestToolsCli::callMistakesFollowTheExitCodeTable_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("says");
    const QString call = QStringLiteral("call");
    const QString tenant = QStringLiteral("--tenant");
    QTest::newRow("unknown tenant") << QStringList{call, QStringLiteral("get_weather"), tenant,
                                                   QStringLiteral("nobody"),
                                                   QStringLiteral(R"({"location": "Paris"})")}
                                    << 3 << QStringLiteral("nobody");
    QTest::newRow("unknown tool") << QStringList{call, QStringLiteral("get_wether"), tenant,
                                                 QStringLiteral("acme")}
                                  << 3 << QStringLiteral("no tool named \"get_wether\"");
    QTest::newRow("no tenant") << QStringList{call, QStringLiteral("get_weather"),
                                              QStringLiteral(R"({"location": "Paris"})")}
                               << 2 << QStringLiteral("--tenant T");
    QTest::newRow("not JSON") << QStringList{call, QStringLiteral("get_weather"), tenant,
                                             QStringLiteral("acme"), QStringLiteral("location=Paris")}
                              << 2 << QStringLiteral("arguments are not valid JSON");
    QTest::newRow("unknown action") << QStringList{QStringLiteral("run")} << 2
                                    << QStringLiteral("expected list or call");
}

void TestToolsCli::callMistakesFollowTheExitCodeTable()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, says);
    const CliRun r = aiagency(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(says), qPrintable(r.all()));
    QVERIFY(m_weather.requests().isEmpty());
}

QTEST_GUILESS_MAIN(TestToolsCli)
#include "test_toolscli.moc"

// The MCP client end to end against servers written with the official MCP TypeScript SDK
// (tests/mcp/sdk, run by run-mcp-client-check.sh, which installs the SDK): a flow's stdio and
// Streamable HTTP servers' tools offered to the model beside the flow's own and called in a turn
// that the fake OpenAI server drives; paging of tools/list, tools/list_changed, an isError
// result, a server that crashes during a call (the turn gets a clear error; the server is started
// again for the next turn), a call and a start that never answer (timeouts; the turn finishes),
// a bearer token from the tenant's secrets, the stateless 2026-07-28 revision with a server that
// offers it (plain node), and the states `aiagency mcp servers` and /health report.

#include "core/json.h"
#include "db/tenantrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "futurewait.h"
#include "mcp/servermanager.h"
#include "runtime/backend.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace agency;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::FakeWeatherServer;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kFlow = QStringLiteral("mcp-flow");

/// Tenant secrets from a map (the real store is tested with the secrets work).
class MapSecrets : public core::TenantSecretSource
{
public:
    QHash<QString, QString> values; ///< "tenant/name" → value

    core::Async<QString> secret(const QString &tenantId, const QString &name) override
    {
        const QString key = tenantId + u'/' + name;
        if (!values.contains(key))
            return core::failedAsync<QString>(
                core::makeError(core::ErrorCode::NotFound, QStringLiteral("no secret %1").arg(name)));
        return core::readyAsync<QString>(values.value(key));
    }
};

QString sdkDir()
{
    return qEnvironmentVariable("AGENCY_MCP_SDK_DIR");
}

core::McpServerConfig stdioServer(const QString &name, const QMap<QString, QString> &env = {},
                                  int timeoutMs = 0)
{
    core::McpServerConfig config;
    config.name = name;
    config.command = QStringLiteral("node");
    config.args = {sdkDir() + QStringLiteral("/stdio-server.mjs")};
    config.env = env;
    if (timeoutMs > 0)
        config.timeoutMs = timeoutMs;
    return config;
}

QStringList offeredTools(const test::RecordedRequest &request)
{
    QStringList names;
    for (const QJsonValue &tool : request.json().value(QStringLiteral("tools")).toArray())
        names.append(tool[QStringLiteral("function")][QStringLiteral("name")].toString());
    return names;
}

/// The tool results of the last turn's events, in order.
QList<QJsonObject> toolResults(const QList<core::TurnEvent> &events)
{
    QList<QJsonObject> results;
    for (const core::TurnEvent &event : events) {
        if (event.kind == core::TurnEvent::Kind::ToolResult)
            results.append(event.toolResult);
    }
    return results;
}

} // namespace

class TestMcpClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void stdioToolsPagedAndCalledInATurn();
    void errorResultBecomesAFailedToolResult();
    void listChangedAddsATool();
    void crashMidCallFailsTheCallAndRestarts();
    void callThatNeverAnswersTimesOut();
    void cancelledTurnCancelsItsCallOnTheServer();
    void serverThatNeverStartsLeavesTheTurnWithoutItsTools();
    void missingProgramIsReportedWithItsReason();
    void httpServerWithTenantSecretBearer();
    void httpServerRefusesAWrongToken();
    void statelessRevisionWhereTheServerOffersIt();
    void adminListsAndCallsAFlowsMcpTools();

private:
    void makeFixture(const QList<core::McpServerConfig> &servers, const QHash<QString, QString> &extra = {});
    core::TurnRequest request(const QString &message) const
    {
        return test::turnRequest(kTenant, kFlow, message);
    }
    core::McpServerStatus status(const QString &name);
    /// Starts http-server.mjs; its origin.
    QString startHttpServer(const QString &token, bool jsonAnswers);

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    MapSecrets m_secrets;
    std::unique_ptr<EngineFixture> m_fx;
    std::unique_ptr<QProcess> m_http;
};

void TestMcpClient::initTestCase()
{
    if (sdkDir().isEmpty())
        QFAIL("run through tests/mcp/sdk/run-mcp-client-check.sh, which installs the MCP SDK");
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
}

void TestMcpClient::cleanup()
{
    m_fx.reset();
    m_llm.reset();
    if (m_http) {
        m_http->kill();
        m_http->waitForFinished(3000);
        m_http.reset();
    }
}

void TestMcpClient::makeFixture(const QList<core::McpServerConfig> &servers,
                                const QHash<QString, QString> &extra)
{
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    core::FlowDefinition flow = test::testFlow(kFlow, 4);
    flow.mcpServers = servers;
    QHash<QString, QString> settings{{QStringLiteral("MCP_START_TIMEOUT_MS"), QStringLiteral("15000")},
                                     {QStringLiteral("MCP_RESTART_BACKOFF_MS"), QStringLiteral("200")},
                                     {QStringLiteral("TOOL_TIMEOUT_MS"), QStringLiteral("20000")}};
    settings.insert(extra);
    m_fx = std::make_unique<EngineFixture>(
        *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(), settings),
        QList<core::FlowDefinition>{flow}, EngineFixture::Limiter::Memory,
        QList<std::shared_ptr<tools::Tool>>{}, &m_secrets);
}

core::McpServerStatus TestMcpClient::status(const QString &name)
{
    for (const core::McpServerStatus &s : m_fx->backend().mcpServers().statuses()) {
        if (s.name == name)
            return s;
    }
    return {};
}

QString TestMcpClient::startHttpServer(const QString &token, bool jsonAnswers)
{
    m_http = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TOKEN"), token);
    env.insert(QStringLiteral("JSON_RESPONSE"), jsonAnswers ? QStringLiteral("1") : QStringLiteral("0"));
    m_http->setProcessEnvironment(env);
    m_http->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_http->start(QStringLiteral("node"), {sdkDir() + QStringLiteral("/http-server.mjs")});
    if (!m_http->waitForStarted(5000))
        return {};
    QByteArray line;
    for (int i = 0; i < 100 && !line.contains('\n'); ++i) {
        m_http->waitForReadyRead(100);
        line += m_http->readAllStandardOutput();
    }
    const QByteArray port = line.trimmed().split(' ').value(1);
    return port.isEmpty() ? QString()
                          : QStringLiteral("http://127.0.0.1:%1/mcp").arg(QString::fromLatin1(port));
}

void TestMcpClient::stdioToolsPagedAndCalledInATurn()
{
    // 6 tools + 10 fillers, 3 a page: six pages of tools/list.
    makeFixture({stdioServer(QStringLiteral("files"),
                             {{QStringLiteral("MCP_TEST_GREETING"), QStringLiteral("hello from env")},
                              {QStringLiteral("FILLER"), QStringLiteral("10")},
                              {QStringLiteral("PAGE_SIZE"), QStringLiteral("3")}})});
    m_llm->enqueueToolCalls({test::call(QStringLiteral("c1"), QStringLiteral("files__echo"),
                                        QStringLiteral(R"({"text":"ping"})")),
                             test::call(QStringLiteral("c2"), QStringLiteral("files__measure"),
                                        QStringLiteral(R"({"text":"four"})"))});
    m_llm->enqueueText(QStringLiteral("done"));
    auto result = m_fx->runTurn(request(QStringLiteral("use the files")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("done"));

    const QStringList offered = offeredTools(m_llm->chatRequests().at(0));
    QVERIFY2(offered.contains(QStringLiteral("get_weather")), qPrintable(offered.join(u',')));
    QVERIFY(offered.contains(QStringLiteral("files__echo")));
    QVERIFY(offered.contains(QStringLiteral("files__filler_09"))); // on the last page
    QCOMPARE(offered.size(), 1 + 6 + 10);
    // The schema is passed through as the server wrote it.
    for (const QJsonValue &tool :
         m_llm->chatRequests().at(0).json().value(QStringLiteral("tools")).toArray()) {
        if (tool[QStringLiteral("function")][QStringLiteral("name")].toString() ==
            QLatin1String("files__echo"))
            QCOMPARE(
                tool[QStringLiteral("function")][QStringLiteral("parameters")][QStringLiteral("required")]
                    .toArray(),
                QJsonArray{QStringLiteral("text")});
    }

    const QList<QJsonObject> results = toolResults(m_fx->events());
    QCOMPARE(results.size(), 2);
    QCOMPARE(results.at(0).value(QStringLiteral("success")).toBool(), true);
    QCOMPARE(results.at(0).value(QStringLiteral("text")).toString(), QStringLiteral("ping (hello from env)"));
    QCOMPARE(results.at(1).value(QStringLiteral("structured_content")).toObject(),
             (QJsonObject{{QStringLiteral("length"), 4}}));
    // What the model got back is what the tool message holds.
    const QJsonArray second = test::requestMessages(m_llm->chatRequests().at(1));
    QVERIFY(second.at(second.size() - 2)[QStringLiteral("content")].toString().contains(
        QStringLiteral("hello from env")));

    const core::McpServerStatus files = status(QStringLiteral("files"));
    QCOMPARE(files.state, QStringLiteral("ready"));
    QCOMPARE(files.toolCount, 16);
    QCOMPARE(files.scope, QStringLiteral("flow:") + kFlow);
    QCOMPARE(files.protocolVersion, QStringLiteral("2025-11-25"));

    // The service reports the same, for `aiagency mcp servers` and /health.
    auto servers = test::await(m_fx->service().mcpServers());
    AGENCY_VERIFY_OK(servers);
    QCOMPARE(servers->size(), 1);
    QCOMPARE(servers->first().state, QStringLiteral("ready"));
    auto health = test::await(m_fx->service().health());
    AGENCY_VERIFY_OK(health);
    QCOMPARE(health->mcpServers.size(), 1);
    QCOMPARE(health->mcpServers.first().toolCount, 16);
}

void TestMcpClient::errorResultBecomesAFailedToolResult()
{
    makeFixture({stdioServer(QStringLiteral("files"))});
    m_llm->enqueueToolCalls(
        {test::call(QStringLiteral("c1"), QStringLiteral("files__fail"), QStringLiteral("{}"))});
    m_llm->enqueueText(QStringLiteral("sorry"));
    auto result = m_fx->runTurn(request(QStringLiteral("print it")));
    AGENCY_VERIFY_OK(result);
    const QList<QJsonObject> results = toolResults(m_fx->events());
    QCOMPARE(results.size(), 1);
    QCOMPARE(results.at(0).value(QStringLiteral("success")).toBool(), false);
    QVERIFY2(results.at(0)
                 .value(QStringLiteral("error"))
                 .toString()
                 .contains(QStringLiteral("the printer is on fire")),
             qPrintable(core::toCompactJsonString(results.at(0))));
    QCOMPARE(status(QStringLiteral("files")).state, QStringLiteral("ready")); // an error result is no failure
}

void TestMcpClient::listChangedAddsATool()
{
    makeFixture({stdioServer(QStringLiteral("files"))});
    m_llm->enqueueToolCalls(
        {test::call(QStringLiteral("c1"), QStringLiteral("files__add_tool"), QStringLiteral("{}"))});
    m_llm->enqueueText(QStringLiteral("added"));
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("add a tool"))));
    QVERIFY(!offeredTools(m_llm->chatRequests().at(0)).contains(QStringLiteral("files__late_tool")));
    // The server announces the new tool; the list is fetched again.
    QTRY_COMPARE_WITH_TIMEOUT(status(QStringLiteral("files")).toolCount, 7, 10000);

    m_llm->enqueueToolCalls(
        {test::call(QStringLiteral("c2"), QStringLiteral("files__late_tool"), QStringLiteral("{}"))});
    m_llm->enqueueText(QStringLiteral("used it"));
    m_fx->clearEvents();
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("use the new tool"))));
    QVERIFY(offeredTools(m_llm->chatRequests().at(2)).contains(QStringLiteral("files__late_tool")));
    const QList<QJsonObject> results = toolResults(m_fx->events());
    QCOMPARE(results.size(), 1);
    QCOMPARE(results.at(0).value(QStringLiteral("text")).toString(), QStringLiteral("late and present"));
}

void TestMcpClient::crashMidCallFailsTheCallAndRestarts()
{
    makeFixture({stdioServer(QStringLiteral("files"))});
    m_llm->enqueueToolCalls(
        {test::call(QStringLiteral("c1"), QStringLiteral("files__crash"), QStringLiteral("{}"))});
    m_llm->enqueueText(QStringLiteral("it broke"));
    auto result = m_fx->runTurn(request(QStringLiteral("crash it")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("it broke"));
    const QList<QJsonObject> results = toolResults(m_fx->events());
    QCOMPARE(results.size(), 1);
    const QString error = results.at(0).value(QStringLiteral("error")).toString();
    QVERIFY2(error.contains(QStringLiteral("exited with code 3")) &&
                 error.contains(QStringLiteral("crashing on purpose")),
             qPrintable(error));

    // Started again after the backoff, and the next turn's calls work.
    QTRY_COMPARE_WITH_TIMEOUT(status(QStringLiteral("files")).state, QStringLiteral("ready"), 15000);
    QVERIFY(status(QStringLiteral("files")).restarts >= 1);
    m_llm->enqueueToolCalls({test::call(QStringLiteral("c2"), QStringLiteral("files__echo"),
                                        QStringLiteral(R"({"text":"again"})"))});
    m_llm->enqueueText(QStringLiteral("back"));
    m_fx->clearEvents();
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("try again"))));
    QCOMPARE(toolResults(m_fx->events()).value(0).value(QStringLiteral("success")).toBool(), true);
}

void TestMcpClient::callThatNeverAnswersTimesOut()
{
    makeFixture({stdioServer(QStringLiteral("files"), {}, 1000)});
    m_llm->enqueueToolCalls(
        {test::call(QStringLiteral("c1"), QStringLiteral("files__hang"), QStringLiteral("{}"))});
    m_llm->enqueueText(QStringLiteral("gave up"));
    QElapsedTimer elapsed;
    elapsed.start();
    auto result = m_fx->runTurn(request(QStringLiteral("wait forever")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("gave up"));
    const QList<QJsonObject> results = toolResults(m_fx->events());
    QCOMPARE(results.size(), 1);
    QCOMPARE(results.at(0).value(QStringLiteral("error_code")).toString(),
             QStringLiteral("provider_timeout"));
    QVERIFY2(results.at(0).value(QStringLiteral("error")).toString().contains(QStringLiteral("1000 ms")),
             qPrintable(core::toCompactJsonString(results.at(0))));
    // The server stays usable: the call was cancelled, not the session.
    QCOMPARE(status(QStringLiteral("files")).state, QStringLiteral("ready"));
}

void TestMcpClient::cancelledTurnCancelsItsCallOnTheServer()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString cancelLog = dir.filePath(QStringLiteral("cancelled.log"));
    makeFixture({stdioServer(QStringLiteral("files"), {{QStringLiteral("CANCEL_LOG"), cancelLog}}, 30000)});
    m_llm->enqueueToolCalls(
        {test::call(QStringLiteral("c1"), QStringLiteral("files__hang"), QStringLiteral("{}"))});
    core::TurnRequest turn = request(QStringLiteral("wait, then stop"));
    turn.cancel = core::CancelToken::create();
    // The person presses Stop once the server is working on the call (a call cancelled before
    // it was sent is simply never sent: there would be nothing to tell the server).
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &poll, [&turn, cancelLog] {
        QFile log(cancelLog);
        if (log.open(QIODevice::ReadOnly) && log.readAll().startsWith("started\n"))
            turn.cancel->cancel();
    });
    poll.start(50);
    QElapsedTimer elapsed;
    elapsed.start();
    auto result = m_fx->runTurn(turn);
    poll.stop();
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, core::ErrorCode::Cancelled);
    QVERIFY2(elapsed.elapsed() < 15000, "the cancelled turn waited for the call's own time limit");
    // The server was told (notifications/cancelled) and aborted the call.
    const auto logged = [&cancelLog] {
        QFile log(cancelLog);
        return log.open(QIODevice::ReadOnly) ? log.readAll() : QByteArray();
    };
    QTRY_COMPARE_WITH_TIMEOUT(logged(), QByteArray("started\ncancelled\n"), 10000);
    QCOMPARE(status(QStringLiteral("files")).state, QStringLiteral("ready"));
}

void TestMcpClient::serverThatNeverStartsLeavesTheTurnWithoutItsTools()
{
    makeFixture({stdioServer(QStringLiteral("stuck"), {{QStringLiteral("NEVER_INIT"), QStringLiteral("1")}})},
                {{QStringLiteral("MCP_START_TIMEOUT_MS"), QStringLiteral("1000")}});
    m_llm->enqueueText(QStringLiteral("no tools today"));
    auto result = m_fx->runTurn(request(QStringLiteral("hello")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("no tools today"));
    QCOMPARE(offeredTools(m_llm->chatRequests().at(0)), QStringList{QStringLiteral("get_weather")});
    QTRY_COMPARE_WITH_TIMEOUT(status(QStringLiteral("stuck")).state == QLatin1String("starting"), false,
                              5000);
    const core::McpServerStatus stuck = status(QStringLiteral("stuck"));
    QVERIFY2(stuck.reason.contains(QStringLiteral("did not answer initialize")), qPrintable(stuck.reason));
}

void TestMcpClient::missingProgramIsReportedWithItsReason()
{
    core::McpServerConfig missing;
    missing.name = QStringLiteral("ghost");
    missing.command = QStringLiteral("/nonexistent/mcp-server");
    makeFixture({missing});
    auto servers = test::await(m_fx->service().mcpServers());
    AGENCY_VERIFY_OK(servers);
    QCOMPARE(servers->size(), 1);
    QCOMPARE(servers->first().state, QStringLiteral("failed"));
    QVERIFY2(servers->first().reason.contains(QStringLiteral("could not start \"/nonexistent/mcp-server\"")),
             qPrintable(servers->first().reason));
    // A turn still runs, without the server's tools.
    m_llm->enqueueText(QStringLiteral("fine"));
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("hello"))));
}

void TestMcpClient::httpServerWithTenantSecretBearer()
{
    for (const bool json : {false, true}) {
        const QString url = startHttpServer(QStringLiteral("tok-%1").arg(json), json);
        QVERIFY(!url.isEmpty());
        m_secrets.values.insert(kTenant + QStringLiteral("/crm_token"), QStringLiteral("tok-%1").arg(json));
        core::McpServerConfig crm;
        crm.name = QStringLiteral("crm");
        crm.url = url;
        crm.headers.insert(QStringLiteral("Authorization"), QStringLiteral("Bearer ${secret:crm_token}"));
        makeFixture({crm});
        m_llm->enqueueToolCalls(
            {test::call(QStringLiteral("c1"), QStringLiteral("crm__lookup"),
                        QStringLiteral(R"({"customer":"Ada"})")),
             test::call(QStringLiteral("c2"), QStringLiteral("crm__whoami"), QStringLiteral("{}"))});
        m_llm->enqueueText(QStringLiteral("Ada is gold"));
        auto result = m_fx->runTurn(request(QStringLiteral("who is Ada?")));
        AGENCY_VERIFY_OK(result);
        const QList<QJsonObject> results = toolResults(m_fx->events());
        QCOMPARE(results.size(), 2);
        QCOMPARE(results.at(0).value(QStringLiteral("text")).toString(),
                 QStringLiteral("Ada is a gold customer"));
        QCOMPARE(results.at(0).value(QStringLiteral("structured_content"))[QStringLiteral("tier")].toString(),
                 QStringLiteral("gold"));
        // The revision negotiated goes with every request after initialize.
        QCOMPARE(results.at(1).value(QStringLiteral("text")).toString(),
                 QStringLiteral("version header 2025-11-25"));
        const core::McpServerStatus s = status(QStringLiteral("crm"));
        QCOMPARE(s.transport, QStringLiteral("http"));
        QCOMPARE(s.state, QStringLiteral("ready"));
        // The secret's value is never shown.
        QVERIFY(!core::toCompactJsonString(s.toJson()).contains(QStringLiteral("tok-")));
        cleanup();
        m_fx.reset();
    }
}

void TestMcpClient::httpServerRefusesAWrongToken()
{
    const QString url = startHttpServer(QStringLiteral("right"), false);
    QVERIFY(!url.isEmpty());
    core::McpServerConfig crm;
    crm.name = QStringLiteral("crm");
    crm.url = url;
    crm.headers.insert(QStringLiteral("Authorization"), QStringLiteral("Bearer wrong"));
    makeFixture({crm});
    auto servers = test::await(m_fx->service().mcpServers());
    AGENCY_VERIFY_OK(servers);
    QCOMPARE(servers->first().state, QStringLiteral("failed"));
    QVERIFY2(servers->first().reason.contains(QStringLiteral("HTTP 401")),
             qPrintable(servers->first().reason));
    m_llm->enqueueText(QStringLiteral("without the CRM"));
    auto result = m_fx->runTurn(request(QStringLiteral("who is Ada?")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(offeredTools(m_llm->chatRequests().at(0)), QStringList{QStringLiteral("get_weather")});
}

void TestMcpClient::adminListsAndCallsAFlowsMcpTools()
{
    // `aiagency tools list --flow` and `tools call` ask the service, which asks the very source the
    // turns ask: the admin sees the tools the model sees, and runs one as a turn would.
    makeFixture({stdioServer(QStringLiteral("files"),
                             {{QStringLiteral("MCP_TEST_GREETING"), QStringLiteral("hello from env")}})});
    auto tools = test::await(m_fx->service().flowTools(kFlow, kTenant));
    AGENCY_VERIFY_OK(tools);
    QStringList names;
    for (const core::ToolInfo &info : tools.value()) {
        names.append(info.definition.name);
        if (info.definition.name == QLatin1String("files__echo")) {
            QCOMPARE(info.origin, QStringLiteral("mcp:files"));
            QCOMPARE(info.definition.parameters.value(QStringLiteral("required")).toArray(),
                     QJsonArray{QStringLiteral("text")});
        }
    }
    QCOMPARE(names.value(0), QStringLiteral("get_weather")); // the flow's own first
    QVERIFY2(names.contains(QStringLiteral("files__echo")), qPrintable(names.join(u',')));
    QVERIFY(names.contains(QStringLiteral("files__measure")));

    QVERIFY(test::await(m_fx->tenants().ensureTenant(kTenant)).ok());
    auto echoed = test::await(
        m_fx->service().callTool(kTenant, QStringLiteral("files__echo"), QStringLiteral(R"({"text":"hi"})")));
    AGENCY_VERIFY_OK(echoed);
    QVERIFY(echoed->success);
    QCOMPARE(echoed->result.value(QStringLiteral("text")).toString(), QStringLiteral("hi (hello from env)"));

    auto failed = test::await(m_fx->service().callTool(kTenant, QStringLiteral("files__fail"), {}, kFlow));
    AGENCY_VERIFY_OK(failed);
    QVERIFY(!failed->success);

    auto unknown = test::await(m_fx->service().callTool(kTenant, QStringLiteral("files__nope"), {}, kFlow));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, core::ErrorCode::NotFound);
}

void TestMcpClient::statelessRevisionWhereTheServerOffersIt()
{
    core::McpServerConfig stateless;
    stateless.name = QStringLiteral("next");
    stateless.command = QStringLiteral("node");
    stateless.args = {sdkDir() + QStringLiteral("/stateless-server.mjs")};
    makeFixture({stateless});
    m_llm->enqueueToolCalls(
        {test::call(QStringLiteral("c1"), QStringLiteral("next__stamp"), QStringLiteral("{}"))});
    m_llm->enqueueText(QStringLiteral("stamped"));
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("stamp it"))));
    const QList<QJsonObject> results = toolResults(m_fx->events());
    QCOMPARE(results.size(), 1);
    // The server refuses a request that does not name 2026-07-28 in its _meta.
    QCOMPARE(results.at(0).value(QStringLiteral("text")).toString(), QStringLiteral("stamped 2026-07-28"));
    QCOMPARE(status(QStringLiteral("next")).protocolVersion, QStringLiteral("2026-07-28"));
}

QTEST_GUILESS_MAIN(TestMcpClient)
#include "test_mcpclient.moc"

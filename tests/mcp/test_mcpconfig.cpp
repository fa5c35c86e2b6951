// The MCP client's parts that need no MCP SDK: `mcp_servers` in flow files and tenant settings
// (clear errors naming the field), how a CallToolResult becomes a tool result, tool names, and a
// session refusing a server whose answers break the MCP schema (a shell script as the server).

#include "core/json.h"
#include "core/mcpserver.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "flows/flowparser.h"
#include "futurewait.h"
#include "mcp/mcptool.h"
#include "mcp/session.h"
#include "mcp/stdiotransport.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace agency;

namespace {

QJsonObject flowJson(const QJsonValue &servers)
{
    return QJsonObject{{QStringLiteral("flow_type"), QStringLiteral("f")},
                       {QStringLiteral("system_prompt"), QStringLiteral("Help.")},
                       {QStringLiteral("mcp_servers"), servers}};
}

QJsonValue parse(const char *json)
{
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(json));
    return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
}

} // namespace

class TestMcpConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void flowFileServers();
    void badServersNameTheField_data();
    void badServersNameTheField();
    void tenantSetting();
    void callResults();
    void toolNames();
    void invalidAnswerClosesTheSession();
};

void TestMcpConfig::flowFileServers()
{
    auto flow = flows::parseFlowDefinition(
        flowJson(parse(R"([{"name":"files","command":"node","args":["server.mjs"],"env":{"A":"1"}},
                          {"name":"crm","url":"https://crm.example/mcp","headers":{"Authorization":"Bearer ${secret:crm_token}"},
                           "timeout_ms":5000}])")),
        QStringLiteral("f.json"));
    AGENCY_VERIFY_OK(flow);
    QCOMPARE(flow->mcpServers.size(), 2);
    const core::McpServerConfig files = flow->mcpServers.at(0);
    QVERIFY(files.isStdio());
    QCOMPARE(files.args, QStringList{QStringLiteral("server.mjs")});
    QCOMPARE(files.env.value(QStringLiteral("A")), QStringLiteral("1"));
    QCOMPARE(files.timeoutMs, core::McpServerConfig::kDefaultTimeoutMs);
    QVERIFY(!files.usesSecrets());
    const core::McpServerConfig crm = flow->mcpServers.at(1);
    QVERIFY(!crm.isStdio());
    QVERIFY(crm.usesSecrets());
    QCOMPARE(crm.timeoutMs, 5000);
    // The flow's JSON shape round-trips.
    auto again = flows::parseFlowDefinition(flow->toJson(), QStringLiteral("again"));
    AGENCY_VERIFY_OK(again);
    QCOMPARE(again->mcpServers, flow->mcpServers);
}

void TestMcpConfig::badServersNameTheField_data()
{
    QTest::addColumn<QString>("servers");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("says");
    QTest::newRow("not an array") << R"({"name":"x"})"
                                  << "mcp_servers"
                                  << "must be an array";
    QTest::newRow("neither") << R"([{"name":"x"}])"
                             << "mcp_servers[0]"
                             << "either a command";
    QTest::newRow("both") << R"([{"name":"x","command":"a","url":"http://h/mcp"}])"
                          << "mcp_servers[0]"
                          << "either a command";
    QTest::newRow("bad name") << R"([{"name":"a b","command":"a"}])"
                              << "mcp_servers[0].name"
                              << "1-32 of";
    QTest::newRow("long name") << R"([{"name":"abcdefghijabcdefghijabcdefghijabc","command":"a"}])"
                               << "mcp_servers[0].name"
                               << "1-32 of";
    QTest::newRow("ftp url") << R"([{"name":"x","url":"ftp://h/mcp"}])"
                             << "mcp_servers[0].url"
                             << "http or https";
    QTest::newRow("unknown key") << R"([{"name":"x","command":"a","cwd":"/"}])"
                                 << "mcp_servers[0].cwd"
                                 << "not an MCP server field";
    QTest::newRow("env of url") << R"([{"name":"x","url":"http://h/mcp","env":{}}])"
                                << "mcp_servers[0].env"
                                << "only applies to a command";
    QTest::newRow("number arg") << R"([{"name":"x","command":"a","args":[1]}])"
                                << "mcp_servers[0].args"
                                << "array of strings";
    QTest::newRow("timeout") << R"([{"name":"x","command":"a","timeout_ms":5}])"
                             << "mcp_servers[0].timeout_ms"
                             << "100 to 600000";
    QTest::newRow("twice") << R"([{"name":"x","command":"a"},{"name":"x","command":"b"}])"
                           << "mcp_servers[1].name"
                           << "used twice";
}

void TestMcpConfig::badServersNameTheField()
{
    QFETCH(QString, servers);
    QFETCH(QString, field);
    QFETCH(QString, says);
    const QJsonDocument document = QJsonDocument::fromJson(servers.toUtf8());
    const QJsonValue value =
        document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
    auto flow = flows::parseFlowDefinition(flowJson(value), QStringLiteral("f.json"));
    QVERIFY(!flow);
    QCOMPARE(flow.error().code, core::ErrorCode::InvalidArgument);
    QCOMPARE(flow.error().details.value(QStringLiteral("field")).toString(), field);
    QVERIFY2(flow.error().message.startsWith(QStringLiteral("f.json: ") + field + u' '),
             qPrintable(flow.error().message));
    QVERIFY2(flow.error().message.contains(says), qPrintable(flow.error().message));
}

void TestMcpConfig::tenantSetting()
{
    test::TestPostgres pg;
    QVERIFY2(pg.start(), qPrintable(pg.error()));
    auto params = pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    sql::DbExecutor db(params.value(), 2);
    test::FakeWeatherServer weather;
    QVERIFY(weather.listen());
    test::FakeOpenAiServer llm;
    QVERIFY(llm.listen());
    test::EngineFixture fx(db, test::engineConfig(llm.baseUrl(), weather.baseUrl().toString()));
    const QJsonObject good{
        {QStringLiteral("mcp_servers"), parse(R"([{"name":"crm","url":"https://crm.example/mcp"}])")}};
    auto created =
        test::await(fx.service().createTenant(QStringLiteral("acme"), QStringLiteral("Acme"), good));
    AGENCY_VERIFY_OK(created);
    QCOMPARE(created->settings, good);
    const QJsonObject bad{{QStringLiteral("mcp_servers"), parse(R"([{"name":"crm","url":"mailto:x@y"}])")}};
    auto refused = test::await(fx.service().updateTenant(QStringLiteral("acme"), std::nullopt, bad));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, core::ErrorCode::InvalidArgument);
    QCOMPARE(refused.error().details.value(QStringLiteral("field")).toString(),
             QStringLiteral("mcp_servers[0].url"));
    // Its servers are reported with the tenant's scope; an unknown tenant is NotFound.
    auto servers = test::await(fx.service().mcpServers(QStringLiteral("acme")));
    AGENCY_VERIFY_OK(servers);
    QCOMPARE(servers->size(), 1);
    QCOMPARE(servers->first().scope, QStringLiteral("tenant:acme"));
    QCOMPARE(servers->first().state, QStringLiteral("failed")); // nothing listens at crm.example here
    auto unknown = test::await(fx.service().mcpServers(QStringLiteral("nobody")));
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().code, core::ErrorCode::NotFound);
}

void TestMcpConfig::callResults()
{
    auto payload = mcp::McpTool::toPayload(
        QStringLiteral("s"), QStringLiteral("t"),
        parse(R"({"content":[{"type":"text","text":"a"},{"type":"image","data":"AAAA","mimeType":"image/png"},
                             {"type":"text","text":"b"}],"structuredContent":{"n":1}})")
            .toObject());
    AGENCY_VERIFY_OK(payload);
    QCOMPARE(payload->value(QStringLiteral("text")).toString(), QStringLiteral("a\nb"));
    QCOMPARE(payload->value(QStringLiteral("structured_content")).toObject(),
             (QJsonObject{{QStringLiteral("n"), 1}}));
    // The model learns an image came, not its bytes.
    QCOMPARE(payload->value(QStringLiteral("content")).toArray(),
             parse(R"([{"type":"image","mimeType":"image/png"}])").toArray());
    auto error = mcp::McpTool::toPayload(
        QStringLiteral("s"), QStringLiteral("t"),
        parse(R"({"isError":true,"content":[{"type":"text","text":"no such row"}]})").toObject());
    QVERIFY(!error);
    QVERIFY2(error.error().message.contains(QStringLiteral("no such row")),
             qPrintable(error.error().message));
    QCOMPARE(error.error().details.value(QStringLiteral("mcp_server")).toString(), QStringLiteral("s"));
}

void TestMcpConfig::toolNames()
{
    QCOMPARE(mcp::McpTool::exposedName(QStringLiteral("files"), QStringLiteral("read")),
             QStringLiteral("files__read"));
    QCOMPARE(mcp::McpTool::exposedName(QStringLiteral("files"), QStringLiteral("read.file/v2")),
             QStringLiteral("files__read_file_v2"));
    const QString longName = mcp::McpTool::exposedName(QStringLiteral("files"), QString(100, u'x'));
    QCOMPARE(longName.size(), 64);
    QVERIFY(mcp::McpTool::exposedName(QStringLiteral("files"), QString()).isEmpty());
}

void TestMcpConfig::invalidAnswerClosesTheSession()
{
    // A "server" whose initialize answer lacks capabilities and serverInfo (required by the schema).
    auto *transport = new mcp::StdioTransport(
        QStringLiteral("sh"),
        {QStringLiteral("-c"),
         QStringLiteral(
             R"(read line; echo '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25"}}'; sleep 10)")},
        {});
    mcp::McpSession session(transport, {});
    QSignalSpy closed(&session, &mcp::McpSession::closed);
    session.start();
    QVERIFY(closed.wait(5000));
    const QString reason = closed.first().first().toString();
    QVERIFY2(reason.contains(QStringLiteral("breaks MCP 2025-11-25")), qPrintable(reason));
    QCOMPARE(session.state(), mcp::McpSession::State::Closed);
    // Requests after that fail at once with the reason.
    auto call = test::await(session.callTool(QStringLiteral("x"), {}, 1000));
    QVERIFY(!call);
    QCOMPARE(call.error().code, core::ErrorCode::ProviderUnavailable);
}

QTEST_GUILESS_MAIN(TestMcpConfig)
#include "test_mcpconfig.moc"

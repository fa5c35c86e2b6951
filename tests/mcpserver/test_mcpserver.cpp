// The agency as an MCP server (docs/design.md#mcp) over the real backend: McpServer's dispatch
// (lifecycle, version negotiation, JSON-RPC errors, tools/list paging, ask_<flow> stored like any
// turn, searches, cancellation, tenant isolation) and the /mcp route of the HTTP server (sessions,
// headers, Origin, JSON and SSE answers), read over raw sockets.
#include "mcpserver/mcpserver.h"
#include "serverfixture.h"
#include "service/agencyservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace agency;
using agency::mcpserver::McpServer;
using agency::test::RawResponse;

namespace {

const QByteArray kInitialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"test","version":"1"}}})";

QByteArray request(int id, const QString &method, const QJsonObject &params = {})
{
    return QJsonDocument(QJsonObject{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                                     {QStringLiteral("id"), id},
                                     {QStringLiteral("method"), method},
                                     {QStringLiteral("params"), params}})
        .toJson(QJsonDocument::Compact);
}

QByteArray callTool(int id, const QString &name, const QJsonObject &arguments)
{
    return request(id, QStringLiteral("tools/call"),
                   {{QStringLiteral("name"), name}, {QStringLiteral("arguments"), arguments}});
}

/// Collects what a session sends.
struct Outbox
{
    QList<QByteArray> sent;
    McpServer::Send sink()
    {
        return [this](const QByteArray &message) { sent.append(message); };
    }
    QJsonObject last() const { return QJsonDocument::fromJson(sent.value(sent.size() - 1)).object(); }
};

int errorCode(const QJsonObject &answer)
{
    return answer.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toInt();
}

QJsonObject result(const QJsonObject &answer)
{
    return answer.value(QStringLiteral("result")).toObject();
}

} // namespace

class TestMcpServer : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;

    /// Sends `message` and waits for its answer (up to 20 s).
    QJsonObject exchange(McpServer &server, const QByteArray &message)
    {
        Outbox out;
        if (!server.receive(message, out.sink()))
            return {};
        if (!QTest::qWaitFor([&] { return !out.sent.isEmpty(); }, 20000))
            return {{QStringLiteral("timeout"), true}};
        return out.last();
    }

    std::unique_ptr<McpServer> session(const QString &tenant, mcpserver::McpServerOptions options = {})
    {
        auto server = std::make_unique<McpServer>(m_fx.engine().service(), tenant, options);
        const QJsonObject init = exchange(*server, kInitialize);
        if (result(init).value(QStringLiteral("protocolVersion")).toString() != QLatin1String("2025-11-25"))
            qWarning("initialize failed: %s", QJsonDocument(init).toJson().constData());
        Outbox ignored;
        server->receive(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", ignored.sink());
        return server;
    }

    QByteArray otherTenantKey()
    {
        core::NewApiKey spec;
        spec.name = QStringLiteral("globex member");
        spec.tenantId = QStringLiteral("globex");
        auto created = test::await(m_fx.engine().service().createApiKey(spec));
        return created ? created->secret.toUtf8() : QByteArray();
    }

    RawResponse mcpPost(const QByteArray &body, QList<QPair<QByteArray, QByteArray>> headers = {})
    {
        headers.append(
            qMakePair(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json, text/event-stream")));
        return m_fx.request("POST", "/mcp", body, headers);
    }

    /// A /mcp session of the fixture's key: its id.
    QByteArray openHttpSession()
    {
        const RawResponse r = mcpPost(kInitialize);
        return r.status == 200 ? r.header("Mcp-Session-Id") : QByteArray();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.startServer(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.stopServer(); }

    void negotiatesTheVersion()
    {
        McpServer server(m_fx.engine().service(), QString::fromLatin1(test::ServerFixture::kTenant));
        QCOMPARE(errorCode(exchange(server, request(1, QStringLiteral("tools/list")))), -32600);
        QVERIFY(!server.initialized());
        QByteArray older = kInitialize;
        older.replace("2025-11-25", "2024-11-05");
        const QJsonObject init = result(exchange(server, older));
        // An unsupported revision gets the latest supported one; the client decides.
        QCOMPARE(init.value(QStringLiteral("protocolVersion")).toString(), QStringLiteral("2025-11-25"));
        QCOMPARE(init.value(QStringLiteral("serverInfo")).toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("aiagency"));
        QVERIFY(init.value(QStringLiteral("capabilities")).toObject().contains(QStringLiteral("tools")));
        QCOMPARE(server.protocolVersion(), QStringLiteral("2025-11-25"));
        QCOMPARE(errorCode(exchange(server, kInitialize)), -32600); // only once
        QCOMPARE(
            exchange(server, request(5, QStringLiteral("ping"))).value(QStringLiteral("result")).toObject(),
            QJsonObject());
    }

    void answersProtocolErrors()
    {
        auto server = session(QString::fromLatin1(test::ServerFixture::kTenant));
        const QJsonObject parse = exchange(*server, "{\"jsonrpc\": nope");
        QCOMPARE(errorCode(parse), -32700);
        QVERIFY(parse.value(QStringLiteral("id")).isNull());
        QCOMPARE(errorCode(exchange(*server, R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])")), -32600);
        QCOMPARE(errorCode(exchange(*server, request(2, QStringLiteral("resources/list")))), -32601);
        QCOMPARE(errorCode(exchange(*server, request(3, QStringLiteral("tools/call")))), -32602);
        const QJsonObject unknown = exchange(*server, callTool(4, QStringLiteral("ask_nobody"), {}));
        QCOMPARE(errorCode(unknown), -32602);
        QCOMPARE(unknown.value(QStringLiteral("id")).toInt(), 4);
        // Notifications and responses get no answer.
        Outbox out;
        QVERIFY(!server->receive(R"({"jsonrpc":"2.0","method":"notifications/whatever"})", out.sink()));
        QVERIFY(!server->receive(R"({"jsonrpc":"2.0","id":7,"result":{}})", out.sink()));
        QVERIFY(out.sent.isEmpty());
    }

    void pagesTheToolList()
    {
        auto server = session(QString::fromLatin1(test::ServerFixture::kTenant), {1});
        QStringList names;
        QString cursor;
        for (int page = 0; page < 20; ++page) {
            QJsonObject params;
            if (!cursor.isEmpty())
                params.insert(QStringLiteral("cursor"), cursor);
            const QJsonObject listed =
                result(exchange(*server, request(10 + page, QStringLiteral("tools/list"), params)));
            const QJsonArray tools = listed.value(QStringLiteral("tools")).toArray();
            QCOMPARE(tools.size(), 1);
            names.append(tools.at(0).toObject().value(QStringLiteral("name")).toString());
            cursor = listed.value(QStringLiteral("nextCursor")).toString();
            if (cursor.isEmpty())
                break;
        }
        QStringList expected;
        for (const core::FlowDefinition &flow : m_fx.engine().service().flows())
            expected.append(QStringLiteral("ask_") + flow.flowType);
        expected.sort();
        expected << QStringLiteral("search_conversations") << QStringLiteral("search_documents");
        QCOMPARE(names, expected);
        QCOMPARE(errorCode(exchange(*server, request(40, QStringLiteral("tools/list"),
                                                     {{QStringLiteral("cursor"), QStringLiteral("bogus")}}))),
                 -32602);
    }

    void askStoresTheTurn()
    {
        const QString tenant = QString::fromLatin1(test::ServerFixture::kTenant);
        auto server = session(tenant);
        m_fx.llm().enqueueText(QStringLiteral("Sunny in Rome, 24 degrees."));
        const QJsonObject first = result(
            exchange(*server, callTool(1, QStringLiteral("ask_weather"),
                                       {{QStringLiteral("message"), QStringLiteral("Rome pistachio?")}})));
        QVERIFY2(!first.value(QStringLiteral("isError")).toBool(), QJsonDocument(first).toJson().constData());
        const QJsonObject answer = first.value(QStringLiteral("structuredContent")).toObject();
        QCOMPARE(answer.value(QStringLiteral("answer")).toString(),
                 QStringLiteral("Sunny in Rome, 24 degrees."));
        const QUuid conversation =
            QUuid::fromString(answer.value(QStringLiteral("conversation_id")).toString());
        QVERIFY(!conversation.isNull());
        QCOMPARE(QJsonDocument::fromJson(first.value(QStringLiteral("content"))
                                             .toArray()
                                             .at(0)
                                             .toObject()
                                             .value(QStringLiteral("text"))
                                             .toString()
                                             .toUtf8())
                     .object(),
                 answer);
        const QList<core::Message> stored = m_fx.stored(conversation);
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored.at(0).content, QStringLiteral("Rome pistachio?"));
        QCOMPARE(stored.at(1).content, QStringLiteral("Sunny in Rome, 24 degrees."));

        m_fx.llm().enqueueText(QStringLiteral("Rain tomorrow."));
        const QJsonObject second = result(exchange(
            *server,
            callTool(2, QStringLiteral("ask_weather"),
                     {{QStringLiteral("message"), QStringLiteral("And tomorrow?")},
                      {QStringLiteral("conversation_id"), conversation.toString(QUuid::WithoutBraces)}})));
        QCOMPARE(second.value(QStringLiteral("structuredContent"))
                     .toObject()
                     .value(QStringLiteral("conversation_id"))
                     .toString(),
                 conversation.toString(QUuid::WithoutBraces));
        QCOMPARE(m_fx.stored(conversation).size(), 4);

        const QJsonObject found =
            result(exchange(*server, callTool(3, QStringLiteral("search_conversations"),
                                              {{QStringLiteral("query"), QStringLiteral("pistachio")}})));
        const QJsonArray hits = found.value(QStringLiteral("structuredContent"))
                                    .toObject()
                                    .value(QStringLiteral("hits"))
                                    .toArray();
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.at(0).toObject().value(QStringLiteral("conversation_id")).toString(),
                 conversation.toString(QUuid::WithoutBraces));

        // Another tenant neither finds nor continues it.
        auto other = session(QStringLiteral("globex"));
        const QJsonObject none =
            result(exchange(*other, callTool(1, QStringLiteral("search_conversations"),
                                             {{QStringLiteral("query"), QStringLiteral("pistachio")}})));
        QCOMPARE(none.value(QStringLiteral("structuredContent"))
                     .toObject()
                     .value(QStringLiteral("hits"))
                     .toArray()
                     .size(),
                 0);
        const int calls = int(m_fx.llm().chatRequests().size());
        const QJsonObject hijack = result(exchange(
            *other,
            callTool(2, QStringLiteral("ask_weather"),
                     {{QStringLiteral("message"), QStringLiteral("mine now")},
                      {QStringLiteral("conversation_id"), conversation.toString(QUuid::WithoutBraces)}})));
        QVERIFY(hijack.value(QStringLiteral("isError")).toBool());
        QVERIFY(hijack.value(QStringLiteral("content"))
                    .toArray()
                    .at(0)
                    .toObject()
                    .value(QStringLiteral("text"))
                    .toString()
                    .contains(QStringLiteral("not_found")));
        QCOMPARE(int(m_fx.llm().chatRequests().size()), calls);
        QCOMPARE(m_fx.stored(conversation).size(), 4);
    }

    void badArgumentsAreToolErrors()
    {
        auto server = session(QString::fromLatin1(test::ServerFixture::kTenant));
        const QJsonObject missing =
            exchange(*server, callTool(1, QStringLiteral("ask_weather"), {{QStringLiteral("text"), 1}}));
        QCOMPARE(missing.value(QStringLiteral("id")).toInt(), 1);
        QVERIFY(result(missing).value(QStringLiteral("isError")).toBool());
        const QString why = result(missing)
                                .value(QStringLiteral("content"))
                                .toArray()
                                .at(0)
                                .toObject()
                                .value(QStringLiteral("text"))
                                .toString();
        QVERIFY2(why.contains(QStringLiteral("message: is required")), qPrintable(why));
        const QJsonObject badId =
            result(exchange(*server, callTool(2, QStringLiteral("ask_weather"),
                                              {{QStringLiteral("message"), QStringLiteral("hi")},
                                               {QStringLiteral("conversation_id"), QStringLiteral("42")}})));
        QVERIFY(badId.value(QStringLiteral("isError")).toBool());
        QVERIFY(m_fx.llm().chatRequests().isEmpty());
    }

    void cancellationStopsTheTurn()
    {
        auto server = session(QString::fromLatin1(test::ServerFixture::kTenant));
        m_fx.llm().enqueueStream({QStringLiteral("slow "), QStringLiteral("answer "), QStringLiteral("here")},
                                 {}, 3000);
        Outbox out;
        QVERIFY(server->receive(callTool(7, QStringLiteral("ask_weather"),
                                         {{QStringLiteral("message"), QStringLiteral("take your time")}}),
                                out.sink()));
        QVERIFY(QTest::qWaitFor([&] { return !m_fx.llm().chatRequests().isEmpty(); }, 10000));
        QCOMPARE(server->pendingCount(), 1);
        Outbox none;
        QVERIFY(!server->receive(
            R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})", none.sink()));
        // The cancelled request gets no answer: its sender is told with an empty message.
        QCOMPARE(out.sent, QList<QByteArray>{QByteArray()});
        QCOMPARE(server->pendingCount(), 0);
        QTest::qWait(500);
        QCOMPARE(out.sent.size(), 1);
        QVERIFY(none.sent.isEmpty());
    }

    void httpSessionLifecycle()
    {
        const RawResponse init = mcpPost(kInitialize);
        QCOMPARE(init.status, 200);
        const QByteArray session = init.header("Mcp-Session-Id");
        QCOMPARE(session.size(), 32);
        QCOMPARE(init.json()
                     .value(QStringLiteral("result"))
                     .toObject()
                     .value(QStringLiteral("protocolVersion"))
                     .toString(),
                 QStringLiteral("2025-11-25"));
        const QPair<QByteArray, QByteArray> id{"Mcp-Session-Id", session};
        QCOMPARE(mcpPost(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", {id}).status, 202);
        const RawResponse listed =
            mcpPost(request(2, QStringLiteral("tools/list")), {id, {"MCP-Protocol-Version", "2025-11-25"}});
        QCOMPARE(listed.status, 200);
        QVERIFY(listed.json()
                    .value(QStringLiteral("result"))
                    .toObject()
                    .value(QStringLiteral("tools"))
                    .toArray()
                    .size() >= 3);

        QCOMPARE(mcpPost(request(3, QStringLiteral("ping"))).status, 400); // no session
        QCOMPARE(mcpPost(request(3, QStringLiteral("ping")), {{"Mcp-Session-Id", "0123"}}).status, 404);
        QCOMPARE(
            mcpPost(request(3, QStringLiteral("ping")), {id, {"MCP-Protocol-Version", "2024-11-05"}}).status,
            400);
        QCOMPARE(mcpPost(request(3, QStringLiteral("ping")), {id, {"Origin", "https://evil.example"}}).status,
                 403);
        QCOMPARE(
            mcpPost(request(3, QStringLiteral("ping")), {id, {"Origin", "http://localhost:5173"}}).status,
            200);
        QCOMPARE(mcpPost("{not json", {id}).status, 400);
        QCOMPARE(m_fx.request("GET", "/mcp").status, 405);

        // An event-stream-only client gets its answer as one event.
        const RawResponse sse = m_fx.request("POST", "/mcp", request(4, QStringLiteral("ping")),
                                             {id, {"Accept", "text/event-stream"}});
        QCOMPARE(sse.status, 200);
        QVERIFY(sse.header("Content-Type").startsWith("text/event-stream"));
        QVERIFY2(sse.body.contains("event: message\ndata: {") && sse.body.contains("\"id\":4"),
                 sse.body.constData());

        // Another tenant's key cannot use the session.
        const QByteArray otherKey = otherTenantKey();
        QVERIFY(!otherKey.isEmpty());
        QCOMPARE(
            mcpPost(request(5, QStringLiteral("ping")), {id, {"Authorization", "Bearer " + otherKey}}).status,
            404);
        QCOMPARE(mcpPost(request(5, QStringLiteral("ping")), {id, {"Authorization", "Bearer wrong"}}).status,
                 401);

        QCOMPARE(m_fx.request("DELETE", "/mcp", {}, {id}).status, 204);
        QCOMPARE(mcpPost(request(6, QStringLiteral("ping")), {id}).status, 404);
    }

    void httpRefusedInitializeLeavesNoSession()
    {
        const RawResponse bad = mcpPost(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
        QCOMPARE(bad.status, 400);
        QVERIFY(bad.header("Mcp-Session-Id").isEmpty());
        QCOMPARE(bad.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toInt(),
                 -32602);
        QVERIFY(!openHttpSession().isEmpty());
        QCOMPARE(mcpPost(kInitialize, {{"Mcp-Session-Id", openHttpSession()}}).status, 400);
    }

    void globalAdminNamesTheTenantAndIsAudited()
    {
        core::NewApiKey spec;
        spec.name = QStringLiteral("root");
        spec.globalAdmin = true;
        auto admin = test::await(m_fx.engine().service().createApiKey(spec));
        AGENCY_VERIFY_OK(admin);
        const QPair<QByteArray, QByteArray> auth{"Authorization", "Bearer " + admin->secret.toUtf8()};
        QCOMPARE(mcpPost(kInitialize, {auth}).status, 422); // which tenant?
        const RawResponse init =
            m_fx.request("POST", "/mcp?tenant_id=acme", kInitialize, {auth, {"Accept", "application/json"}});
        QCOMPARE(init.status, 200);
        const QPair<QByteArray, QByteArray> id{"Mcp-Session-Id", init.header("Mcp-Session-Id")};
        const RawResponse searched = m_fx.request("POST", "/mcp?tenant_id=acme",
                                                  callTool(2, QStringLiteral("search_conversations"),
                                                           {{QStringLiteral("query"), QStringLiteral("x")}}),
                                                  {auth, id, {"Accept", "application/json"}});
        QCOMPARE(searched.status, 200);
        // The same key naming another tenant does not reach acme's session.
        QCOMPARE(m_fx.request("POST", "/mcp?tenant_id=globex", request(3, QStringLiteral("ping")),
                              {auth, id, {"Accept", "application/json"}})
                     .status,
                 404);
        // Audit rows are written beside the answer, not before it.
        QStringList actions;
        (void)QTest::qWaitFor(
            [&] {
                core::AuditQuery query;
                query.tenantId = QStringLiteral("acme");
                const auto audit = test::await(m_fx.engine().service().listAudit(query));
                actions.clear();
                for (const core::AuditEntry &entry : audit.valueOr({}).items)
                    actions.append(entry.action + u' ' + entry.resource);
                return actions.size() >= 2;
            },
            5000);
        QVERIFY2(actions.contains(QStringLiteral("mcp.session mcp")), qPrintable(actions.join(u',')));
        QVERIFY2(actions.contains(QStringLiteral("mcp.tool_call mcp/search_conversations")),
                 qPrintable(actions.join(u',')));
    }

    void openApiDocumentsMcp()
    {
        const QJsonObject paths =
            m_fx.request("GET", "/openapi.json").json().value(QStringLiteral("paths")).toObject();
        const QJsonObject mcp = paths.value(QStringLiteral("/mcp")).toObject();
        QVERIFY(mcp.contains(QStringLiteral("post")));
        QVERIFY(mcp.contains(QStringLiteral("delete")));
    }
};

QTEST_GUILESS_MAIN(TestMcpServer)
#include "test_mcpserver.moc"

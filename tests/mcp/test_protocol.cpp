// JSON-RPC parsing and MCP schema validation (backend/mcp, docs/design.md#mcp).
#include "mcp/protocol.h"
#include "mcp/schemavalidator.h"
#include "tools/jsonschema.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace agency::mcp;
using namespace Qt::StringLiterals;

namespace {

QJsonObject object(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

Message parsed(const char *json)
{
    const ParsedMessage p = parseMessage(QByteArray(json));
    if (!p.ok())
        qFatal("unexpected parse failure: %s", qPrintable(p.error.errorMessage));
    return *p.message;
}

} // namespace

class TestProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesEachKind()
    {
        const Message request =
            parsed(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"c"}})");
        QCOMPARE(request.kind, Message::Kind::Request);
        QCOMPARE(request.id->key(), QStringLiteral("7"));
        QCOMPARE(request.params.value(u"cursor"_s).toString(), QStringLiteral("c"));

        const Message stringId = parsed(R"({"jsonrpc":"2.0","id":"a-1","method":"ping"})");
        QVERIFY(stringId.id->isString());
        QCOMPARE(stringId.id->key(), QStringLiteral("\"a-1\""));
        QVERIFY(!(RequestId(QStringLiteral("7")) == RequestId(qint64(7))));

        const Message note = parsed(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
        QVERIFY(note.isNotification());
        QVERIFY(!note.id);

        const Message result = parsed(R"({"jsonrpc":"2.0","id":3,"result":{"tools":[]}})");
        QCOMPARE(result.kind, Message::Kind::Result);
        QVERIFY(result.result.value(u"tools"_s).isArray());

        const Message error =
            parsed(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad","data":1}})");
        QCOMPARE(error.kind, Message::Kind::Error);
        QVERIFY(!error.id);
        QCOMPARE(error.errorCode, -32700);
        QCOMPARE(error.errorData.toInt(), 1);
    }

    void roundTrips()
    {
        const Message request = Message::request(RequestId(QStringLiteral("x")), method::toolsCall,
                                                 object(R"({"name":"a","arguments":{}})"));
        const Message back = parsed(request.toBytes().constData());
        QCOMPARE(back.toJson(), request.toJson());
        const QJsonObject error = Message::errorFor(std::nullopt, errorcode::parseError, u"no"_s).toJson();
        QVERIFY(error.value(u"id"_s).isNull());
        QVERIFY(!error.value(u"error"_s).toObject().contains(u"data"_s));
        QVERIFY(!Message::notification(method::initialized).toJson().contains(u"params"_s));
    }

    void rejectsBadMessages_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("id");
        QTest::newRow("not json") << QByteArray("jsonrpc: 2.0") << errorcode::parseError << QString();
        QTest::newRow("batch") << QByteArray(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])")
                               << errorcode::invalidRequest << QString();
        QTest::newRow("scalar") << QByteArray("42") << errorcode::invalidRequest << QString();
        QTest::newRow("no version") << QByteArray(R"({"id":1,"method":"ping"})") << errorcode::invalidRequest
                                    << QStringLiteral("1");
        QTest::newRow("version 1") << QByteArray(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")
                                   << errorcode::invalidRequest << QStringLiteral("1");
        QTest::newRow("object id") << QByteArray(R"({"jsonrpc":"2.0","id":{},"method":"ping"})")
                                   << errorcode::invalidRequest << QString();
        QTest::newRow("fraction id") << QByteArray(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})")
                                     << errorcode::invalidRequest << QString();
        QTest::newRow("null request id") << QByteArray(R"({"jsonrpc":"2.0","id":null,"method":"ping"})")
                                         << errorcode::invalidRequest << QString();
        QTest::newRow("array params") << QByteArray(R"({"jsonrpc":"2.0","id":2,"method":"ping","params":[]})")
                                      << errorcode::invalidRequest << QStringLiteral("2");
        QTest::newRow("empty method") << QByteArray(R"({"jsonrpc":"2.0","id":2,"method":""})")
                                      << errorcode::invalidRequest << QStringLiteral("2");
        QTest::newRow("nothing") << QByteArray(R"({"jsonrpc":"2.0","id":2})") << errorcode::invalidRequest
                                 << QStringLiteral("2");
        QTest::newRow("result and error")
            << QByteArray(R"({"jsonrpc":"2.0","id":2,"result":{},"error":{"code":1,"message":"m"}})")
            << errorcode::invalidRequest << QStringLiteral("2");
        QTest::newRow("error without code")
            << QByteArray(R"({"jsonrpc":"2.0","id":2,"error":{"message":"m"}})") << errorcode::invalidRequest
            << QStringLiteral("2");
        QTest::newRow("result without id")
            << QByteArray(R"({"jsonrpc":"2.0","result":{}})") << errorcode::invalidRequest << QString();
    }

    void rejectsBadMessages()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, code);
        QFETCH(QString, id);
        const ParsedMessage p = parseMessage(bytes);
        QVERIFY(!p.ok());
        QCOMPARE(p.error.kind, Message::Kind::Error);
        QCOMPARE(p.error.errorCode, code);
        QVERIFY(!p.error.errorMessage.isEmpty());
        QCOMPARE(p.error.id ? p.error.id->key() : QString(), id);
    }

    void negotiatesVersions()
    {
        const QStringList supported{kProtocol20251125, kProtocol20260728};
        QCOMPARE(negotiateVersion(kProtocol20251125, supported), kProtocol20251125);
        QCOMPARE(negotiateVersion(QStringLiteral("2024-11-05"), supported), kProtocol20260728);
        QCOMPARE(negotiateVersion(QStringLiteral("2024-11-05"), {kProtocol20251125}), kProtocol20251125);
    }

    void bothSchemasAreBuiltIn()
    {
        for (const QString &version : knownProtocolVersions()) {
            const auto validator = SchemaValidator::forVersion(version);
            QVERIFY2(validator, qPrintable(version));
            QVERIFY(validator->defines(QStringLiteral("CallToolResult")));
        }
        QVERIFY(!SchemaValidator::forVersion(QStringLiteral("2024-01-01")));
    }

    void validatesRequestsByMethod()
    {
        const auto v = SchemaValidator::forVersion(kProtocol20251125);
        const Message good = parsed(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
        QCOMPARE(v->validate(good), QStringList());
        const Message noInfo = parsed(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{}}})");
        const QStringList errors = v->validate(noInfo);
        QVERIFY(!errors.isEmpty());
        QVERIFY2(errors.join(u';').contains(u"message.params.clientInfo: is required"_s),
                 qPrintable(errors.join(u';')));

        const Message callWithoutName =
            parsed(R"({"jsonrpc":"2.0","id":"q","method":"tools/call","params":{}})");
        QVERIFY(v->validate(callWithoutName).join(u';').contains(u"params.name: is required"_s));
        // A method the revision does not define still has to be a JSON-RPC request.
        QCOMPARE(v->validate(parsed(R"({"jsonrpc":"2.0","id":2,"method":"x/unknown"})")), QStringList());
        // The cancellation names a request id: string or integer.
        QVERIFY(v->validate(Message::notification(method::cancelled, object(R"({"requestId":true})")))
                    .join(u';')
                    .contains(u"requestId"_s));
    }

    void validatesResultsOfTheirRequest()
    {
        const auto v = SchemaValidator::forVersion(kProtocol20251125);
        const Message tools = Message::resultFor(RequestId(qint64(1)), object(R"({"tools":[
            {"name":"ask_weather","inputSchema":{"type":"object"}}]})"));
        QCOMPARE(v->validate(tools, method::toolsList), QStringList());
        const Message noSchema =
            Message::resultFor(RequestId(qint64(1)), object(R"({"tools":[{"name":"x"}]})"));
        QVERIFY(v->validate(noSchema, method::toolsList)
                    .join(u';')
                    .contains(u"message.result.tools[0].inputSchema"_s));

        const Message call = Message::resultFor(RequestId(qint64(2)), object(R"({"content":[
            {"type":"text","text":"hi"}],"structuredContent":{"a":1},"isError":false})"));
        QCOMPARE(v->validate(call, method::toolsCall), QStringList());
        // A content block must be one of the content shapes (anyOf): "text" needs its text.
        const Message badBlock =
            Message::resultFor(RequestId(qint64(2)), object(R"({"content":[{"type":"text"}]})"));
        const QString why = v->validate(badBlock, method::toolsCall).join(u';');
        QVERIFY2(why.contains(u"matches none of the"_s), qPrintable(why));
        QCOMPARE(v->validate(Message::resultFor(RequestId(qint64(3)), {}), method::ping), QStringList());
    }

    void newerRevisionAsksForMeta()
    {
        const auto v = SchemaValidator::forVersion(kProtocol20260728);
        // 2026-07-28 carries the protocol version in each request's _meta, and results a resultType.
        const QString missing =
            v->validate(parsed(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})")).join(u';');
        QVERIFY2(missing.contains(u"_meta: is required"_s), qPrintable(missing));
        const Message call =
            Message::resultFor(RequestId(qint64(2)), object(R"({"content":[],"resultType":"complete"})"));
        QCOMPARE(v->validate(call, method::toolsCall), QStringList());
        QVERIFY(!v->validate(Message::resultFor(RequestId(qint64(2)), object(R"({"content":[]})")),
                             method::toolsCall)
                     .isEmpty());
    }

    void errorsValidate()
    {
        const auto v = SchemaValidator::forVersion(kProtocol20251125);
        QCOMPARE(v->validate(Message::errorFor(RequestId(qint64(4)), errorcode::methodNotFound, u"no"_s)),
                 QStringList());
    }

    void jsonSchemaRefsAndCombinations()
    {
        using agency::tools::JsonSchema;
        QJsonObject defs = object(R"({"Id":{"type":["string","integer"]},
            "Shape":{"oneOf":[{"type":"object","required":["a"]},{"type":"object","required":["b"]}]}})");
        defs.insert(u"Loop"_s, QJsonObject{{u"$ref"_s, u"#/$defs/Loop"_s}});
        const QJsonObject root{{u"$defs"_s, defs}};
        auto ref = [](const char *name) {
            return QJsonObject{{u"$ref"_s, QString(u"#/$defs/"_s + QLatin1String(name))}};
        };
        QVERIFY(JsonSchema::validate(QJsonValue(3), ref("Id"), root, u"v"_s).ok());
        const auto badId = JsonSchema::validate(QJsonValue(true), ref("Id"), root, u"v"_s);
        QVERIFY(!badId.ok());
        QVERIFY(badId.error().message.startsWith(u"v: must be one of the types"_s));
        QVERIFY(JsonSchema::validate(object(R"({"a":1})"), ref("Shape"), root, u"v"_s).ok());
        QVERIFY(JsonSchema::validate(object(R"({"a":1,"b":2})"), ref("Shape"), root, u"v"_s)
                    .error()
                    .message.contains(u"exactly one"_s));
        QVERIFY(JsonSchema::validate(object("{}"), ref("Nowhere"), root, u"v"_s)
                    .error()
                    .message.contains(u"does not resolve"_s));
        QVERIFY(JsonSchema::validate(object("{}"), ref("Loop"), root, u"v"_s)
                    .error()
                    .message.contains(u"nests too deeply"_s));
    }
};

QTEST_GUILESS_MAIN(TestProtocol)
#include "test_protocol.moc"

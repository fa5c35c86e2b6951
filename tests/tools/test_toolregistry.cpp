// Tool registry and JSON Schema validation: precise messages, defaults, and every failure of a
// tool call turned into a structured result (unknown tool, bad arguments, tool error, timeout,
// cancellation, exceptions, a tool that drops its promise, registry shutdown).

#include "futurewait.h"
#include "tools/jsonschema.h"
#include "tools/toolregistry.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QTimer>

#include <functional>
#include <stdexcept>

using namespace agency;
using core::ErrorCode;
using tools::JsonSchema;
using tools::ToolRegistry;
using tools::ToolResult;

namespace {

QJsonObject parse(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

const char *kWeatherLikeSchema = R"({
  "type": "object",
  "properties": {
    "location": {"type": "string", "minLength": 1, "maxLength": 10},
    "units": {"type": "string", "enum": ["metric", "imperial", "standard"], "default": "metric"},
    "days": {"type": "integer", "minimum": 1, "maximum": 7},
    "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}, "maxItems": 3},
    "options": {"type": "object", "properties": {"verbose": {"type": "boolean"}}, "required": ["verbose"],
                "additionalProperties": false},
    "note": {"type": ["string", "null"]}
  },
  "required": ["location"],
  "additionalProperties": false
})";

/// A tool whose behaviour each test scripts.
class ScriptedTool : public tools::Tool
{
public:
    using Body = std::function<core::Async<QJsonObject>(const QJsonObject &, const core::CancelTokenPtr &)>;

    ScriptedTool(QString name, Body body, QJsonObject schema = parse(kWeatherLikeSchema))
        : m_name(std::move(name)), m_schema(std::move(schema)), m_body(std::move(body))
    {
    }
    QString name() const override { return m_name; }
    QString description() const override { return QStringLiteral("scripted test tool"); }
    QJsonObject parameters() const override { return m_schema; }
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const tools::ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override
    {
        ++calls;
        lastArguments = arguments;
        lastContext = context;
        lastCancel = cancel;
        return m_body(arguments, cancel);
    }

    int calls = 0;
    QJsonObject lastArguments;
    tools::ToolContext lastContext;
    core::CancelTokenPtr lastCancel;

private:
    QString m_name;
    QJsonObject m_schema;
    Body m_body;
};

core::Async<QJsonObject> echo(const QJsonObject &args, const core::CancelTokenPtr &)
{
    return core::readyAsync<QJsonObject>(QJsonObject{{QStringLiteral("echo"), args}});
}

/// A promise the test completes (or never completes) itself.
struct Pending
{
    std::shared_ptr<QPromise<core::Result<QJsonObject>>> promise =
        std::make_shared<QPromise<core::Result<QJsonObject>>>();
    Pending() { promise->start(); }
    core::Async<QJsonObject> future() const { return promise->future(); }
};

ToolResult awaitResult(const QFuture<ToolResult> &future, int timeoutMs = 5000)
{
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, timeoutMs))
        return ToolResult::fromError(core::makeError(ErrorCode::Internal, QStringLiteral("test timeout")));
    return future.result();
}

} // namespace

class TestToolRegistry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void schemaMessages_data();
    void schemaMessages();
    void schemaFillsDefaultsAndCollectsAllErrors();
    void checkSchemaRejectsMalformedSchemas();
    void addRejectsBadNamesDuplicatesAndSchemas();
    void definitionsSortedByName();
    void validateRawArguments();
    void successCarriesPayloadAndSuccessTrue();
    void toolErrorBecomesStructuredResult();
    void unknownToolAndBadArgumentsNeverReachTheTool();
    void timeoutCancelsTheTool();
    void callerCancellationFinishesAtOnce();
    void exceptionsAndDroppedPromisesAreContained();
    void registryShutdownFinishesPendingCalls();
};

void TestToolRegistry::schemaMessages_data()
{
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("enum") << R"({"location":"Paris","units":"kelvin"})"
                          << "units: must be one of metric, imperial, standard";
    QTest::newRow("required") << R"({"units":"metric"})"
                              << "location: is required";
    QTest::newRow("wrong type") << R"({"location":42})"
                                << "location: must be a string, got integer";
    QTest::newRow("empty string") << R"({"location":""})"
                                  << "location: must not be empty";
    QTest::newRow("too long") << R"({"location":"abcdefghijk"})"
                              << "location: must be at most 10 characters long";
    QTest::newRow("unknown property") << R"({"location":"x","colour":"red"})"
                                      << "colour: unknown property (allowed: days, location, note, options, "
                                         "ratio, tags, units)";
    QTest::newRow("integer") << R"({"location":"x","days":2.5})"
                             << "days: must be an integer, got number";
    QTest::newRow("minimum") << R"({"location":"x","days":0})"
                             << "days: must be >= 1";
    QTest::newRow("maximum") << R"({"location":"x","days":8})"
                             << "days: must be <= 7";
    QTest::newRow("exclusiveMinimum") << R"({"location":"x","ratio":0})"
                                      << "ratio: must be > 0";
    QTest::newRow("exclusiveMaximum") << R"({"location":"x","ratio":1})"
                                      << "ratio: must be < 1";
    QTest::newRow("number as string") << R"({"location":"x","ratio":"0.5"})"
                                      << "ratio: must be a number, got string";
    QTest::newRow("array items") << R"({"location":"x","tags":["ok",7]})"
                                 << "tags[1]: must be a string, got integer";
    QTest::newRow("pattern") << R"({"location":"x","tags":["ABC"]})"
                             << "tags[0]: must match the pattern ^[a-z]+$";
    QTest::newRow("maxItems") << R"({"location":"x","tags":["a","b","c","d"]})"
                              << "tags: must have at most 3 items";
    QTest::newRow("nested required") << R"({"location":"x","options":{}})"
                                     << "options.verbose: is required";
    QTest::newRow("nested type") << R"({"location":"x","options":{"verbose":"yes"}})"
                                 << "options.verbose: must be a boolean, got string";
    QTest::newRow("nested additional") << R"({"location":"x","options":{"verbose":true,"x":1}})"
                                       << "options.x: unknown property (allowed: verbose)";
    QTest::newRow("type union") << R"({"location":"x","note":3})"
                                << "note: must be one of the types string, null, got integer";
}

void TestToolRegistry::schemaMessages()
{
    QFETCH(QString, arguments);
    QFETCH(QString, message);
    const auto result =
        JsonSchema::validate(QJsonDocument::fromJson(arguments.toUtf8()).object(), parse(kWeatherLikeSchema));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(result.error().message, message);
}

void TestToolRegistry::schemaFillsDefaultsAndCollectsAllErrors()
{
    const auto ok =
        JsonSchema::validate(parse(R"({"location":"Rome","note":null})"), parse(kWeatherLikeSchema));
    QVERIFY2(ok.ok(), qPrintable(ok.ok() ? QString() : ok.error().message));
    QCOMPARE(ok.value().toObject().value(QLatin1String("units")).toString(), QStringLiteral("metric"));
    QVERIFY(ok.value().toObject().value(QLatin1String("note")).isNull());

    const auto bad = JsonSchema::validate(parse(R"({"units":"x","days":"2"})"), parse(kWeatherLikeSchema));
    QVERIFY(!bad.ok());
    const QJsonArray errors = bad.error().details.value(QLatin1String("errors")).toArray();
    QCOMPARE(errors.size(), 3);
    QVERIFY(bad.error().message.contains(QLatin1String("location: is required")));
    QVERIFY(bad.error().message.contains(QLatin1String("units: must be one of")));
    QVERIFY(bad.error().message.contains(QLatin1String("days: must be an integer, got string")));

    const auto notObject = JsonSchema::validate(QJsonArray{1}, parse(kWeatherLikeSchema));
    QCOMPARE(notObject.error().message, QStringLiteral("arguments: must be an object, got array"));
}

void TestToolRegistry::checkSchemaRejectsMalformedSchemas()
{
    QVERIFY(JsonSchema::checkSchema(parse(kWeatherLikeSchema)).ok());
    QVERIFY(!JsonSchema::checkSchema(parse(R"({"type":"string"})")).ok());
    const auto badType =
        JsonSchema::checkSchema(parse(R"({"type":"object","properties":{"a":{"type":"text"}}})"));
    QVERIFY(!badType.ok());
    QVERIFY2(badType.error().message.contains(QLatin1String("parameters.properties.a.type")),
             qPrintable(badType.error().message));
    QVERIFY(!JsonSchema::checkSchema(parse(R"({"type":"object","required":"a"})")).ok());
    QVERIFY(!JsonSchema::checkSchema(parse(R"({"type":"object","properties":{"a":{"enum":[]}}})")).ok());
    const char *badPattern = "{\"type\":\"object\",\"properties\":{\"a\":{\"pattern\":\"[\"}}}";
    QVERIFY(!JsonSchema::checkSchema(parse(badPattern)).ok());
    QVERIFY(!JsonSchema::checkSchema(parse(R"({"type":"object","properties":{"a":{"minLength":-1}}})")).ok());
}

void TestToolRegistry::addRejectsBadNamesDuplicatesAndSchemas()
{
    ToolRegistry registry;
    QVERIFY(registry.add(std::make_shared<ScriptedTool>(QStringLiteral("echo"), echo)).ok());
    const auto duplicate = registry.add(std::make_shared<ScriptedTool>(QStringLiteral("echo"), echo));
    QCOMPARE(duplicate.error().code, ErrorCode::Conflict);
    const auto badName = registry.add(std::make_shared<ScriptedTool>(QStringLiteral("get weather"), echo));
    QCOMPARE(badName.error().code, ErrorCode::InvalidArgument);
    const auto badSchema =
        registry.add(std::make_shared<ScriptedTool>(QStringLiteral("x"), echo, parse(R"({"type":"array"})")));
    QCOMPARE(badSchema.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(registry.names(), QStringList{QStringLiteral("echo")});
    QVERIFY(registry.contains(QStringLiteral("echo")));
    QVERIFY(!registry.find(QStringLiteral("nope")));
}

void TestToolRegistry::definitionsSortedByName()
{
    ToolRegistry registry;
    QVERIFY(registry.add(std::make_shared<ScriptedTool>(QStringLiteral("b_tool"), echo)).ok());
    QVERIFY(registry.add(std::make_shared<ScriptedTool>(QStringLiteral("a_tool"), echo)).ok());
    const auto all = registry.definitions();
    QCOMPARE(all.size(), 2);
    QCOMPARE(all.first().name, QStringLiteral("a_tool"));
    // The wire shape (OpenAI's {"type":"function",…}, Gemini's functionDeclarations) is the
    // adapters' business: tests/llm checks it against the published schemas.
    QCOMPARE(all.first().parameters, parse(kWeatherLikeSchema));

    const auto subset = registry.definitions(QStringList{QStringLiteral("b_tool")});
    QVERIFY(subset.ok());
    QCOMPARE(subset.value().size(), 1);
    const auto missing = registry.definitions(QStringList{QStringLiteral("b_tool"), QStringLiteral("ghost")});
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
    QVERIFY(missing.error().message.contains(QLatin1String("ghost")));
}

void TestToolRegistry::validateRawArguments()
{
    ToolRegistry registry;
    QVERIFY(registry.add(std::make_shared<ScriptedTool>(QStringLiteral("echo"), echo)).ok());
    QCOMPARE(registry.validateArguments(QStringLiteral("ghost"), QStringLiteral("{}")).error().code,
             ErrorCode::NotFound);
    const auto invalidJson =
        registry.validateArguments(QStringLiteral("echo"), QStringLiteral("{\"location\": "));
    QCOMPARE(invalidJson.error().code, ErrorCode::InvalidArgument);
    QVERIFY(invalidJson.error().message.startsWith(QLatin1String("arguments are not valid JSON")));
    const auto array = registry.validateArguments(QStringLiteral("echo"), QStringLiteral("[1]"));
    QCOMPARE(array.error().message, QStringLiteral("arguments must be a JSON object"));
    const auto empty = registry.validateArguments(QStringLiteral("echo"), QStringLiteral("  "));
    QCOMPARE(empty.error().message, QStringLiteral("location: is required"));
    const auto good =
        registry.validateArguments(QStringLiteral("echo"), QStringLiteral(R"({"location":"Oslo"})"));
    QVERIFY(good.ok());
    QCOMPARE(good.value().value(QLatin1String("units")).toString(), QStringLiteral("metric"));
}

void TestToolRegistry::successCarriesPayloadAndSuccessTrue()
{
    ToolRegistry registry;
    auto tool = std::make_shared<ScriptedTool>(QStringLiteral("echo"), echo);
    QVERIFY(registry.add(tool).ok());
    const ToolResult result =
        awaitResult(registry.executeCall(core::ToolCall{QStringLiteral("call_1"), QStringLiteral("echo"),
                                                        QStringLiteral(R"({"location":"Oslo"})")},
                                         core::CancelToken::create()));
    QVERIFY(result.success());
    QCOMPARE(result.json.value(QLatin1String("success")).toBool(), true);
    // The tool saw the validated arguments, defaults included.
    QCOMPARE(tool->lastArguments.value(QLatin1String("units")).toString(), QStringLiteral("metric"));
    QCOMPARE(result.json.value(QLatin1String("echo")).toObject().value(QLatin1String("location")).toString(),
             QStringLiteral("Oslo"));
    QVERIFY(result.content().contains(QLatin1String("\"success\":true")));
}

void TestToolRegistry::toolErrorBecomesStructuredResult()
{
    ToolRegistry registry;
    QVERIFY(registry
                .add(std::make_shared<ScriptedTool>(QStringLiteral("broken"),
                                                    [](const QJsonObject &, const core::CancelTokenPtr &) {
                                                        return core::failedAsync<QJsonObject>(core::makeError(
                                                            ErrorCode::NotFound,
                                                            QStringLiteral("no place called \"Atlantis\"")));
                                                    }))
                .ok());
    const ToolResult result = awaitResult(registry.execute(
        QStringLiteral("broken"), QJsonObject{{QStringLiteral("location"), QStringLiteral("x")}}, {}));
    QVERIFY(!result.success());
    QCOMPARE(result.errorCode, ErrorCode::NotFound);
    QCOMPARE(result.json.value(QLatin1String("success")).toBool(true), false);
    QCOMPARE(result.json.value(QLatin1String("error")).toString(),
             QStringLiteral("no place called \"Atlantis\""));
    QCOMPARE(result.json.value(QLatin1String("error_code")).toString(), QStringLiteral("not_found"));
}

void TestToolRegistry::unknownToolAndBadArgumentsNeverReachTheTool()
{
    ToolRegistry registry;
    auto tool = std::make_shared<ScriptedTool>(QStringLiteral("echo"), echo);
    QVERIFY(registry.add(tool).ok());
    const ToolResult unknown = awaitResult(registry.executeCall(
        core::ToolCall{QStringLiteral("c1"), QStringLiteral("get_stock_price"), QStringLiteral("{}")}, {}));
    QCOMPARE(unknown.errorCode, ErrorCode::NotFound);
    QCOMPARE(unknown.json.value(QLatin1String("error")).toString(),
             QStringLiteral("unknown tool \"get_stock_price\""));
    const ToolResult bad =
        awaitResult(registry.executeCall(core::ToolCall{QStringLiteral("c2"), QStringLiteral("echo"),
                                                        QStringLiteral(R"({"location":"x","units":"si"})")},
                                         {}));
    QCOMPARE(bad.errorCode, ErrorCode::InvalidArgument);
    QCOMPARE(bad.json.value(QLatin1String("error")).toString(),
             QStringLiteral("units: must be one of metric, imperial, standard"));
    const ToolResult badJson = awaitResult(registry.executeCall(
        core::ToolCall{QStringLiteral("c3"), QStringLiteral("echo"), QStringLiteral("{oops")}, {}));
    QCOMPARE(badJson.errorCode, ErrorCode::InvalidArgument);
    QCOMPARE(tool->calls, 0);
}

void TestToolRegistry::timeoutCancelsTheTool()
{
    ToolRegistry registry(5000);
    Pending never;
    auto tool = std::make_shared<ScriptedTool>(
        QStringLiteral("slow"),
        [&never](const QJsonObject &, const core::CancelTokenPtr &) { return never.future(); });
    QVERIFY(registry.add(tool).ok());
    QElapsedTimer timer;
    timer.start();
    const QFuture<ToolResult> future = registry.execute(
        QStringLiteral("slow"), QJsonObject{{QStringLiteral("location"), QStringLiteral("x")}},
        core::CancelToken::create(), 150);
    const ToolResult result = awaitResult(future);
    QCOMPARE(result.errorCode, ErrorCode::ProviderTimeout);
    QCOMPARE(result.json.value(QLatin1String("error")).toString(),
             QStringLiteral("tool slow did not finish within 150 ms"));
    QVERIFY2(timer.elapsed() >= 140, qPrintable(QString::number(timer.elapsed()))); // never early
    QVERIFY(tool->lastCancel && tool->lastCancel->isCancelled());
    // A late answer from the tool changes nothing: once it has been delivered (events drained),
    // the caller still holds exactly the timeout, and no call is left waiting in the registry.
    never.promise->addResult(core::Result<QJsonObject>(QJsonObject{{QStringLiteral("late"), true}}));
    never.promise->finish();
    agency::test::drainEvents();
    QCOMPARE(future.resultCount(), 1);
    QCOMPARE(future.result().errorCode, ErrorCode::ProviderTimeout);
    QVERIFY(!future.result().json.contains(QLatin1String("late")));
    QCOMPARE(registry.findChildren<QObject *>().size(), 0);
    QCOMPARE(tool->calls, 1);
}

void TestToolRegistry::callerCancellationFinishesAtOnce()
{
    ToolRegistry registry;
    Pending never;
    auto tool = std::make_shared<ScriptedTool>(
        QStringLiteral("slow"),
        [&never](const QJsonObject &, const core::CancelTokenPtr &) { return never.future(); });
    QVERIFY(registry.add(tool).ok());
    auto cancel = core::CancelToken::create();
    const auto future = registry.execute(
        QStringLiteral("slow"), QJsonObject{{QStringLiteral("location"), QStringLiteral("x")}}, cancel);
    QTimer::singleShot(30, [cancel] { cancel->cancel(); });
    const ToolResult result = awaitResult(future, 1000);
    QCOMPARE(result.errorCode, ErrorCode::Cancelled);
    QVERIFY(result.cancelled());
    QVERIFY(tool->lastCancel->isCancelled());

    // Already cancelled: the tool is not even started.
    const ToolResult early = awaitResult(registry.execute(
        QStringLiteral("slow"), QJsonObject{{QStringLiteral("location"), QStringLiteral("x")}}, cancel));
    QCOMPARE(early.errorCode, ErrorCode::Cancelled);
    QCOMPARE(tool->calls, 1);
}

void TestToolRegistry::exceptionsAndDroppedPromisesAreContained()
{
    ToolRegistry registry;
    QVERIFY(registry
                .add(std::make_shared<ScriptedTool>(
                    QStringLiteral("thrower"),
                    [](const QJsonObject &, const core::CancelTokenPtr &) -> core::Async<QJsonObject> {
                        throw std::runtime_error("boom");
                    }))
                .ok());
    QVERIFY(
        registry
            .add(std::make_shared<ScriptedTool>(QStringLiteral("dropper"),
                                                [](const QJsonObject &, const core::CancelTokenPtr &) {
                                                    Pending dropped; // destroyed unfinished: cancelled future
                                                    return dropped.future();
                                                }))
            .ok());
    const QJsonObject args{{QStringLiteral("location"), QStringLiteral("x")}};
    const ToolResult thrown = awaitResult(registry.execute(QStringLiteral("thrower"), args, {}));
    QCOMPARE(thrown.errorCode, ErrorCode::Internal);
    QCOMPARE(thrown.json.value(QLatin1String("error")).toString(),
             QStringLiteral("tool thrower failed: boom"));
    const ToolResult dropped = awaitResult(registry.execute(QStringLiteral("dropper"), args, {}));
    QCOMPARE(dropped.errorCode, ErrorCode::Internal);
    QCOMPARE(dropped.json.value(QLatin1String("error")).toString(),
             QStringLiteral("tool dropper finished without a result"));
}

void TestToolRegistry::registryShutdownFinishesPendingCalls()
{
    Pending never;
    QFuture<ToolResult> future;
    {
        ToolRegistry registry;
        QVERIFY(
            registry
                .add(std::make_shared<ScriptedTool>(
                    QStringLiteral("slow"),
                    [&never](const QJsonObject &, const core::CancelTokenPtr &) { return never.future(); }))
                .ok());
        future = registry.execute(QStringLiteral("slow"),
                                  QJsonObject{{QStringLiteral("location"), QStringLiteral("x")}}, {});
        QVERIFY(!future.isFinished());
    }
    QVERIFY(future.isFinished());
    QCOMPARE(future.resultCount(), 1);
    QCOMPARE(future.result().errorCode, ErrorCode::Cancelled);
}

QTEST_GUILESS_MAIN(TestToolRegistry)
#include "test_toolregistry.moc"

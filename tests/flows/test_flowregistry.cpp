// Flow definitions and the registry: the built-in flows, user directories overlaying them, and
// broken user files reported with their path and reason and skipped — never a crash, never a
// half-loaded flow.

#include "flows/flowregistry.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using agency::core::FlowDefinition;
using agency::flows::FlowRegistry;
using agency::flows::parseFlowDefinition;

namespace {

const QStringList kTools{QStringLiteral("get_weather"),
                         QStringLiteral("search_documents"),
                         QStringLiteral("github_search_issues"),
                         QStringLiteral("github_get_issue"),
                         QStringLiteral("github_list_commits"),
                         QStringLiteral("github_get_file"),
                         QStringLiteral("github_list_workflow_runs"),
                         QStringLiteral("github_create_issue"),
                         QStringLiteral("github_comment"),
                         QStringLiteral("slack_channel_history"),
                         QStringLiteral("slack_thread_replies"),
                         QStringLiteral("slack_user_info"),
                         QStringLiteral("slack_post_message")};

bool write(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size();
}

QByteArray flowJson(const QString &flowType, const QJsonObject &extra = {})
{
    QJsonObject json{
        {QStringLiteral("flow_type"), flowType},
        {QStringLiteral("title"), QString(QStringLiteral("User ") + flowType)},
        {QStringLiteral("system_prompt"), QStringLiteral("You are the user's %1 flow.").arg(flowType)}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        json.insert(it.key(), it.value());
    return QJsonDocument(json).toJson();
}

/// The reason reported for `fileName`, or a null string when none was.
QString problemFor(const FlowRegistry &registry, const QString &fileName)
{
    for (const FlowRegistry::Problem &p : registry.problems()) {
        if (QFileInfo(p.source).fileName() == fileName)
            return p.reason;
    }
    return {};
}

} // namespace

class TestFlowRegistry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void builtinsLoad();
    void userDirectoryProblemsAreReportedAndSkipped();
    void userFlowOverridesBuiltin();
    void laterDirectoryWins();
    void missingDirectoryIsNotAProblem();
    void parseValidation_data();
    void parseValidation();
    void defaultsAndRoundTrip();
};

void TestFlowRegistry::builtinsLoad()
{
    const FlowRegistry registry = FlowRegistry::load({}, kTools);
    QVERIFY2(registry.problems().isEmpty(),
             qPrintable(registry.problems().value(0).source + QStringLiteral(": ") +
                        registry.problems().value(0).reason));
    QStringList types;
    for (const FlowDefinition &f : registry.flows())
        types.append(f.flowType);
    QCOMPARE(types, (QStringList{QStringLiteral("consulting"), QStringLiteral("github"),
                                 QStringLiteral("github_weekly"), QStringLiteral("slack"),
                                 QStringLiteral("weather")}));
    // The weekly report keeps each run's answer as a document too.
    QCOMPARE(registry.find(QStringLiteral("github_weekly"))->answerCollection, QStringLiteral("reports"));
    QCOMPARE(registry.find(QStringLiteral("github"))->answerCollection, QString());

    const auto weather = registry.find(QStringLiteral("weather"));
    QVERIFY(weather);
    QCOMPARE(weather->tools, QStringList{QStringLiteral("get_weather")});
    QVERIFY(weather->systemPrompt.contains(QStringLiteral("get_weather")));
    QVERIFY(weather->maxToolRounds >= 1);
    QCOMPARE(weather->source, QStringLiteral(":/flows/weather.json"));

    const auto consulting = registry.find(QStringLiteral("consulting"));
    QVERIFY(consulting);
    // The client's documents, searched only while the tenant has some (flows::OfferedToolsSource).
    QCOMPARE(consulting->tools, QStringList{QStringLiteral("search_documents")});
    QVERIFY(!consulting->title.isEmpty());
    QVERIFY(!consulting->description.isEmpty());
    QVERIFY(consulting->systemPrompt.contains(QStringLiteral("consultant")));
    QVERIFY(!registry.find(QStringLiteral("nope")));
}

void TestFlowRegistry::userDirectoryProblemsAreReportedAndSkipped()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(write(dir.filePath(QStringLiteral("broken.json")), "{ \"flow_type\": \"broken\", "));
    QVERIFY(write(dir.filePath(QStringLiteral("array.json")), "[1, 2, 3]"));
    QVERIFY(
        write(dir.filePath(QStringLiteral("unknown_field.json")),
              flowJson(QStringLiteral("colourful"), {{QStringLiteral("colour"), QStringLiteral("blue")}})));
    QVERIFY(write(dir.filePath(QStringLiteral("unknown_tool.json")),
                  flowJson(QStringLiteral("stocks"),
                           {{QStringLiteral("tools"), QJsonArray{QStringLiteral("get_weather"),
                                                                 QStringLiteral("get_stock_price")}}})));
    QVERIFY(write(dir.filePath(QStringLiteral("bad_rounds.json")),
                  flowJson(QStringLiteral("loops"), {{QStringLiteral("max_tool_rounds"), 99}})));
    QVERIFY(write(dir.filePath(QStringLiteral("bad_type.json")), flowJson(QStringLiteral("Bad Type"))));
    QVERIFY(write(dir.filePath(QStringLiteral("good.json")),
                  flowJson(QStringLiteral("legal"), {{QStringLiteral("history_window"), 20}})));
    QVERIFY(write(dir.filePath(QStringLiteral("notes.txt")), "not a flow, not looked at"));

    const FlowRegistry registry = FlowRegistry::load({dir.path()}, kTools);

    QCOMPARE(registry.problems().size(), 6);
    for (const FlowRegistry::Problem &p : registry.problems()) {
        QVERIFY2(p.source.startsWith(dir.path()), qPrintable(p.source)); // the full path of the file
        QVERIFY(!p.reason.isEmpty());
        // Printed as "<source>: <reason>", so a reason naming the file again would say it twice.
        QVERIFY2(!p.reason.contains(QFileInfo(p.source).fileName()), qPrintable(p.reason));
    }
    QVERIFY(!problemFor(registry, QStringLiteral("broken.json")).isNull());
    QVERIFY(!problemFor(registry, QStringLiteral("array.json")).isNull());
    QVERIFY2(problemFor(registry, QStringLiteral("unknown_field.json")).contains(QStringLiteral("colour")),
             qPrintable(problemFor(registry, QStringLiteral("unknown_field.json"))));
    QVERIFY2(
        problemFor(registry, QStringLiteral("unknown_tool.json")).contains(QStringLiteral("get_stock_price")),
        qPrintable(problemFor(registry, QStringLiteral("unknown_tool.json"))));
    QVERIFY(
        problemFor(registry, QStringLiteral("bad_rounds.json")).contains(QStringLiteral("max_tool_rounds")));
    QVERIFY(problemFor(registry, QStringLiteral("bad_type.json")).contains(QStringLiteral("flow_type")));
    QVERIFY(problemFor(registry, QStringLiteral("good.json")).isNull());

    // Broken files are skipped entirely; the good one and the built-ins are there.
    QStringList types;
    for (const FlowDefinition &f : registry.flows())
        types.append(f.flowType);
    QCOMPARE(types, (QStringList{QStringLiteral("consulting"), QStringLiteral("github"),
                                 QStringLiteral("github_weekly"), QStringLiteral("legal"),
                                 QStringLiteral("slack"), QStringLiteral("weather")}));
    QCOMPARE(registry.find(QStringLiteral("legal"))->historyWindow, 20);
    QCOMPARE(registry.find(QStringLiteral("legal"))->source, dir.filePath(QStringLiteral("good.json")));
}

void TestFlowRegistry::userFlowOverridesBuiltin()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(write(dir.filePath(QStringLiteral("my-weather.json")),
                  flowJson(QStringLiteral("weather"),
                           {{QStringLiteral("tools"), QJsonArray{QStringLiteral("get_weather")}},
                            {QStringLiteral("max_tool_rounds"), 2}})));
    // A broken attempt to replace consulting leaves the built-in in place.
    QVERIFY(write(dir.filePath(QStringLiteral("my-consulting.json")),
                  flowJson(QStringLiteral("consulting"), {{QStringLiteral("temperature"), 7}})));

    const FlowRegistry registry = FlowRegistry::load({dir.path()}, kTools);
    const auto weather = registry.find(QStringLiteral("weather"));
    QVERIFY(weather);
    QCOMPARE(weather->title, QStringLiteral("User weather"));
    QCOMPARE(weather->systemPrompt, QStringLiteral("You are the user's weather flow."));
    QCOMPARE(weather->maxToolRounds, 2);
    QCOMPARE(weather->source, dir.filePath(QStringLiteral("my-weather.json")));
    QCOMPARE(registry.flows().size(), 5); // replaced, not added

    const auto consulting = registry.find(QStringLiteral("consulting"));
    QVERIFY(consulting);
    QCOMPARE(consulting->source, QStringLiteral(":/flows/consulting.json"));
    QVERIFY(
        problemFor(registry, QStringLiteral("my-consulting.json")).contains(QStringLiteral("temperature")));
}

void TestFlowRegistry::laterDirectoryWins()
{
    QTemporaryDir first;
    QTemporaryDir second;
    QVERIFY(first.isValid() && second.isValid());
    QVERIFY(write(first.filePath(QStringLiteral("a.json")),
                  flowJson(QStringLiteral("shared"), {{QStringLiteral("title"), QStringLiteral("first")}})));
    QVERIFY(write(second.filePath(QStringLiteral("b.json")),
                  flowJson(QStringLiteral("shared"), {{QStringLiteral("title"), QStringLiteral("second")}})));
    const FlowRegistry registry = FlowRegistry::load({first.path(), second.path()}, kTools);
    QCOMPARE(registry.find(QStringLiteral("shared"))->title, QStringLiteral("second"));
}

void TestFlowRegistry::missingDirectoryIsNotAProblem()
{
    const FlowRegistry registry = FlowRegistry::load({QStringLiteral("/nonexistent/aiagency/flows")}, kTools);
    QVERIFY(registry.problems().isEmpty());
    QCOMPARE(registry.flows().size(), 5);
}

void TestFlowRegistry::parseValidation_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field"); // empty: valid

    QTest::newRow("minimal") << QByteArray(R"({"flow_type":"a","system_prompt":"p"})") << QString();
    QTest::newRow("full") << QByteArray(
                                 R"({"flow_type":"a-b_1","title":"T","description":"D","system_prompt":"p",
        "tools":["get_weather"],"provider":"openai","model":"m","temperature":0.2,"max_tokens":300,
        "max_tool_rounds":0,"history_window":1})")
                          << QString();
    QTest::newRow("no flow_type") << QByteArray(R"({"system_prompt":"p"})") << QStringLiteral("flow_type");
    QTest::newRow("upper-case flow_type")
        << QByteArray(R"({"flow_type":"Weather","system_prompt":"p"})") << QStringLiteral("flow_type");
    QTest::newRow("empty prompt") << QByteArray(R"({"flow_type":"a","system_prompt":"  "})")
                                  << QStringLiteral("system_prompt");
    QTest::newRow("tools not array") << QByteArray(
                                            R"({"flow_type":"a","system_prompt":"p","tools":"get_weather"})")
                                     << QStringLiteral("tools");
    QTest::newRow("tool not string") << QByteArray(R"({"flow_type":"a","system_prompt":"p","tools":[1]})")
                                     << QStringLiteral("tools");
    QTest::newRow("temperature high")
        << QByteArray(R"({"flow_type":"a","system_prompt":"p","temperature":2.5})")
        << QStringLiteral("temperature");
    QTest::newRow("fractional rounds")
        << QByteArray(R"({"flow_type":"a","system_prompt":"p","max_tool_rounds":1.5})")
        << QStringLiteral("max_tool_rounds");
    QTest::newRow("rounds as text") << QByteArray(
                                           R"({"flow_type":"a","system_prompt":"p","max_tool_rounds":"2"})")
                                    << QStringLiteral("max_tool_rounds");
    QTest::newRow("window zero") << QByteArray(R"({"flow_type":"a","system_prompt":"p","history_window":0})")
                                 << QStringLiteral("history_window");
    QTest::newRow("max_tokens zero") << QByteArray(R"({"flow_type":"a","system_prompt":"p","max_tokens":0})")
                                     << QStringLiteral("max_tokens");
    QTest::newRow("answer collection")
        << QByteArray(R"({"flow_type":"a","system_prompt":"p","store_answer_as_document":"weekly.reports"})")
        << QString();
    QTest::newRow("answer collection not a name")
        << QByteArray(R"({"flow_type":"a","system_prompt":"p","store_answer_as_document":"my reports"})")
        << QStringLiteral("store_answer_as_document");
    QTest::newRow("answer collection not text")
        << QByteArray(R"({"flow_type":"a","system_prompt":"p","store_answer_as_document":true})")
        << QStringLiteral("store_answer_as_document");
    QTest::newRow("unknown field") << QByteArray(
                                          R"({"flow_type":"a","system_prompt":"p","sytem_prompt":"typo"})")
                                   << QStringLiteral("sytem_prompt");
}

void TestFlowRegistry::parseValidation()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    const QJsonObject object = QJsonDocument::fromJson(json).object();
    QVERIFY(!object.isEmpty());
    auto flow = parseFlowDefinition(object, QStringLiteral("test.json"));
    if (field.isEmpty()) {
        QVERIFY2(flow.ok(), flow.ok() ? "" : qPrintable(flow.error().toString()));
        return;
    }
    QVERIFY(!flow.ok());
    QCOMPARE(flow.error().details.value(QStringLiteral("field")).toString(), field);
    QVERIFY(flow.error().message.contains(QStringLiteral("test.json")));
}

void TestFlowRegistry::defaultsAndRoundTrip()
{
    auto flow = parseFlowDefinition(
        QJsonDocument::fromJson(R"({"flow_type":"x","system_prompt":" Be kind. "})").object(),
        QStringLiteral("x.json"));
    QVERIFY(flow.ok());
    QCOMPARE(flow->title, QStringLiteral("x"));
    QCOMPARE(flow->systemPrompt, QStringLiteral("Be kind."));
    QCOMPARE(flow->maxToolRounds, 4);
    QCOMPARE(flow->historyWindow, 50);
    QVERIFY(!flow->temperature);
    QVERIFY(!flow->maxTokens);

    auto full = parseFlowDefinition(
        QJsonDocument::fromJson(
            R"({"flow_type":"y","system_prompt":"p","tools":["get_weather"],"temperature":0.7,
                                    "max_tokens":99,"max_tool_rounds":3,"history_window":7,"provider":"mistral",
                                    "store_answer_as_document":"reports"})")
            .object(),
        QStringLiteral("y.json"));
    QVERIFY(full.ok());
    auto again = parseFlowDefinition(full->toJson(), QStringLiteral("again"));
    QVERIFY(again.ok());
    QCOMPARE(again->toJson(), full->toJson());
    QCOMPARE(again->maxTokens, std::optional<int>(99));
    QCOMPARE(again->provider, QStringLiteral("mistral"));
    QCOMPARE(again->answerCollection, QStringLiteral("reports"));
}

QTEST_GUILESS_MAIN(TestFlowRegistry)
#include "test_flowregistry.moc"

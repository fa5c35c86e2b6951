// The offline demo provider: weather tool-call round trip, helpful default answer, word-by-word
// streaming, determinism, cancellation; the GitHub flows driven offline (which read tool a
// message about a repository calls, and the report made from the results).
#include "core/tokenestimate.h"
#include "llm/demogithub.h"
#include "llm/demoprovider.h"
#include "llm/schemaexample.h"
#include "llmtesthelpers.h"

using namespace agency;
using namespace agency::test;

class TestDemoProvider : public QObject
{
    Q_OBJECT

    static QStringList gitHubTools()
    {
        return {QStringLiteral("github_search_issues"), QStringLiteral("github_get_issue"),
                QStringLiteral("github_list_commits"), QStringLiteral("github_get_file"),
                QStringLiteral("github_list_workflow_runs")};
    }

private Q_SLOTS:
    void answersAResponseFormat()
    {
        llm::CompletionRequest request = userRequest(QStringLiteral("hello"));
        request.responseFormat.kind = core::ResponseFormat::Kind::JsonObject;
        const QJsonObject wrapped =
            QJsonDocument::fromJson(llm::DemoProvider::answer(request).content.toUtf8()).object();
        QVERIFY(wrapped.value(QStringLiteral("answer")).toString().contains(QLatin1String("demo")));

        request.responseFormat.kind = core::ResponseFormat::Kind::JsonSchema;
        request.responseFormat.schema = QJsonDocument::fromJson(R"({"type": "object", "properties": {
            "title": {"type": "string", "maxLength": 5},
            "code": {"type": "string", "minLength": 3, "maxLength": 3},
            "count": {"type": "integer", "exclusiveMinimum": 2, "maximum": 9},
            "ratio": {"type": ["number", "null"], "minimum": -1.5},
            "ok": {"type": "boolean"}, "kind": {"const": "fixed"},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 2},
            "inner": {"type": "object", "properties": {"n": {"type": "null"}}, "required": ["n"]}},
            "required": ["title", "code", "count", "ratio", "ok", "kind", "tags", "inner"]})")
                                            .object();
        const QString content = llm::DemoProvider::answer(request).content;
        QCOMPARE(content, llm::DemoProvider::answer(request).content); // deterministic
        const QJsonObject answer = QJsonDocument::fromJson(content.toUtf8()).object();
        QCOMPARE(answer.value(QStringLiteral("title")).toString().size(), 5);
        QCOMPARE(answer.value(QStringLiteral("code")).toString().size(), 3);
        QCOMPARE(answer.value(QStringLiteral("count")).toInt(), 3);
        QCOMPARE(answer.value(QStringLiteral("ratio")).toDouble(), -1.5);
        QCOMPARE(answer.value(QStringLiteral("ok")), QJsonValue(false));
        QCOMPARE(answer.value(QStringLiteral("kind")).toString(), QStringLiteral("fixed"));
        QCOMPARE(answer.value(QStringLiteral("tags")).toArray(),
                 (QJsonArray{QStringLiteral("a"), QStringLiteral("a")}));
        QCOMPARE(answer.value(QStringLiteral("inner")).toObject(),
                 (QJsonObject{{QStringLiteral("n"), QJsonValue::Null}}));
        // A scalar root prints as JSON text too.
        QCOMPARE(llm::formatAnswer({core::ResponseFormat::Kind::JsonSchema,
                                    {},
                                    {},
                                    QJsonObject{{QStringLiteral("type"), QStringLiteral("integer")}},
                                    false},
                                   QStringLiteral("x")),
                 QStringLiteral("0"));
    }

    void weatherPlace_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("place");
        QTest::newRow("simple") << QStringLiteral("weather in Paris") << QStringLiteral("Paris");
        QTest::newRow("question") << QStringLiteral("What's the weather in New York?")
                                  << QStringLiteral("New York");
        QTest::newRow("lowercase") << QStringLiteral("weather in san francisco please")
                                   << QStringLiteral("San Francisco");
        QTest::newRow("trailing time")
            << QStringLiteral("What is the weather like in Tokyo today?") << QStringLiteral("Tokyo");
        QTest::newRow("forecast for")
            << QStringLiteral("Forecast for Rio de Janeiro, please") << QStringLiteral("Rio de Janeiro");
        QTest::newRow("is it raining")
            << QStringLiteral("Is it raining in London right now?") << QStringLiteral("London");
        QTest::newRow("no place") << QStringLiteral("How is the weather?") << QString();
        QTest::newRow("not weather") << QStringLiteral("I live in Paris") << QString();
        QTest::newRow("hello") << QStringLiteral("hello") << QString();
    }

    void weatherPlace()
    {
        QFETCH(QString, text);
        QFETCH(QString, place);
        QCOMPARE(llm::DemoProvider::weatherPlace(text), place);
    }

    void toolCallRoundTrip()
    {
        llm::DemoProvider provider(QStringLiteral("demo"), 0);
        llm::CompletionRequest request;
        request.messages = {message(core::Role::System, QStringLiteral("You are a weather assistant.")),
                            message(core::Role::User, QStringLiteral("What's the weather in Paris?"))};
        request.tools = {weatherTool()};

        const auto first = awaitFuture(provider.complete(request));
        LLM_VERIFY_OK(first);
        QCOMPARE(first->provider, QStringLiteral("demo"));
        QCOMPARE(first->finishReason, QStringLiteral("tool_calls"));
        QCOMPARE(first->toolCalls.size(), 1);
        const core::ToolCall call = first->toolCalls.first();
        QCOMPARE(call.name, QStringLiteral("get_weather"));
        QCOMPARE(QJsonDocument::fromJson(call.arguments.toUtf8()).object(),
                 (QJsonObject{{QStringLiteral("location"), QStringLiteral("Paris")}}));
        QVERIFY(!call.id.isEmpty());

        core::ChatMessage assistant = message(core::Role::Assistant, first->content);
        assistant.toolCalls = first->toolCalls;
        core::ChatMessage result = message(
            core::Role::Tool,
            QStringLiteral(
                R"({"success":true,"location":"Paris, FR","temperature":18.5,"condition":"Partly cloudy","humidity":60,"units":"metric"})"));
        result.toolCallId = call.id;
        result.name = call.name;
        request.messages += {assistant, result};

        const auto second = awaitFuture(provider.complete(request));
        LLM_VERIFY_OK(second);
        QCOMPARE(second->finishReason, QStringLiteral("stop"));
        QVERIFY(second->toolCalls.isEmpty());
        QVERIFY2(second->content.contains(QStringLiteral("Paris, FR")), qPrintable(second->content));
        QVERIFY2(second->content.contains(QStringLiteral("18.5 °C")), qPrintable(second->content));
        QVERIFY2(second->content.contains(QStringLiteral("partly cloudy")), qPrintable(second->content));
        QVERIFY2(second->content.contains(QStringLiteral("60%")), qPrintable(second->content));
    }

    void weatherAnswerStatesTheToolsUnits_data()
    {
        QTest::addColumn<QString>("result");
        QTest::addColumn<QString>("expected");
        // get_weather's own labels win; without them the unit system decides (metric wind is m/s).
        QTest::newRow("labels")
            << QStringLiteral(
                   R"({"temperature":14.2,"wind_speed":4.1,"units":"metric","temperature_unit":"°C","wind_speed_unit":"m/s"})")
            << QStringLiteral("14.2 °C. Wind 4.1 m/s.");
        QTest::newRow("metric") << QStringLiteral(R"({"temperature":14.2,"wind_speed":4.1,"units":"metric"})")
                                << QStringLiteral("14.2 °C. Wind 4.1 m/s.");
        QTest::newRow("imperial") << QStringLiteral(
                                         R"({"temperature":57.6,"wind_speed":9.2,"units":"imperial"})")
                                  << QStringLiteral("57.6 °F. Wind 9.2 mph.");
        QTest::newRow("standard") << QStringLiteral(
                                         R"({"temperature":287.4,"wind_speed":4.1,"units":"standard"})")
                                  << QStringLiteral("287.4 K. Wind 4.1 m/s.");
    }

    void weatherAnswerStatesTheToolsUnits()
    {
        QFETCH(QString, result);
        QFETCH(QString, expected);
        llm::CompletionRequest request = weatherRound2();
        request.messages.last().content = result;
        const llm::Completion c = llm::DemoProvider::answer(request);
        QVERIFY2(c.content.contains(expected), qPrintable(c.content));
        QVERIFY2(!c.content.contains(QStringLiteral("km/h")), qPrintable(c.content));
    }

    void failedToolResultIsExplained()
    {
        llm::CompletionRequest request = weatherRound2();
        request.messages.last().content =
            QStringLiteral(R"({"success":false,"error":"unknown location: Atlantis"})");
        const llm::Completion c = llm::DemoProvider::answer(request);
        QVERIFY2(c.content.contains(QStringLiteral("unknown location: Atlantis")), qPrintable(c.content));
    }

    void helpfulDefaultAnswer()
    {
        llm::DemoProvider provider(QStringLiteral("demo"), 0);
        const auto result = awaitFuture(provider.complete(userRequest(QStringLiteral("hello"))));
        LLM_VERIFY_OK(result);
        QVERIFY(result->content.contains(QStringLiteral("demo provider")));
        // Where to go for a real model: Settings, not environment variables or another command.
        QVERIFY2(result->content.contains(QStringLiteral("open Settings (Ctrl+,)")),
                 qPrintable(result->content));
        QVERIFY(!result->content.contains(QStringLiteral("LLM_PROVIDER")));
        QVERIFY(!result->content.contains(QStringLiteral("aiagency complete")));
        QVERIFY(result->toolCalls.isEmpty());
        QVERIFY(result->usage.promptTokens > 0);
        QVERIFY(result->usage.completionTokens > 10);
        QCOMPARE(result->usage.totalTokens, result->usage.promptTokens + result->usage.completionTokens);
        QCOMPARE(result->model, QStringLiteral("demo"));
    }

    void estimatedUsageIsTheRateLimitersEstimate()
    {
        // Without reported usage an adapter estimates with the same formula the turn reserved
        // with (core/tokenestimate.h), tool schemas included.
        llm::CompletionRequest request = userRequest(QStringLiteral("hello"));
        request.tools = {weatherTool()};
        llm::DemoProvider provider(QStringLiteral("demo"), 0);
        const auto result = awaitFuture(provider.complete(request));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->usage.promptTokens, core::estimatePromptTokens(request.messages, request.tools));
        QVERIFY(result->usage.promptTokens > core::estimatePromptTokens(request.messages));
        QCOMPARE(result->usage.completionTokens, core::estimateTokens(result->content));
    }

    void noToolCallWhenToolsAreOffOrAbsent()
    {
        llm::CompletionRequest request = userRequest(QStringLiteral("weather in Paris"));
        QVERIFY(llm::DemoProvider::answer(request).toolCalls.isEmpty()); // no tool offered
        request.tools = {weatherTool()};
        request.toolChoice = llm::ToolChoice::none();
        QVERIFY(llm::DemoProvider::answer(request).toolCalls.isEmpty());
        request.toolChoice = llm::ToolChoice::automatic();
        QCOMPARE(llm::DemoProvider::answer(request).toolCalls.size(), 1);
    }

    void deterministicIdsUniqueAcrossTurns()
    {
        llm::CompletionRequest request = userRequest(QStringLiteral("weather in Paris"));
        request.tools = {weatherTool()};
        const QString id = llm::DemoProvider::answer(request).toolCalls.value(0).id;
        QCOMPARE(llm::DemoProvider::answer(request).toolCalls.value(0).id, id);
        request.messages.prepend(message(core::Role::User, QStringLiteral("earlier turn")));
        QVERIFY(llm::DemoProvider::answer(request).toolCalls.value(0).id != id);
    }

    void streamsWordByWord()
    {
        llm::DemoProvider provider(QStringLiteral("demo"), 1);
        DeltaLog log;
        const auto result =
            awaitFuture(provider.complete(userRequest(QStringLiteral("hello")), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        QVERIFY(log.textDeltas() > 20);
        QCOMPARE(log.text(), result->content);
        for (const llm::Delta &d : log.deltas)
            QVERIFY2(d.text.trimmed().count(u' ') == 0, qPrintable(d.text)); // one word per delta

        llm::CompletionRequest weather = userRequest(QStringLiteral("weather in Oslo"));
        weather.tools = {weatherTool()};
        DeltaLog calls;
        const auto call = awaitFuture(provider.complete(weather, {calls.callback(), {}}));
        LLM_VERIFY_OK(call);
        QCOMPARE(calls.deltas.size(), 1);
        QCOMPARE(calls.deltas.first().toolCallName, QStringLiteral("get_weather"));
        QCOMPARE(calls.arguments(0), call->toolCalls.first().arguments);
    }

    void cancellation()
    {
        llm::DemoProvider provider(QStringLiteral("demo"), 20);
        auto cancel = core::CancelToken::create();
        DeltaLog log;
        llm::CallOptions options;
        options.cancel = cancel;
        options.onDelta = [&](const llm::Delta &d) {
            log.deltas.append(d);
            if (log.deltas.size() == 3)
                cancel->cancel();
        };
        const auto result = awaitFuture(provider.complete(userRequest(QStringLiteral("hello")), options));
        QVERIFY(!result);
        QCOMPARE(result.error().code, core::ErrorCode::Cancelled);
        // Another call on the same provider, to its end: its words come from a timer with the same
        // interval started later, so a word the cancelled call still had due would come first.
        DeltaLog after;
        LLM_VERIFY_OK(
            awaitFuture(provider.complete(userRequest(QStringLiteral("hello")), {after.callback(), {}})));
        QVERIFY(after.textDeltas() > 3);
        QCOMPARE(log.deltas.size(), 3);
    }

    void gitHubToolChoice_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("tool");
        QTest::addColumn<QJsonObject>("arguments");
        const QJsonObject shop{{QStringLiteral("repository"), QStringLiteral("acme/shop")}};
        QTest::newRow("failing") << QStringLiteral("What is failing in acme/shop?")
                                 << QStringLiteral("github_list_workflow_runs") << shop;
        QTest::newRow("issue number")
            << QStringLiteral("Summarise acme/shop#7 please") << QStringLiteral("github_get_issue")
            << QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                           {QStringLiteral("number"), 7}};
        QTest::newRow("pull request")
            << QStringLiteral("what does pull request 8 in acme/shop change")
            << QStringLiteral("github_get_issue")
            << QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                           {QStringLiteral("number"), 8}};
        QTest::newRow("file") << QStringLiteral("Show me docs/setup.md from acme/shop.")
                              << QStringLiteral("github_get_file")
                              << QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                             {QStringLiteral("path"), QStringLiteral("docs/setup.md")}};
        QTest::newRow("issues") << QStringLiteral("Any open issues in acme/shop?")
                                << QStringLiteral("github_search_issues")
                                << QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                               {QStringLiteral("query"), QStringLiteral("is:open")}};
        QTest::newRow("changes") << QStringLiteral("What changed in acme/shop this week?")
                                 << QStringLiteral("github_list_commits") << shop;
    }

    void gitHubToolChoice()
    {
        QFETCH(QString, text);
        QFETCH(QString, tool);
        QFETCH(QJsonObject, arguments);
        const auto calls = llm::demo::gitHubCalls(text, gitHubTools());
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls.first().first, tool);
        QCOMPARE(calls.first().second, arguments);
    }

    void gitHubNeedsARepositoryAndTheTools()
    {
        QVERIFY(llm::demo::gitHubCalls(QStringLiteral("What is failing?"), gitHubTools()).isEmpty());
        QVERIFY(
            llm::demo::gitHubCalls(QStringLiteral("Rates rose 3/4 of a point, and/or more"), gitHubTools())
                .isEmpty());
        QVERIFY(llm::demo::gitHubCalls(QStringLiteral("What is failing in acme/shop?"),
                                       {QStringLiteral("get_weather")})
                    .isEmpty());
    }

    void gitHubWeeklyReportAsksEveryRepository()
    {
        const auto calls =
            llm::demo::gitHubCalls(QStringLiteral("Weekly report for acme/shop and acme/api"), gitHubTools());
        QStringList seen;
        for (const auto &[tool, args] : calls)
            seen.append(tool + u' ' + args.value(QLatin1String("repository")).toString());
        QCOMPARE(seen, (QStringList{QStringLiteral("github_list_commits acme/shop"),
                                    QStringLiteral("github_list_workflow_runs acme/shop"),
                                    QStringLiteral("github_list_commits acme/api"),
                                    QStringLiteral("github_list_workflow_runs acme/api")}));
    }

    void gitHubRoundTrip()
    {
        llm::DemoProvider provider(QStringLiteral("demo"), 0);
        llm::CompletionRequest request;
        request.messages = {message(core::Role::User, QStringLiteral("Weekly report for acme/shop"))};
        for (const QString &name : gitHubTools())
            request.tools.append(core::ToolDefinition{name, QStringLiteral("GitHub"), {}});
        const auto first = awaitFuture(provider.complete(request));
        LLM_VERIFY_OK(first);
        QCOMPARE(first->finishReason, QStringLiteral("tool_calls"));
        QCOMPARE(first->toolCalls.size(), 2);
        QVERIFY(first->toolCalls.at(0).id != first->toolCalls.at(1).id);

        core::ChatMessage assistant = message(core::Role::Assistant, QString());
        assistant.toolCalls = first->toolCalls;
        core::ChatMessage commits = message(
            core::Role::Tool,
            QStringLiteral(
                R"({"success":true,"repository":"acme/shop","count":1,"commits":[{"sha":"a1b2c3d4e5f6","author":"bob","date":"2026-12-04T15:00:00Z","message":"Fix the basket limit"}]})"));
        commits.toolCallId = first->toolCalls.at(0).id;
        commits.name = first->toolCalls.at(0).name;
        core::ChatMessage runs = message(
            core::Role::Tool,
            QStringLiteral(
                R"({"success":true,"repository":"acme/shop","runs":[{"workflow":"CI","branch":"main","conclusion":"failure"}],"failed_job":{"run_id":555,"job":"test","failed_steps":["Run tests"],"log_excerpt":"line 300\nError: expected 3, got 4"}})"));
        runs.toolCallId = first->toolCalls.at(1).id;
        runs.name = first->toolCalls.at(1).name;
        request.messages += {assistant, commits, runs};
        const auto second = awaitFuture(provider.complete(request));
        LLM_VERIFY_OK(second);
        QCOMPARE(second->finishReason, QStringLiteral("stop"));
        QVERIFY2(
            second->content.contains(QStringLiteral("a1b2c3d \"Fix the basket limit\" (bob, 2026-12-04)")),
            qPrintable(second->content));
        QVERIFY2(second->content.contains(QStringLiteral("job \"test\" of run 555, step \"Run tests\"")),
                 qPrintable(second->content));
        QVERIFY2(second->content.contains(QStringLiteral("Error: expected 3, got 4")),
                 qPrintable(second->content));
    }

    void gitHubNotConnectedIsRelayed()
    {
        core::ChatMessage failed = message(
            core::Role::Tool,
            QStringLiteral(
                R"({"success":false,"error":"GitHub is not connected for this tenant: connect a GitHub token","error_code":"not_configured"})"));
        failed.name = QStringLiteral("github_list_commits");
        const QString answer = llm::demo::gitHubSummary({failed});
        QVERIFY2(answer.contains(QStringLiteral("connect a GitHub token")), qPrintable(answer));
        QVERIFY(llm::demo::gitHubSummary({message(core::Role::Tool, QStringLiteral(R"({"temperature":3})"))})
                    .isEmpty());
    }

    void futureFinishesLater()
    {
        llm::DemoProvider provider(QStringLiteral("demo"), 0);
        const auto future = provider.complete(userRequest(QStringLiteral("hello")));
        QVERIFY(!future.isFinished()); // never inside complete()
        LLM_VERIFY_OK(awaitFuture(future));
    }
};

QTEST_GUILESS_MAIN(TestDemoProvider)
#include "test_demoprovider.moc"

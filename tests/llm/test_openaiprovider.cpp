// The OpenAI adapter over real HTTP against the fake OpenAI server: the exact request, parsing of
// text / tool calls / usage, streaming of text and tool-call fragments.
#include "core/clock.h"
#include "fakeopenai.h"
#include "llm/openaiprovider.h"
#include "llmtesthelpers.h"

#include <QNetworkAccessManager>

using namespace agency;
using namespace agency::test;

class TestOpenAiProvider : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<llm::OpenAiProvider> makeProvider(const FakeOpenAiServer &server,
                                                      const QString &key = QStringLiteral("sk-test"))
    {
        return std::make_unique<llm::OpenAiProvider>(llm::OpenAiDialect::openAi(QUrl(server.baseUrl())),
                                                     fastConfig(server.baseUrl(), key), &m_nam, m_clock);
    }

    QNetworkAccessManager m_nam;
    core::SystemClock m_clock;

private Q_SLOTS:
    void exactRequest()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("It is sunny."));
        auto provider = makeProvider(server);
        llm::CompletionRequest request = weatherRound2();
        request.temperature = 0.25;
        request.maxTokens = 200;
        LLM_VERIFY_OK(awaitFuture(provider->complete(request)));

        QCOMPARE(server.requestCount(), 1);
        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.method, QByteArray("POST"));
        QCOMPARE(sent.path(), QStringLiteral("/v1/chat/completions"));
        QCOMPARE(sent.header("authorization"), QByteArray("Bearer sk-test"));
        QVERIFY(sent.header("content-type").startsWith("application/json"));

        const QJsonObject body = sent.json();
        QCOMPARE(body.value(QStringLiteral("model")).toString(), QStringLiteral("model-test"));
        QCOMPARE(body.value(QStringLiteral("temperature")).toDouble(), 0.25);
        // A non-openai.com server gets the widely supported max_tokens.
        QCOMPARE(body.value(QStringLiteral("max_tokens")).toInt(), 200);
        QVERIFY(!body.contains(QStringLiteral("max_completion_tokens")));
        QVERIFY(!body.contains(QStringLiteral("stream")));
        QVERIFY(!body.contains(QStringLiteral("stream_options")));
        QCOMPARE(body.value(QStringLiteral("tool_choice")).toString(), QStringLiteral("auto"));

        const QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
        QCOMPARE(messages.size(), 4);
        QCOMPARE(messages.at(0).toObject(),
                 (QJsonObject{{QStringLiteral("role"), QStringLiteral("system")},
                              {QStringLiteral("content"), QStringLiteral("You are a weather assistant.")}}));
        QCOMPARE(messages.at(1).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
        const QJsonObject assistant = messages.at(2).toObject();
        QVERIFY(assistant.value(QStringLiteral("content")).isNull());
        const QJsonObject call = assistant.value(QStringLiteral("tool_calls")).toArray().first().toObject();
        QCOMPARE(call.value(QStringLiteral("id")).toString(), QStringLiteral("call_abc123XYZ-long"));
        QCOMPARE(call.value(QStringLiteral("type")).toString(), QStringLiteral("function"));
        QCOMPARE(
            call.value(QStringLiteral("function")).toObject().value(QStringLiteral("arguments")).toString(),
            QStringLiteral("{\"location\":\"Paris\"}"));
        const QJsonObject tool = messages.at(3).toObject();
        QCOMPARE(tool.value(QStringLiteral("role")).toString(), QStringLiteral("tool"));
        QCOMPARE(tool.value(QStringLiteral("tool_call_id")).toString(),
                 QStringLiteral("call_abc123XYZ-long"));
        QCOMPARE(tool.value(QStringLiteral("content")).toString(),
                 QStringLiteral("{\"temperature\":18,\"condition\":\"Sunny\"}"));

        const QJsonObject toolDef = body.value(QStringLiteral("tools")).toArray().first().toObject();
        QCOMPARE(toolDef.value(QStringLiteral("type")).toString(), QStringLiteral("function"));
        const QJsonObject fn = toolDef.value(QStringLiteral("function")).toObject();
        QCOMPARE(fn.value(QStringLiteral("name")).toString(), QStringLiteral("get_weather"));
        QCOMPARE(fn.value(QStringLiteral("parameters")).toObject(), weatherTool().parameters);
    }

    void toolChoice_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("expected");
        QTest::newRow("auto") << int(llm::ToolChoice::Mode::Auto) << QStringLiteral("\"auto\"");
        QTest::newRow("none") << int(llm::ToolChoice::Mode::None) << QStringLiteral("\"none\"");
        QTest::newRow("required") << int(llm::ToolChoice::Mode::Required) << QStringLiteral("\"required\"");
        QTest::newRow("function") << int(llm::ToolChoice::Mode::Function)
                                  << QStringLiteral(
                                         "{\"function\":{\"name\":\"get_weather\"},\"type\":\"function\"}");
    }

    void toolChoice()
    {
        QFETCH(int, mode);
        QFETCH(QString, expected);
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("ok"));
        auto provider = makeProvider(server);
        llm::CompletionRequest request;
        request.messages = {message(core::Role::User, QStringLiteral("hi"))};
        request.tools = {weatherTool()};
        request.toolChoice = {static_cast<llm::ToolChoice::Mode>(mode), QStringLiteral("get_weather")};
        LLM_VERIFY_OK(awaitFuture(provider->complete(request)));
        const QJsonValue choice = server.lastRequest().json().value(QStringLiteral("tool_choice"));
        const QString actual =
            choice.isString()
                ? u'"' + choice.toString() + u'"'
                : QString::fromUtf8(QJsonDocument(choice.toObject()).toJson(QJsonDocument::Compact));
        QCOMPARE(actual, expected);
    }

    void openAiHostGetsMaxCompletionTokens()
    {
        const llm::OpenAiDialect dialect =
            llm::OpenAiDialect::openAi(QUrl(QStringLiteral("https://api.openai.com/v1")));
        llm::CompletionRequest request;
        request.messages = {message(core::Role::User, QStringLiteral("hi"))};
        request.maxTokens = 64;
        const QJsonObject body = chatRequestJson(request, dialect, QStringLiteral("gpt-4o"), false);
        QCOMPARE(body.value(QStringLiteral("max_completion_tokens")).toInt(), 64);
        QVERIFY(!body.contains(QStringLiteral("max_tokens")));
        QVERIFY(!body.contains(QStringLiteral("tools")));
        QVERIFY(!body.contains(QStringLiteral("tool_choice")));
    }

    void noKeyMeansNoAuthorizationHeader()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("local answer"));
        auto provider = makeProvider(server, QString());
        const auto result = awaitFuture(provider->complete(userRequest(QStringLiteral("hi"))));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("local answer"));
        QVERIFY(server.lastRequest().header("authorization").isEmpty());
    }

    void parsesTextAndUsage()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("Hello there"), core::Usage{31, 4, 35});
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(userRequest(QStringLiteral("hi"))));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("Hello there"));
        QVERIFY(result->toolCalls.isEmpty());
        QCOMPARE(result->finishReason, QStringLiteral("stop"));
        QCOMPARE(result->usage, (core::Usage{31, 4, 35}));
        QCOMPARE(result->provider, QStringLiteral("openai"));
        QCOMPARE(result->model, QStringLiteral("gpt-fake"));
    }

    void parsesSeveralToolCalls()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        const QList<core::ToolCall> calls = {{QStringLiteral("call_1"), QStringLiteral("get_weather"),
                                              QStringLiteral("{\"location\":\"Paris\"}")},
                                             {QStringLiteral("call_2"), QStringLiteral("get_weather"),
                                              QStringLiteral("{\"location\":\"Rome\"}")}};
        server.enqueueToolCalls(calls);
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(weatherRound2()));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->toolCalls, calls);
        QCOMPARE(result->finishReason, QStringLiteral("tool_calls"));
        QVERIFY(result->content.isEmpty());
    }

    void streamsText()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueStream(
            {QStringLiteral("Hel"), QStringLiteral("lo, "), QStringLiteral("wor"), QStringLiteral("ld")}, {},
            5);
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result =
            awaitFuture(provider->complete(userRequest(QStringLiteral("hi")), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        QCOMPARE(log.textDeltas(), 4);
        QCOMPARE(log.text(), QStringLiteral("Hello, world"));
        QCOMPARE(result->content, QStringLiteral("Hello, world"));
        QCOMPARE(result->usage, (core::Usage{12, 7, 19}));
        QCOMPARE(result->finishReason, QStringLiteral("stop"));

        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.header("accept"), QByteArray("text/event-stream"));
        QCOMPARE(sent.json().value(QStringLiteral("stream")).toBool(), true);
        QCOMPARE(sent.json().value(QStringLiteral("stream_options")).toObject(),
                 (QJsonObject{{QStringLiteral("include_usage"), true}}));
    }

    void streamsToolCallFragments()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        const QList<core::ToolCall> calls = {
            {QStringLiteral("call_A"), QStringLiteral("get_weather"),
             QStringLiteral("{\"location\":\"San Francisco\",\"units\":\"metric\"}")},
            {QStringLiteral("call_B"), QStringLiteral("get_time"),
             QStringLiteral("{\"zone\":\"Europe/Paris\"}")}};
        server.enqueueStream({QStringLiteral("Let me check.")}, calls);
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(weatherRound2(), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->toolCalls, calls);
        QCOMPARE(result->content, QStringLiteral("Let me check."));
        QCOMPARE(result->finishReason, QStringLiteral("tool_calls"));
        // The first fragment of each call carries its id and name; the pieces add up to the arguments.
        int headers = 0;
        for (const llm::Delta &d : log.deltas) {
            if (!d.toolCallName.isEmpty()) {
                ++headers;
                QCOMPARE(d.toolCallId, calls.at(d.toolCallIndex).id);
                QCOMPARE(d.toolCallName, calls.at(d.toolCallIndex).name);
            }
        }
        QCOMPARE(headers, 2);
        QCOMPARE(log.arguments(0), calls.at(0).arguments);
        QCOMPARE(log.arguments(1), calls.at(1).arguments);
        QVERIFY(log.deltas.size() > 6); // really fragmented
    }

    void streamRequestedButServerAnsweredJson()
    {
        // Some OpenAI-compatible servers ignore "stream": the answer still arrives, as one delta.
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("not streamed"));
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result =
            awaitFuture(provider->complete(userRequest(QStringLiteral("hi")), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("not streamed"));
        QCOMPARE(log.text(), QStringLiteral("not streamed"));
    }

    void modelOverridePerRequest()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("ok"));
        auto provider = makeProvider(server);
        llm::CompletionRequest request = userRequest(QStringLiteral("hi"));
        request.model = QStringLiteral("llama3.1:8b");
        LLM_VERIFY_OK(awaitFuture(provider->complete(request)));
        QCOMPARE(server.lastRequest().json().value(QStringLiteral("model")).toString(),
                 QStringLiteral("llama3.1:8b"));
    }
};

QTEST_GUILESS_MAIN(TestOpenAiProvider)
#include "test_openaiprovider.moc"

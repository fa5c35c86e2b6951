// The Vertex AI / Gemini adapter over real HTTP against the fake Vertex server: the conversion both
// ways, tool-call ids, streaming, safety blocks, usage, and the Gemini API key mode.
#include "core/clock.h"
#include "fakevertex.h"
#include "llm/vertexprovider.h"
#include "llm/vertexwire.h"
#include "llmfixtures.h"
#include "llmtesthelpers.h"

#include <QNetworkAccessManager>

using namespace agency;
using namespace agency::test;
using namespace agency::test::fixtures;
using core::ErrorCode;

class TestVertexProvider : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<llm::VertexProvider>
    makeProvider(const FakeVertexServer &server,
                 llm::VertexConfig::Mode mode = llm::VertexConfig::Mode::VertexAi)
    {
        llm::VertexConfig config;
        config.mode = mode;
        config.http =
            fastConfig(server.baseUrl(),
                       mode == llm::VertexConfig::Mode::GeminiApi ? QStringLiteral("gm-key") : QString(),
                       QStringLiteral("gemini-test"));
        config.projectId = QStringLiteral("proj-1");
        config.location = QStringLiteral("europe-west4");
        llm::AccessTokenSource *tokens = mode == llm::VertexConfig::Mode::VertexAi
                                             ? new llm::StaticTokenSource(QStringLiteral("tok-123"))
                                             : nullptr;
        return std::make_unique<llm::VertexProvider>(config, tokens, &m_nam, m_clock);
    }

    QJsonObject sentBody(FakeVertexServer &server, const llm::CompletionRequest &request)
    {
        server.enqueueText(QStringLiteral("ok"));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(request));
        return result ? server.lastRequest().json()
                      : QJsonObject{{QStringLiteral("failed"), result.error().toString()}};
    }

    QNetworkAccessManager m_nam;
    core::SystemClock m_clock;

private Q_SLOTS:
    void responseFormatReachesGemini()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        llm::CompletionRequest request = userRequest(QStringLiteral("A forecast?"));
        request.responseFormat.kind = core::ResponseFormat::Kind::JsonSchema;
        request.responseFormat.name = QStringLiteral("forecast");
        request.responseFormat.schema = QJsonDocument::fromJson(
                                            R"({"type":"object","properties":{"city":{"type":"string"},
                                               "celsius":{"type":["number","null"]}},
                                               "required":["city"],"additionalProperties":false})")
                                            .object();
        // Gemini's schema subset: upper-case types, nullable, no additionalProperties.
        const QJsonObject generation =
            sentBody(server, request).value(QStringLiteral("generationConfig")).toObject();
        QCOMPARE(generation.value(QStringLiteral("responseMimeType")).toString(),
                 QStringLiteral("application/json"));
        QCOMPARE(generation.value(QStringLiteral("responseSchema")).toObject(),
                 QJsonDocument::fromJson(R"({"type":"OBJECT","properties":{"city":{"type":"STRING"},
                                            "celsius":{"type":"NUMBER","nullable":true}},"required":["city"]})")
                     .object());
        request.responseFormat.kind = core::ResponseFormat::Kind::JsonObject;
        const QJsonObject jsonMode =
            sentBody(server, request).value(QStringLiteral("generationConfig")).toObject();
        QCOMPARE(jsonMode,
                 (QJsonObject{{QStringLiteral("responseMimeType"), QStringLiteral("application/json")}}));
        request.responseFormat = {};
        QVERIFY(!sentBody(server, request).contains(QStringLiteral("generationConfig")));
    }

    void exactRequest()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("It is sunny in Paris."));
        auto provider = makeProvider(server);
        llm::CompletionRequest request = weatherRound2();
        request.messages.append(message(core::Role::System, QStringLiteral("Answer in one sentence.")));
        request.temperature = 0.5;
        request.maxTokens = 256;
        LLM_VERIFY_OK(awaitFuture(provider->complete(request)));

        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.method, QByteArray("POST"));
        QCOMPARE(sent.path(), QStringLiteral("/v1/projects/proj-1/locations/europe-west4/publishers/google/"
                                             "models/gemini-test:generateContent"));
        QCOMPARE(sent.header("authorization"), QByteArray("Bearer tok-123"));
        const QJsonObject body = sent.json();
        QCOMPARE(QStringList(body.keys()),
                 (QStringList{QStringLiteral("contents"), QStringLiteral("generationConfig"),
                              QStringLiteral("systemInstruction"), QStringLiteral("toolConfig"),
                              QStringLiteral("tools")}));
        QCOMPARE(body.value(QStringLiteral("systemInstruction")).toObject(),
                 QJsonDocument::fromJson(kVertexSystemInstruction).object());
        const QJsonArray expectedContents = QJsonDocument::fromJson(kVertexContents).array();
        QCOMPARE(body.value(QStringLiteral("contents")).toArray(), expectedContents);
        const QJsonObject expectedDeclaration = QJsonDocument::fromJson(kVertexDeclaration).object();
        QCOMPARE(body.value(QStringLiteral("tools")).toArray(),
                 (QJsonArray{QJsonObject{
                     {QStringLiteral("functionDeclarations"), QJsonArray{expectedDeclaration}}}}));
        QCOMPARE(body.value(QStringLiteral("toolConfig")).toObject(),
                 QJsonDocument::fromJson(kVertexToolConfigAuto).object());
        QCOMPARE(body.value(QStringLiteral("generationConfig")).toObject(),
                 QJsonDocument::fromJson(kVertexGenerationConfig).object());
    }

    void toolConfig_data()
    {
        QTest::addColumn<llm::ToolChoice>("choice");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("none") << llm::ToolChoice::none() << QByteArray(kVertexModeNone);
        QTest::newRow("required") << llm::ToolChoice::required() << QByteArray(kVertexModeAny);
        QTest::newRow("function") << llm::ToolChoice::function(QStringLiteral("get_weather"))
                                  << QByteArray(kVertexModeFunction);
    }

    void toolConfig()
    {
        QFETCH(llm::ToolChoice, choice);
        QFETCH(QByteArray, expected);
        llm::CompletionRequest request = userRequest(QStringLiteral("weather?"));
        request.tools = {weatherTool()};
        request.toolChoice = choice;
        const QJsonObject body = llm::buildGenerateContentRequest(request);
        QCOMPARE(body.value(QStringLiteral("toolConfig"))
                     .toObject()
                     .value(QStringLiteral("functionCallingConfig"))
                     .toObject(),
                 QJsonDocument::fromJson(expected).object());
    }

    void functionResponsesMatchedByIdAndMerged()
    {
        llm::CompletionRequest request = userRequest(QStringLiteral("Paris and Rome?"));
        core::ChatMessage calls = message(core::Role::Assistant, QStringLiteral("Checking both."));
        calls.toolCalls = {{QStringLiteral("id-p"), QStringLiteral("get_weather"),
                            QStringLiteral("{\"location\":\"Paris\"}")},
                           {QStringLiteral("id-t"), QStringLiteral("get_time"), QStringLiteral("{}")}};
        request.messages.append(calls);
        core::ChatMessage first = message(core::Role::Tool, QStringLiteral("{\"temperature\":18}"));
        first.toolCallId = QStringLiteral("id-p"); // no name: found through the call id
        core::ChatMessage second = message(core::Role::Tool, QStringLiteral("12:00"));
        second.toolCallId = QStringLiteral("id-t");
        request.messages += {first, second, message(core::Role::User, QStringLiteral("Thanks!"))};
        const QJsonArray contents =
            llm::buildGenerateContentRequest(request).value(QStringLiteral("contents")).toArray();
        QCOMPARE(contents.size(), 3);
        QCOMPARE(contents.at(1).toObject().value(QStringLiteral("parts")).toArray().size(),
                 3); // text + 2 calls
        const QJsonArray merged = contents.at(2).toObject().value(QStringLiteral("parts")).toArray();
        QCOMPARE(contents.at(2).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
        QCOMPARE(merged, QJsonDocument::fromJson(kVertexMergedParts).array());
    }

    void schemaConversion()
    {
        const QJsonObject in = QJsonDocument::fromJson(kSchemaIn).object();
        const QJsonObject expected = QJsonDocument::fromJson(kSchemaExpected).object();
        QCOMPARE(llm::toVertexSchema(in), expected);
    }

    void parsesTextUsageAndModel()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::json(
            200, vertex::response(QStringLiteral("Bonjour"), {}, QStringLiteral("STOP"), {40, 3, 43})));
        auto provider = makeProvider(server);
        const auto result =
            awaitFuture(provider->complete(userRequest(QStringLiteral("Say hello in French"))));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("Bonjour"));
        QCOMPARE(result->finishReason, QStringLiteral("stop"));
        QCOMPARE(result->usage, (core::Usage{40, 3, 43}));
        QCOMPARE(result->model, QStringLiteral("gemini-fake-001"));
        QCOMPARE(result->provider, QStringLiteral("vertex"));
    }

    void functionCallIdsAreDeterministicAndUniqueAcrossTurns()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        const QList<core::ToolCall> calls = {
            {{}, QStringLiteral("get_weather"), QStringLiteral("{\"location\":\"Paris\"}")},
            {{}, QStringLiteral("get_weather"), QStringLiteral("{\"location\":\"Rome\"}")}};
        for (int i = 0; i < 3; ++i)
            server.enqueueFunctionCalls(calls);
        auto provider = makeProvider(server);
        llm::CompletionRequest turn1 = userRequest(QStringLiteral("Paris and Rome?"));
        turn1.tools = {weatherTool()};
        const auto a = awaitFuture(provider->complete(turn1));
        const auto b = awaitFuture(provider->complete(turn1));
        LLM_VERIFY_OK(a);
        LLM_VERIFY_OK(b);
        QCOMPARE(a->toolCalls.size(), 2);
        QCOMPARE(a->finishReason, QStringLiteral("tool_calls"));
        QCOMPARE(a->toolCalls.at(0).name, QStringLiteral("get_weather"));
        QCOMPARE(a->toolCalls.at(1).arguments, QStringLiteral("{\"location\":\"Rome\"}"));
        QVERIFY(a->toolCalls.at(0).id != a->toolCalls.at(1).id);
        QCOMPARE(a->toolCalls.at(0).id, b->toolCalls.at(0).id); // same history, same ids
        QCOMPARE(a->toolCalls.at(1).id, b->toolCalls.at(1).id);

        llm::CompletionRequest turn2 = turn1; // a later turn asks the very same thing again
        turn2.messages += {message(core::Role::Assistant, QStringLiteral("Done.")),
                           message(core::Role::User, QStringLiteral("Again?"))};
        const auto c = awaitFuture(provider->complete(turn2));
        LLM_VERIFY_OK(c);
        QVERIFY(c->toolCalls.at(0).id != a->toolCalls.at(0).id);
        QVERIFY(c->toolCalls.at(1).id != a->toolCalls.at(1).id);
    }

    void streamsTextAndFunctionCalls()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        server.enqueueStream({QStringLiteral("Let me "), QStringLiteral("check.")},
                             {{{}, QStringLiteral("get_weather"), QStringLiteral("{\"location\":\"Oslo\"}")}},
                             5);
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(weatherRound2(), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.path(), QStringLiteral("/v1/projects/proj-1/locations/europe-west4/publishers/google/"
                                             "models/gemini-test:streamGenerateContent"));
        QCOMPARE(sent.query().queryItemValue(QStringLiteral("alt")), QStringLiteral("sse"));
        QCOMPARE(log.text(), QStringLiteral("Let me check."));
        QCOMPARE(result->content, QStringLiteral("Let me check."));
        QCOMPARE(result->toolCalls.size(), 1);
        QCOMPARE(log.arguments(0), QStringLiteral("{\"location\":\"Oslo\"}"));
        QCOMPARE(result->usage, (core::Usage{20, 9, 29}));
        QCOMPARE(result->finishReason, QStringLiteral("tool_calls"));
    }

    void streamCutBeforeTheFinishIsAnError()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        FakeResponse cut =
            vertex::streamReply({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
        cut.chunks = cut.chunks.mid(0, 2);
        server.enqueue(cut); // ends cleanly but without a finishReason
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result =
            awaitFuture(provider->complete(userRequest(QStringLiteral("abc")), {log.callback(), {}}));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderUnavailable);
        QCOMPARE(server.requestCount(), 1);
    }

    void blockedPromptIsAClearError()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        server.enqueue(vertex::blockedPromptReply(QStringLiteral("PROHIBITED_CONTENT")));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(userRequest(QStringLiteral("something bad"))));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderBadRequest);
        QVERIFY(result.error().message.contains(QStringLiteral("blocked")));
        QCOMPARE(result.error().details.value(QStringLiteral("block_reason")).toString(),
                 QStringLiteral("PROHIBITED_CONTENT"));
    }

    void finishReasons_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("error");      // -1: success
        QTest::addColumn<QString>("finish"); // expected normalised finish on success
        QTest::newRow("max tokens") << QStringLiteral("Truncated answ") << QStringLiteral("MAX_TOKENS") << -1
                                    << QStringLiteral("length");
        QTest::newRow("safety, partial") << QStringLiteral("Partial") << QStringLiteral("SAFETY") << -1
                                         << QStringLiteral("content_filter");
        QTest::newRow("safety, empty")
            << QString() << QStringLiteral("SAFETY") << int(ErrorCode::ProviderBadRequest) << QString();
        QTest::newRow("recitation, empty")
            << QString() << QStringLiteral("RECITATION") << int(ErrorCode::ProviderBadRequest) << QString();
        QTest::newRow("malformed call") << QString() << QStringLiteral("MALFORMED_FUNCTION_CALL")
                                        << int(ErrorCode::ProviderMalformed) << QString();
    }

    void finishReasons()
    {
        QFETCH(QString, text);
        QFETCH(QString, reason);
        QFETCH(int, error);
        QFETCH(QString, finish);
        FakeVertexServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::json(200, vertex::response(text, {}, reason)));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(userRequest(QStringLiteral("go"))));
        if (error < 0) {
            LLM_VERIFY_OK(result);
            QCOMPARE(result->finishReason, finish);
            QCOMPARE(result->content, text);
        } else {
            QVERIFY(!result);
            QCOMPARE(int(result.error().code), error);
        }
    }

    void googleErrorBody()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        server.enqueue(vertex::errorReply(400, QStringLiteral("Please use a valid role: user, model.")));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(userRequest(QStringLiteral("go"))));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderBadRequest);
        QVERIFY(result.error().message.contains(QStringLiteral("Please use a valid role: user, model.")));
    }

    void geminiApiKeyMode()
    {
        FakeVertexServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("from the Gemini API"));
        auto provider = makeProvider(server, llm::VertexConfig::Mode::GeminiApi);
        const auto result = awaitFuture(provider->complete(userRequest(QStringLiteral("hi"))));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->provider, QStringLiteral("gemini"));
        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.path(), QStringLiteral("/v1beta/models/gemini-test:generateContent"));
        QCOMPARE(sent.header("x-goog-api-key"), QByteArray("gm-key"));
        QVERIFY(sent.header("authorization").isEmpty());
        QVERIFY(!sent.target.contains("key=")); // the key never travels in the URL
    }
};

QTEST_GUILESS_MAIN(TestVertexProvider)
#include "test_vertexprovider.moc"

// The Mistral dialect of the OpenAI adapter: its request differences (tool_choice "any", no
// stream_options, tool message names), tool-call id normalisation, and its stream shape (whole
// tool calls at index 0, usage in the last chunk).
#include "core/clock.h"
#include "fakeopenai.h"
#include "llm/openaiprovider.h"
#include "llmfixtures.h"
#include "llmtesthelpers.h"

#include <QNetworkAccessManager>
#include <QRegularExpression>

using namespace agency;
using namespace agency::test;
using namespace agency::test::fixtures;

class TestMistralProvider : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<llm::OpenAiProvider> makeProvider(const FakeOpenAiServer &server)
    {
        return std::make_unique<llm::OpenAiProvider>(llm::OpenAiDialect::mistral(),
                                                     fastConfig(server.baseUrl(),
                                                                QStringLiteral("mistral-key"),
                                                                QStringLiteral("mistral-small-latest")),
                                                     &m_nam, m_clock);
    }

    QNetworkAccessManager m_nam;
    core::SystemClock m_clock;

private Q_SLOTS:
    void responseFormatReachesMistral()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral(R"({"name":"Dune","authors":["Herbert"]})"));
        auto provider = makeProvider(server);
        llm::CompletionRequest request = userRequest(QStringLiteral("A book?"));
        request.responseFormat.kind = core::ResponseFormat::Kind::JsonSchema;
        request.responseFormat.name = QStringLiteral("book");
        request.responseFormat.strict = true;
        request.responseFormat.schema = QJsonDocument::fromJson(
                                            R"({"type":"object","properties":{"name":{"type":"string"},
                                               "authors":{"type":"array","items":{"type":"string"}}},
                                               "required":["name","authors"],"additionalProperties":false})")
                                            .object();
        LLM_VERIFY_OK(awaitFuture(provider->complete(request)));
        // Mistral's ResponseFormat: {"type": "json_schema", "json_schema": {name, schema, strict}}.
        const QJsonObject format =
            server.lastRequest().json().value(QStringLiteral("response_format")).toObject();
        QCOMPARE(format.value(QStringLiteral("type")).toString(), QStringLiteral("json_schema"));
        QCOMPARE(format.value(QStringLiteral("json_schema")).toObject(),
                 (QJsonObject{{QStringLiteral("name"), QStringLiteral("book")},
                              {QStringLiteral("schema"), request.responseFormat.schema},
                              {QStringLiteral("strict"), true}}));
        request.responseFormat = {};
        request.responseFormat.kind = core::ResponseFormat::Kind::JsonObject;
        server.enqueueText(QStringLiteral("{}"));
        LLM_VERIFY_OK(awaitFuture(provider->complete(request)));
        QCOMPARE(server.lastRequest().json().value(QStringLiteral("response_format")).toObject(),
                 (QJsonObject{{QStringLiteral("type"), QStringLiteral("json_object")}}));
        request.responseFormat = {};
        server.enqueueText(QStringLiteral("text"));
        LLM_VERIFY_OK(awaitFuture(provider->complete(request)));
        QVERIFY(!server.lastRequest().json().contains(QStringLiteral("response_format")));
    }

    void idNormalisation()
    {
        static const QRegularExpression nineAlnum(QStringLiteral("^[A-Za-z0-9]{9}$"));
        const QString fromOpenAi = llm::mistralToolCallId(QStringLiteral("call_abc123XYZ-long"));
        QVERIFY2(nineAlnum.match(fromOpenAi).hasMatch(), qPrintable(fromOpenAi));
        QCOMPARE(llm::mistralToolCallId(QStringLiteral("call_abc123XYZ-long")), fromOpenAi); // deterministic
        QVERIFY(llm::mistralToolCallId(QStringLiteral("call_abc123XYZ-lonG")) != fromOpenAi);
        QCOMPARE(llm::mistralToolCallId(QStringLiteral("D681PevKs")),
                 QStringLiteral("D681PevKs")); // already valid
        const QString fromGemini = llm::mistralToolCallId(QStringLiteral("call_0123456789abcdef01234567"));
        QVERIFY(nineAlnum.match(fromGemini).hasMatch());
        QVERIFY(nineAlnum.match(llm::mistralToolCallId(QString())).hasMatch());
    }

    void exactRequestReplayingAnotherProvidersHistory()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("Sunny, 18 degrees."));
        auto provider = makeProvider(server);
        llm::CompletionRequest request = weatherRound2(); // ids made by OpenAI: "call_abc123XYZ-long"
        request.toolChoice = llm::ToolChoice::required();
        const auto result = awaitFuture(provider->complete(request));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->provider, QStringLiteral("mistral"));

        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.path(), QStringLiteral("/v1/chat/completions"));
        QCOMPARE(sent.header("authorization"), QByteArray("Bearer mistral-key"));
        const QJsonObject body = sent.json();
        QCOMPARE(body.value(QStringLiteral("model")).toString(), QStringLiteral("mistral-small-latest"));
        QCOMPARE(body.value(QStringLiteral("tool_choice")).toString(), QStringLiteral("any"));
        const QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
        const QString callId = messages.at(2)
                                   .toObject()
                                   .value(QStringLiteral("tool_calls"))
                                   .toArray()
                                   .first()
                                   .toObject()
                                   .value(QStringLiteral("id"))
                                   .toString();
        const QJsonObject tool = messages.at(3).toObject();
        QCOMPARE(callId, llm::mistralToolCallId(QStringLiteral("call_abc123XYZ-long")));
        QCOMPARE(tool.value(QStringLiteral("tool_call_id")).toString(), callId); // still paired
        QCOMPARE(tool.value(QStringLiteral("name")).toString(), QStringLiteral("get_weather"));
    }

    void streamRequestHasNoStreamOptions()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(
            FakeResponse::sse(openai::streamPayloads({QStringLiteral("Bonjour")}, {}, std::nullopt)));
        auto provider = makeProvider(server);
        DeltaLog log;
        LLM_VERIFY_OK(
            awaitFuture(provider->complete(userRequest(QStringLiteral("salut")), {log.callback(), {}})));
        const QJsonObject body = server.lastRequest().json();
        QCOMPARE(body.value(QStringLiteral("stream")).toBool(), true);
        QVERIFY(!body.contains(QStringLiteral("stream_options"))); // Mistral's schema rejects it
        QCOMPARE(log.text(), QStringLiteral("Bonjour"));
    }

    void streamWithWholeToolCallsAtIndexZeroAndUsageInLastChunk()
    {
        // What Mistral sends: both calls complete in one delta, both with index 0, arguments as
        // strings or objects; usage rides on the chunk with finish_reason; then [DONE].
        const QByteArray chunk1 = kMistralChunk1;
        const QByteArray chunk2 =
            QByteArray(kMistralChunk2a) + kMistralChunk2b + kMistralChunk2c + kMistralChunk2d;
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::sse({chunk1, chunk2, "[DONE]"}));
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(weatherRound2(), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->toolCalls.size(), 2);
        QCOMPARE(result->toolCalls.at(0),
                 (core::ToolCall{QStringLiteral("D681PevKs"), QStringLiteral("get_weather"),
                                 QStringLiteral("{\"location\": \"Paris\"}")}));
        QCOMPARE(result->toolCalls.at(1),
                 (core::ToolCall{QStringLiteral("Zk3mQ9aB1"), QStringLiteral("get_weather"),
                                 QStringLiteral("{\"location\":\"Lyon\"}")}));
        QCOMPARE(result->usage, (core::Usage{91, 36, 127}));
        QCOMPARE(result->finishReason, QStringLiteral("tool_calls"));
        QCOMPARE(log.deltas.size(), 2);
        QCOMPARE(log.deltas.at(1).toolCallIndex, 1);
    }

    void validationErrorDetailsReachTheCaller()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::json(422, QJsonDocument::fromJson(kMistralValidationError).object()));
        auto provider = makeProvider(server);
        llm::CompletionRequest request = userRequest(QStringLiteral("hi"));
        request.temperature = 2.0;
        const auto result = awaitFuture(provider->complete(request));
        QVERIFY(!result);
        QCOMPARE(result.error().code, core::ErrorCode::ProviderBadRequest);
        QCOMPARE(result.error().details.value(QStringLiteral("http_status")).toInt(), 422);
        QVERIFY2(result.error().message.contains(
                     QStringLiteral("body.temperature: Input should be less than or equal to 1.5")),
                 qPrintable(result.error().message));
        QCOMPARE(server.requestCount(), 1);
    }
};

QTEST_GUILESS_MAIN(TestMistralProvider)
#include "test_mistralprovider.moc"

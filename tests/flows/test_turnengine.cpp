// The turn engine end to end: tool loops over several rounds, several tool calls of one response
// run in parallel, unknown tools and invalid arguments, the round limit, provider failures and
// cancellation part-way, and the demo provider — each time checking exactly what was persisted,
// what the provider was sent and what the front end saw.

#include "core/json.h"
#include "core/limits.h"
#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QJsonDocument>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::TurnEvent;
using core::TurnRequest;
using core::Usage;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::FakeResponse;
using test::FakeWeatherServer;
using test::weatherCall;
namespace openai = test::openai;

namespace {

const QString kTenant = QStringLiteral("acme");

TurnRequest request(const QString &message, const QString &flow = QStringLiteral("weather"),
                    const QUuid &conversation = {})
{
    TurnRequest r;
    r.tenantId = kTenant;
    r.flowType = flow;
    r.conversationId = conversation;
    r.message = message;
    return r;
}

QJsonObject parse(const QString &json)
{
    return QJsonDocument::fromJson(json.toUtf8()).object();
}

QString field(const QJsonValue &object, const char *key)
{
    return object.toObject().value(QLatin1String(key)).toString();
}

} // namespace

class TestTurnEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void multiRoundToolLoop();
    void toolCallsOfOneResponseRunInParallel();
    void unknownToolAndInvalidArguments();
    void roundLimit_data();
    void roundLimit();
    void zeroToolRoundsNeverOffersTools();
    void providerFailureAfterToolRound_data();
    void providerFailureAfterToolRound();
    void providerFailureOnFirstCall();
    void badRequestsStoreNothing();
    void cancelMidStream();
    void cancelMidStreamOfSecondRound();
    void cancelWhileToolsRun();
    void demoProviderToolRoundTrip();

private:
    void makeFixture(const QHash<QString, QString> &extra = {});

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<EngineFixture> m_fx;
};

void TestTurnEngine::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
}

void TestTurnEngine::init()
{
    m_weather.setBehaviour(FakeWeatherServer::Behaviour::Normal);
    m_weather.clearRequests();
    // A fresh provider server per test: nothing scripted for one test can leak into the next.
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    makeFixture();
}

void TestTurnEngine::makeFixture(const QHash<QString, QString> &extra)
{
    m_fx.reset();
    m_fx = std::make_unique<EngineFixture>(
        *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(), extra),
        QList<core::FlowDefinition>{test::testFlow(QStringLiteral("weather-once"), 1),
                                    test::testFlow(QStringLiteral("weather-none"), 0)});
}

void TestTurnEngine::cleanup()
{
    m_fx.reset();
    m_llm.reset();
}

void TestTurnEngine::cleanupTestCase()
{
    m_db.reset();
}

void TestTurnEngine::multiRoundToolLoop()
{
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))},
                                       Usage{100, 10, 110}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Now Berlin.")},
                                       {weatherCall(QStringLiteral("call_2"), QStringLiteral("Berlin"))},
                                       Usage{200, 20, 220}));
    m_llm->enqueue(openai::streamReply(
        {QStringLiteral("Paris: 14.2 °C"), QStringLiteral(", Berlin: -2.5 °C.")}, {}, Usage{300, 30, 330}));

    const QString question = QStringLiteral("Weather in Paris, then Berlin?");
    auto result = m_fx->runTurn(request(question));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("Paris: 14.2 °C, Berlin: -2.5 °C."));
    QCOMPARE(result->finishReason, QStringLiteral("stop"));
    QCOMPARE(result->providerCalls, 3);
    QCOMPARE(result->toolRounds, 2);
    QCOMPARE(result->usage, (Usage{600, 60, 660}));
    QCOMPARE(result->provider, QStringLiteral("openai"));
    QCOMPARE(result->model, QStringLiteral("gpt-fake"));

    // Persisted: every message of the turn, in order, each round's call with its result.
    const QList<core::Message> stored = m_fx->stored(kTenant, result->conversationId);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(1),tool,assistant(1),tool,assistant"));
    QCOMPARE(test::storedProblems(stored), QString());
    QCOMPARE(result->messages.size(), stored.size());
    for (qsizetype i = 0; i < stored.size(); ++i)
        QCOMPARE(result->messages.at(i).id, stored.at(i).id);
    QCOMPARE(stored.at(0).content, question);
    QCOMPARE(stored.at(1).toolCalls,
             QList<core::ToolCall>{weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))});
    QCOMPARE(stored.at(1).metadata.value(QStringLiteral("round")).toInt(), 1);
    QCOMPARE(stored.at(2).toolCallId, QStringLiteral("call_1"));
    const QJsonObject paris = parse(stored.at(2).content);
    QCOMPARE(paris.value(QStringLiteral("success")).toBool(), true);
    QCOMPARE(paris.value(QStringLiteral("location")).toString(), QStringLiteral("Paris, FR"));
    QCOMPARE(paris.value(QStringLiteral("temperature")).toDouble(), 14.2);
    QCOMPARE(stored.at(2).metadata.value(QStringLiteral("tool")).toString(), QStringLiteral("get_weather"));
    QCOMPARE(stored.at(2).metadata.value(QStringLiteral("success")).toBool(), true);
    QCOMPARE(stored.at(3).content, QStringLiteral("Now Berlin."));
    QCOMPARE(stored.at(3).toolCalls.value(0).id, QStringLiteral("call_2"));
    QCOMPARE(stored.at(4).toolCallId, QStringLiteral("call_2"));
    QCOMPARE(parse(stored.at(4).content).value(QStringLiteral("temperature")).toDouble(), -2.5);
    QCOMPARE(stored.at(5).content, result->content);
    QCOMPARE(stored.at(5).metadata.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
    QCOMPARE(stored.at(5).metadata.value(QStringLiteral("round")).toInt(), 3);
    QCOMPARE(stored.at(5)
                 .metadata.value(QStringLiteral("turn_usage"))
                 .toObject()
                 .value(QStringLiteral("total_tokens"))
                 .toInt(),
             660);

    // Sent: each call carries the whole turn so far, and the results exactly as stored.
    const auto requests = m_llm->chatRequests();
    QCOMPARE(requests.size(), 3);
    QCOMPARE(test::roles(test::requestMessages(requests.at(0))), QStringLiteral("system,user"));
    QCOMPARE(test::roles(test::requestMessages(requests.at(1))),
             QStringLiteral("system,user,assistant(1),tool"));
    QCOMPARE(test::roles(test::requestMessages(requests.at(2))),
             QStringLiteral("system,user,assistant(1),tool,assistant(1),tool"));
    const QJsonArray third = test::requestMessages(requests.at(2));
    QCOMPARE(field(third.at(3), "content"), stored.at(2).content);
    QCOMPARE(field(third.at(3), "tool_call_id"), QStringLiteral("call_1"));
    QCOMPARE(field(third.at(5), "content"), stored.at(4).content);
    const QString systemPrompt = m_fx->flow(QStringLiteral("weather")).systemPrompt;
    for (const auto &r : requests) {
        const QJsonObject body = r.json();
        QCOMPARE(test::promptProblems(test::requestMessages(r), systemPrompt), QString());
        QCOMPARE(body.value(QStringLiteral("stream")).toBool(), true);
        QCOMPARE(body.value(QStringLiteral("tool_choice")).toString(), QStringLiteral("auto"));
        QCOMPARE(body.value(QStringLiteral("tools")).toArray().size(), 1);
        QCOMPARE(body.value(QStringLiteral("tools"))
                     .toArray()
                     .first()[QStringLiteral("function")][QStringLiteral("name")]
                     .toString(),
                 QStringLiteral("get_weather"));
    }
    QCOMPARE(m_weather.countRequests(QStringLiteral("/search")), 2);
    QCOMPARE(m_weather.countRequests(QStringLiteral("/forecast")), 2);

    // Seen by the front end, in order.
    QCOMPARE(test::eventKinds(m_fx->events()),
             QStringLiteral("started,call,result,delta,call,result,delta,done"));
    for (const TurnEvent &e : m_fx->events())
        QCOMPARE(e.conversationId, result->conversationId);
    QCOMPARE(m_fx->events().at(2).toolResult.value(QStringLiteral("temperature")).toDouble(), 14.2);
    QCOMPARE(m_fx->events().last().text, result->content);

    // One usage row per provider call, with the provider's numbers.
    QTRY_COMPARE(
        test::usageRows(*m_db, result->conversationId),
        (QStringList{QStringLiteral("ok:100/10/110:gpt-fake"), QStringLiteral("ok:200/20/220:gpt-fake"),
                     QStringLiteral("ok:300/30/330:gpt-fake")}));
    auto conversation = test::await(m_fx->conversations().getConversation(kTenant, result->conversationId));
    AGENCY_VERIFY_OK(conversation);
    QCOMPARE(conversation->title, question);
    QCOMPARE(conversation->flowType, QStringLiteral("weather"));
    QCOMPARE(conversation->messageCount, 6);
}

void TestTurnEngine::toolCallsOfOneResponseRunInParallel()
{
    // The geocoding fake answers only once both lookups wait at once: calls made one after the
    // other would never be answered. Then Berlin is answered first (Paris 300 ms later); the
    // forecasts come from the weather fake.
    test::FakeHttpServer geo;
    QVERIFY(geo.listen());
    geo.holdResponsesUntil(2);
    geo.setHandler([](const test::RecordedRequest &r) {
        const bool paris = r.query().queryItemValue(QStringLiteral("name")) == QLatin1String("Paris");
        const QJsonObject place =
            paris ? QJsonObject{{QStringLiteral("name"), QStringLiteral("Paris")},
                                {QStringLiteral("latitude"), 48.85341},
                                {QStringLiteral("longitude"), 2.3488},
                                {QStringLiteral("country_code"), QStringLiteral("FR")},
                                {QStringLiteral("country"), QStringLiteral("France")}}
                  : QJsonObject{{QStringLiteral("name"), QStringLiteral("Berlin")},
                                {QStringLiteral("latitude"), 52.52437},
                                {QStringLiteral("longitude"), 13.41053},
                                {QStringLiteral("country_code"), QStringLiteral("DE")},
                                {QStringLiteral("country"), QStringLiteral("Deutschland")}};
        return FakeResponse::json(200, QJsonObject{{QStringLiteral("results"), QJsonArray{place}}})
            .delay(paris ? 300 : 0);
    });
    makeFixture({{QStringLiteral("OPEN_METEO_GEOCODING_URL"), geo.origin() + QStringLiteral("/geo/v1")}});

    m_llm->enqueue(
        openai::streamReply({}, {weatherCall(QStringLiteral("call_p"), QStringLiteral("Paris")),
                                 weatherCall(QStringLiteral("call_b"), QStringLiteral("Berlin"))}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Paris 14.2 °C, Berlin -2.5 °C.")}));

    auto result = m_fx->runTurn(request(QStringLiteral("Paris and Berlin?")));
    AGENCY_VERIFY_OK(result);

    // Both lookups were waiting at the service at the same time.
    QCOMPARE(geo.requestCount(), 2);
    QCOMPARE(geo.mostInFlight(), 2);

    // Results are stored (and reported) in the order of the calls, though Berlin finished first.
    const QList<core::Message> stored = m_fx->stored(kTenant, result->conversationId);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(2),tool,tool,assistant"));
    QCOMPARE(stored.at(2).toolCallId, QStringLiteral("call_p"));
    QCOMPARE(parse(stored.at(2).content).value(QStringLiteral("location")).toString(),
             QStringLiteral("Paris, FR"));
    QCOMPARE(stored.at(3).toolCallId, QStringLiteral("call_b"));
    QCOMPARE(parse(stored.at(3).content).value(QStringLiteral("location")).toString(),
             QStringLiteral("Berlin, DE"));
    QVERIFY(stored.at(2).metadata.value(QStringLiteral("elapsed_ms")).isDouble());
    QVERIFY(stored.at(3).metadata.value(QStringLiteral("elapsed_ms")).isDouble());
    QCOMPARE(test::eventKinds(m_fx->events()), QStringLiteral("started,call,call,result,result,delta,done"));
    QCOMPARE(m_fx->events().at(3).toolCall.id, QStringLiteral("call_p"));
    QCOMPARE(m_fx->events().at(4).toolCall.id, QStringLiteral("call_b"));

    const auto requests = m_llm->chatRequests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(test::roles(test::requestMessages(requests.at(1))),
             QStringLiteral("system,user,assistant(2),tool,tool"));
}

void TestTurnEngine::unknownToolAndInvalidArguments()
{
    m_llm->enqueue(
        openai::streamReply({}, {test::call(QStringLiteral("call_u"), QStringLiteral("get_stock_price"),
                                            QStringLiteral("{\"symbol\":\"ACME\"}")),
                                 test::call(QStringLiteral("call_v"), QStringLiteral("get_weather"),
                                            QStringLiteral("{\"units\":\"kelvin\"}")),
                                 test::call(QStringLiteral("call_w"), QStringLiteral("get_weather"),
                                            QStringLiteral("{\"location\": \"Par"))}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Sorry, I could not look that up.")}));

    auto result = m_fx->runTurn(request(QStringLiteral("Weather?")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("Sorry, I could not look that up."));
    QCOMPARE(result->toolRounds, 1);

    const QList<core::Message> stored = m_fx->stored(kTenant, result->conversationId);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(3),tool,tool,tool,assistant"));
    QCOMPARE(test::storedProblems(stored), QString());
    const QStringList expectedCodes{QStringLiteral("not_found"), QStringLiteral("invalid_argument"),
                                    QStringLiteral("invalid_argument")};
    const QStringList expectedIds{QStringLiteral("call_u"), QStringLiteral("call_v"),
                                  QStringLiteral("call_w")};
    for (int i = 0; i < 3; ++i) {
        const core::Message &tool = stored.at(2 + i);
        QCOMPARE(tool.toolCallId, expectedIds.at(i));
        const QJsonObject json = parse(tool.content);
        QCOMPARE(json.value(QStringLiteral("success")).toBool(true), false);
        QCOMPARE(json.value(QStringLiteral("error_code")).toString(), expectedCodes.at(i));
        QVERIFY(!json.value(QStringLiteral("error")).toString().isEmpty());
        QCOMPARE(tool.metadata.value(QStringLiteral("success")).toBool(true), false);
    }
    QVERIFY(parse(stored.at(2).content)
                .value(QStringLiteral("error"))
                .toString()
                .contains(QStringLiteral("get_stock_price")));
    QVERIFY(parse(stored.at(3).content)
                .value(QStringLiteral("error"))
                .toString()
                .contains(QStringLiteral("location")));

    // The model got every error back and could react; the weather service was never asked.
    const auto requests = m_llm->chatRequests();
    QCOMPARE(requests.size(), 2);
    const QJsonArray sent = test::requestMessages(requests.at(1));
    QCOMPARE(test::roles(sent), QStringLiteral("system,user,assistant(3),tool,tool,tool"));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(field(sent.at(3 + i), "content"), stored.at(2 + i).content);
    QCOMPARE(m_weather.requests().size(), 0);
}

void TestTurnEngine::roundLimit_data()
{
    QTest::addColumn<QString>("lastText");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no text") << QString() << QStringLiteral("I reached the limit of 1 tool rounds");
    QTest::newRow("text with calls") << QStringLiteral("Paris is 14.2 °C; let me also check")
                                     << QStringLiteral("Paris is 14.2 °C; let me also check");
}

void TestTurnEngine::roundLimit()
{
    QFETCH(QString, lastText);
    QFETCH(QString, expected);
    // The model keeps asking for tools; the flow allows one round.
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))}));
    m_llm->enqueue(openai::streamReply(lastText.isEmpty() ? QStringList() : QStringList{lastText},
                                       {weatherCall(QStringLiteral("call_2"), QStringLiteral("Berlin"))}));

    auto result =
        m_fx->runTurn(request(QStringLiteral("Weather everywhere?"), QStringLiteral("weather-once")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->finishReason, QStringLiteral("round_limit"));
    QVERIFY2(result->content.startsWith(expected), qPrintable(result->content));
    QCOMPARE(result->providerCalls, 2);
    QCOMPARE(result->toolRounds, 1);

    const auto requests = m_llm->chatRequests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.at(0).json().value(QStringLiteral("tool_choice")).toString(), QStringLiteral("auto"));
    QCOMPARE(requests.at(1).json().value(QStringLiteral("tool_choice")).toString(), QStringLiteral("none"));
    QCOMPARE(requests.at(1).json().value(QStringLiteral("tools")).toArray().size(), 1);

    // The ignored call is neither run nor stored: the final message is plain text.
    const QList<core::Message> stored = m_fx->stored(kTenant, result->conversationId);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(1),tool,assistant"));
    QCOMPARE(test::storedProblems(stored), QString());
    QCOMPARE(stored.last().content, result->content);
    QCOMPARE(stored.last().metadata.value(QStringLiteral("finish_reason")).toString(),
             QStringLiteral("round_limit"));
    QCOMPARE(m_weather.countRequests(QStringLiteral("/search")), 1);
    QCOMPARE(test::eventKinds(m_fx->events()).endsWith(QLatin1String("done")), true);
}

void TestTurnEngine::zeroToolRoundsNeverOffersTools()
{
    m_llm->enqueue(openai::streamReply({QStringLiteral("I cannot look it up.")}));
    auto result = m_fx->runTurn(request(QStringLiteral("Weather in Paris?"), QStringLiteral("weather-none")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->finishReason, QStringLiteral("stop"));
    QCOMPARE(m_llm->chatRequests().size(), 1);
    QCOMPARE(m_llm->chatRequests().first().json().value(QStringLiteral("tool_choice")).toString(),
             QStringLiteral("none"));
}

void TestTurnEngine::providerFailureAfterToolRound_data()
{
    QTest::addColumn<FakeResponse>("failure");
    QTest::addColumn<QString>("outcome");
    QTest::newRow("http 500") << openai::errorReply(500, QStringLiteral("The server had an error"),
                                                    QStringLiteral("server_error"))
                              << QStringLiteral("provider_unavailable");
    // The second answer starts a tool call and is cut off in the middle of its arguments.
    FakeResponse cut =
        openai::streamReply({}, {weatherCall(QStringLiteral("call_2"), QStringLiteral("Berlin"))});
    cut.chunks = cut.chunks.mid(0, 4);
    cut.end(FakeResponse::Ending::Close);
    QTest::newRow("stream cut in a tool call") << cut << QStringLiteral("provider_unavailable");
    QTest::newRow("malformed") << FakeResponse::raw(200, "{\"choices\": [", "application/json")
                               << QStringLiteral("provider_malformed_response");
}

void TestTurnEngine::providerFailureAfterToolRound()
{
    QFETCH(FakeResponse, failure);
    QFETCH(QString, outcome);
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))},
                                       Usage{50, 5, 55}));
    m_llm->enqueue(failure);

    auto result = m_fx->runTurn(request(QStringLiteral("Paris?")));
    QVERIFY(!result);
    QCOMPARE(result.error().codeName(), outcome);
    const QUuid conversation = m_fx->lastConversation();
    QVERIFY(!conversation.isNull());

    // Kept: the user message and the completed round; nothing of the failed call.
    const QList<core::Message> stored = m_fx->stored(kTenant, conversation);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(1),tool"));
    QCOMPARE(test::storedProblems(stored), QString());
    QCOMPARE(stored.at(1).toolCalls.first().id, QStringLiteral("call_1"));
    QCOMPARE(m_weather.countRequests(QStringLiteral("/search")), 1); // Berlin was never looked up
    QCOMPARE(m_llm->chatRequests().size(), 2);                       // one attempt each
    QCOMPARE(test::eventKinds(m_fx->events()), QStringLiteral("started,call,result,error"));
    QCOMPARE(m_fx->events().last().error.codeName(), outcome);
    QTRY_COMPARE(
        test::usageRows(*m_db, conversation),
        (QStringList{QStringLiteral("ok:50/5/55:gpt-fake"), outcome + QStringLiteral(":0/0/0:gpt-fake")}));

    // The conversation goes on from a consistent state.
    m_llm->enqueue(openai::streamReply({QStringLiteral("Paris is 14.2 °C.")}));
    auto next = m_fx->runTurn(request(QStringLiteral("And Paris?"), QStringLiteral("weather"), conversation));
    AGENCY_VERIFY_OK(next);
    const QJsonArray sent = test::requestMessages(m_llm->chatRequests().last());
    QCOMPARE(test::roles(sent), QStringLiteral("system,user,assistant(1),tool,user"));
}

void TestTurnEngine::providerFailureOnFirstCall()
{
    m_llm->enqueue(openai::errorReply(503, QStringLiteral("overloaded"), QStringLiteral("server_error")));
    const QString question = QStringLiteral("What's the weather in Paris?");
    auto result = m_fx->runTurn(request(question));
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::ProviderUnavailable);
    const QUuid conversation = m_fx->lastConversation();
    QVERIFY(!conversation.isNull());
    const QList<core::Message> stored = m_fx->stored(kTenant, conversation);
    QCOMPARE(test::roles(stored), QStringLiteral("user"));
    QCOMPARE(stored.first().content, question);
    auto c = test::await(m_fx->conversations().getConversation(kTenant, conversation));
    AGENCY_VERIFY_OK(c);
    QCOMPARE(c->title, question);
    QCOMPARE(test::eventKinds(m_fx->events()), QStringLiteral("started,error"));
    QCOMPARE(m_weather.requests().size(), 0);
}

void TestTurnEngine::badRequestsStoreNothing()
{
    auto before = test::await(m_fx->conversations().listConversations({kTenant, {}, 200, {}}));
    AGENCY_VERIFY_OK(before);

    // Even a request refused at once finishes later, never inside run(): a caller may still
    // attach its continuation, or start its event loop, after run() returned.
    auto refused = m_fx->run(request(QStringLiteral("   ")));
    QVERIFY(!refused.isFinished());
    QVERIFY(m_fx->events().isEmpty());
    auto empty = test::await(refused);
    QVERIFY(!empty);
    QCOMPARE(empty.error().code, ErrorCode::InvalidArgument);
    auto unknownFlow = m_fx->runTurn(request(QStringLiteral("Hello"), QStringLiteral("no-such-flow")));
    QVERIFY(!unknownFlow);
    QCOMPARE(unknownFlow.error().code, ErrorCode::NotFound);
    QVERIFY(unknownFlow.error().message.contains(QStringLiteral("no-such-flow")));
    auto missing =
        m_fx->runTurn(request(QStringLiteral("Hello"), QStringLiteral("weather"), QUuid::createUuid()));
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
    // Too long to store: refused before a conversation is created for it.
    auto tooLong = m_fx->runTurn(request(QString(core::limits::kMaxContentChars + 1, u'x')));
    QVERIFY(!tooLong);
    QCOMPARE(tooLong.error().code, ErrorCode::PayloadTooLarge);
    QCOMPARE(tooLong.error().details.value(QStringLiteral("field")).toString(), QStringLiteral("message"));
    auto nul = m_fx->runTurn(request(QStringLiteral("Hello") + QChar(0) + QStringLiteral("there")));
    QVERIFY(!nul);
    QCOMPARE(nul.error().code, ErrorCode::InvalidArgument);
    TurnRequest badProvider = request(QStringLiteral("Hello"));
    badProvider.provider = QStringLiteral("nonsense");
    auto unknownProvider = m_fx->runTurn(badProvider);
    QVERIFY(!unknownProvider);
    // An unknown provider is a name that does not exist, like an unknown flow (one exit code).
    QCOMPARE(unknownProvider.error().code, ErrorCode::NotFound);
    QVERIFY2(unknownProvider.error().message.contains(QStringLiteral("unknown provider \"nonsense\"")),
             qPrintable(unknownProvider.error().toString()));

    auto after = test::await(m_fx->conversations().listConversations({kTenant, {}, 200, {}}));
    AGENCY_VERIFY_OK(after);
    QCOMPARE(after->items.size(), before->items.size());
    QCOMPARE(m_llm->requestCount(), 0);
    QCOMPARE(m_fx->engine().activeTurns(), 0);
}

void TestTurnEngine::cancelMidStream()
{
    m_llm->enqueue(openai::streamReply(
        {QStringLiteral("Hel"), QStringLiteral("lo "), QStringLiteral("wor"), QStringLiteral("ld")}, {},
        Usage{12, 7, 19}, 500));
    TurnRequest r = request(QStringLiteral("Say hello"), QStringLiteral("consulting"));
    r.cancel = core::CancelToken::create();
    auto cancel = r.cancel;
    auto future = m_fx->run(r, [cancel](const TurnEvent &e) {
        if (e.kind == TurnEvent::Kind::TextDelta)
            cancel->cancel();
    });
    auto result = test::await(future, 10000);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::Cancelled);
    // Promptly: the turn ended before the server had written the rest of the stream (3 × 500 ms).
    QCOMPARE(m_llm->completedResponses(), 0);
    QCOMPARE(test::eventKinds(m_fx->events()), QStringLiteral("started,delta,error"));

    const QList<core::Message> stored = m_fx->stored(kTenant, m_fx->lastConversation());
    QCOMPARE(test::roles(stored), QStringLiteral("user"));
    QTRY_COMPARE(m_llm->openConnections(), 0); // the request was aborted
    QTRY_COMPARE(test::usageRows(*m_db, m_fx->lastConversation()),
                 QStringList{QStringLiteral("cancelled:0/0/0:gpt-fake")});
    QCOMPARE(m_fx->engine().activeTurns(), 0);
}

void TestTurnEngine::cancelMidStreamOfSecondRound()
{
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))}));
    m_llm->enqueue(
        openai::streamReply({QStringLiteral("Paris "), QStringLiteral("is "), QStringLiteral("mild.")}, {},
                            Usage{12, 7, 19}, 500));
    TurnRequest r = request(QStringLiteral("Paris?"));
    r.cancel = core::CancelToken::create();
    auto cancel = r.cancel;
    auto result = test::await(m_fx->run(r, [cancel](const TurnEvent &e) {
        if (e.kind == TurnEvent::Kind::TextDelta)
            cancel->cancel();
    }));
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::Cancelled);
    const QList<core::Message> stored = m_fx->stored(kTenant, m_fx->lastConversation());
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(1),tool"));
    QCOMPARE(test::storedProblems(stored), QString());
}

void TestTurnEngine::cancelWhileToolsRun()
{
    m_weather.setBehaviour(FakeWeatherServer::Behaviour::Hang);
    m_llm->enqueue(
        openai::streamReply({}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris")),
                                 weatherCall(QStringLiteral("call_2"), QStringLiteral("Berlin"))}));
    TurnRequest r = request(QStringLiteral("Paris and Berlin?"));
    r.cancel = core::CancelToken::create();
    auto future = m_fx->run(r);
    QTRY_COMPARE(m_weather.countRequests(QStringLiteral("/search")), 2);
    r.cancel->cancel();
    auto result = test::await(future, 10000);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::Cancelled);
    // Not after the tools timed out: both lookups were still hanging, so each call ends as
    // cancelled, not with the timeout or network error that waiting would have produced.
    QCOMPARE(test::eventKinds(m_fx->events()), QStringLiteral("started,call,call,result,result,error"));
    for (const int i : {3, 4}) {
        const QJsonObject toolResult = m_fx->events().at(i).toolResult;
        QCOMPARE(toolResult.value(QStringLiteral("error_code")).toString(), QStringLiteral("cancelled"));
    }

    // The round never completed, so it is not stored: no call without its result.
    const QList<core::Message> stored = m_fx->stored(kTenant, m_fx->lastConversation());
    QCOMPARE(test::roles(stored), QStringLiteral("user"));
    QCOMPARE(m_llm->chatRequests().size(), 1);
    QTRY_COMPARE(m_weather.openConnections(), 0); // the lookups were aborted
}

void TestTurnEngine::demoProviderToolRoundTrip()
{
    TurnRequest r = request(QStringLiteral("What's the weather in Paris?"));
    r.provider = QStringLiteral("demo");
    auto result = m_fx->runTurn(r);
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("demo"));
    QCOMPARE(result->providerCalls, 2);
    QVERIFY2(result->content.contains(QStringLiteral("14.2")), qPrintable(result->content));

    const QList<core::Message> stored = m_fx->stored(kTenant, result->conversationId);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(1),tool,assistant"));
    QCOMPARE(stored.at(1).toolCalls.first().name, QStringLiteral("get_weather"));
    QCOMPARE(parse(stored.at(1).toolCalls.first().arguments).value(QStringLiteral("location")).toString(),
             QStringLiteral("Paris"));
    QCOMPARE(parse(stored.at(2).content).value(QStringLiteral("temperature")).toDouble(), 14.2);
    QCOMPARE(m_weather.countRequests(QStringLiteral("/search")), 1);
    QCOMPARE(m_weather.countRequests(QStringLiteral("/forecast")), 1);
    QCOMPARE(m_llm->requestCount(), 0);
    QVERIFY(test::eventKinds(m_fx->events()).contains(QStringLiteral("call,result,delta,done")));
    QTRY_COMPARE(test::usageRows(*m_db, result->conversationId).size(), 2);
}

QTEST_GUILESS_MAIN(TestTurnEngine)
#include "test_turnengine.moc"

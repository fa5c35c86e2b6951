// Routing end to end (docs/design.md#providers): a route of OpenAI, Mistral and Vertex fake
// servers over real HTTP, with faults injected before the first token (fallback to the next
// target, a complete answer), after it (an error the client sees, the cut answer stored as cut),
// circuit breakers opening, half-opening and closing on the fixture's manual clock, capabilities
// keeping a JSON-schema turn away from a target that cannot serve it, and every attempt recorded.

#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakefaults.h"
#include "fakeopenai.h"
#include "fakevertex.h"
#include "fakeweatherserver.h"
#include "runtime/backend.h"
#include "sql/dbconnection.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QJsonArray>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::TurnRequest;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::FakeResponse;
using test::FakeVertexServer;
using test::FakeWeatherServer;
namespace openai = test::openai;
namespace vertex = test::vertex;
namespace faults = test::faults;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kPlain = QStringLiteral("plain");
const QString kRoute = QStringLiteral("openai:gpt-fake,mistral:mistral-fake,vertex:gemini-fake");

TurnRequest request(const QString &message, const QString &flow = kPlain)
{
    return test::turnRequest(kTenant, flow, message);
}

/// "provider:model:outcome" per attempt of a stored message.
QStringList attempts(const core::Message &message)
{
    QStringList out;
    for (const QJsonValue &a : message.metadata.value(QStringLiteral("attempts")).toArray()) {
        const QJsonObject o = a.toObject();
        out.append(QStringLiteral("%1:%2:%3")
                       .arg(o.value(QStringLiteral("provider")).toString(),
                            o.value(QStringLiteral("model")).toString(),
                            o.value(QStringLiteral("outcome")).toString()));
    }
    return out;
}

QStringList attempts(const QList<core::RouteAttempt> &list)
{
    QStringList out;
    for (const core::RouteAttempt &a : list)
        out.append(QStringLiteral("%1:%2:%3").arg(a.provider, a.model, a.outcome));
    return out;
}

/// "provider:outcome" per llm_usage row of a conversation, oldest first.
QStringList usageByProvider(sql::DbExecutor &db, const QUuid &conversation)
{
    auto rows =
        test::await(db.run<QStringList>([conversation](sql::DbConnection &conn) -> core::Result<QStringList> {
            auto q = conn.exec(
                QStringLiteral("SELECT provider, outcome FROM llm_usage WHERE conversation_id = ?::uuid "
                               "ORDER BY id"),
                {conversation.toString(QUuid::WithoutBraces)}, QStringLiteral("usage by provider"));
            if (!q)
                return q.error();
            QStringList out;
            while (q.value()->next())
                out.append(q.value()->value(0).toString() + u':' + q.value()->value(1).toString());
            return out;
        }));
    return rows ? rows.value() : QStringList{rows.error().message};
}

QString breakerState(EngineFixture &fx, const QString &provider)
{
    for (const core::BreakerStatus &b : fx.service().routing().breakers) {
        if (b.provider == provider)
            return b.state;
    }
    return QStringLiteral("closed");
}

} // namespace

class TestTurnRouting : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void faultBeforeFirstTokenFallsBack_data();
    void faultBeforeFirstTokenFallsBack();
    void twoFaultsThenVertexAnswers();
    void cutMidStreamIsAnErrorAndStoredAsCut_data();
    void cutMidStreamIsAnErrorAndStoredAsCut();
    void requestErrorsNeverFallBack();
    void routeStatusesFallBack();
    void breakerOpensHalfOpensAndCloses();
    void jsonSchemaNeverReachesAnIncapableTarget();
    void noTargetCanServe();
    void withoutRouteNothingChanges();
    void requestPinsOneTarget();
    void flowRouteAndSmallModel();
    void tenantRouteAndRunRoute();

private:
    void makeFixture(const QHash<QString, QString> &extra = {});

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_openai;
    std::unique_ptr<FakeOpenAiServer> m_mistral;
    std::unique_ptr<FakeVertexServer> m_vertex;
    std::unique_ptr<EngineFixture> m_fx;
};

void TestTurnRouting::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
}

void TestTurnRouting::init()
{
    m_openai = std::make_unique<FakeOpenAiServer>();
    m_mistral = std::make_unique<FakeOpenAiServer>();
    m_vertex = std::make_unique<FakeVertexServer>();
    QVERIFY(m_openai->listen());
    QVERIFY(m_mistral->listen());
    QVERIFY(m_vertex->listen());
    makeFixture();
}

void TestTurnRouting::makeFixture(const QHash<QString, QString> &extra)
{
    m_fx.reset();
    QHash<QString, QString> values{
        {QStringLiteral("LLM_ROUTE"), kRoute},
        {QStringLiteral("MISTRAL_BASE_URL"), m_mistral->baseUrl()},
        {QStringLiteral("MISTRAL_API_KEY"), QStringLiteral("mistral-test")},
        {QStringLiteral("VERTEX_AI_BASE_URL"), m_vertex->baseUrl()},
        {QStringLiteral("VERTEX_AI_ACCESS_TOKEN"), QStringLiteral("vertex-test")},
        {QStringLiteral("VERTEX_AI_PROJECT_ID"), QStringLiteral("proj")},
        // The stall fault waits for this: short, so the test stays short.
        {QStringLiteral("LLM_TIMEOUT_TOTAL_MS"), QStringLiteral("1500")},
        {QStringLiteral("LLM_BREAKER_FAILURES"), QStringLiteral("2")},
        {QStringLiteral("LLM_BREAKER_COOLDOWN_MS"), QStringLiteral("10000")},
    };
    for (auto it = extra.cbegin(); it != extra.cend(); ++it)
        values.insert(it.key(), it.value());
    core::FlowDefinition routed = test::testFlow(QStringLiteral("routed"), 4, 50, {});
    routed.route = QStringLiteral("mistral:mistral-big,vertex:gemini-fake;small=openai:gpt-small");
    routed.smallMaxTokens = 5000;
    m_fx = std::make_unique<EngineFixture>(
        *m_db, test::engineConfig(m_openai->baseUrl(), m_weather.baseUrl().toString(), values),
        QList<core::FlowDefinition>{test::testFlow(kPlain, 4, 50, {}), routed});
}

void TestTurnRouting::cleanup()
{
    m_fx.reset();
    m_openai.reset();
    m_mistral.reset();
    m_vertex.reset();
}

void TestTurnRouting::cleanupTestCase()
{
    m_db.reset();
}

void TestTurnRouting::faultBeforeFirstTokenFallsBack_data()
{
    QTest::addColumn<FakeResponse>("fault");
    QTest::addColumn<QString>("outcome");
    // A Retry-After longer than LLM_RETRY_MAX_TOTAL_MS: the retry policy gives up at once.
    QTest::newRow("429 with Retry-After")
        << faults::rateLimited(openai::errorReply(429, QStringLiteral("slow down")), 3600)
        << QStringLiteral("provider_rate_limited");
    QTest::newRow("503") << openai::errorReply(503, QStringLiteral("overloaded"))
                         << QStringLiteral("provider_unavailable");
    QTest::newRow("closed before the first token")
        << FakeResponse::closeWithoutAnswer() << QStringLiteral("provider_unavailable");
    QTest::newRow("stall") << faults::stall() << QStringLiteral("provider_timeout");
    QTest::newRow("malformed SSE line") << faults::malformedFirst(openai::streamPayloads(faults::tokens(3)))
                                        << QStringLiteral("provider_malformed_response");
}

void TestTurnRouting::faultBeforeFirstTokenFallsBack()
{
    QFETCH(FakeResponse, fault);
    QFETCH(QString, outcome);
    m_openai->enqueue(fault);
    m_mistral->enqueue(openai::streamReply(faults::tokens(60)));

    auto result = m_fx->runTurn(request(QStringLiteral("hello")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, faults::tokens(60).join(QString()));
    QCOMPARE(result->provider, QStringLiteral("mistral"));
    QCOMPARE(result->route, kRoute);
    QCOMPARE(attempts(result->attempts), (QStringList{QStringLiteral("openai:gpt-fake:") + outcome,
                                                      QStringLiteral("mistral:mistral-fake:ok")}));
    QCOMPARE(test::eventKinds(m_fx->events()), QStringLiteral("started,delta,done"));
    QCOMPARE(m_vertex->requestCount(), 0);

    // Stored with the answer: the route and every attempt; llm_usage has a row per attempt.
    const QList<core::Message> stored = m_fx->stored(kTenant, result->conversationId);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant"));
    QCOMPARE(stored.at(1).metadata.value(QStringLiteral("route")).toString(), kRoute);
    QCOMPARE(attempts(stored.at(1)), attempts(result->attempts));
    QVERIFY(!stored.at(1).metadata.contains(QStringLiteral("cut")));
    QTRY_COMPARE(usageByProvider(*m_db, result->conversationId).size(), 2);
    const QStringList rows = usageByProvider(*m_db, result->conversationId);
    QVERIFY2(rows.contains(QStringLiteral("openai:") + outcome), qPrintable(rows.join(u' ')));
    QVERIFY2(rows.contains(QStringLiteral("mistral:ok")), qPrintable(rows.join(u' ')));
}

void TestTurnRouting::twoFaultsThenVertexAnswers()
{
    m_openai->enqueue(openai::errorReply(500, QStringLiteral("boom")));
    m_mistral->enqueue(faults::cutAfter(openai::streamPayloads(faults::tokens(60)), 1)); // role chunk only
    m_vertex->enqueue(vertex::streamReply(faults::tokens(5)));
    auto result = m_fx->runTurn(request(QStringLiteral("hello")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, faults::tokens(5).join(QString()));
    QCOMPARE(attempts(result->attempts),
             (QStringList{QStringLiteral("openai:gpt-fake:provider_unavailable"),
                          QStringLiteral("mistral:mistral-fake:provider_unavailable"),
                          QStringLiteral("vertex:gemini-fake:ok")}));
    QVERIFY(m_vertex->lastRequest().path().contains(QStringLiteral("gemini-fake:streamGenerateContent")));
}

void TestTurnRouting::cutMidStreamIsAnErrorAndStoredAsCut_data()
{
    QTest::addColumn<QString>("route");
    QTest::addColumn<QString>("provider");
    QTest::newRow("openai") << kRoute << QStringLiteral("openai");
    QTest::newRow("vertex") << QStringLiteral("vertex:gemini-fake,openai:gpt-fake")
                            << QStringLiteral("vertex");
}

void TestTurnRouting::cutMidStreamIsAnErrorAndStoredAsCut()
{
    QFETCH(QString, route);
    QFETCH(QString, provider);
    makeFixture({{QStringLiteral("LLM_ROUTE"), route}});
    const QString sent = faults::tokens(40).join(QString());
    if (provider == QLatin1String("openai"))
        m_openai->enqueue(faults::cutAfter(openai::streamPayloads(faults::tokens(60)), 41)); // role + 40
    else
        m_vertex->enqueue(faults::cutAfter(vertex::streamPayloads(faults::tokens(60)), 40));

    auto result = m_fx->runTurn(request(QStringLiteral("tell me sixty things")));
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::ProviderUnavailable);
    QVERIFY2(result.error().message.contains(QStringLiteral("cut off")), qPrintable(result.error().message));
    QCOMPARE(result.error().details.value(QStringLiteral("cut")).toBool(), true);
    // The client saw 40 tokens, then an error: never a clean end, and no second answer after it.
    QCOMPARE(test::eventKinds(m_fx->events()), QStringLiteral("started,delta,error"));
    QString streamed;
    for (const core::TurnEvent &e : m_fx->events())
        streamed += e.text;
    QCOMPARE(streamed, sent);
    QCOMPARE(m_mistral->requestCount(), 0);
    QCOMPARE(provider == QLatin1String("openai") ? m_vertex->requestCount() : m_openai->requestCount(), 0);

    const QList<core::Message> stored = m_fx->stored(kTenant, m_fx->lastConversation());
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant"));
    QCOMPARE(stored.at(1).content, sent);
    QCOMPARE(stored.at(1).metadata.value(QStringLiteral("cut")).toBool(), true);
    QCOMPARE(stored.at(1).metadata.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("cut"));
    QCOMPARE(attempts(stored.at(1)).size(), 1);
    QVERIFY(attempts(stored.at(1)).constFirst().endsWith(QStringLiteral(":cut")));
    QTRY_COMPARE(test::usageRows(*m_db, m_fx->lastConversation()).size(), 1);
    QVERIFY(test::usageRows(*m_db, m_fx->lastConversation()).constFirst().startsWith(QStringLiteral("cut:")));
}

void TestTurnRouting::requestErrorsNeverFallBack()
{
    m_openai->enqueue(openai::errorReply(400, QStringLiteral("bad parameter")));
    auto result = m_fx->runTurn(request(QStringLiteral("hello")));
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::ProviderBadRequest);
    QCOMPARE(m_mistral->requestCount(), 0);
    QCOMPARE(m_vertex->requestCount(), 0);
    QCOMPARE(breakerState(*m_fx, QStringLiteral("openai")), QStringLiteral("closed"));
}

void TestTurnRouting::routeStatusesFallBack()
{
    makeFixture({{QStringLiteral("LLM_ROUTE"), kRoute + QStringLiteral(";on=400,422")}});
    m_openai->enqueue(openai::errorReply(422, QStringLiteral("model busy elsewhere")));
    m_mistral->enqueue(openai::streamReply({QStringLiteral("from mistral")}));
    auto result = m_fx->runTurn(request(QStringLiteral("hello")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->content, QStringLiteral("from mistral"));
    QCOMPARE(result->attempts.constFirst().httpStatus, 422);
}

void TestTurnRouting::breakerOpensHalfOpensAndCloses()
{
    // Two failures within the window open openai's breaker (LLM_BREAKER_FAILURES=2).
    for (int i = 0; i < 2; ++i) {
        m_openai->enqueue(openai::errorReply(503, QStringLiteral("down")));
        m_mistral->enqueue(openai::streamReply({QStringLiteral("fallback")}));
        AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("hello"))));
    }
    QCOMPARE(m_openai->requestCount(), 2);
    QCOMPARE(breakerState(*m_fx, QStringLiteral("openai")), QStringLiteral("open"));

    // Open: skipped at once, without a request.
    m_mistral->enqueue(openai::streamReply({QStringLiteral("while open")}));
    auto skipped = m_fx->runTurn(request(QStringLiteral("hello")));
    AGENCY_VERIFY_OK(skipped);
    QCOMPARE(m_openai->requestCount(), 2);
    QCOMPARE(attempts(skipped->attempts).constFirst(), QStringLiteral("openai:gpt-fake:circuit_open"));

    // After the cool-down: half-open, one trial; it fails, so it opens again.
    m_fx->clock().advanceMs(10'001);
    QCOMPARE(breakerState(*m_fx, QStringLiteral("openai")), QStringLiteral("half_open"));
    m_openai->enqueue(openai::errorReply(503, QStringLiteral("still down")));
    m_mistral->enqueue(openai::streamReply({QStringLiteral("fallback")}));
    AGENCY_VERIFY_OK(m_fx->runTurn(request(QStringLiteral("hello"))));
    QCOMPARE(m_openai->requestCount(), 3);
    QCOMPARE(breakerState(*m_fx, QStringLiteral("openai")), QStringLiteral("open"));

    // Next cool-down: the trial succeeds and closes it.
    m_fx->clock().advanceMs(10'001);
    m_openai->enqueue(openai::streamReply({QStringLiteral("back")}));
    auto back = m_fx->runTurn(request(QStringLiteral("hello")));
    AGENCY_VERIFY_OK(back);
    QCOMPARE(back->content, QStringLiteral("back"));
    QCOMPARE(breakerState(*m_fx, QStringLiteral("openai")), QStringLiteral("closed"));
    bool counted = false;
    for (const core::AttemptCount &c : m_fx->service().routing().attempts)
        counted |= c.provider == QLatin1String("openai") && c.outcome == QLatin1String("circuit_open") &&
                   c.count == 1;
    QVERIFY(counted);
}

void TestTurnRouting::jsonSchemaNeverReachesAnIncapableTarget()
{
    makeFixture({{QStringLiteral("LLM_CAPABILITIES"), QStringLiteral("openai:*=no-json_schema")}});
    m_mistral->enqueue(openai::streamReply({QStringLiteral("{\"city\":\"Paris\"}")}));
    TurnRequest r = request(QStringLiteral("a city as JSON"));
    r.responseFormat.kind = core::ResponseFormat::Kind::JsonSchema;
    r.responseFormat.name = QStringLiteral("city");
    r.responseFormat.schema =
        QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                    {QStringLiteral("properties"),
                     QJsonObject{{QStringLiteral("city"),
                                  QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}}}},
                    {QStringLiteral("required"), QJsonArray{QStringLiteral("city")}}};
    auto result = m_fx->runTurn(r);
    AGENCY_VERIFY_OK(result);
    QCOMPARE(m_openai->requestCount(), 0);
    QCOMPARE(result->provider, QStringLiteral("mistral"));
    QVERIFY(m_mistral->lastRequest().json().contains(QStringLiteral("response_format")));
}

void TestTurnRouting::noTargetCanServe()
{
    makeFixture(
        {{QStringLiteral("LLM_CAPABILITIES"),
          QStringLiteral("openai:*=no-json_schema;mistral:*=no-json_schema;vertex:gemini*=no-json_schema")}});
    TurnRequest r = request(QStringLiteral("JSON please"));
    r.responseFormat.kind = core::ResponseFormat::Kind::JsonObject;
    auto result = m_fx->runTurn(r);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::InvalidArgument);
    QVERIFY2(result.error().message.contains(QStringLiteral("openai:gpt-fake lacks JSON schema output")),
             qPrintable(result.error().message));
    QCOMPARE(result.error().details.value(QStringLiteral("capability")).toString(),
             QStringLiteral("JSON schema output"));
    QCOMPARE(result.error().details.value(QStringLiteral("field")).toString(),
             QStringLiteral("response_format"));
    QCOMPARE(m_openai->requestCount() + m_mistral->requestCount() + m_vertex->requestCount(), 0);
    QVERIFY(m_fx->lastConversation().isNull()); // nothing stored
}

void TestTurnRouting::withoutRouteNothingChanges()
{
    makeFixture({{QStringLiteral("LLM_ROUTE"), QString()}});
    m_openai->enqueue(openai::errorReply(503, QStringLiteral("down")));
    auto result = m_fx->runTurn(request(QStringLiteral("hello")));
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::ProviderUnavailable);
    QCOMPARE(m_mistral->requestCount(), 0);
    m_openai->enqueue(openai::streamReply({QStringLiteral("hi")}));
    auto ok = m_fx->runTurn(request(QStringLiteral("hello")));
    AGENCY_VERIFY_OK(ok);
    QCOMPARE(ok->route, QStringLiteral("openai:gpt-fake"));
}

void TestTurnRouting::requestPinsOneTarget()
{
    m_mistral->enqueue(openai::errorReply(503, QStringLiteral("down")));
    TurnRequest r = request(QStringLiteral("hello"));
    r.provider = QStringLiteral("mistral");
    auto result = m_fx->runTurn(r);
    QVERIFY(!result);
    QCOMPARE(m_openai->requestCount(), 0);
    QCOMPARE(m_vertex->requestCount(), 0);
}

void TestTurnRouting::flowRouteAndSmallModel()
{
    // No tools and a short prompt: the flow route's small model first.
    m_openai->enqueue(openai::streamReply({QStringLiteral("small answer")}));
    auto small = m_fx->runTurn(request(QStringLiteral("hi"), QStringLiteral("routed")));
    AGENCY_VERIFY_OK(small);
    QCOMPARE(small->content, QStringLiteral("small answer"));
    QCOMPARE(m_openai->lastRequest().json().value(QStringLiteral("model")).toString(),
             QStringLiteral("gpt-small"));
    QCOMPARE(small->route, QStringLiteral("mistral:mistral-big,vertex:gemini-fake;small=openai:gpt-small"));

    // A prompt over the threshold goes to the route itself.
    m_mistral->enqueue(openai::streamReply({QStringLiteral("big answer")}));
    auto big = m_fx->runTurn(request(QString(30'000, u'x'), QStringLiteral("routed")));
    AGENCY_VERIFY_OK(big);
    QCOMPARE(big->content, QStringLiteral("big answer"));
    QCOMPARE(m_mistral->lastRequest().json().value(QStringLiteral("model")).toString(),
             QStringLiteral("mistral-big"));
    QCOMPARE(m_openai->requestCount(), 1);
}

void TestTurnRouting::tenantRouteAndRunRoute()
{
    AGENCY_VERIFY_OK(test::await(m_fx->service().createTenant(
        QStringLiteral("routed-tenant"), QStringLiteral("Routed"),
        QJsonObject{{QStringLiteral("route"), QStringLiteral("vertex:gemini-tenant,openai")}})));
    auto bad = test::await(
        m_fx->service().createTenant(QStringLiteral("bad-tenant"), QStringLiteral("Bad"),
                                     QJsonObject{{QStringLiteral("route"), QStringLiteral("nope:x*0")}}));
    QVERIFY(!bad);
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);

    m_vertex->enqueue(vertex::streamReply({QStringLiteral("tenant route")}));
    auto tenant =
        m_fx->runTurn(test::turnRequest(QStringLiteral("routed-tenant"), kPlain, QStringLiteral("hi")));
    AGENCY_VERIFY_OK(tenant);
    QCOMPARE(tenant->content, QStringLiteral("tenant route"));
    QVERIFY(m_vertex->lastRequest().path().contains(QStringLiteral("gemini-tenant")));

    // A run's route (RUN_ROUTE reaches the turn as TurnRequest::route) wins over the tenant's.
    m_mistral->enqueue(openai::streamReply({QStringLiteral("run route")}));
    TurnRequest run = test::turnRequest(QStringLiteral("routed-tenant"), kPlain, QStringLiteral("hi"));
    run.route = QStringLiteral("mistral:mistral-run");
    auto viaRun = m_fx->runTurn(run);
    AGENCY_VERIFY_OK(viaRun);
    QCOMPARE(viaRun->content, QStringLiteral("run route"));
}

QTEST_GUILESS_MAIN(TestTurnRouting)
#include "test_turnrouting.moc"

// Money and the response cache on the program's own backend (EngineFixture: a real PostgreSQL, the
// OpenAI adapter against FakeOpenAiServer, which counts the calls it gets): each call's cost from
// the price table and its overrides, the tenant's money budget refusing before the provider is
// called, and the exact-match response cache of flows that opt in — a hit stored as a turn marked
// cached, with no tokens, no money and no provider call, never across tenants, off by default.

#include "core/json.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "futurewait.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::Usage;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::FakeWeatherServer;
namespace openai = test::openai;

namespace {

const QString kCached = QStringLiteral("cached-faq");
const QString kPlain = QStringLiteral("plain-faq");

core::FlowDefinition faqFlow(const QString &flowType, bool cache)
{
    core::FlowDefinition flow = test::testFlow(flowType, 0, 50, {});
    flow.cacheResponses = cache;
    return flow;
}

} // namespace

class TestCosts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void eachCallIsPricedFromTheTableAndItsOverrides();
    void aModelWithoutAPriceHasNoCost();
    void dailyBudgetRefusesBeforeTheProviderCall();
    void monthlyBudgetNamesTheMonth();
    void cacheHitIsAStoredTurnWithoutProviderCall();
    void cacheHitsNeverCrossTenants();
    void cacheIsOffByDefault();

private:
    void makeFixture(const QHash<QString, QString> &extra);
    /// Writes a price file giving the fake's model `input`/`output` dollars per million tokens.
    QString priceFile(double input, double output);
    QString scalar(const QString &sql, const QVariantList &binds = {});
    core::Result<core::TurnResult> turn(const QString &tenant, const QString &flow, const QString &message);
    void createTenant(const QString &tenant, const QJsonObject &settings);

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<EngineFixture> m_fx;
    QTemporaryDir m_dir;
};

void TestCosts::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
    QVERIFY(m_dir.isValid());
}

void TestCosts::init()
{
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
}

void TestCosts::makeFixture(const QHash<QString, QString> &extra)
{
    m_fx.reset();
    m_fx = std::make_unique<EngineFixture>(
        *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(), extra),
        QList<core::FlowDefinition>{faqFlow(kCached, true), faqFlow(kPlain, false)});
}

void TestCosts::cleanup()
{
    m_fx.reset();
    m_llm.reset();
}

void TestCosts::cleanupTestCase()
{
    m_db.reset();
}

QString TestCosts::priceFile(double input, double output)
{
    const QString path = m_dir.filePath(QStringLiteral("prices-%1-%2.json").arg(input).arg(output));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(
        QJsonDocument(
            QJsonObject{{QStringLiteral("as_of"), QStringLiteral("2026-12-01")},
                        {QStringLiteral("models"),
                         QJsonObject{{QStringLiteral("openai"),
                                      QJsonObject{{QStringLiteral("gpt-fake"),
                                                   QJsonObject{{QStringLiteral("input"), input},
                                                               {QStringLiteral("output"), output}}}}}}}})
            .toJson());
    return path;
}

QString TestCosts::scalar(const QString &sql, const QVariantList &binds)
{
    auto value =
        test::await(m_db->run<QString>([sql, binds](sql::DbConnection &conn) -> core::Result<QString> {
            auto q = conn.exec(sql, binds, QStringLiteral("test query"));
            if (!q)
                return q.error();
            if (!q.value()->next())
                return QStringLiteral("(no row)");
            return q.value()->value(0).isNull() ? QStringLiteral("NULL") : q.value()->value(0).toString();
        }));
    return value ? value.value() : QStringLiteral("error: ") + value.error().message;
}

core::Result<core::TurnResult> TestCosts::turn(const QString &tenant, const QString &flow,
                                               const QString &message)
{
    return m_fx->runTurn(test::turnRequest(tenant, flow, message));
}

void TestCosts::createTenant(const QString &tenant, const QJsonObject &settings)
{
    AGENCY_VERIFY_OK(test::await(m_fx->service().createTenant(tenant, tenant, settings)));
}

void TestCosts::eachCallIsPricedFromTheTableAndItsOverrides()
{
    // The override prices the fake's model: 1,000 prompt tokens at $2/M + 500 at $10/M = $0.007.
    makeFixture({{QStringLiteral("LLM_PRICES_FILE"), priceFile(2, 10)}});
    m_llm->enqueue(openai::streamReply({QStringLiteral("Four.")}, {}, Usage{1000, 500, 1500}));
    auto paid = turn(QStringLiteral("priced"), kPlain, QStringLiteral("2+2?"));
    AGENCY_VERIFY_OK(paid);
    QCOMPARE(scalar(QStringLiteral("SELECT cost_usd::text FROM llm_usage WHERE conversation_id = ?::uuid"),
                    {paid->conversationId.toString(QUuid::WithoutBraces)}),
             QStringLiteral("0.007000000"));

    // The demo provider's built-in price is zero: a cost of 0, not an unknown one.
    core::TurnRequest demo = test::turnRequest(QStringLiteral("priced"), kPlain, QStringLiteral("Hello"));
    demo.provider = QStringLiteral("demo");
    auto free = m_fx->runTurn(demo);
    AGENCY_VERIFY_OK(free);
    QCOMPARE(scalar(QStringLiteral("SELECT cost_usd::text FROM llm_usage WHERE conversation_id = ?::uuid"),
                    {free->conversationId.toString(QUuid::WithoutBraces)}),
             QStringLiteral("0.000000000"));

    const QDateTime now = m_fx->clock().now();
    auto summary = test::await(
        m_fx->service().usageSummary(QStringLiteral("priced"), now.addDays(-1), now.addSecs(3600)));
    AGENCY_VERIFY_OK(summary);
    double cost = 0;
    qint64 unpriced = 0;
    for (const core::UsageSummaryRow &row : summary.value()) {
        cost += row.costUsd;
        unpriced += row.unpricedCalls;
    }
    QCOMPARE(cost, 0.007);
    QCOMPARE(unpriced, 0);
}

void TestCosts::aModelWithoutAPriceHasNoCost()
{
    makeFixture({});
    m_llm->enqueue(openai::streamReply({QStringLiteral("Four.")}, {}, Usage{1000, 500, 1500}));
    auto result = turn(QStringLiteral("unpriced"), kPlain, QStringLiteral("2+2?"));
    AGENCY_VERIFY_OK(result);
    // "gpt-fake" is in no built-in table: unknown (NULL), counted as such, never a made-up zero.
    QCOMPARE(scalar(QStringLiteral("SELECT cost_usd IS NULL FROM llm_usage WHERE conversation_id = ?::uuid"),
                    {result->conversationId.toString(QUuid::WithoutBraces)}),
             QStringLiteral("true"));
    const QDateTime now = m_fx->clock().now();
    auto summary = test::await(
        m_fx->service().usageSummary(QStringLiteral("unpriced"), now.addDays(-1), now.addSecs(3600)));
    AGENCY_VERIFY_OK(summary);
    QCOMPARE(summary->size(), 1);
    QCOMPARE(summary->first().unpricedCalls, 1);
    QCOMPARE(summary->first().costUsd, 0.0);
}

void TestCosts::dailyBudgetRefusesBeforeTheProviderCall()
{
    makeFixture({{QStringLiteral("LLM_PRICES_FILE"), priceFile(2, 10)}});
    const QString tenant = QStringLiteral("thrifty");
    createTenant(
        tenant, QJsonObject{{QStringLiteral("budget"), QJsonObject{{QStringLiteral("usd_per_day"), 0.005}}}});
    // $0.007: the call that crosses the budget completes (nothing was spent before it)…
    m_llm->enqueue(openai::streamReply({QStringLiteral("Four.")}, {}, Usage{1000, 500, 1500}));
    AGENCY_VERIFY_OK(turn(tenant, kPlain, QStringLiteral("2+2?")));
    QCOMPARE(m_llm->chatRequests().size(), 1);

    // …and the next is refused before the provider hears of it.
    m_llm->enqueue(openai::streamReply({QStringLiteral("Six.")}, {}, Usage{1000, 500, 1500}));
    auto refused = turn(tenant, kPlain, QStringLiteral("3+3?"));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::RateLimited);
    QCOMPARE(refused.error().details.value(QStringLiteral("reason")).toString(), QStringLiteral("budget"));
    QCOMPARE(refused.error().details.value(QStringLiteral("window")).toString(), QStringLiteral("day"));
    QVERIFY2(refused.error().message.contains(QStringLiteral("daily budget of $0.0050")),
             qPrintable(refused.error().message));
    const qint64 retry = refused.error().details.value(QStringLiteral("retry_after_ms")).toInteger();
    QVERIFY(retry > 0 && retry <= 24LL * 3600 * 1000);
    QCOMPARE(m_llm->chatRequests().size(), 1);

    // Another tenant without a budget is not held back by this one's spending.
    AGENCY_VERIFY_OK(turn(QStringLiteral("spender"), kPlain, QStringLiteral("3+3?")));
    QCOMPARE(m_llm->chatRequests().size(), 2);

    // A new UTC day: the daily budget is there again.
    m_fx->clock().advanceMs(retry);
    m_llm->enqueue(openai::streamReply({QStringLiteral("Six.")}, {}, Usage{10, 5, 15}));
    AGENCY_VERIFY_OK(turn(tenant, kPlain, QStringLiteral("3+3?")));
    QCOMPARE(m_llm->chatRequests().size(), 3);
}

void TestCosts::monthlyBudgetNamesTheMonth()
{
    makeFixture({{QStringLiteral("LLM_PRICES_FILE"), priceFile(2, 10)}});
    const QString tenant = QStringLiteral("monthly");
    createTenant(tenant, QJsonObject{{QStringLiteral("budget"),
                                      QJsonObject{{QStringLiteral("usd_per_day"), 100},
                                                  {QStringLiteral("usd_per_month"), 0.001}}}});
    m_llm->enqueue(openai::streamReply({QStringLiteral("Four.")}, {}, Usage{1000, 500, 1500}));
    AGENCY_VERIFY_OK(turn(tenant, kPlain, QStringLiteral("2+2?")));
    auto refused = turn(tenant, kPlain, QStringLiteral("3+3?"));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::RateLimited);
    QCOMPARE(refused.error().details.value(QStringLiteral("window")).toString(), QStringLiteral("month"));
    QCOMPARE(refused.error().details.value(QStringLiteral("spent_usd")).toDouble(), 0.007);
    QCOMPARE(m_llm->chatRequests().size(), 1);

    // A budget that is not a number of dollars is refused when saved.
    auto bad = test::await(m_fx->service().updateTenant(
        tenant, std::nullopt,
        QJsonObject{{QStringLiteral("budget"), QJsonObject{{QStringLiteral("usd_per_day"), -1}}}}));
    QVERIFY(!bad);
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(bad.error().details.value(QStringLiteral("field")).toString(),
             QStringLiteral("budget.usd_per_day"));
}

void TestCosts::cacheHitIsAStoredTurnWithoutProviderCall()
{
    makeFixture({{QStringLiteral("LLM_PRICES_FILE"), priceFile(2, 10)}});
    const QString tenant = QStringLiteral("cache-a");
    m_llm->enqueue(openai::streamReply({QStringLiteral("Paris is "), QStringLiteral("the capital.")}, {},
                                       Usage{1000, 500, 1500}));
    auto first = turn(tenant, kCached, QStringLiteral("What is the capital of France?"));
    AGENCY_VERIFY_OK(first);
    QCOMPARE(m_llm->chatRequests().size(), 1);
    QTRY_COMPARE(scalar(QStringLiteral("SELECT count(*) FROM response_cache WHERE tenant_id = ?"), {tenant}),
                 QStringLiteral("1"));

    // The same question in a new conversation: answered from the cache, streamed all the same.
    m_fx->clearEvents();
    auto second = turn(tenant, kCached, QStringLiteral("What is the capital of France?"));
    AGENCY_VERIFY_OK(second);
    QCOMPARE(m_llm->chatRequests().size(), 1);
    QCOMPARE(second->content, QStringLiteral("Paris is the capital."));
    QCOMPARE(second->usage, Usage{});
    QVERIFY(test::eventKinds(m_fx->events()).contains(QStringLiteral("delta")));
    const QList<core::Message> stored = m_fx->stored(tenant, second->conversationId);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant"));
    QCOMPARE(stored.last().metadata.value(QStringLiteral("cached")).toBool(), true);
    QCOMPARE(stored.last().metadata.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
    QCOMPARE(m_fx->stored(tenant, first->conversationId).last().metadata.contains(QStringLiteral("cached")),
             false);
    // No tokens, no money.
    QCOMPARE(test::usageRows(*m_db, second->conversationId),
             QStringList{QStringLiteral("ok:0/0/0:gpt-fake")});
    QCOMPARE(scalar(QStringLiteral("SELECT cost_usd::text FROM llm_usage WHERE conversation_id = ?::uuid"),
                    {second->conversationId.toString(QUuid::WithoutBraces)}),
             QStringLiteral("0.000000000"));

    // A different request (another question) is a miss.
    m_llm->enqueue(openai::streamReply({QStringLiteral("Berlin.")}));
    AGENCY_VERIFY_OK(turn(tenant, kCached, QStringLiteral("What is the capital of Germany?")));
    QCOMPARE(m_llm->chatRequests().size(), 2);

    // The cache belongs to its tenant and goes with it.
    QCOMPARE(scalar(QStringLiteral("WITH d AS (DELETE FROM tenants WHERE tenant_id = ? RETURNING 1) "
                                   "SELECT count(*) FROM d"),
                    {tenant}),
             QStringLiteral("1"));
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM response_cache WHERE tenant_id = ?"), {tenant}),
             QStringLiteral("0"));
}

void TestCosts::cacheHitsNeverCrossTenants()
{
    makeFixture({});
    m_llm->enqueue(openai::streamReply({QStringLiteral("Answer for A.")}));
    AGENCY_VERIFY_OK(turn(QStringLiteral("tenant-a"), kCached, QStringLiteral("Same question")));
    QTRY_COMPARE(scalar(QStringLiteral("SELECT count(*) FROM response_cache WHERE tenant_id = 'tenant-a'")),
                 QStringLiteral("1"));
    // Another tenant asking the very same thing in the same flow goes to the provider.
    m_llm->enqueue(openai::streamReply({QStringLiteral("Answer for B.")}));
    auto b = turn(QStringLiteral("tenant-b"), kCached, QStringLiteral("Same question"));
    AGENCY_VERIFY_OK(b);
    QCOMPARE(b->content, QStringLiteral("Answer for B."));
    QCOMPARE(m_llm->chatRequests().size(), 2);
    QVERIFY(!m_fx->stored(QStringLiteral("tenant-b"), b->conversationId)
                 .last()
                 .metadata.contains(QStringLiteral("cached")));
}

void TestCosts::cacheIsOffByDefault()
{
    makeFixture({});
    QCOMPARE(m_fx->flow(kPlain).cacheResponses, false);
    for (const QString &answer : {QStringLiteral("One."), QStringLiteral("Two.")}) {
        m_llm->enqueue(openai::streamReply({answer}));
        auto result = turn(QStringLiteral("uncached"), kPlain, QStringLiteral("Same question"));
        AGENCY_VERIFY_OK(result);
        QCOMPARE(result->content, answer);
    }
    QCOMPARE(m_llm->chatRequests().size(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT count(*) FROM response_cache WHERE tenant_id = 'uncached'")),
             QStringLiteral("0"));
    // The built-in flows do not opt in either.
    QCOMPARE(m_fx->flow(QStringLiteral("weather")).cacheResponses, false);
    QCOMPARE(m_fx->flow(QStringLiteral("consulting")).cacheResponses, false);
}

QTEST_GUILESS_MAIN(TestCosts)
#include "test_costs.moc"

// Chat turns through AgencyService, the API both front ends use: tenant isolation (another
// tenant's or another flow's conversation is NotFound and nothing is stored), titles, export, and
// rate limiting end to end — a refusal with the exact retry-after before the provider is called,
// settlement against the provider's reported usage, one llm_usage row per provider call — with
// the in-memory and the PostgreSQL-shared limiter.

#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "sql/dbexecutor.h"
#include "testdatabase.h"

#include <QJsonDocument>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::TurnRequest;
using core::Usage;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::weatherCall;
namespace openai = test::openai;

Q_DECLARE_METATYPE(agency::test::EngineFixture::Limiter)

namespace {

TurnRequest chatRequest(const QString &tenant, const QString &flow, const QString &message,
                        const QUuid &conversation = {})
{
    TurnRequest r;
    r.tenantId = tenant;
    r.flowType = flow;
    r.message = message;
    r.conversationId = conversation;
    return r;
}

QString idText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

} // namespace

class TestAgencyService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void otherTenantsConversationIsNotFound();
    void otherFlowsConversationIsNotFound();
    void titleFromFirstUserMessage();
    void exportContainsTheTurn();
    void rateLimitRefusalAndSettlement_data();
    void rateLimitRefusalAndSettlement();
    void requestLargerThanTheBudget();
    void settlementUsesReportedUsageOverToolRounds();
    void healthReportsDatabaseAndProviders();
    void healthWhenTheDatabaseIsDown();
    void tenantsListedInPagesAndFetched();
    void updateTenantValidatesSettings();
    void updateTenantAppliesNewLimitsAtOnce();

private:
    void makeFixture(EngineFixture::Limiter limiter = EngineFixture::Limiter::Memory);
    core::Result<core::TurnResult> chat(const TurnRequest &request);
    qint64 messageCount(const QString &tenant, const QUuid &conversation);

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<EngineFixture> m_fx;
};

void TestAgencyService::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
}

void TestAgencyService::init()
{
    // A database of its own for every test function: tenants listed are only this test's.
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    m_llm = std::make_unique<FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    makeFixture();
}

void TestAgencyService::makeFixture(EngineFixture::Limiter limiter)
{
    m_fx.reset();
    m_fx = std::make_unique<EngineFixture>(
        *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()),
        QList<core::FlowDefinition>{}, limiter);
}

void TestAgencyService::cleanup()
{
    m_fx.reset();
    m_llm.reset();
    m_db.reset();
}

void TestAgencyService::cleanupTestCase() {}

core::Result<core::TurnResult> TestAgencyService::chat(const TurnRequest &request)
{
    return test::await(m_fx->service().chat(request, m_fx->recorder()));
}

qint64 TestAgencyService::messageCount(const QString &tenant, const QUuid &conversation)
{
    auto c = test::await(m_fx->conversations().getConversation(tenant, conversation));
    return c ? c->messageCount : -1;
}

void TestAgencyService::otherTenantsConversationIsNotFound()
{
    auto &service = m_fx->service();
    m_llm->enqueue(openai::streamReply({QStringLiteral("Bonjour from Paris.")}));
    auto first = chat(
        chatRequest(QStringLiteral("iso-acme"), QStringLiteral("weather"), QStringLiteral("Hello Paris")));
    AGENCY_VERIFY_OK(first);
    const QUuid id = first->conversationId;
    QCOMPARE(messageCount(QStringLiteral("iso-acme"), id), qint64(2));

    // Continuing it as another tenant: NotFound before anything is stored or sent.
    auto stolen = chat(
        chatRequest(QStringLiteral("iso-globex"), QStringLiteral("weather"), QStringLiteral("Leak it"), id));
    QVERIFY(!stolen);
    QCOMPARE(stolen.error().code, ErrorCode::NotFound);
    QCOMPARE(m_llm->chatRequests().size(), 1);
    QCOMPARE(messageCount(QStringLiteral("iso-acme"), id), qint64(2));
    auto globexList = test::await(service.listConversations({QStringLiteral("iso-globex"), {}, 50, {}}));
    AGENCY_VERIFY_OK(globexList);
    QVERIFY(globexList->items.isEmpty());

    // Every read and write of another tenant's conversation is NotFound.
    const QString other = QStringLiteral("iso-globex");
    auto got = test::await(service.getConversation(other, idText(id)));
    QVERIFY(!got);
    QCOMPARE(got.error().code, ErrorCode::NotFound);
    auto messages = test::await(service.listMessages(other, idText(id)));
    QVERIFY(!messages);
    QCOMPARE(messages.error().code, ErrorCode::NotFound);
    auto exported = test::await(service.exportConversation(other, idText(id), service::ExportFormat::Json));
    QVERIFY(!exported);
    QCOMPARE(exported.error().code, ErrorCode::NotFound);
    auto deleted = test::await(service.deleteConversation(other, idText(id)));
    QVERIFY(!deleted);
    QCOMPARE(deleted.error().code, ErrorCode::NotFound);
    auto hits = test::await(service.searchConversations({other, QStringLiteral("Paris"), {}, 20}));
    AGENCY_VERIFY_OK(hits);
    QVERIFY(hits->isEmpty());
    // …while the owner still sees all of it.
    auto ownHits = test::await(
        service.searchConversations({QStringLiteral("iso-acme"), QStringLiteral("Paris"), {}, 20}));
    AGENCY_VERIFY_OK(ownHits);
    QCOMPARE(ownHits->size(), 2);
    auto own = test::await(service.listMessages(QStringLiteral("iso-acme"), idText(id)));
    AGENCY_VERIFY_OK(own);
    QCOMPARE(own->items.size(), 2);

    // Malformed input is rejected as such.
    auto badId =
        test::await(service.getConversation(QStringLiteral("iso-acme"), QStringLiteral("not-a-uuid")));
    QVERIFY(!badId);
    QCOMPARE(badId.error().code, ErrorCode::InvalidArgument);
    auto badTenant =
        chat(chatRequest(QStringLiteral("bad tenant!"), QStringLiteral("weather"), QStringLiteral("Hi")));
    QVERIFY(!badTenant);
    QCOMPARE(badTenant.error().code, ErrorCode::InvalidArgument);

    // The owner can delete it; then it is gone for everyone.
    auto ownDelete = test::await(service.deleteConversation(QStringLiteral("iso-acme"), idText(id)));
    AGENCY_VERIFY_OK(ownDelete);
    auto gone = test::await(service.getConversation(QStringLiteral("iso-acme"), idText(id)));
    QVERIFY(!gone);
    QCOMPARE(gone.error().code, ErrorCode::NotFound);
    QCOMPARE(m_llm->chatRequests().size(), 1);
}

void TestAgencyService::otherFlowsConversationIsNotFound()
{
    m_llm->enqueue(openai::streamReply({QStringLiteral("Sunny.")}));
    auto first =
        chat(chatRequest(QStringLiteral("flow-acme"), QStringLiteral("weather"), QStringLiteral("Hello")));
    AGENCY_VERIFY_OK(first);
    auto wrongFlow = chat(chatRequest(QStringLiteral("flow-acme"), QStringLiteral("consulting"),
                                      QStringLiteral("Advise me"), first->conversationId));
    QVERIFY(!wrongFlow);
    QCOMPARE(wrongFlow.error().code, ErrorCode::NotFound);
    QCOMPARE(messageCount(QStringLiteral("flow-acme"), first->conversationId), qint64(2));
    QCOMPARE(m_llm->chatRequests().size(), 1);
    auto consulting = test::await(m_fx->service().listConversations(
        {QStringLiteral("flow-acme"), QStringLiteral("consulting"), 50, {}}));
    AGENCY_VERIFY_OK(consulting);
    QVERIFY(consulting->items.isEmpty());
}

void TestAgencyService::titleFromFirstUserMessage()
{
    const QString tenant = QStringLiteral("title-acme");
    m_llm->enqueue(openai::streamReply({QStringLiteral("Hi.")}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Still here.")}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Long.")}));

    auto first =
        chat(chatRequest(tenant, QStringLiteral("consulting"), QStringLiteral("  Grow   our\nrevenue  ")));
    AGENCY_VERIFY_OK(first);
    auto second = chat(chatRequest(tenant, QStringLiteral("consulting"), QStringLiteral("Another question"),
                                   first->conversationId));
    AGENCY_VERIFY_OK(second);
    auto c = test::await(m_fx->service().getConversation(tenant, idText(first->conversationId)));
    AGENCY_VERIFY_OK(c);
    QCOMPARE(c->title, QStringLiteral("Grow our revenue")); // the first message, whitespace simplified
    QCOMPARE(c->messageCount, qint64(4));

    const QString longText = QStringLiteral("word ").repeated(40);
    auto third = chat(chatRequest(tenant, QStringLiteral("consulting"), longText));
    AGENCY_VERIFY_OK(third);
    auto longTitle = test::await(m_fx->service().getConversation(tenant, idText(third->conversationId)));
    AGENCY_VERIFY_OK(longTitle);
    QCOMPARE(longTitle->title.size(), qsizetype(flows::TurnEngine::kTitleChars));
    QVERIFY(longTitle->title.endsWith(QChar(0x2026)));
    QVERIFY(longText.startsWith(longTitle->title.chopped(1)));
}

void TestAgencyService::exportContainsTheTurn()
{
    const QString tenant = QStringLiteral("export-acme");
    m_llm->enqueue(
        openai::streamReply({}, {weatherCall(QStringLiteral("call_x1"), QStringLiteral("Paris"))}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("It is 14.2 °C in Paris.")}));
    auto turn = chat(chatRequest(tenant, QStringLiteral("weather"), QStringLiteral("How warm is Paris?")));
    AGENCY_VERIFY_OK(turn);
    const QString id = idText(turn->conversationId);

    auto markdown =
        test::await(m_fx->service().exportConversation(tenant, id, service::ExportFormat::Markdown));
    AGENCY_VERIFY_OK(markdown);
    const QString md = QString::fromUtf8(markdown.value());
    QVERIFY2(md.contains(QStringLiteral("How warm is Paris?")), qPrintable(md));
    QVERIFY(md.contains(QStringLiteral("It is 14.2 °C in Paris.")));
    QVERIFY(md.contains(QStringLiteral("get_weather")));
    QVERIFY(md.contains(QStringLiteral("call_x1")));
    QVERIFY(md.contains(QStringLiteral("Paris, FR"))); // the tool result

    auto json = test::await(m_fx->service().exportConversation(tenant, id, service::ExportFormat::Json));
    AGENCY_VERIFY_OK(json);
    const QJsonObject doc = QJsonDocument::fromJson(json.value()).object();
    const QJsonArray messages = doc.value(QStringLiteral("messages")).toArray();
    QCOMPARE(test::roles(messages), QStringLiteral("user,assistant(1),tool,assistant"));
    QCOMPARE(messages.at(0)[QStringLiteral("content")].toString(), QStringLiteral("How warm is Paris?"));
    QCOMPARE(messages.at(2)[QStringLiteral("tool_call_id")].toString(), QStringLiteral("call_x1"));
    QCOMPARE(messages.at(3)[QStringLiteral("content")].toString(), QStringLiteral("It is 14.2 °C in Paris."));
    QVERIFY(QJsonDocument::fromJson(json.value()).toJson().contains(id.toUtf8()));
}

void TestAgencyService::rateLimitRefusalAndSettlement_data()
{
    QTest::addColumn<EngineFixture::Limiter>("limiter");
    QTest::addColumn<QString>("tenant");
    QTest::newRow("memory") << EngineFixture::Limiter::Memory << QStringLiteral("rl-memory");
    QTest::newRow("postgres") << EngineFixture::Limiter::Postgres << QStringLiteral("rl-postgres");
}

void TestAgencyService::rateLimitRefusalAndSettlement()
{
    QFETCH(EngineFixture::Limiter, limiter);
    QFETCH(QString, tenant);
    makeFixture(limiter);
    auto &service = m_fx->service();
    // 2000 tokens a minute; one consulting call reserves about 1,200 (its prompt plus 1,000).
    const QJsonObject settings{
        {QStringLiteral("rate_limits"),
         QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("tpm"), 2000}}}}}};
    AGENCY_VERIFY_OK(test::await(service.createTenant(tenant, QStringLiteral("Rate limited"), settings)));

    const QString question = QStringLiteral("How do we cut costs?");
    m_llm->enqueue(openai::streamReply({QStringLiteral("Start with the biggest line items.")}, {},
                                       Usage{1500, 400, 1900}));
    auto first = chat(chatRequest(tenant, QStringLiteral("consulting"), question));
    AGENCY_VERIFY_OK(first);

    // Settled to the reported 1,900, not the estimate: 100 left.
    QTRY_COMPARE(test::await(service.rateLimitStatus(tenant, QStringLiteral("openai")))->minute.remaining,
                 qint64(100));
    auto status = test::await(service.rateLimitStatus(tenant, QStringLiteral("openai")));
    AGENCY_VERIFY_OK(status);
    QCOMPARE(status->minute.limit, qint64(2000));

    // The next call does not fit: refused before the provider is called, user message kept.
    auto refused = chat(chatRequest(tenant, QStringLiteral("consulting"), question));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::RateLimited);
    const QJsonObject details = refused.error().details;
    const qint64 retryAfter = details.value(QStringLiteral("retry_after_ms")).toInteger();
    const qint64 requested = details.value(QStringLiteral("requested_tokens")).toInteger();
    QVERIFY2(requested > 1000 && requested < 2000, qPrintable(QString::number(requested)));
    QCOMPARE(details.value(QStringLiteral("remaining_tokens")).toInteger(), qint64(100));
    QCOMPARE(details.value(QStringLiteral("limit_tokens")).toInteger(), qint64(2000));
    QCOMPARE(details.value(QStringLiteral("window")).toString(), QStringLiteral("minute"));
    // Exactly the time the bucket needs to refill the missing tokens at 2000 per minute.
    QCOMPARE(retryAfter, ((requested - 100) * 60000 + 1999) / 2000);
    QCOMPARE(m_llm->chatRequests().size(), 1);
    const QUuid refusedConversation = m_fx->lastConversation();
    QVERIFY(!refusedConversation.isNull());
    QCOMPARE(test::roles(m_fx->stored(tenant, refusedConversation)), QStringLiteral("user"));

    // One millisecond too early is still too early; on time it goes through.
    m_fx->clock().advanceMs(retryAfter - 1);
    auto early = chat(chatRequest(tenant, QStringLiteral("consulting"), question));
    QVERIFY(!early);
    QCOMPARE(early.error().code, ErrorCode::RateLimited);
    QCOMPARE(early.error().details.value(QStringLiteral("retry_after_ms")).toInteger(), qint64(1));
    m_fx->clock().advanceMs(1);
    m_llm->enqueue(
        openai::streamReply({QStringLiteral("Renegotiate contracts.")}, {}, Usage{1000, 100, 1100}));
    auto onTime = chat(chatRequest(tenant, QStringLiteral("consulting"), question));
    AGENCY_VERIFY_OK(onTime);
    QCOMPARE(m_llm->chatRequests().size(), 2);

    // llm_usage: one row per provider call, none for refused turns.
    QTRY_COMPARE(test::usageRows(*m_db, first->conversationId),
                 QStringList{QStringLiteral("ok:1500/400/1900:gpt-fake")});
    QTRY_COMPARE(test::usageRows(*m_db, onTime->conversationId),
                 QStringList{QStringLiteral("ok:1000/100/1100:gpt-fake")});
    // Usage is written fire-and-forget: once every job queued so far has run, a row for the
    // refused turns would be there.
    AGENCY_VERIFY_OK(test::drainExecutor(*m_db));
    QCOMPARE(test::usageRows(*m_db, refusedConversation), QStringList());
    const QDateTime now = m_fx->clock().now();
    auto summary = test::await(service.usageSummary(tenant, now.addDays(-1), now.addDays(1)));
    AGENCY_VERIFY_OK(summary);
    QCOMPARE(summary->size(), 1);
    QCOMPARE(summary->first().provider, QStringLiteral("openai"));
    QCOMPARE(summary->first().calls, qint64(2));
    QCOMPARE(summary->first().errors, qint64(0));
    QCOMPARE(summary->first().totalTokens, qint64(3000));
}

void TestAgencyService::requestLargerThanTheBudget()
{
    const QString tenant = QStringLiteral("rl-tiny");
    const QJsonObject settings{
        {QStringLiteral("rate_limits"),
         QJsonObject{{QStringLiteral("*"), QJsonObject{{QStringLiteral("tpm"), 10}}}}}};
    AGENCY_VERIFY_OK(test::await(m_fx->service().createTenant(tenant, QStringLiteral("Tiny"), settings)));
    auto result = chat(chatRequest(tenant, QStringLiteral("consulting"), QStringLiteral("Hello")));
    QVERIFY(!result);
    // It could never fit: said so at once rather than "retry in …".
    QCOMPARE(result.error().code, ErrorCode::PayloadTooLarge);
    QCOMPARE(result.error().details.value(QStringLiteral("limit_tokens")).toInteger(), qint64(10));
    QCOMPARE(m_llm->requestCount(), 0);
    QCOMPARE(test::roles(m_fx->stored(tenant, m_fx->lastConversation())), QStringLiteral("user"));
}

void TestAgencyService::settlementUsesReportedUsageOverToolRounds()
{
    const QString tenant = QStringLiteral("settle-acme");
    m_llm->enqueue(openai::streamReply({}, {weatherCall(QStringLiteral("c1"), QStringLiteral("Paris"))},
                                       Usage{300, 20, 320}));
    m_llm->enqueue(openai::streamReply({QStringLiteral("14.2 °C")}, {}, Usage{400, 30, 430}));
    auto result = chat(chatRequest(tenant, QStringLiteral("weather"), QStringLiteral("Paris?")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->usage, (Usage{700, 50, 750}));
    // Default OpenAI limits (90,000 / 5,000,000): exactly the reported 750 tokens are spent.
    auto status = test::await(m_fx->service().rateLimitStatus(tenant, QStringLiteral("openai")));
    AGENCY_VERIFY_OK(status);
    QCOMPARE(status->minute.limit, qint64(90000));
    QCOMPARE(status->minute.remaining, qint64(90000 - 750));
    QCOMPARE(status->hour.remaining, qint64(5000000 - 750));
    QTRY_COMPARE(
        test::usageRows(*m_db, result->conversationId),
        (QStringList{QStringLiteral("ok:300/20/320:gpt-fake"), QStringLiteral("ok:400/30/430:gpt-fake")}));
}

void TestAgencyService::healthReportsDatabaseAndProviders()
{
    AGENCY_ASSIGN_OK(health, test::await(m_fx->service().health()));
    QVERIFY(health.databaseOk);
    QVERIFY(health.databaseError.isEmpty());
    QCOMPARE(health.database, m_db->params().describe());
    QVERIFY(!health.database.isEmpty());
    QCOMPARE(health.defaultProvider, QStringLiteral("openai"));
    QStringList names;
    for (const core::ProviderInfo &p : health.providers)
        names.append(p.name);
    QVERIFY2(names.contains(QStringLiteral("openai")) && names.contains(QStringLiteral("demo")),
             qPrintable(names.join(u',')));
}

void TestAgencyService::healthWhenTheDatabaseIsDown()
{
    // The same service wiring on a server that is not there: health says so instead of failing.
    sql::ConnectionParams gone = m_db->params();
    gone.port = 1;
    sql::DbExecutor nowhere(gone, 1);
    EngineFixture fixture(nowhere, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()));
    AGENCY_ASSIGN_OK(health, test::await(fixture.service().health()));
    QVERIFY(!health.databaseOk);
    QVERIFY(!health.databaseError.isEmpty());
    QCOMPARE(health.defaultProvider, QStringLiteral("openai"));
}

void TestAgencyService::tenantsListedInPagesAndFetched()
{
    auto &service = m_fx->service();
    for (const char *id : {"delta", "alpha", "charlie", "bravo"})
        AGENCY_VERIFY_OK(test::await(
            service.createTenant(QLatin1String(id), QStringLiteral("Tenant ") + QLatin1String(id))));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Hello.")}));
    AGENCY_VERIFY_OK(
        chat(chatRequest(QStringLiteral("bravo"), QStringLiteral("consulting"), QStringLiteral("Hi"))));

    // Ordered by id, two at a time, with conversation counts.
    AGENCY_ASSIGN_OK(first, test::await(service.listTenants(2)));
    QCOMPARE(first.items.size(), 2);
    QCOMPARE(first.items.at(0).tenantId, QStringLiteral("alpha"));
    QCOMPARE(first.items.at(1).tenantId, QStringLiteral("bravo"));
    QCOMPARE(first.items.at(1).conversationCount, 1);
    QVERIFY(!first.nextCursor.isEmpty());
    AGENCY_ASSIGN_OK(second, test::await(service.listTenants(2, first.nextCursor)));
    QCOMPARE(second.items.size(), 2);
    QCOMPARE(second.items.at(0).tenantId, QStringLiteral("charlie"));
    QCOMPARE(second.items.at(1).tenantId, QStringLiteral("delta"));
    QCOMPARE(second.items.at(1).name, QStringLiteral("Tenant delta"));
    QCOMPARE(second.items.at(1).conversationCount, 0);
    if (!second.nextCursor.isEmpty()) {
        AGENCY_ASSIGN_OK(third, test::await(service.listTenants(2, second.nextCursor)));
        QCOMPARE(third.items.size(), 0);
    }
    QCOMPARE(test::await(service.listTenants(0)).error().code, ErrorCode::InvalidArgument);

    AGENCY_ASSIGN_OK(bravo, test::await(service.getTenant(QStringLiteral("bravo"))));
    QCOMPARE(bravo.name, QStringLiteral("Tenant bravo"));
    QCOMPARE(bravo.conversationCount, 1);
    QCOMPARE(test::await(service.getTenant(QStringLiteral("nobody"))).error().code, ErrorCode::NotFound);
    QCOMPARE(test::await(service.getTenant(QStringLiteral("Not A Tenant!"))).error().code,
             ErrorCode::InvalidArgument);
}

void TestAgencyService::updateTenantValidatesSettings()
{
    auto &service = m_fx->service();
    const QJsonObject good{
        {QStringLiteral("rate_limits"),
         QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("tpm"), 5000}}}}}};
    AGENCY_VERIFY_OK(test::await(service.createTenant(QStringLiteral("acme"), QStringLiteral("ACME"), good)));

    // Each mistake is refused with the field it is in, and nothing is written.
    const QList<std::pair<QJsonObject, QString>> bad{
        {QJsonObject{{QStringLiteral("rate_limits"), 5}}, QStringLiteral("rate_limits")},
        {QJsonObject{{QStringLiteral("rate_limits"), QJsonObject{{QStringLiteral("openai"), 5}}}},
         QStringLiteral("rate_limits.openai")},
        {QJsonObject{{QStringLiteral("rate_limits"),
                      QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("rpm"), 5}}}}}},
         QStringLiteral("rate_limits.openai.rpm")},
        {QJsonObject{{QStringLiteral("rate_limits"),
                      QJsonObject{{QStringLiteral("*"), QJsonObject{{QStringLiteral("tph"), -1}}}}}},
         QStringLiteral("rate_limits.*.tph")},
        {QJsonObject{{QStringLiteral("rate_limits"),
                      QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("tpm"), 1.5}}}}}},
         QStringLiteral("rate_limits.openai.tpm")},
    };
    for (const auto &[settings, field] : bad) {
        auto refused =
            test::await(service.updateTenant(QStringLiteral("acme"), QStringLiteral("Renamed"), settings));
        QVERIFY2(!refused, qPrintable(field));
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(refused.error().details.value(QStringLiteral("field")).toString(), field);
        QVERIFY2(refused.error().message.startsWith(field), qPrintable(refused.error().message));
        QCOMPARE(test::await(service.createTenant(QStringLiteral("other"), {}, settings)).error().code,
                 ErrorCode::InvalidArgument);
    }
    AGENCY_ASSIGN_OK(unchanged, test::await(service.getTenant(QStringLiteral("acme"))));
    QCOMPARE(unchanged.name, QStringLiteral("ACME"));
    QCOMPARE(unchanged.settings, good);
    QCOMPARE(test::await(service.getTenant(QStringLiteral("other"))).error().code, ErrorCode::NotFound);

    // Only the parts given change: a new name keeps the settings, new settings keep the name.
    AGENCY_ASSIGN_OK(renamed, test::await(service.updateTenant(QStringLiteral("acme"),
                                                               QStringLiteral("Acme Inc"), std::nullopt)));
    QCOMPARE(renamed.name, QStringLiteral("Acme Inc"));
    QCOMPARE(renamed.settings, good);
    AGENCY_ASSIGN_OK(cleared,
                     test::await(service.updateTenant(QStringLiteral("acme"), std::nullopt, QJsonObject())));
    QCOMPARE(cleared.name, QStringLiteral("Acme Inc"));
    QCOMPARE(cleared.settings, QJsonObject());
    QCOMPARE(test::await(service.updateTenant(QStringLiteral("ghost"), QStringLiteral("x"), std::nullopt))
                 .error()
                 .code,
             ErrorCode::NotFound);
}

void TestAgencyService::updateTenantAppliesNewLimitsAtOnce()
{
    // The clock never moves here, so the limit cache never expires by itself: only the update
    // can make the new limit visible.
    auto &service = m_fx->service();
    const QString tenant = QStringLiteral("acme");
    auto limits = [](qint64 tpm) {
        return QJsonObject{
            {QStringLiteral("rate_limits"),
             QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("tpm"), tpm}}}}}};
    };
    AGENCY_VERIFY_OK(test::await(service.createTenant(tenant, QStringLiteral("ACME"), limits(2000))));
    AGENCY_ASSIGN_OK(before, test::await(service.rateLimitStatus(tenant, QStringLiteral("openai"))));
    QCOMPARE(before.minute.limit, qint64(2000));

    AGENCY_VERIFY_OK(test::await(service.updateTenant(tenant, std::nullopt, limits(7000))));
    AGENCY_ASSIGN_OK(after, test::await(service.rateLimitStatus(tenant, QStringLiteral("openai"))));
    QCOMPARE(after.minute.limit, qint64(7000));

    // A refused update leaves the cached limit alone, and so does an update of the name only.
    QVERIFY(!test::await(service.updateTenant(tenant, std::nullopt, limits(-5))));
    AGENCY_VERIFY_OK(test::await(service.updateTenant(tenant, QStringLiteral("Acme Inc"), std::nullopt)));
    AGENCY_ASSIGN_OK(still, test::await(service.rateLimitStatus(tenant, QStringLiteral("openai"))));
    QCOMPARE(still.minute.limit, qint64(7000));

    // Back to the defaults when the override goes (OPENAI_RATE_LIMIT_TPM: 90,000).
    AGENCY_VERIFY_OK(test::await(service.updateTenant(tenant, std::nullopt, QJsonObject())));
    AGENCY_ASSIGN_OK(defaults, test::await(service.rateLimitStatus(tenant, QStringLiteral("openai"))));
    QCOMPARE(defaults.minute.limit, qint64(90000));
}

QTEST_GUILESS_MAIN(TestAgencyService)
#include "test_agencyservice.moc"

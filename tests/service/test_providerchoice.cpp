// Which provider and model a turn uses: the request's, then the flow's, then the tenant's
// settings (`provider`, `model` in tenants.settings), then LLM_PROVIDER and the provider's default
// model. Each level is checked end to end through AgencyService on a real PostgreSQL: the default
// provider is OpenAI at a FakeOpenAiServer (so the model it was sent is recorded), the other
// level names the offline demo provider (which answers with the model it was asked for).

#include "db/tenantrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QTest>

using namespace agency;
using core::ErrorCode;
using core::TurnRequest;

namespace {

TurnRequest chatRequest(const QString &tenant, const QString &flow, const QString &provider = {},
                        const QString &model = {})
{
    TurnRequest r;
    r.tenantId = tenant;
    r.flowType = flow;
    r.message = QStringLiteral("Which model are you?");
    r.provider = provider;
    r.model = model;
    return r;
}

QJsonObject providerSettings(const QString &provider, const QString &model)
{
    QJsonObject settings;
    if (!provider.isEmpty())
        settings.insert(QStringLiteral("provider"), provider);
    if (!model.isEmpty())
        settings.insert(QStringLiteral("model"), model);
    return settings;
}

/// A flow without tools that names its own provider and model.
core::FlowDefinition pinnedFlow(const QString &flowType, const QString &provider, const QString &model)
{
    core::FlowDefinition flow = test::testFlow(flowType, 0, 50, {});
    flow.provider = provider;
    flow.model = model;
    return flow;
}

} // namespace

class TestProviderChoice : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void defaultWhenNoLevelNamesOne();
    void tenantLevel();
    void tenantModelWithTheDefaultProvider();
    void flowBeatsTenant();
    void flowModelGoesToTheTenantsProvider();
    void requestBeatsFlowAndTenant();
    void modelOfAnotherProviderIsSkipped();
    void tenantUpdateAppliesToTheNextTurn();
    void tenantSettingsAreValidated();
    void answerAllowanceIsExplainedInTheRefusal();

private:
    core::Result<core::TurnResult> chat(const TurnRequest &request);
    void setTenant(const QString &tenant, const QJsonObject &settings);
    QString modelSentToOpenAi() const;

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<test::FakeOpenAiServer> m_llm;
    std::unique_ptr<test::EngineFixture> m_fx;
    QString m_tenant;
};

void TestProviderChoice::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
}

void TestProviderChoice::init()
{
    static int serial = 0;
    m_tenant = QStringLiteral("choice-%1").arg(++serial);
    m_llm = std::make_unique<test::FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
    m_fx = std::make_unique<test::EngineFixture>(
        *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()),
        QList<core::FlowDefinition>{
            pinnedFlow(QStringLiteral("pinned"), QStringLiteral("openai"), QStringLiteral("flow-model")),
            pinnedFlow(QStringLiteral("modelonly"), {}, QStringLiteral("flow-model"))});
}

void TestProviderChoice::cleanup()
{
    m_fx.reset();
    m_llm.reset();
}

void TestProviderChoice::cleanupTestCase()
{
    m_db.reset();
}

core::Result<core::TurnResult> TestProviderChoice::chat(const TurnRequest &request)
{
    return test::await(m_fx->service().chat(request, m_fx->recorder()));
}

void TestProviderChoice::setTenant(const QString &tenant, const QJsonObject &settings)
{
    auto created = test::await(m_fx->service().createTenant(tenant, tenant, settings));
    if (!created)
        QTest::qFail(qPrintable(created.error().toString()), __FILE__, __LINE__);
}

QString TestProviderChoice::modelSentToOpenAi() const
{
    return m_llm->lastRequest().json().value(QStringLiteral("model")).toString();
}

void TestProviderChoice::defaultWhenNoLevelNamesOne()
{
    setTenant(m_tenant, {});
    m_llm->enqueueText(QStringLiteral("I am the default."));
    auto result = chat(chatRequest(m_tenant, QStringLiteral("consulting")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("openai"));
    QCOMPARE(modelSentToOpenAi(), QStringLiteral("gpt-fake")); // OPENAI_MODEL
}

void TestProviderChoice::tenantLevel()
{
    setTenant(m_tenant, providerSettings(QStringLiteral("demo"), QStringLiteral("tenant-model")));
    auto result = chat(chatRequest(m_tenant, QStringLiteral("consulting")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("demo"));
    QCOMPARE(result->model, QStringLiteral("tenant-model"));
    QCOMPARE(m_llm->requestCount(), 0);
}

void TestProviderChoice::tenantModelWithTheDefaultProvider()
{
    setTenant(m_tenant, providerSettings({}, QStringLiteral("tenant-model")));
    m_llm->enqueueText(QStringLiteral("Tenant model here."));
    auto result = chat(chatRequest(m_tenant, QStringLiteral("consulting")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("openai"));
    QCOMPARE(modelSentToOpenAi(), QStringLiteral("tenant-model"));
}

void TestProviderChoice::flowBeatsTenant()
{
    setTenant(m_tenant, providerSettings(QStringLiteral("demo"), QStringLiteral("tenant-model")));
    m_llm->enqueueText(QStringLiteral("The flow's choice."));
    auto result = chat(chatRequest(m_tenant, QStringLiteral("pinned")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("openai"));
    QCOMPARE(modelSentToOpenAi(), QStringLiteral("flow-model"));
}

void TestProviderChoice::flowModelGoesToTheTenantsProvider()
{
    // The flow names a model but no provider: the tenant's provider answers, with the flow's model.
    setTenant(m_tenant, providerSettings(QStringLiteral("demo"), QStringLiteral("tenant-model")));
    auto result = chat(chatRequest(m_tenant, QStringLiteral("modelonly")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("demo"));
    QCOMPARE(result->model, QStringLiteral("flow-model"));
}

void TestProviderChoice::requestBeatsFlowAndTenant()
{
    setTenant(m_tenant, providerSettings(QStringLiteral("openai"), QStringLiteral("tenant-model")));
    auto result = chat(chatRequest(m_tenant, QStringLiteral("pinned"), QStringLiteral("demo"),
                                   QStringLiteral("request-model")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("demo"));
    QCOMPARE(result->model, QStringLiteral("request-model"));
    QCOMPARE(m_llm->requestCount(), 0);

    // The request's model alone goes to the provider the other levels choose.
    m_llm->enqueueText(QStringLiteral("Request model on the flow's provider."));
    auto modelOnly =
        chat(chatRequest(m_tenant, QStringLiteral("pinned"), {}, QStringLiteral("request-model")));
    AGENCY_VERIFY_OK(modelOnly);
    QCOMPARE(modelOnly->provider, QStringLiteral("openai"));
    QCOMPARE(modelSentToOpenAi(), QStringLiteral("request-model"));
}

void TestProviderChoice::modelOfAnotherProviderIsSkipped()
{
    // The flow's model belongs to its provider (openai); the request picks demo without a model,
    // so demo answers with its own default, not with "flow-model".
    setTenant(m_tenant, {});
    auto result = chat(chatRequest(m_tenant, QStringLiteral("pinned"), QStringLiteral("demo")));
    AGENCY_VERIFY_OK(result);
    QCOMPARE(result->provider, QStringLiteral("demo"));
    QVERIFY2(result->model != QLatin1String("flow-model"), qPrintable(result->model));
}

void TestProviderChoice::tenantUpdateAppliesToTheNextTurn()
{
    setTenant(m_tenant, {});
    m_llm->enqueueText(QStringLiteral("Default first."));
    auto before = chat(chatRequest(m_tenant, QStringLiteral("consulting")));
    AGENCY_VERIFY_OK(before);
    QCOMPARE(before->provider, QStringLiteral("openai"));
    // The settings were cached by that turn; the service's update refreshes them at once.
    AGENCY_VERIFY_OK(test::await(
        m_fx->service().updateTenant(m_tenant, std::nullopt, providerSettings(QStringLiteral("demo"), {}))));
    auto after = chat(chatRequest(m_tenant, QStringLiteral("consulting")));
    AGENCY_VERIFY_OK(after);
    QCOMPARE(after->provider, QStringLiteral("demo"));
    QCOMPARE(m_llm->requestCount(), 1);
}

void TestProviderChoice::tenantSettingsAreValidated()
{
    auto &service = m_fx->service();
    setTenant(m_tenant, providerSettings(QStringLiteral("demo"), QStringLiteral("kept")));
    const QList<std::pair<QJsonObject, QString>> bad = {
        {QJsonObject{{QStringLiteral("provider"), QStringLiteral("skynet")}}, QStringLiteral("provider")},
        {QJsonObject{{QStringLiteral("provider"), 7}}, QStringLiteral("provider")},
        {QJsonObject{{QStringLiteral("model"), QString()}}, QStringLiteral("model")},
        {QJsonObject{{QStringLiteral("model"), QStringLiteral(" padded")}}, QStringLiteral("model")},
        {QJsonObject{{QStringLiteral("model"), QString(201, u'm')}}, QStringLiteral("model")},
        {QJsonObject{{QStringLiteral("model"), true}}, QStringLiteral("model")},
    };
    for (const auto &[settings, field] : bad) {
        auto updated = test::await(service.updateTenant(m_tenant, std::nullopt, settings));
        QVERIFY(!updated);
        QCOMPARE(updated.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(updated.error().details.value(QStringLiteral("field")).toString(), field);
        QVERIFY2(updated.error().message.startsWith(field + u':'), qPrintable(updated.error().message));
        auto created = test::await(service.createTenant(m_tenant + QStringLiteral("-new"), {}, settings));
        QVERIFY(!created);
        QCOMPARE(created.error().code, ErrorCode::InvalidArgument);
    }
    // Nothing was written.
    auto tenant = test::await(service.getTenant(m_tenant));
    AGENCY_VERIFY_OK(tenant);
    QCOMPARE(tenant->settings, providerSettings(QStringLiteral("demo"), QStringLiteral("kept")));
    QCOMPARE(test::await(service.getTenant(m_tenant + QStringLiteral("-new"))).error().code,
             ErrorCode::NotFound);
}

void TestProviderChoice::answerAllowanceIsExplainedInTheRefusal()
{
    // 500 tokens a minute is less than the 1,000 a flow without max_tokens reserves for the answer:
    // every call is refused, and the message says why.
    setTenant(m_tenant,
              QJsonObject{{QStringLiteral("rate_limits"),
                           QJsonObject{{QStringLiteral("*"), QJsonObject{{QStringLiteral("tpm"), 500}}}}}});
    auto refused = chat(chatRequest(m_tenant, QStringLiteral("consulting")));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::PayloadTooLarge);
    QVERIFY2(refused.error().message.contains(QStringLiteral("plus 1000 tokens for the answer")),
             qPrintable(refused.error().message));
    QVERIFY2(refused.error().message.contains(QStringLiteral("no max_tokens")),
             qPrintable(refused.error().message));
    QCOMPARE(refused.error().details.value(QStringLiteral("reserved_answer_tokens")).toInteger(),
             qint64(1000));
    QCOMPARE(m_llm->requestCount(), 0);
}

QTEST_GUILESS_MAIN(TestProviderChoice)
#include "test_providerchoice.moc"

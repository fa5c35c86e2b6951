// runtime::Backend, the one composition root: the network access manager it is handed carries both
// the provider's and the weather tool's requests (no component builds its own), the database is
// either the injected executor or the one DATABASE_URL names (opened and migrated by the root),
// providers are reused per provider name and model, and its service can queue runs.

#include "countingnam.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "llm/provider.h"
#include "runtime/backend.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QTest>

using namespace agency;

namespace {

const QString kTenant = QStringLiteral("acme");

/// A DATABASE_URL for `params`; the test cluster listens on a socket directory (libpq's host=).
QString databaseUrl(const sql::ConnectionParams &params)
{
    return QStringLiteral("postgresql://%1@localhost:%2/%3?host=%4")
        .arg(params.user)
        .arg(params.port)
        .arg(params.database, QString::fromLatin1(QUrl::toPercentEncoding(params.host)));
}

} // namespace

class TestBackend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void injectedNetworkCarriesProviderAndToolRequests();
    void databaseFromTheUrlIsOpenedAndMigrated();
    void dataDirComesFromTheConfiguration();
    void providersAreKeptPerNameAndModel();
    void serviceQueuesRuns();
    void serverTrustsAKeyUntilAnyProcessChangesIt();
    void serverRemembersWhetherATenantHasDocuments();

private:
    std::unique_ptr<runtime::Backend> build(const runtime::RuntimeConfig &config, runtime::Injected injected);

    test::TestDatabase m_db;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<test::FakeOpenAiServer> m_llm;
};

void TestBackend::initTestCase()
{
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
}

void TestBackend::init()
{
    AGENCY_VERIFY_OK(m_db.reset());
    m_llm = std::make_unique<test::FakeOpenAiServer>();
    QVERIFY(m_llm->listen());
}

void TestBackend::cleanup()
{
    m_llm.reset();
    m_db.close();
}

std::unique_ptr<runtime::Backend> TestBackend::build(const runtime::RuntimeConfig &config,
                                                     runtime::Injected injected)
{
    injected.flowDirectories = QStringList{};
    auto backend = runtime::Backend::create(config, injected);
    if (!backend) {
        QTest::qFail(qPrintable(backend.error().toString()), __FILE__, __LINE__);
        return {};
    }
    return std::move(backend).value();
}

void TestBackend::injectedNetworkCarriesProviderAndToolRequests()
{
    test::CountingNetworkAccessManager nam;
    runtime::Injected injected;
    injected.executor = &m_db.executor();
    injected.nam = &nam;
    injected.clock = std::make_shared<core::ManualClock>();
    injected.extraFlows = {test::testFlow(QStringLiteral("weather"))};
    auto backend = build(test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()), injected);
    QVERIFY(backend);

    m_llm->enqueueToolCalls({test::weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))});
    m_llm->enqueueText(QStringLiteral("Mild in Paris."));
    core::TurnRequest request;
    request.tenantId = kTenant;
    request.flowType = QStringLiteral("weather");
    request.message = QStringLiteral("Weather in Paris?");
    AGENCY_ASSIGN_OK(result, test::await(backend->engine().run(request, {}), 20000));
    QCOMPARE(result.toolRounds, 1);

    // Every request of the turn went through the manager the root was handed: two provider calls,
    // the geocoding lookup and the forecast.
    QStringList paths;
    for (const QUrl &url : nam.requested())
        paths.append(url.path());
    QCOMPARE(paths.count(QStringLiteral("/v1/chat/completions")), 2);
    QCOMPARE(paths.count(QStringLiteral("/geo/v1/search")), 1);
    QCOMPARE(paths.count(QStringLiteral("/meteo/v1/forecast")), 1);
    QCOMPARE(paths.size(), 4);
}

void TestBackend::databaseFromTheUrlIsOpenedAndMigrated()
{
    auto unmigrated = m_db.postgres().freshDatabase(false);
    AGENCY_VERIFY_OK(unmigrated);
    auto config = test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(),
                                     {{QStringLiteral("DATABASE_URL"), databaseUrl(unmigrated.value())}});
    auto backend = build(config, {});
    QVERIFY(backend);
    QVERIFY(backend->database());
    QCOMPARE(backend->database()->params().database, unmigrated->database);
    AGENCY_ASSIGN_OK(health, test::await(backend->service().health()));
    QVERIFY2(health.databaseOk, qPrintable(health.databaseError));
    AGENCY_ASSIGN_OK(migrations,
                     test::count(backend->database()->executor(), QStringLiteral("SELECT count(*) FROM "
                                                                                 "schema_migrations")));
    QVERIFY(migrations > 0);
}

// The embedded cluster's directory is a setting like any other: the runtime configuration
// carries it to EmbeddedPostgres, which reads no environment itself.
void TestBackend::dataDirComesFromTheConfiguration()
{
    AGENCY_ASSIGN_OK(config, runtime::RuntimeConfig::fromValues(
                                 {{QStringLiteral("AGENCY_DATA_DIR"), QStringLiteral("/srv/agency-data")}}));
    QCOMPARE(config.database.dataDir, QStringLiteral("/srv/agency-data"));
    AGENCY_ASSIGN_OK(unset, runtime::RuntimeConfig::fromValues({}));
    QVERIFY(unset.database.dataDir.isEmpty());
}

void TestBackend::providersAreKeptPerNameAndModel()
{
    runtime::Injected injected;
    injected.executor = &m_db.executor();
    auto backend = build(test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(),
                                            {{QStringLiteral("MISTRAL_API_KEY"), QStringLiteral("mk-test")}}),
                         injected);
    QVERIFY(backend);
    runtime::ProviderRuntime &providers = backend->providers();
    AGENCY_ASSIGN_OK(openAi, providers.provider(QStringLiteral("openai"), QStringLiteral("shared-name")));
    AGENCY_ASSIGN_OK(again, providers.provider(QStringLiteral("openai"), QStringLiteral("shared-name")));
    AGENCY_ASSIGN_OK(mistral, providers.provider(QStringLiteral("mistral"), QStringLiteral("shared-name")));
    AGENCY_ASSIGN_OK(otherModel, providers.provider(QStringLiteral("openai"), QStringLiteral("other")));
    QCOMPARE(again.get(), openAi.get());
    QVERIFY(mistral.get() != openAi.get());
    QVERIFY(otherModel.get() != openAi.get());
    QCOMPARE(mistral->info().name, QStringLiteral("mistral"));
    QCOMPARE(openAi->info().name, QStringLiteral("openai"));
}

void TestBackend::serviceQueuesRuns()
{
    runtime::Injected injected;
    injected.executor = &m_db.executor();
    auto backend = build(test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()), injected);
    QVERIFY(backend);
    AGENCY_ASSIGN_OK(run, test::await(backend->service().createRun(kTenant, QStringLiteral("weather"),
                                                                   QStringLiteral("Weather in Oslo?"))));
    QCOMPARE(run.status, core::RunStatus::Queued);
    AGENCY_ASSIGN_OK(
        fetched, test::await(backend->service().getRun(kTenant, run.runId.toString(QUuid::WithoutBraces))));
    QCOMPARE(fetched.runId, run.runId);
}

void TestBackend::serverTrustsAKeyUntilAnyProcessChangesIt()
{
    runtime::Injected injected;
    injected.executor = &m_db.executor();
    runtime::RuntimeConfig config = test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString());
    config.keyCacheMs = 60'000;
    auto backend = build(config, injected);
    QVERIFY(backend);
    service::AgencyService &service = backend->service();
    core::NewApiKey spec;
    spec.name = QStringLiteral("cache");
    spec.tenantId = kTenant;
    AGENCY_ASSIGN_OK(created, test::await(service.createApiKey(spec)));
    const QString secret = created.secret;
    const auto accepted = [&] { return bool(test::await(service.authenticate(secret))); };
    const QString revoke = QStringLiteral("UPDATE api_keys SET revoked_at = now()");
    const QString restore = QStringLiteral("UPDATE api_keys SET revoked_at = NULL");

    // Not listening yet: every request reads its key, so another process's revocation holds at once.
    QVERIFY(!service.keyCacheActive());
    QVERIFY(accepted());
    AGENCY_VERIFY_OK(m_db.exec(revoke));
    QVERIFY(!accepted());
    AGENCY_VERIFY_OK(m_db.exec(restore));

    backend->startKeyListener();
    QTRY_VERIFY_WITH_TIMEOUT(service.keyCacheActive(), 10000);
    QVERIFY(accepted()); // read, then trusted
    // Without its notification a change is not seen: the key is answered from memory...
    AGENCY_VERIFY_OK(
        m_db.exec(QStringLiteral("ALTER TABLE api_keys DISABLE TRIGGER api_keys_notify_update")));
    AGENCY_VERIFY_OK(m_db.exec(revoke));
    QVERIFY(accepted());
    AGENCY_VERIFY_OK(m_db.exec(restore));
    AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("ALTER TABLE api_keys ENABLE TRIGGER api_keys_notify_update")));
    // ...with it, a revocation by any process ends the key's use as soon as it is heard (well
    // within a second: the listener pumps notifications every 250 ms).
    AGENCY_VERIFY_OK(m_db.exec(revoke));
    QTRY_VERIFY_WITH_TIMEOUT(!accepted(), 2000);
    AGENCY_VERIFY_OK(m_db.exec(restore));
    QVERIFY(accepted());
    // A revocation through this process's service holds at once, heard or not.
    AGENCY_VERIFY_OK(
        m_db.exec(QStringLiteral("ALTER TABLE api_keys DISABLE TRIGGER api_keys_notify_update")));
    AGENCY_VERIFY_OK(test::await(service.revokeApiKey(created.key.keyId)));
    QVERIFY(!accepted());
    // Deleting a tenant deletes its keys, which is heard too.
    AGENCY_ASSIGN_OK(second, test::await(service.createApiKey(spec)));
    QVERIFY(bool(test::await(service.authenticate(second.secret))));
    AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("DELETE FROM tenants")));
    QTRY_VERIFY_WITH_TIMEOUT(!test::await(service.authenticate(second.secret)), 2000);
}

void TestBackend::serverRemembersWhetherATenantHasDocuments()
{
    runtime::Injected injected;
    injected.executor = &m_db.executor();
    auto backend = build(test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()), injected);
    QVERIFY(backend);
    service::AgencyService &service = backend->service();
    // Whether a consulting turn offered the model search_documents (only with documents).
    const auto offersSearch = [&]() -> std::optional<bool> {
        const qsizetype before = m_llm->chatRequests().size();
        m_llm->enqueueText(QStringLiteral("The brief is about the launch."));
        auto turn = test::await(service.chat(test::turnRequest(kTenant, QStringLiteral("consulting"),
                                                               QStringLiteral("What does the brief say?"))));
        if (!turn || m_llm->chatRequests().size() != before + 1) {
            qWarning().noquote()
                << "the turn did not call the provider once:"
                << (turn ? QStringLiteral("%1 calls").arg(m_llm->chatRequests().size() - before)
                         : turn.error().toString());
            return std::nullopt;
        }
        const QJsonArray tools = m_llm->chatRequests().last().json().value(QStringLiteral("tools")).toArray();
        return std::any_of(tools.cbegin(), tools.cend(), [](const QJsonValue &tool) {
            return tool[QStringLiteral("function")][QStringLiteral("name")].toString() ==
                   QLatin1String("search_documents");
        });
    };
    const QString addDocument = QStringLiteral(
        "INSERT INTO collections (tenant_id, name) VALUES ('acme', 'briefs') ON CONFLICT DO NOTHING; "
        "INSERT INTO documents (document_id, tenant_id, collection, size_bytes, content_sha256) VALUES "
        "(gen_random_uuid(), 'acme', 'briefs', 10, repeat('a', 64))");
    const QString noTriggers = QStringLiteral("ALTER TABLE documents DISABLE TRIGGER USER");
    const QString triggers = QStringLiteral("ALTER TABLE documents ENABLE TRIGGER USER");

    // Not listening: read on every turn, so a document added by any process counts at once.
    QCOMPARE(offersSearch(), std::optional<bool>(false));
    AGENCY_VERIFY_OK(m_db.exec(addDocument));
    QCOMPARE(offersSearch(), std::optional<bool>(true));
    AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("DELETE FROM documents")));

    backend->startDocumentListener();
    QTRY_VERIFY_WITH_TIMEOUT(backend->documentPresenceCacheActive(), 10000);
    QCOMPARE(offersSearch(), std::optional<bool>(false)); // read, then remembered
    // Without its notification a change is not seen: the answer comes from memory...
    AGENCY_VERIFY_OK(m_db.exec(noTriggers));
    AGENCY_VERIFY_OK(m_db.exec(addDocument));
    QCOMPARE(offersSearch(), std::optional<bool>(false));
    AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("DELETE FROM documents")));
    AGENCY_VERIFY_OK(m_db.exec(triggers));
    // ...with it, a document any process adds is offered as soon as it is heard, and no longer
    // once the tenant's last document is gone.
    AGENCY_VERIFY_OK(m_db.exec(addDocument));
    QTRY_COMPARE_WITH_TIMEOUT(offersSearch(), std::optional<bool>(true), 2000);
    AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("DELETE FROM documents")));
    QTRY_COMPARE_WITH_TIMEOUT(offersSearch(), std::optional<bool>(false), 2000);
}

QTEST_GUILESS_MAIN(TestBackend)
#include "test_backend.moc"

// ProviderFactory: choosing the adapter and model from settings, clear errors naming the missing
// setting, the provider list, and settings (timeouts, attempts) reaching the HTTP calls.
#include "core/clock.h"
#include "fakegoogleauth.h"
#include "fakeopenai.h"
#include "fakevertex.h"
#include "llm/providerfactory.h"
#include "llmtesthelpers.h"
#include "runtime/runtimeconfig.h"

#include <QNetworkAccessManager>

using namespace agency;
using namespace agency::test;
using core::ErrorCode;

class TestProviderFactory : public QObject
{
    Q_OBJECT

private:
    core::Result<std::shared_ptr<llm::Provider>> create(const QHash<QString, QString> &values,
                                                        const QString &name = {}, const QString &model = {})
    {
        // Settings are validated before any factory exists: a bad value fails here.
        auto config = runtime::RuntimeConfig::fromValues(values);
        if (!config)
            return config.error();
        const llm::ProviderFactory factory(config->providers, &m_nam, m_clock);
        return factory.create(name, model);
    }

    QNetworkAccessManager m_nam;
    core::SystemClock m_clock;

private Q_SLOTS:
    void defaultIsTheDemo()
    {
        const auto provider = create({});
        LLM_VERIFY_OK(provider);
        QCOMPARE(provider.value()->info().name, QStringLiteral("demo"));
        QVERIFY(provider.value()->info().offline);
    }

    void missingSettingsAreNamed_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("setting");
        QTest::newRow("openai") << QStringLiteral("openai") << QStringLiteral("OPENAI_API_KEY");
        QTest::newRow("mistral") << QStringLiteral("mistral") << QStringLiteral("MISTRAL_API_KEY");
        QTest::newRow("vertex") << QStringLiteral("vertex")
                                << QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS");
        QTest::newRow("gemini") << QStringLiteral("gemini") << QStringLiteral("GEMINI_API_KEY");
    }

    void missingSettingsAreNamed()
    {
        QFETCH(QString, provider);
        QFETCH(QString, setting);
        const auto result = create({}, provider);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::NotConfigured);
        QVERIFY2(result.error().message.startsWith(setting + QStringLiteral(" is not set")),
                 qPrintable(result.error().message));
        QCOMPARE(result.error().details.value(QStringLiteral("setting")).toString(), setting);
        // LLM_PROVIDER picks the same provider when no name is given.
        QCOMPARE(create({{QStringLiteral("LLM_PROVIDER"), provider}}).error().message,
                 result.error().message);
    }

    void vertexNeedsAProjectWithAToken()
    {
        const auto result = create({{QStringLiteral("VERTEX_AI_ACCESS_TOKEN"), QStringLiteral("ya29.x")}},
                                   QStringLiteral("vertex"));
        QVERIFY(!result);
        QVERIFY(result.error().message.startsWith(QStringLiteral("VERTEX_AI_PROJECT_ID is not set")));
        const auto ok = create({{QStringLiteral("VERTEX_AI_ACCESS_TOKEN"), QStringLiteral("ya29.x")},
                                {QStringLiteral("VERTEX_AI_PROJECT_ID"), QStringLiteral("p")}},
                               QStringLiteral("vertex"));
        LLM_VERIFY_OK(ok);
        QCOMPARE(ok.value()->info().name, QStringLiteral("vertex"));
        // Only a Gemini key: "vertex" falls back to the Gemini API.
        const auto gemini =
            create({{QStringLiteral("GEMINI_API_KEY"), QStringLiteral("g")}}, QStringLiteral("vertex"));
        LLM_VERIFY_OK(gemini);
        QCOMPARE(gemini.value()->info().name, QStringLiteral("gemini"));
    }

    void vertexProjectFromTheMetadataServer()
    {
        FakeMetadataServer metadata;
        QVERIFY(metadata.listen());
        metadata.setProjectId(QStringLiteral("metadata-project"));
        FakeVertexServer vertex;
        QVERIFY(vertex.listen());
        vertex.enqueueText(QStringLiteral("first"));
        vertex.enqueueText(QStringLiteral("second"));
        // No VERTEX_AI_PROJECT_ID: on GCP the metadata server tells the project.
        const QHash<QString, QString> settings{{QStringLiteral("GCE_METADATA_HOST"), metadata.host()},
                                               {QStringLiteral("VERTEX_AI_BASE_URL"), vertex.baseUrl()}};
        const auto config = runtime::RuntimeConfig::fromValues(settings);
        LLM_VERIFY_OK(config);
        const llm::ProviderFactory factory(config->providers, &m_nam, m_clock);
        QVERIFY(factory.describe(QStringLiteral("vertex")).configured);
        const auto provider = factory.create(QStringLiteral("vertex"), QStringLiteral("gemini-test"));
        LLM_VERIFY_OK(provider);
        for (const char *expected : {"first", "second"}) {
            const auto answer = awaitFuture(provider.value()->complete(userRequest(QStringLiteral("hi"))));
            LLM_VERIFY_OK(answer);
            QCOMPARE(answer->content, QLatin1String(expected));
        }
        QCOMPARE(vertex.requestCount(), 2);
        QCOMPARE(
            vertex.lastRequest().path(),
            QStringLiteral("/v1/projects/metadata-project/locations/us-central1/publishers/google/models/"
                           "gemini-test:generateContent"));
        QCOMPARE(vertex.lastRequest().header("authorization"), QByteArray("Bearer metadata-token-1"));
        // The project was asked for once, with the header the metadata server requires.
        int projectRequests = 0;
        for (const RecordedRequest &request : metadata.requests()) {
            if (request.path() == QLatin1String("/computeMetadata/v1/project/project-id")) {
                ++projectRequests;
                QCOMPARE(request.header("metadata-flavor"), QByteArray("Google"));
            }
        }
        QCOMPARE(projectRequests, 1);
    }

    void vertexWithoutAnyProjectSaysWhatToSet()
    {
        FakeMetadataServer metadata; // knows no project: 404
        QVERIFY(metadata.listen());
        FakeVertexServer vertex;
        QVERIFY(vertex.listen());
        const auto provider = create({{QStringLiteral("GCE_METADATA_HOST"), metadata.host()},
                                      {QStringLiteral("VERTEX_AI_BASE_URL"), vertex.baseUrl()}},
                                     QStringLiteral("vertex"));
        LLM_VERIFY_OK(provider);
        const auto answer = awaitFuture(provider.value()->complete(userRequest(QStringLiteral("hi"))));
        QVERIFY(!answer);
        QVERIFY2(answer.error().message.contains(QStringLiteral("VERTEX_AI_PROJECT_ID is not set")),
                 qPrintable(answer.error().message));
        QCOMPARE(vertex.requestCount(), 0);
    }

    void unknownProvider()
    {
        const auto result = create({}, QStringLiteral("claude"));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::NotFound); // the same class as an unknown flow
        QVERIFY(result.error().message.contains(QStringLiteral("demo, openai, mistral, vertex, gemini")));
    }

    void modelResolution()
    {
        const QHash<QString, QString> values = {{QStringLiteral("LLM_PROVIDER"), QStringLiteral("openai")},
                                                {QStringLiteral("LLM_MODEL"), QStringLiteral("gpt-4o-mini")},
                                                {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-x")},
                                                {QStringLiteral("MISTRAL_API_KEY"), QStringLiteral("m-x")}};
        QCOMPARE(create(values).value()->info().defaultModel,
                 QStringLiteral("gpt-4o-mini")); // LLM_MODEL wins
        QCOMPARE(create(values, QStringLiteral("openai"), QStringLiteral("o3")).value()->info().defaultModel,
                 QStringLiteral("o3")); // explicit wins
        // LLM_MODEL belongs to the default provider only.
        QCOMPARE(create(values, QStringLiteral("mistral")).value()->info().defaultModel,
                 QStringLiteral("mistral-medium-latest"));
        QCOMPARE(create({{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("k")}}, QStringLiteral("openai"))
                     .value()
                     ->info()
                     .defaultModel,
                 QStringLiteral("gpt-4-turbo-2024-04-09"));
    }

    void providerList()
    {
        const auto config =
            runtime::RuntimeConfig::fromValues({{QStringLiteral("MISTRAL_API_KEY"), QStringLiteral("m")}});
        LLM_VERIFY_OK(config);
        const llm::ProviderFactory factory(config->providers, &m_nam, m_clock);
        const QList<core::ProviderInfo> list = factory.providers();
        QCOMPARE(list.size(), 5);
        QCOMPARE(list.at(0).name, QStringLiteral("demo"));
        QVERIFY(list.at(0).configured && list.at(0).offline);
        QCOMPARE(list.at(1).name, QStringLiteral("openai"));
        QVERIFY(!list.at(1).configured);
        QCOMPARE(list.at(1).missingSetting, QStringLiteral("OPENAI_API_KEY"));
        QCOMPARE(list.at(2).name, QStringLiteral("mistral"));
        QVERIFY(list.at(2).configured);
        QVERIFY(list.at(2).missingSetting.isEmpty());
        for (const core::ProviderInfo &info : list) {
            QVERIFY(!info.displayName.isEmpty());
            QVERIFY(!info.defaultModel.isEmpty());
            QVERIFY(info.supportsTools && info.supportsStreaming);
        }
    }

    void localOpenAiCompatibleServerNeedsNoKey()
    {
        const auto result =
            create({{QStringLiteral("OPENAI_BASE_URL"), QStringLiteral("http://localhost:11434/v1")}},
                   QStringLiteral("openai"));
        LLM_VERIFY_OK(result);
    }

    void malformedSettings()
    {
        const auto badUrl = create({{QStringLiteral("OPENAI_BASE_URL"), QStringLiteral("localhost:8080")},
                                    {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("k")}},
                                   QStringLiteral("openai"));
        QVERIFY(!badUrl);
        QCOMPARE(badUrl.error().code, ErrorCode::InvalidArgument);
        QVERIFY(badUrl.error().message.contains(QStringLiteral("OPENAI_BASE_URL")));
        const auto badAttempts = create({{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("k")},
                                         {QStringLiteral("LLM_MAX_ATTEMPTS"), QStringLiteral("0")}},
                                        QStringLiteral("openai"));
        QVERIFY(!badAttempts);
        QVERIFY(badAttempts.error().message.contains(QStringLiteral("LLM_MAX_ATTEMPTS")));
        const auto badTimeout = create({{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("k")},
                                        {QStringLiteral("LLM_TIMEOUT_TOTAL_MS"), QStringLiteral("soon")}},
                                       QStringLiteral("openai"));
        QVERIFY(!badTimeout);
        QVERIFY(badTimeout.error().message.contains(QStringLiteral("LLM_TIMEOUT_TOTAL_MS")));
    }

    void settingsReachTheHttpCalls()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        for (int i = 0; i < 4; ++i)
            server.enqueue(FakeResponse::neverAnswer());
        const auto provider = create({{QStringLiteral("OPENAI_BASE_URL"), server.baseUrl()},
                                      {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-factory")},
                                      {QStringLiteral("LLM_TIMEOUT_FIRST_BYTE_MS"), QStringLiteral("200")},
                                      {QStringLiteral("LLM_MAX_ATTEMPTS"), QStringLiteral("2")}},
                                     QStringLiteral("openai"));
        LLM_VERIFY_OK(provider);
        const auto result = awaitFuture(provider.value()->complete(userRequest(QStringLiteral("hi"))), 10000);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderTimeout);
        QCOMPARE(server.requestCount(), 2);
        QCOMPARE(server.lastRequest().header("authorization"), QByteArray("Bearer sk-factory"));
    }
};

QTEST_GUILESS_MAIN(TestProviderFactory)
#include "test_providerfactory.moc"

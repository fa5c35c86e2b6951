// The offline demo embedding and the embedder factory: determinism, unit vectors, related texts
// closer than unrelated ones, and the factory's provider/model resolution and errors.
#include "core/clock.h"
#include "llm/demoembedder.h"
#include "llm/embedderfactory.h"
#include "llmtesthelpers.h"

#include <QNetworkAccessManager>

#include <cmath>

using namespace agency;
using namespace agency::test;
using core::ErrorCode;

namespace {

double cosine(const QVector<float> &a, const QVector<float> &b)
{
    double s = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        s += static_cast<double>(a[i]) * b[i];
    return s;
}

double norm(const QVector<float> &v)
{
    return std::sqrt(cosine(v, v));
}

} // namespace

class TestDemoEmbedder : public QObject
{
    Q_OBJECT

private:
    QNetworkAccessManager m_nam;
    core::SystemClock m_clock;

private Q_SLOTS:
    void deterministicUnitVectors()
    {
        llm::DemoEmbedder a;
        llm::DemoEmbedder b;
        const QStringList texts = {QStringLiteral("The supplier shall deliver the goods by March."),
                                   QStringLiteral("Invoices are payable within thirty days."),
                                   QStringLiteral("..."), QStringLiteral("Ünïcödé wörds ñ 12345")};
        const auto first = awaitFuture(a.embed(texts, llm::EmbeddingPurpose::Document));
        const auto second = awaitFuture(b.embed(texts, llm::EmbeddingPurpose::Query));
        LLM_VERIFY_OK(first);
        LLM_VERIFY_OK(second);
        QCOMPARE(first->model, QStringLiteral("demo/demo-embedding"));
        QCOMPARE(first->dimension, 768);
        QCOMPARE(first->vectors.size(), texts.size());
        for (qsizetype i = 0; i < texts.size(); ++i) {
            QCOMPARE(first->vectors[i].size(), 768);
            QCOMPARE(first->vectors[i], second->vectors[i]);
            QVERIFY(std::abs(norm(first->vectors[i]) - 1.0) < 1e-5);
        }
        QVERIFY(first->vectors[0] != first->vectors[1]);
        QVERIFY(first->promptTokens > 0);
    }

    void relatedTextsScoreHigherThanUnrelated_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("related");
        QTest::addColumn<QString>("unrelated");
        QTest::newRow("inflections")
            << QStringLiteral("negotiating the payment schedules")
            << QStringLiteral("The payment schedule was negotiated with the contractor.")
            << QStringLiteral("Photosynthesis converts sunlight into energy in leaves.");
        QTest::newRow("same words") << QStringLiteral("termination clause notice period")
                                    << QStringLiteral(
                                           "Either party may terminate with a notice period of 30 days; "
                                           "see the termination clause.")
                                    << QStringLiteral("Quarterly revenue grew in the northern region.");
        QTest::newRow("compound") << QStringLiteral("database replication")
                                  << QStringLiteral("The databases are replicated nightly to a second site.")
                                  << QStringLiteral("Our catering offers vegetarian lunches.");
    }

    void relatedTextsScoreHigherThanUnrelated()
    {
        QFETCH(QString, query);
        QFETCH(QString, related);
        QFETCH(QString, unrelated);
        const auto q = llm::DemoEmbedder::embedText(query);
        const double near = cosine(q, llm::DemoEmbedder::embedText(related));
        const double far = cosine(q, llm::DemoEmbedder::embedText(unrelated));
        QVERIFY2(near > far + 0.1, qPrintable(QStringLiteral("related %1, unrelated %2").arg(near).arg(far)));
    }

    void cancelledBeforehand()
    {
        llm::DemoEmbedder demo;
        auto cancel = core::CancelToken::create();
        cancel->cancel();
        const auto result =
            awaitFuture(demo.embed({QStringLiteral("x")}, llm::EmbeddingPurpose::Document, cancel));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
    }

    void factoryDefaultsToDemo()
    {
        llm::EmbedderFactory factory(llm::ProviderConfig{}, &m_nam, m_clock);
        auto embedder = factory.create();
        LLM_VERIFY_OK(embedder);
        QCOMPARE(embedder.value()->modelName(), QStringLiteral("demo/demo-embedding"));
        QCOMPARE(embedder.value()->dimension(), 768);
        QCOMPARE(factory.resolveModelName(), QStringLiteral("demo/demo-embedding"));
        QCOMPARE(llm::EmbedderFactory::names(),
                 (QStringList{QStringLiteral("demo"), QStringLiteral("openai"), QStringLiteral("mistral"),
                              QStringLiteral("vertex"), QStringLiteral("gemini")}));
    }

    void factoryResolvesModels()
    {
        llm::ProviderConfig config;
        config.openAi = {QStringLiteral("https://api.openai.com/v1"), QStringLiteral("sk-1"),
                         QStringLiteral("gpt-x")};
        config.mistral = {QStringLiteral("https://api.mistral.ai/v1"), QStringLiteral("m-1"), {}};
        config.gemini = {
            QStringLiteral("https://generativelanguage.googleapis.com"), QStringLiteral("g-1"), {}};
        config.embedding.provider = QStringLiteral("openai");
        config.embedding.model = QStringLiteral("text-embedding-3-large");
        llm::EmbedderFactory factory(config, &m_nam, m_clock);
        // EMBEDDING_MODEL belongs to EMBEDDING_PROVIDER; the others use their defaults.
        QCOMPARE(factory.create().value()->modelName(), QStringLiteral("openai/text-embedding-3-large"));
        QCOMPARE(factory.create().value()->dimension(), 3072);
        QCOMPARE(factory.create(QStringLiteral("Mistral")).value()->modelName(),
                 QStringLiteral("mistral/mistral-embed"));
        QCOMPARE(factory.create(QStringLiteral("openai"), QStringLiteral("custom")).value()->modelName(),
                 QStringLiteral("openai/custom"));
        // Vertex with only a Gemini API key: the Gemini API and its own default model.
        QCOMPARE(factory.create(QStringLiteral("vertex")).value()->modelName(),
                 QStringLiteral("gemini/text-embedding-004"));
        QCOMPARE(factory.resolveModelName(QStringLiteral("vertex")),
                 QStringLiteral("gemini/text-embedding-004"));
        QCOMPARE(factory.create(QStringLiteral("gemini")).value()->modelName(),
                 QStringLiteral("gemini/text-embedding-004"));
    }

    void factoryErrors()
    {
        llm::ProviderConfig config;
        config.openAi.baseUrl = QStringLiteral("https://api.openai.com/v1");
        llm::EmbedderFactory factory(config, &m_nam, m_clock);
        const auto noKey = factory.create(QStringLiteral("openai"));
        QVERIFY(!noKey);
        QCOMPARE(noKey.error().code, ErrorCode::NotConfigured);
        QVERIFY(noKey.error().message.contains(QStringLiteral("OPENAI_API_KEY")));
        const auto noMistral = factory.create(QStringLiteral("mistral"));
        QCOMPARE(noMistral.error().code, ErrorCode::NotConfigured);
        QVERIFY(noMistral.error().message.contains(QStringLiteral("MISTRAL_API_KEY")));
        const auto noVertex = factory.create(QStringLiteral("vertex"));
        QCOMPARE(noVertex.error().code, ErrorCode::NotConfigured);
        const auto unknown = factory.create(QStringLiteral("cohere"));
        QCOMPARE(unknown.error().code, ErrorCode::NotFound);
        const auto demoModel = factory.create(QStringLiteral("demo"), QStringLiteral("bigger-demo"));
        QCOMPARE(demoModel.error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestDemoEmbedder)
#include "test_demoembedder.moc"

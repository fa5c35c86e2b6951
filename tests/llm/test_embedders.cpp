// The HTTP embedding adapters over real HTTP against fake embedding servers: request bodies valid
// against the providers' published schemas, batches within each provider's limits, vectors in
// order and unit length, Vertex task types, retries (Retry-After honoured), and the error codes.
#include "core/clock.h"
#include "core/tokenestimate.h"
#include "fakeembeddings.h"
#include "fakeopenai.h"
#include "jsonschemavalidator.h"
#include "llm/embedderfactory.h"
#include "llm/openaiembedder.h"
#include "llm/vertexembedder.h"
#include "llmtesthelpers.h"

#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>

#include <cmath>

using namespace agency;
using namespace Qt::StringLiterals;
using namespace agency::test;
using core::ErrorCode;

namespace {

QJsonObject loadSchema(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

QStringList numberedTexts(int count, const QString &stem = QStringLiteral("passage number"))
{
    QStringList texts;
    for (int i = 0; i < count; ++i)
        texts.append(QStringLiteral("%1 %2").arg(stem).arg(i));
    return texts;
}

double norm(const QVector<float> &v)
{
    double s = 0;
    for (float x : v)
        s += static_cast<double>(x) * x;
    return std::sqrt(s);
}

/// The fake's vector for `text`, normalised as the adapter must.
QVector<float> expectedVector(const QString &text, int dimension)
{
    const QList<double> raw = embeddings::fakeVector(text, dimension);
    double s = 0;
    for (double x : raw)
        s += x * x;
    QVector<float> v;
    for (double x : raw)
        v.append(static_cast<float>(x / std::sqrt(s)));
    return v;
}

bool sameVector(const QVector<float> &a, const QVector<float> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (std::abs(a[i] - b[i]) > 1e-5f)
            return false;
    }
    return true;
}

} // namespace

class TestEmbedders : public QObject
{
    Q_OBJECT

private:
    QNetworkAccessManager m_nam;
    core::SystemClock m_clock;

    std::unique_ptr<llm::OpenAiEmbedder> openAi(const FakeEmbeddingServer &server, bool mistral = false)
    {
        const QString model =
            mistral ? QStringLiteral("mistral-embed") : QStringLiteral("text-embedding-3-small");
        return std::make_unique<llm::OpenAiEmbedder>(
            mistral ? llm::OpenAiEmbeddingDialect::mistral(model)
                    : llm::OpenAiEmbeddingDialect::openAi(model),
            fastConfig(server.baseUrl(), QStringLiteral("sk-test"), model), &m_nam, m_clock);
    }

    std::unique_ptr<llm::VertexEmbedder> vertex(const FakeEmbeddingServer &server, bool geminiApi = false)
    {
        llm::VertexConfig config;
        config.mode = geminiApi ? llm::VertexConfig::Mode::GeminiApi : llm::VertexConfig::Mode::VertexAi;
        config.http = fastConfig(server.baseUrl(), geminiApi ? QStringLiteral("gm-key") : QString(),
                                 geminiApi ? QStringLiteral("text-embedding-004")
                                           : QStringLiteral("text-embedding-005"));
        config.projectId = QStringLiteral("proj-1");
        config.location = QStringLiteral("us-central1");
        return std::make_unique<llm::VertexEmbedder>(
            config, geminiApi ? nullptr : new llm::StaticTokenSource(QStringLiteral("tok-9")), &m_nam,
            m_clock);
    }

    void verifyAgainst(const QString &schemaFile, const FakeEmbeddingServer &server)
    {
        const JsonSchemaValidator validator(
            loadSchema(QFINDTESTDATA(QStringLiteral("schemas/") + schemaFile)));
        QVERIFY(!server.requests().isEmpty());
        for (const RecordedRequest &request : server.requests()) {
            const QStringList errors = validator.validate(request.json());
            QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
        }
    }

    void verifyVectors(const llm::Embeddings &got, const QStringList &texts, int dimension)
    {
        QCOMPARE(got.vectors.size(), texts.size());
        QCOMPARE(got.dimension, dimension);
        for (qsizetype i = 0; i < texts.size(); ++i) {
            QVERIFY2(std::abs(norm(got.vectors[i]) - 1.0) < 1e-5, "not unit length");
            QVERIFY2(sameVector(got.vectors[i], expectedVector(texts[i], dimension)),
                     qPrintable(QStringLiteral("vector %1 is not the one of its text").arg(i)));
        }
    }

private Q_SLOTS:
    void validatorBites()
    {
        // The schemas would catch a wrong body: a field name, a type, a batch too large.
        const JsonSchemaValidator openAiSchema(
            loadSchema(QFINDTESTDATA("schemas/openai-embedding-request.schema.json")));
        QVERIFY(!openAiSchema.validate(QJsonObject{{u"inputs"_s, QJsonArray{u"a"_s}}, {u"model"_s, u"m"_s}})
                     .isEmpty());
        QVERIFY(!openAiSchema
                     .validate(QJsonObject{{u"input"_s, QJsonArray{u"a"_s}},
                                           {u"model"_s, u"m"_s},
                                           {u"encoding_format"_s, u"floats"_s}})
                     .isEmpty());
        QJsonArray tooMany;
        for (int i = 0; i < 2049; ++i)
            tooMany.append(QStringLiteral("t"));
        QVERIFY(!openAiSchema.validate(QJsonObject{{u"input"_s, tooMany}, {u"model"_s, u"m"_s}}).isEmpty());
        const JsonSchemaValidator vertexSchema(
            loadSchema(QFINDTESTDATA("schemas/vertex-embedding-request.schema.json")));
        QVERIFY(!vertexSchema
                     .validate(QJsonObject{{u"instances"_s, QJsonArray{QJsonObject{{u"text"_s, u"a"_s}}}}})
                     .isEmpty());
    }

    void openAiSplitsIntoBatchesOf2048()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi, 6);
        QVERIFY(server.listen());
        auto embedder = openAi(server);
        const QStringList texts = numberedTexts(5000);
        const auto result = awaitFuture(embedder->embed(texts, llm::EmbeddingPurpose::Document));
        LLM_VERIFY_OK(result);
        QCOMPARE(server.requestCount(), 3);
        QCOMPARE(server.batches().at(0).size(), 2048);
        QCOMPARE(server.batches().at(1).size(), 2048);
        QCOMPARE(server.batches().at(2).size(), 904);
        verifyAgainst(QStringLiteral("openai-embedding-request.schema.json"), server);
        const RecordedRequest first = server.requests().first();
        QCOMPARE(first.path(), QStringLiteral("/v1/embeddings"));
        QCOMPARE(first.header("authorization"), QByteArray("Bearer sk-test"));
        QCOMPARE(first.json().value(u"model"_s).toString(), QStringLiteral("text-embedding-3-small"));
        QCOMPARE(first.json().value(u"encoding_format"_s).toString(), QStringLiteral("float"));
        verifyVectors(result.value(), texts, 6);
        QCOMPARE(result->model, QStringLiteral("openai/text-embedding-3-small"));
        QVERIFY(result->promptTokens > 0);
    }

    void openAiKeepsEachRequestWithinItsTokenBudget()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi, 4);
        QVERIFY(server.listen());
        auto embedder = openAi(server);
        // 50 texts over the 8,000-token input limit: cut to 24,000 characters (6,000 estimated
        // tokens) each, 300,000 in all, over one request's budget.
        QStringList texts;
        for (int i = 0; i < 50; ++i)
            texts.append(QString(30'000, QChar(u'a' + i % 26)));
        LLM_VERIFY_OK(awaitFuture(embedder->embed(texts, llm::EmbeddingPurpose::Document)));
        QVERIFY(server.requestCount() >= 2);
        int total = 0;
        for (const QStringList &batch : server.batches()) {
            qint64 tokens = 0;
            for (const QString &t : batch) {
                QCOMPARE(t.size(), 24'000);
                tokens += core::estimateTokens(t);
            }
            QVERIFY2(tokens <= 250'000, qPrintable(QString::number(tokens)));
            total += static_cast<int>(batch.size());
        }
        QCOMPARE(total, 50);
    }

    void mistralBatchesAndSchema()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi, 5);
        QVERIFY(server.listen());
        auto embedder = openAi(server, true);
        const QStringList texts = numberedTexts(300);
        const auto result = awaitFuture(embedder->embed(texts, llm::EmbeddingPurpose::Query));
        LLM_VERIFY_OK(result);
        QCOMPARE(server.requestCount(), 3);
        for (const QStringList &batch : server.batches())
            QVERIFY(batch.size() <= 128);
        verifyAgainst(QStringLiteral("mistral-embedding-request.schema.json"), server);
        QCOMPARE(server.lastRequest().json().value(u"model"_s).toString(), QStringLiteral("mistral-embed"));
        verifyVectors(result.value(), texts, 5);
        QCOMPARE(result->model, QStringLiteral("mistral/mistral-embed"));
    }

    void vertexTaskTypesAndBatches()
    {
        FakeEmbeddingServer server(EmbeddingWire::Vertex, 7);
        QVERIFY(server.listen());
        auto embedder = vertex(server);
        const QStringList texts = numberedTexts(600);
        const auto documents = awaitFuture(embedder->embed(texts, llm::EmbeddingPurpose::Document));
        LLM_VERIFY_OK(documents);
        QCOMPARE(server.requestCount(), 3);
        QCOMPARE(server.batches().at(0).size(), 250);
        verifyAgainst(QStringLiteral("vertex-embedding-request.schema.json"), server);
        const RecordedRequest sent = server.requests().first();
        QCOMPARE(sent.path(),
                 QStringLiteral("/v1/projects/proj-1/locations/us-central1/publishers/google/models/"
                                "text-embedding-005:predict"));
        QCOMPARE(sent.header("authorization"), QByteArray("Bearer tok-9"));
        for (const QJsonValue &instance : sent.json().value(u"instances"_s).toArray())
            QCOMPARE(instance.toObject().value(u"task_type"_s).toString(),
                     QStringLiteral("RETRIEVAL_DOCUMENT"));
        verifyVectors(documents.value(), texts, 7);

        server.clearRequests();
        LLM_VERIFY_OK(awaitFuture(
            embedder->embed({QStringLiteral("where is the clause?")}, llm::EmbeddingPurpose::Query)));
        QCOMPARE(server.lastRequest()
                     .json()
                     .value(u"instances"_s)
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(u"task_type"_s)
                     .toString(),
                 QStringLiteral("RETRIEVAL_QUERY"));
        QCOMPARE(embedder->modelName(), QStringLiteral("vertex/text-embedding-005"));
    }

    void geminiApiFallback()
    {
        FakeEmbeddingServer server(EmbeddingWire::Gemini, 3);
        QVERIFY(server.listen());
        auto embedder = vertex(server, true);
        const QStringList texts = numberedTexts(150);
        const auto result = awaitFuture(embedder->embed(texts, llm::EmbeddingPurpose::Query));
        LLM_VERIFY_OK(result);
        QCOMPARE(server.requestCount(), 2);
        verifyAgainst(QStringLiteral("gemini-batch-embed-request.schema.json"), server);
        const RecordedRequest sent = server.requests().first();
        QCOMPARE(sent.path(), QStringLiteral("/v1beta/models/text-embedding-004:batchEmbedContents"));
        QCOMPARE(sent.header("x-goog-api-key"), QByteArray("gm-key"));
        QCOMPARE(sent.json().value(u"requests"_s).toArray().at(0).toObject().value(u"taskType"_s).toString(),
                 QStringLiteral("RETRIEVAL_QUERY"));
        verifyVectors(result.value(), texts, 3);
    }

    void threeRateLimitsThenSuccessThroughTheFactory()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi, 4);
        QVERIFY(server.listen());
        // Retry-After: 1 (seconds) first, then two more 429s; the handler answers the fourth try.
        server.enqueue(openai::errorReply(429, QStringLiteral("slow down")).header("Retry-After", "1"));
        server.enqueue(openai::errorReply(429, QStringLiteral("slow down")).header("Retry-After", "0"));
        server.enqueue(openai::errorReply(429, QStringLiteral("slow down")).header("Retry-After", "0"));
        QElapsedTimer clock;
        clock.start();
        QList<qint64> arrivals;
        connect(&server, &FakeHttpServer::requestReceived, this, [&] { arrivals.append(clock.elapsed()); });

        llm::ProviderConfig config;
        config.openAi = {server.baseUrl(), QStringLiteral("sk-x"), {}};
        config.retry.baseDelayMs = 10;
        config.retry.maxDelayMs = 20;
        config.embedding.provider = QStringLiteral("openai");
        config.embedding.maxAttempts = 6;
        config.embedding.retryMaxTotalMs = 30'000;
        llm::EmbedderFactory factory(config, &m_nam, m_clock);
        auto embedder = factory.create();
        LLM_VERIFY_OK(embedder);
        const QStringList texts = numberedTexts(3);
        const auto result = awaitFuture(embedder.value()->embed(texts, llm::EmbeddingPurpose::Document));
        LLM_VERIFY_OK(result);
        QCOMPARE(server.requestCount(), 4);
        verifyVectors(result.value(), texts, 4);
        QCOMPARE(arrivals.size(), 4);
        QVERIFY2(arrivals.at(1) - arrivals.at(0) >= 950, "Retry-After: 1 was not waited for");
    }

    void unauthorizedIsNotRetried()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi);
        QVERIFY(server.listen());
        server.enqueue(
            openai::errorReply(401, QStringLiteral("Incorrect API key provided"), QStringLiteral("auth")));
        auto embedder = openAi(server);
        const auto result =
            awaitFuture(embedder->embed({QStringLiteral("x")}, llm::EmbeddingPurpose::Document));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderUnauthorized);
        QCOMPARE(server.requestCount(), 1);
    }

    void malformedAnswers_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("not json") << QByteArray("<html>oops</html>");
        QTest::newRow("no data") << QByteArray(R"({"object":"list"})");
        QTest::newRow("one vector for two texts")
            << QByteArray(R"({"data":[{"object":"embedding","index":0,"embedding":[1,2]}]})");
        QTest::newRow("base64 string")
            << QByteArray(R"({"data":[{"index":0,"embedding":"AAAA"},{"index":1,"embedding":"AAAA"}]})");
        QTest::newRow("repeated index")
            << QByteArray(R"({"data":[{"index":0,"embedding":[1,2]},{"index":0,"embedding":[1,2]}]})");
        QTest::newRow("zero vector") << QByteArray(
            R"({"data":[{"index":0,"embedding":[0,0]},{"index":1,"embedding":[1,2]}]})");
        QTest::newRow("dimensions differ")
            << QByteArray(R"({"data":[{"index":0,"embedding":[1,2,3]},{"index":1,"embedding":[1,2]}]})");
    }

    void malformedAnswers()
    {
        QFETCH(QByteArray, body);
        FakeEmbeddingServer server(EmbeddingWire::OpenAi);
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::raw(200, body));
        auto embedder = openAi(server);
        const auto result = awaitFuture(
            embedder->embed({QStringLiteral("a"), QStringLiteral("b")}, llm::EmbeddingPurpose::Document));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderMalformed);
        QVERIFY(result.error().message.startsWith(QStringLiteral("OpenAI: ")));
    }

    void vertexMalformedAndUnauthorized()
    {
        FakeEmbeddingServer server(EmbeddingWire::Vertex);
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::raw(200, R"({"predictions":[{"embeddings":{}}]})"));
        server.enqueue(FakeResponse::json(
            403, QJsonObject{{u"error"_s, QJsonObject{{u"code"_s, 403}, {u"message"_s, u"denied"_s}}}}));
        auto embedder = vertex(server);
        const auto malformed =
            awaitFuture(embedder->embed({QStringLiteral("a")}, llm::EmbeddingPurpose::Document));
        QVERIFY(!malformed);
        QCOMPARE(malformed.error().code, ErrorCode::ProviderMalformed);
        const auto denied =
            awaitFuture(embedder->embed({QStringLiteral("a")}, llm::EmbeddingPurpose::Document));
        QVERIFY(!denied);
        QCOMPARE(denied.error().code, ErrorCode::ProviderUnauthorized);
    }

    void cancelAbortsTheRequest()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi);
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::neverAnswer());
        auto embedder = openAi(server);
        auto cancel = core::CancelToken::create();
        auto future = embedder->embed(numberedTexts(3), llm::EmbeddingPurpose::Document, cancel);
        QTRY_COMPARE(server.requestCount(), 1);
        cancel->cancel();
        const auto result = awaitFuture(future);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
        QTRY_COMPARE(server.openConnections(), 0);
    }

    void destroyingTheEmbedderCancels()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi);
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::neverAnswer());
        auto embedder = openAi(server);
        auto future = embedder->embed(numberedTexts(2), llm::EmbeddingPurpose::Document);
        QTRY_COMPARE(server.requestCount(), 1);
        embedder.reset();
        const auto result = awaitFuture(future);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
    }

    void emptyTextIsRefusedBeforeSending()
    {
        FakeEmbeddingServer server(EmbeddingWire::OpenAi);
        QVERIFY(server.listen());
        auto embedder = openAi(server);
        const auto result = awaitFuture(
            embedder->embed({QStringLiteral("fine"), QStringLiteral("  ")}, llm::EmbeddingPurpose::Document));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(server.requestCount(), 0);
        const auto none = awaitFuture(embedder->embed({}, llm::EmbeddingPurpose::Document));
        LLM_VERIFY_OK(none);
        QVERIFY(none->vectors.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestEmbedders)
#include "test_embedders.moc"

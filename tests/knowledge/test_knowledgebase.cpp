// The knowledge base end to end through the AgencyService on the program's own backend (the
// composition root) and a real PostgreSQL: documents added, indexed in the background with the demo
// embedding or an OpenAI-wire fake embedding server over real HTTP, and searched.

#include "db/documentrepository.h"
#include "fakeembeddings.h"
#include "futurewait.h"
#include "knowledge/indexmanager.h"
#include "knowledge/knowledgebase.h"
#include "runtime/backend.h"
#include "testdatabase.h"

#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using core::DocumentStatus;
using core::ErrorCode;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kOther = QStringLiteral("globex");

QByteArray contract()
{
    return QByteArrayLiteral(
        "# Service agreement\n\n"
        "The supplier delivers the quarterly audit report to the client within thirty days "
        "of the end of each quarter.\n\n"
        "## Termination\n\n"
        "Either party may terminate this agreement with ninety days written notice. "
        "Penalties for late delivery are capped at five percent of the annual fee.\n");
}

QByteArray brief()
{
    return QByteArrayLiteral("Project brief\n\nThe marketing campaign launches in spring with a budget of "
                             "forty thousand euros, focused on the northern regions.\n");
}

} // namespace

class TestKnowledgeBase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }
    void init() { AGENCY_VERIFY_OK(m_db.reset(4)); }
    void cleanup()
    {
        if (m_backend) {
            auto stopped = m_backend->stopRunWorkers();
            QVERIFY(QTest::qWaitFor([&] { return stopped.isFinished(); }, 10000));
        }
        m_backend.reset();
        m_db.close();
    }

    void addedDocumentBecomesReadyAndSearchable();
    void sameBytesTwiceAreStoredOnce();
    void anotherTenantsDocumentsAreInvisible();
    void aFailureNamesItsReasonAndSparesTheOthers();
    void badInputIsRefused();
    void searchWhileIndexingSaysSo();
    void deleteRemovesChunksAndIndexEntries();
    void tenantDeleteCascades();
    void embeddingRateLimitsAreWaitedOut();
    void modelChangeIsServedByTheOldIndexUntilComplete();
    void aStaleLeaseIsRecovered();
    void fusionSettingsShapeTheScores();

private:
    void build(QHash<QString, QString> values = {}, bool start = true);
    service::AgencyService &service() { return m_backend->service(); }
    core::AddedDocument add(const QString &tenant, const QString &name, const QByteArray &bytes,
                            const QString &collection = {});
    core::Document waitFinal(const QString &tenant, const QUuid &id);
    core::DocumentSearchResult search(const QString &tenant, const QString &query, int k = 5,
                                      const QString &collection = {});

    test::TestDatabase m_db;
    QTemporaryDir m_indexDir;
    std::unique_ptr<runtime::Backend> m_backend;
};

void TestKnowledgeBase::build(QHash<QString, QString> values, bool start)
{
    values.insert(QStringLiteral("KNOWLEDGE_INDEX_DIR"),
                  m_indexDir.path() + QStringLiteral("/") +
                      QString::number(QDateTime::currentMSecsSinceEpoch()));
    values.insert(QStringLiteral("RUN_WORKERS"), QStringLiteral("0"));
    values.insert(QStringLiteral("RUN_POLL_MS"), QStringLiteral("50"));
    values.insert(QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo"));
    auto config = runtime::RuntimeConfig::fromValues(values);
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().toString()));
    runtime::Injected injected;
    injected.executor = &m_db.executor();
    injected.flowDirectories = QStringList{};
    auto backend = runtime::Backend::create(config.value(), injected);
    QVERIFY2(backend.ok(), backend.ok() ? "" : qPrintable(backend.error().toString()));
    m_backend = std::move(backend).value();
    if (start)
        m_backend->startRunWorkers();
}

core::AddedDocument TestKnowledgeBase::add(const QString &tenant, const QString &name,
                                           const QByteArray &bytes, const QString &collection)
{
    auto added = test::await(service().addDocument({tenant, collection, name, {}, bytes}));
    if (!added)
        qWarning() << added.error().toString();
    return added ? added.value() : core::AddedDocument{};
}

core::Document TestKnowledgeBase::waitFinal(const QString &tenant, const QUuid &id)
{
    core::Document last;
    (void)QTest::qWaitFor(
        [&] {
            auto got = test::await(service().getDocument(tenant, id.toString()));
            if (got)
                last = got.value();
            return got && got->isFinal();
        },
        30000);
    return last;
}

core::DocumentSearchResult TestKnowledgeBase::search(const QString &tenant, const QString &query, int k,
                                                     const QString &collection)
{
    auto found = test::await(service().searchDocuments({tenant, query, collection, k}));
    if (!found)
        qWarning() << found.error().toString();
    return found ? found.value() : core::DocumentSearchResult{};
}

void TestKnowledgeBase::addedDocumentBecomesReadyAndSearchable()
{
    build();
    const core::AddedDocument added = add(kTenant, QStringLiteral("contract.md"), contract());
    QVERIFY(!added.document.documentId.isNull());
    QVERIFY(!added.duplicate);
    QCOMPARE(added.document.status, DocumentStatus::Queued);
    QCOMPARE(added.document.collection, QStringLiteral("default"));

    const core::Document ready = waitFinal(kTenant, added.document.documentId);
    QCOMPARE(ready.status, DocumentStatus::Ready);
    QVERIFY2(ready.error.isEmpty(), qPrintable(ready.error));
    QCOMPARE(ready.progress, 1.0);
    QVERIFY(ready.chunkCount > 0);
    QCOMPARE(ready.embeddingModel, QStringLiteral("demo/demo-embedding"));

    // Exact words (keyword side) and a paraphrase (vector side) both find the termination clause.
    for (const QString &query :
         {QStringLiteral("ninety days written notice"), QStringLiteral("terminating the contract")}) {
        const core::DocumentSearchResult result = search(kTenant, query);
        QVERIFY2(!result.hits.isEmpty(), qPrintable(query));
        QCOMPARE(result.documentsIndexing, 0);
        const core::DocumentHit &best = result.hits.first();
        QCOMPARE(best.documentId, added.document.documentId);
        QVERIFY(best.score > 0);
        // The hit's span is exactly a substring of the document's text.
        AGENCY_ASSIGN_OK(text, test::await(service().documentText(kTenant, best.documentId.toString())));
        QCOMPARE(text.text.mid(best.start, best.end - best.start), best.text);
        QVERIFY(best.text.contains(QStringLiteral("terminate")));
    }
    // The index file was saved under the index directory, and the content comes back as uploaded.
    AGENCY_ASSIGN_OK(bytes,
                     test::await(service().documentContent(kTenant, added.document.documentId.toString())));
    QCOMPARE(bytes, contract());
    AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM chunk_embeddings")),
                      qint64(ready.chunkCount));
}

void TestKnowledgeBase::sameBytesTwiceAreStoredOnce()
{
    build({}, false);
    const core::AddedDocument first = add(kTenant, QStringLiteral("a.md"), contract());
    const core::AddedDocument second = add(kTenant, QStringLiteral("copy of a.md"), contract());
    QVERIFY(!first.duplicate);
    QVERIFY(second.duplicate);
    QCOMPARE(second.document.documentId, first.document.documentId);
    // Another collection is another set of files.
    const core::AddedDocument elsewhere =
        add(kTenant, QStringLiteral("a.md"), contract(), QStringLiteral("legal"));
    QVERIFY(!elsewhere.duplicate);
    AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM documents")), qint64(2));
    AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM document_bytes")), qint64(2));
}

void TestKnowledgeBase::anotherTenantsDocumentsAreInvisible()
{
    build();
    const QUuid mine = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    const QUuid theirs = add(kOther, QStringLiteral("brief.txt"), brief()).document.documentId;
    QCOMPARE(waitFinal(kTenant, mine).status, DocumentStatus::Ready);
    QCOMPARE(waitFinal(kOther, theirs).status, DocumentStatus::Ready);

    const QString id = mine.toString();
    QCOMPARE(test::await(service().getDocument(kOther, id)).error().code, ErrorCode::NotFound);
    QCOMPARE(test::await(service().documentContent(kOther, id)).error().code, ErrorCode::NotFound);
    QCOMPARE(test::await(service().documentText(kOther, id)).error().code, ErrorCode::NotFound);
    QCOMPARE(test::await(service().deleteDocument(kOther, id)).error().code, ErrorCode::NotFound);
    AGENCY_ASSIGN_OK(listed, test::await(service().listDocuments({kOther, {}, {}, 100, {}})));
    QCOMPARE(listed.items.size(), 1);
    QCOMPARE(listed.items.first().documentId, theirs);
    // Words only the other tenant's document has find nothing; their own words find only theirs.
    for (const QString &query :
         {QStringLiteral("ninety days written notice"), QStringLiteral("quarterly audit report"),
          QStringLiteral("marketing campaign budget")}) {
        for (const core::DocumentHit &hit : search(kOther, query, 10).hits)
            QCOMPARE(hit.documentId, theirs);
    }
    // The document is still there for its owner.
    QCOMPARE(test::await(service().getDocument(kTenant, id)).value().status, DocumentStatus::Ready);
}

void TestKnowledgeBase::aFailureNamesItsReasonAndSparesTheOthers()
{
    build();
    // Bytes no format claims (a binary blob) fail; the text beside it is indexed.
    QByteArray binary(4096, '\0');
    for (int i = 0; i < binary.size(); ++i)
        binary[i] = char((i * 7919) % 251);
    const QUuid bad = add(kTenant, QStringLiteral("blob.bin"), binary).document.documentId;
    const QUuid good = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    const core::Document failed = waitFinal(kTenant, bad);
    QCOMPARE(failed.status, DocumentStatus::Failed);
    QVERIFY(!failed.error.isEmpty());
    QCOMPARE(waitFinal(kTenant, good).status, DocumentStatus::Ready);
    AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM chunks WHERE document_id = ?::uuid"),
                                 {bad.toString(QUuid::WithoutBraces)}),
                      qint64(0));
    // A re-index of a failed document tries again from its bytes (and fails the same way).
    AGENCY_COMPARE_OK(test::await(service().reindexDocuments(kTenant)), 2);
    QCOMPARE(waitFinal(kTenant, bad).status, DocumentStatus::Failed);
}

void TestKnowledgeBase::badInputIsRefused()
{
    build({{QStringLiteral("DOCUMENT_MAX_BYTES"), QStringLiteral("1000")}}, false);
    auto empty = test::await(service().addDocument({kTenant, {}, QStringLiteral("e.txt"), {}, {}}));
    QCOMPARE(empty.error().code, ErrorCode::InvalidArgument);
    auto large =
        test::await(service().addDocument({kTenant, {}, QStringLiteral("l.txt"), {}, QByteArray(1001, 'a')}));
    QCOMPARE(large.error().code, ErrorCode::PayloadTooLarge);
    auto collection = test::await(
        service().addDocument({kTenant, QStringLiteral("no/slash"), QStringLiteral("c.txt"), {}, brief()}));
    QCOMPARE(collection.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(test::await(service().getDocument(kTenant, QStringLiteral("not-a-uuid"))).error().code,
             ErrorCode::InvalidArgument);
    QCOMPARE(test::await(service().getDocument(kTenant, QUuid::createUuid().toString())).error().code,
             ErrorCode::NotFound);
    QCOMPARE(test::await(service().searchDocuments({kTenant, QString(), {}, 5})).error().code,
             ErrorCode::InvalidArgument);
    QCOMPARE(test::await(service().searchDocuments({kTenant, QStringLiteral("x"), {}, 0})).error().code,
             ErrorCode::InvalidArgument);
    AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM documents")), qint64(0));
}

void TestKnowledgeBase::searchWhileIndexingSaysSo()
{
    build({}, false); // no ingestion yet: the document stays queued
    const QUuid id = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    core::DocumentSearchResult early = search(kTenant, QStringLiteral("ninety days written notice"));
    QCOMPARE(early.documentsIndexing, 1);
    QVERIFY(early.hits.isEmpty()); // not searchable before its chunks are complete
    QCOMPARE(search(kOther, QStringLiteral("notice")).documentsIndexing, 0);
    m_backend->startRunWorkers();
    QCOMPARE(waitFinal(kTenant, id).status, DocumentStatus::Ready);
    core::DocumentSearchResult late = search(kTenant, QStringLiteral("ninety days written notice"));
    QCOMPARE(late.documentsIndexing, 0);
    QVERIFY(!late.hits.isEmpty());
}

void TestKnowledgeBase::deleteRemovesChunksAndIndexEntries()
{
    build();
    const QUuid first = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    const QUuid second = add(kTenant, QStringLiteral("brief.txt"), brief()).document.documentId;
    QCOMPARE(waitFinal(kTenant, first).status, DocumentStatus::Ready);
    QCOMPARE(waitFinal(kTenant, second).status, DocumentStatus::Ready);
    QVERIFY(!search(kTenant, QStringLiteral("ninety days written notice")).hits.isEmpty());
    const qint64 before = m_backend->knowledge().indexes().loadedVectors(
        kTenant, QStringLiteral("default"), QStringLiteral("demo/demo-embedding"));
    QVERIFY(before > 0);

    AGENCY_COMPARE_OK(test::await(service().deleteDocument(kTenant, first.toString())), true);
    QCOMPARE(test::await(service().getDocument(kTenant, first.toString())).error().code, ErrorCode::NotFound);
    for (const QString &table :
         {QStringLiteral("chunks"), QStringLiteral("document_pages"), QStringLiteral("document_bytes")})
        AGENCY_COMPARE_OK(
            m_db.count(QStringLiteral("SELECT count(*) FROM %1 WHERE document_id = ?::uuid").arg(table),
                       {first.toString(QUuid::WithoutBraces)}),
            qint64(0));
    for (const core::DocumentHit &hit :
         search(kTenant, QStringLiteral("ninety days written notice"), 10).hits)
        QCOMPARE(hit.documentId, second);
    const qint64 after = m_backend->knowledge().indexes().loadedVectors(
        kTenant, QStringLiteral("default"), QStringLiteral("demo/demo-embedding"));
    AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM chunk_embeddings")), after);
    QVERIFY(after < before);
}

void TestKnowledgeBase::tenantDeleteCascades()
{
    build();
    const QUuid id = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    QCOMPARE(waitFinal(kTenant, id).status, DocumentStatus::Ready);
    AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("DELETE FROM tenants WHERE tenant_id = 'acme'")));
    for (const QString &table :
         {QStringLiteral("collections"), QStringLiteral("documents"), QStringLiteral("document_bytes"),
          QStringLiteral("document_pages"), QStringLiteral("chunks"), QStringLiteral("chunk_embeddings")})
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM %1").arg(table)), qint64(0));
    QVERIFY(search(kTenant, QStringLiteral("ninety days written notice")).hits.isEmpty());
}

void TestKnowledgeBase::embeddingRateLimitsAreWaitedOut()
{
    test::FakeEmbeddingServer server(test::EmbeddingWire::OpenAi, 16);
    QVERIFY(server.listen());
    for (int i = 0; i < 3; ++i)
        server.enqueue(test::FakeResponse::json(
                           429, {{QStringLiteral("error"),
                                  QJsonObject{{QStringLiteral("message"), QStringLiteral("slow down")}}}})
                           .header("Retry-After", "0"));
    build({{QStringLiteral("EMBEDDING_PROVIDER"), QStringLiteral("openai")},
           {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-test")},
           {QStringLiteral("OPENAI_BASE_URL"), server.baseUrl()},
           {QStringLiteral("EMBEDDING_MAX_ATTEMPTS"), QStringLiteral("5")}});
    const QUuid id = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    const core::Document done = waitFinal(kTenant, id);
    QVERIFY2(done.status == DocumentStatus::Ready, qPrintable(done.error));
    QCOMPARE(done.embeddingModel, QStringLiteral("openai/text-embedding-3-small"));
    QVERIFY(server.requestCount() >= 4);
    QVERIFY(!search(kTenant, QStringLiteral("ninety days written notice")).hits.isEmpty());
}

void TestKnowledgeBase::modelChangeIsServedByTheOldIndexUntilComplete()
{
    test::FakeEmbeddingServer server(test::EmbeddingWire::OpenAi, 16);
    QVERIFY(server.listen());
    build({{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-test")},
           {QStringLiteral("OPENAI_BASE_URL"), server.baseUrl()}});
    const QUuid first = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    const QUuid second = add(kTenant, QStringLiteral("brief.txt"), brief()).document.documentId;
    QCOMPARE(waitFinal(kTenant, first).embeddingModel, QStringLiteral("demo/demo-embedding"));
    QCOMPARE(waitFinal(kTenant, second).embeddingModel, QStringLiteral("demo/demo-embedding"));
    const QString demo = QStringLiteral("demo/demo-embedding");
    const QString openai = QStringLiteral("openai/text-embedding-3-small");

    // The tenant switches to OpenAI; its server answers the first document, then stalls.
    AGENCY_VERIFY_OK(test::await(service().updateTenant(
        kTenant, std::nullopt,
        QJsonObject{{QStringLiteral("embedding_provider"), QStringLiteral("openai")}})));
    int answered = 0;
    server.setHandler([&](const test::RecordedRequest &request) {
        if (answered++ >= 1)
            return test::FakeResponse::neverAnswer();
        return test::FakeResponse::json(
            200, test::embeddings::openAiResponse(server.textsOf(request), 16,
                                                  QStringLiteral("text-embedding-3-small")));
    });
    AGENCY_COMPARE_OK(test::await(service().reindexDocuments(kTenant)), 2);
    QVERIFY(QTest::qWaitFor(
        [&] {
            auto n = m_db.count(QStringLiteral("SELECT count(*) FROM documents WHERE embedding_model = ?"),
                                {openai});
            return n && n.value() == 1;
        },
        20000));
    // One document has the new model, the other is still embedding: searches use the old index.
    const core::DocumentSearchResult during = search(kTenant, QStringLiteral("marketing campaign budget"), 5);
    QVERIFY(!during.hits.isEmpty());
    QCOMPARE(during.documentsIndexing, 1);
    QVERIFY(m_backend->knowledge().indexes().loadedVectors(kTenant, QStringLiteral("default"), demo) > 0);
    QCOMPARE(m_backend->knowledge().indexes().loadedVectors(kTenant, QStringLiteral("default"), openai),
             qint64(0));

    // The server answers again: once both documents have the new model, searches switch to it.
    answered = -1000;
    auto stopped = m_backend->stopRunWorkers(); // the stalled request is cancelled and released
    QVERIFY(QTest::qWaitFor([&] { return stopped.isFinished(); }, 10000));
    m_backend.reset();
    build({{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-test")},
           {QStringLiteral("OPENAI_BASE_URL"), server.baseUrl()}});
    QVERIFY(QTest::qWaitFor(
        [&] {
            auto n = m_db.count(QStringLiteral("SELECT count(*) FROM documents WHERE embedding_model = ? AND "
                                               "status = 'ready'"),
                                {openai});
            return n && n.value() == 2;
        },
        20000));
    const core::DocumentSearchResult after = search(kTenant, QStringLiteral("marketing campaign budget"), 5);
    QVERIFY(!after.hits.isEmpty());
    QVERIFY(m_backend->knowledge().indexes().loadedVectors(kTenant, QStringLiteral("default"), openai) > 0);
}

void TestKnowledgeBase::aStaleLeaseIsRecovered()
{
    build({{QStringLiteral("RUN_LEASE_S"), QStringLiteral("2")}}, false);
    const QUuid id = add(kTenant, QStringLiteral("contract.md"), contract()).document.documentId;
    // A process that claimed the document and died: its lease is never renewed.
    db::DocumentRepository documents(m_db.executor());
    AGENCY_ASSIGN_OK(claimed, test::await(documents.claim(QStringLiteral("dead-process"), 1)));
    QCOMPARE(claimed.size(), 1);
    AGENCY_VERIFY_OK(
        m_db.exec(QStringLiteral("UPDATE documents SET heartbeat_at = now() - interval '1 minute'")));
    m_backend->startRunWorkers();
    const core::Document done = waitFinal(kTenant, id);
    QCOMPARE(done.status, DocumentStatus::Ready);
    // The dead worker's lease is gone: its late writes are refused.
    QCOMPARE(test::await(documents.markFailed(claimed.first().lease, QStringLiteral("late"))).error().code,
             ErrorCode::Conflict);
}

void TestKnowledgeBase::fusionSettingsShapeTheScores()
{
    // One chunk, first in both rankings: score fusion gives it both weights in full (1.5 + 1 by
    // default); reciprocal rank fusion weight / (k + 1) per side.
    build();
    const core::AddedDocument added = add(
        kTenant, QStringLiteral("notice.txt"),
        QByteArrayLiteral("Either party may terminate this agreement with ninety days written notice.\n"));
    const core::Document ready = waitFinal(kTenant, added.document.documentId);
    QCOMPARE(ready.status, DocumentStatus::Ready);
    QCOMPARE(ready.chunkCount, 1);
    const QString query = QStringLiteral("ninety days written notice");
    core::DocumentSearchResult result = search(kTenant, query);
    QCOMPARE(result.hits.size(), 1);
    QVERIFY(qFuzzyCompare(result.hits.first().score, 2.5));

    auto stopped = m_backend->stopRunWorkers();
    QVERIFY(QTest::qWaitFor([&] { return stopped.isFinished(); }, 10000));
    m_backend.reset();
    build({{QStringLiteral("KNOWLEDGE_FUSION"), QStringLiteral("rrf")},
           {QStringLiteral("KNOWLEDGE_RRF_K"), QStringLiteral("1")},
           {QStringLiteral("KNOWLEDGE_KEYWORD_WEIGHT"), QStringLiteral("300")}});
    result = search(kTenant, query);
    QCOMPARE(result.hits.size(), 1);
    QVERIFY(qFuzzyCompare(result.hits.first().score, 3.0 / 2 + 1.0 / 2));
}

QTEST_GUILESS_MAIN(TestKnowledgeBase)
#include "test_knowledgebase.moc"

// kill -9 of the process indexing a document, mid-document: after a restart the document is
// finished from where it stopped, with no duplicate chunk (docs/design.md#knowledge). The indexing
// process is this executable run again as a child (AGENCY_INGEST_CHILD set), killed with SIGKILL
// once it has stored a few pages.

#include "db/documentrepository.h"
#include "futurewait.h"
#include "knowledge/knowledgebase.h"
#include "runtime/backend.h"
#include "testdatabase.h"
#include "testdocuments.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

using namespace agency;

namespace {

const QString kTenant = QStringLiteral("acme");
constexpr int kPages = 40;
constexpr int kKillAfterPages = 5;

sql::ConnectionParams paramsFromEnvironment()
{
    sql::ConnectionParams p;
    p.host = qEnvironmentVariable("AGENCY_INGEST_CHILD_HOST");
    p.port = qEnvironmentVariableIntValue("AGENCY_INGEST_CHILD_PORT");
    p.database = qEnvironmentVariable("AGENCY_INGEST_CHILD_DB");
    p.user = qEnvironmentVariable("AGENCY_INGEST_CHILD_USER");
    return p;
}

std::unique_ptr<runtime::Backend> makeBackend(sql::DbExecutor &executor, const QString &indexDir)
{
    auto config = runtime::RuntimeConfig::fromValues({{QStringLiteral("KNOWLEDGE_INDEX_DIR"), indexDir},
                                                      {QStringLiteral("RUN_WORKERS"), QStringLiteral("0")},
                                                      {QStringLiteral("RUN_POLL_MS"), QStringLiteral("50")},
                                                      {QStringLiteral("RUN_LEASE_S"), QStringLiteral("2")}});
    if (!config)
        qFatal("settings: %s", qPrintable(config.error().toString()));
    runtime::Injected injected;
    injected.executor = &executor;
    injected.flowDirectories = QStringList{};
    auto backend = runtime::Backend::create(config.value(), injected);
    if (!backend)
        qFatal("backend: %s", qPrintable(backend.error().toString()));
    return std::move(backend).value();
}

/// The child: indexes whatever is queued and reports every stored page on stdout until killed.
int runChild(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    sql::DbExecutor executor(paramsFromEnvironment(), 2);
    QTemporaryDir indexDir;
    auto backend = makeBackend(executor, indexDir.path());
    QObject::connect(&backend->knowledge().ingestion(), &knowledge::IngestionWorker::pageStored,
                     [](const QUuid &, int page) {
                         std::printf("page %d\n", page);
                         std::fflush(stdout);
                     });
    backend->startRunWorkers();
    return app.exec();
}

QByteArray document()
{
    return test::makeSimplePdf(test::generatedPages(kPages, 3000), QStringLiteral("Crash report"));
}

} // namespace

class TestIngestCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }
    void init() { AGENCY_VERIFY_OK(m_db.reset(4)); }
    void cleanup() { m_db.close(); }

    void killedMidDocumentResumesWithoutDuplicates();

private:
    test::TestDatabase m_db;
};

void TestIngestCrash::killedMidDocumentResumesWithoutDuplicates()
{
    db::DocumentRepository documents(m_db.executor());
    const QByteArray bytes = document();
    db::DocumentRow row{
        kTenant,
        QStringLiteral("default"),
        QStringLiteral("crash"),
        QStringLiteral("crash.pdf"),
        QStringLiteral("application/pdf"),
        bytes,
        QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()),
        QStringLiteral("demo/demo-embedding")};
    AGENCY_ASSIGN_OK(added, test::await(documents.add(row)));
    const QString id = added.document.documentId.toString(QUuid::WithoutBraces);

    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("AGENCY_INGEST_CHILD"), QStringLiteral("1"));
    env.insert(QStringLiteral("AGENCY_INGEST_CHILD_HOST"), m_db.params().host);
    env.insert(QStringLiteral("AGENCY_INGEST_CHILD_PORT"), QString::number(m_db.params().port));
    env.insert(QStringLiteral("AGENCY_INGEST_CHILD_DB"), m_db.params().database);
    env.insert(QStringLiteral("AGENCY_INGEST_CHILD_USER"), m_db.params().user);
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(child.waitForStarted());
    const QByteArray mark = QByteArray("page ") + QByteArray::number(kKillAfterPages) + '\n';
    QByteArray output;
    const bool stored = QTest::qWaitFor(
        [&] {
            output += child.readAllStandardOutput();
            return output.contains(mark) || child.state() == QProcess::NotRunning;
        },
        60000);
    QVERIFY2(stored && child.state() == QProcess::Running, "the child did not store pages");
    child.kill(); // SIGKILL: no clean stop, no release
    QVERIFY(child.waitForFinished(10000));

    AGENCY_ASSIGN_OK(
        pagesBefore,
        m_db.count(QStringLiteral("SELECT count(*) FROM document_pages WHERE document_id = ?::uuid"), {id}));
    QVERIFY(pagesBefore >= kKillAfterPages);
    QVERIFY(pagesBefore < kPages);
    AGENCY_ASSIGN_OK(
        statusBefore,
        m_db.scalar(QStringLiteral("SELECT status FROM documents WHERE document_id = ?::uuid"), {id}));
    QCOMPARE(statusBefore.toString(), QStringLiteral("extracting"));
    AGENCY_ASSIGN_OK(
        firstPageChunk,
        m_db.scalar(QStringLiteral("SELECT min(id) FROM chunks WHERE document_id = ?::uuid"), {id}));

    // A restarted process recovers the dead lease (RUN_LEASE_S = 2) and finishes the document.
    QTemporaryDir indexDir;
    auto backend = makeBackend(m_db.executor(), indexDir.path());
    backend->startRunWorkers();
    core::Document done;
    QVERIFY(QTest::qWaitFor(
        [&] {
            auto got = test::await(backend->service().getDocument(kTenant, id));
            if (got)
                done = got.value();
            return got && got->isFinal();
        },
        60000));
    QVERIFY2(done.status == core::DocumentStatus::Ready, qPrintable(done.error));
    QCOMPARE(done.pageCount, kPages);

    // The pages stored before the kill were kept (their chunks too), and nothing is duplicated.
    AGENCY_COMPARE_OK(
        m_db.scalar(QStringLiteral("SELECT min(id) FROM chunks WHERE document_id = ?::uuid"), {id}),
        firstPageChunk);
    AGENCY_COMPARE_OK(
        m_db.count(QStringLiteral("SELECT count(*) FROM document_pages WHERE document_id = ?::uuid"), {id}),
        qint64(kPages));
    AGENCY_COMPARE_OK(
        m_db.count(QStringLiteral("SELECT count(*) - count(DISTINCT (page_index, start)) FROM chunks "
                                  "WHERE document_id = ?::uuid"),
                   {id}),
        qint64(0));
    // The same file indexed in one go, in another collection, gives exactly the same chunks.
    AGENCY_ASSIGN_OK(fresh, test::await(backend->service().addDocument(
                                {kTenant, QStringLiteral("fresh"), QStringLiteral("crash.pdf"), {}, bytes})));
    QVERIFY(QTest::qWaitFor(
        [&] {
            auto got =
                test::await(backend->service().getDocument(kTenant, fresh.document.documentId.toString()));
            return got && got->isFinal();
        },
        60000));
    AGENCY_COMPARE_OK(
        m_db.count(QStringLiteral("SELECT count(*) FROM (SELECT page_index, start, \"end\", text FROM "
                                  "chunks WHERE document_id = ?::uuid EXCEPT SELECT page_index, start, "
                                  "\"end\", text FROM chunks WHERE collection = 'fresh') x"),
                   {id}),
        qint64(0));
    AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM chunks WHERE collection = 'fresh'")),
                      qint64(done.chunkCount));
    AGENCY_COMPARE_OK(
        m_db.count(QStringLiteral("SELECT count(*) FROM chunk_embeddings e JOIN chunks c ON c.id = "
                                  "e.chunk_id WHERE c.document_id = ?::uuid"),
                   {id}),
        qint64(done.chunkCount));
    auto stopped = backend->stopRunWorkers();
    QVERIFY(QTest::qWaitFor([&] { return stopped.isFinished(); }, 10000));
}

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsSet("AGENCY_INGEST_CHILD"))
        return runChild(argc, argv);
    QCoreApplication app(argc, argv);
    TestIngestCrash test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_ingestcrash.moc"

#include "ragingest.h"

#include "db/documentrepository.h"
#include "knowledge/knowledgebase.h"
#include "llm/demoembedder.h"
#include "pgkeyword.h"
#include "ragcorpus.h"
#include "sql/dbconnection.h"
#include "testdocuments.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QSet>
#include <QThread>

#include <cstdio>

namespace agency::bench {

namespace {

void out(const QString &line)
{
    std::fputs(qPrintable(line + u'\n'), stdout);
    std::fflush(stdout);
}

/// A field of /proc/self/status in bytes ("VmRSS", "VmHWM").
qint64 statusBytes(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray key = QByteArray(field) + ':';
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').first().toLongLong() * 1024;
    return 0;
}

/// Resets the kernel's peak resident size (VmHWM) to the current one; false when not allowed.
bool resetPeakResident()
{
    QFile refs(QStringLiteral("/proc/self/clear_refs"));
    return refs.open(QIODevice::WriteOnly) && refs.write("5") == 1;
}

/// Waits for `future` while this thread's events run (the knowledge base's continuations).
template <typename T> core::Result<T> await(const core::Async<T> &future, int timeoutMs = 600'000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!future.isFinished() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!future.isFinished())
        return core::makeError(core::ErrorCode::Internal, QStringLiteral("timed out"));
    return future.result();
}

void waitVoid(const QFuture<void> &future)
{
    QDeadlineTimer deadline(60'000);
    while (!future.isFinished() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

core::Status createTenant(PgKeyword &pg, const QString &tenant)
{
    auto done = pg.connection().exec(QStringLiteral("INSERT INTO tenants (tenant_id, name) VALUES (?, ?) "
                                                    "ON CONFLICT DO NOTHING"),
                                     {tenant, tenant}, QStringLiteral("create tenant"));
    if (!done)
        return done.error();
    return {};
}

/// A knowledge base on the bench's database with the demo embedding, indexing at once.
std::unique_ptr<knowledge::KnowledgeBase> makeKnowledgeBase(PgKeyword &pg, const QString &indexDirectory)
{
    knowledge::KnowledgeDependencies deps;
    deps.documents = &pg.repository();
    deps.makeEmbedder = [](const QString &) -> core::Result<std::shared_ptr<llm::Embedder>> {
        return std::shared_ptr<llm::Embedder>(std::make_shared<llm::DemoEmbedder>());
    };
    deps.tenantModel = [](const QString &) {
        return core::readyAsync<QString>(QStringLiteral("demo/demo-embedding"));
    };
    deps.options.indexDirectory = indexDirectory;
    deps.options.pollMs = 50;
    return std::make_unique<knowledge::KnowledgeBase>(std::move(deps));
}

/// Waits until every document of `ids` is ready or failed; the failed ones' reasons, if any.
core::Result<QStringList> waitFinal(knowledge::KnowledgeBase &kb, const QString &tenant,
                                    const QList<QUuid> &ids)
{
    QStringList failures;
    QDeadlineTimer deadline(1800'000);
    for (const QUuid &id : ids) {
        for (;;) {
            auto doc = await(kb.get(tenant, id));
            if (!doc)
                return doc.error();
            if (doc->isFinal()) {
                if (doc->status == core::DocumentStatus::Failed)
                    failures.append(doc->error);
                break;
            }
            if (deadline.hasExpired())
                return core::makeError(core::ErrorCode::Internal, QStringLiteral("indexing timed out"));
            QDeadlineTimer pause(50);
            while (!pause.hasExpired())
                QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        }
    }
    return failures;
}

} // namespace

bool ingestionBench(PgKeyword &pg, int pages, const QString &indexDirectory)
{
    const QString tenant = QStringLiteral("ingest");
    if (auto ok = createTenant(pg, tenant); !ok) {
        out(QStringLiteral("ingestion: %1").arg(ok.error().toString()));
        return false;
    }
    QByteArray pdf = test::makeSimplePdf(test::generatedPages(pages),
                                         QStringLiteral("Generated %1-page report").arg(pages));
    const qint64 pdfBytes = pdf.size();
    auto kb = makeKnowledgeBase(pg, indexDirectory);
    const bool peakReset = resetPeakResident();
    const qint64 before = statusBytes("VmRSS");
    QElapsedTimer timer;
    timer.start();
    auto added = await(kb->add({tenant, QString(), QStringLiteral("report.pdf"),
                                QStringLiteral("application/pdf"), std::move(pdf)}));
    if (!added) {
        out(QStringLiteral("ingestion: %1").arg(added.error().toString()));
        return false;
    }
    kb->startIngestion();
    auto failures = waitFinal(*kb, tenant, {added->document.documentId});
    const double seconds = timer.nsecsElapsed() / 1e9;
    const qint64 peak = statusBytes("VmHWM");
    auto doc = await(kb->get(tenant, added->document.documentId));
    waitVoid(kb->stopIngestion());
    if (!failures || !failures->isEmpty() || !doc) {
        out(QStringLiteral("ingestion: the document did not become ready: %1")
                .arg(!failures ? failures.error().toString() : failures->join(QStringLiteral("; "))));
        return false;
    }
    out(QStringLiteral("\n### Ingestion: a generated %1-page PDF (%2 KB) through KnowledgeBase and "
                       "IngestionWorker, demo embedding, this bench's PostgreSQL\n")
            .arg(pages)
            .arg(pdfBytes / 1024));
    out(QStringLiteral(
        "| pages | chunks | seconds (add to ready) | pages per second | peak resident growth MB "
        "(target < 300) |\n|---:|---:|---:|---:|---:|"));
    out(QStringLiteral("| %1 | %2 | %3 | %4 | %5%6 |")
            .arg(doc->pageCount)
            .arg(doc->chunkCount)
            .arg(seconds, 0, 'f', 1)
            .arg(doc->pageCount / seconds, 0, 'f', 1)
            .arg(static_cast<double>(peak - before) / 1e6, 0, 'f', 0)
            .arg(peakReset ? QString() : QStringLiteral(" (peak not resettable: since start)")));
    return true;
}

bool isolationBench(PgKeyword &pg, int queries, const QString &indexDirectory)
{
    const QStringList tenants = {QStringLiteral("iso-a"), QStringLiteral("iso-b")};
    // Both tenants hold the same text, so only the tenant tells their chunks apart.
    const RagCorpus corpus = RagCorpus::generate(1000, std::max(1, queries / 3), 3);
    auto kb = makeKnowledgeBase(pg, indexDirectory);
    QHash<QString, QSet<QUuid>> own;
    for (const QString &tenant : tenants) {
        if (auto ok = createTenant(pg, tenant); !ok) {
            out(QStringLiteral("isolation: %1").arg(ok.error().toString()));
            return false;
        }
        QList<QUuid> ids;
        for (qsizetype start = 0; start < corpus.passages.size(); start += 100) {
            const QString text = corpus.passages.mid(start, 100).join(QStringLiteral("\n\n"));
            auto added = await(kb->add({tenant, QString(), QStringLiteral("part-%1.md").arg(start / 100),
                                        QStringLiteral("text/markdown"), text.toUtf8()}));
            if (!added) {
                out(QStringLiteral("isolation: %1").arg(added.error().toString()));
                return false;
            }
            ids.append(added->document.documentId);
            own[tenant].insert(added->document.documentId);
        }
        kb->startIngestion();
        auto failures = waitFinal(*kb, tenant, ids);
        if (!failures || !failures->isEmpty()) {
            out(QStringLiteral("isolation: documents did not become ready: %1")
                    .arg(!failures ? failures.error().toString() : failures->join(QStringLiteral("; "))));
            return false;
        }
    }
    qint64 hits = 0, foreign = 0;
    int answered = 0, run = 0;
    for (int i = 0; i < queries; ++i) {
        const QString &tenant = tenants.at(i % 2);
        const JudgedQuery &q = corpus.queries.at(i % corpus.queries.size());
        auto found = await(kb->search({tenant, q.text, QString(), 10}));
        if (!found) {
            out(QStringLiteral("isolation: search failed: %1").arg(found.error().toString()));
            return false;
        }
        ++run;
        answered += found->hits.isEmpty() ? 0 : 1;
        for (const core::DocumentHit &hit : found->hits) {
            ++hits;
            foreign += own.value(tenant).contains(hit.documentId) ? 0 : 1;
        }
    }
    waitVoid(kb->stopIngestion());
    out(QStringLiteral("\n### Isolation: tenants iso-a and iso-b with the same %1 passages (%2 documents "
                       "each), searched alternately through KnowledgeBase::search, k = 10\n")
            .arg(corpus.passages.size())
            .arg(own.value(tenants.first()).size()));
    out(QStringLiteral("| queries | queries with hits | hits | hits from the other tenant (target 0) |\n"
                       "|---:|---:|---:|---:|\n| %1 | %2 | %3 | %4 |")
            .arg(run)
            .arg(answered)
            .arg(hits)
            .arg(foreign));
    return true;
}

} // namespace agency::bench

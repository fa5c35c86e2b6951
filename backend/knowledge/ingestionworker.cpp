#include "ingestionworker.h"

#include "core/async/whenfinished.h"
#include "indexmanager.h"
#include "knowledge/extract/chunker.h"
#include "knowledge/extract/extractor.h"
#include "llm/embedder.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSysInfo>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace agency::knowledge {

Q_LOGGING_CATEGORY(lcIngest, "agency.knowledge.ingest")

using core::ErrorCode;
using core::makeError;
using core::Result;

struct IngestionWorker::Active
{
    db::DocumentJob job;
    core::CancelTokenPtr cancel = core::CancelToken::create();
    int chunkTotal = 0;
    int embedded = 0;
    bool ended = false;
};

namespace {

QString defaultWorkerId()
{
    return QStringLiteral("%1:%2:%3:ingest")
        .arg(QSysInfo::machineHostName())
        .arg(QCoreApplication::applicationPid())
        .arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0'));
}

template <typename T> Result<T> wait(core::Async<T> future)
{
    future.waitForFinished();
    if (future.resultCount() == 0)
        return makeError(ErrorCode::Cancelled, QStringLiteral("the database call was abandoned"));
    return future.result();
}

/// Extraction's share of the progress bar: pages are not known in advance for most formats, so it
/// approaches half without reaching it.
double extractionProgress(int pages)
{
    return 0.5 * (1.0 - 1.0 / (1.0 + pages / 10.0));
}

struct Extracted
{
    ExtractionSummary summary;
    int pages = 0;
    qint64 characters = 0;
};

/// On an extraction thread: extracts the document page by page, storing each page not stored yet
/// with its chunks. Pages stored by an earlier attempt are checked and skipped.
Result<Extracted> extractAndStore(db::DocumentRepository &documents, const db::DocumentJob &job,
                                  const KnowledgeOptions &options, const core::CancelTokenPtr &cancel,
                                  const std::function<void(int)> &onPage)
{
    auto bytes = wait(documents.bytesOf(job.lease));
    if (!bytes)
        return bytes.error();
    auto stored = wait(documents.storedPages(job.lease));
    if (!stored)
        return stored.error();
    const QList<db::StoredPage> done = stored.value();
    Extracted out;
    qint64 offset = 0;
    const PageSink sink = [&](ExtractedPage page) -> Result<void> {
        if (cancel && cancel->isCancelled())
            return makeError(ErrorCode::Cancelled, QStringLiteral("indexing was stopped"));
        const int index = out.pages;
        const qint64 start = offset;
        offset += page.text.size() + 2; // the "\n\n" joining it to the next page
        out.characters += page.text.size();
        ++out.pages;
        if (index < done.size()) {
            if (done[index].start != start || done[index].length != page.text.size())
                return makeError(
                    ErrorCode::Internal,
                    QStringLiteral("page %1 extracted differently than when it was stored").arg(index));
            return {};
        }
        db::PageRow row;
        row.pageIndex = index;
        row.pageNumber = page.number;
        row.start = start;
        for (const ChunkSpan &span : chunkPage(page, start, options.chunks))
            row.chunks.append({span.page, span.start, span.end, span.tokenEstimate, span.text});
        row.text = std::move(page.text);
        auto written = wait(documents.writePage(job.lease, row, extractionProgress(out.pages)));
        if (!written)
            return written.error();
        onPage(index);
        return {};
    };
    auto summary =
        extractDocument(bytes.value(), job.fileName, job.mimeType, options.extractLimits, sink, cancel);
    if (!summary)
        return summary.error();
    out.summary = summary.value();
    return out;
}

bool isLeaseLost(const core::Error &error)
{
    return error.code == ErrorCode::Conflict;
}

} // namespace

IngestionWorker::IngestionWorker(db::DocumentRepository &documents, EmbedderSource embedders,
                                 IndexManager &indexes, KnowledgeOptions options, QObject *parent)
    : QObject(parent), m_documents(documents), m_embedders(std::move(embedders)), m_indexes(indexes),
      m_options(std::move(options))
{
    if (m_options.workerId.isEmpty())
        m_options.workerId = defaultWorkerId();
    m_options.workers = std::clamp(m_options.workers, 0, db::DocumentRepository::kMaxClaim);
    m_options.pollMs = std::max(m_options.pollMs, 10);
    m_options.leaseSeconds = std::max(m_options.leaseSeconds, 1);
    m_options.embedBatch = std::clamp(m_options.embedBatch, 1, db::DocumentRepository::kMaxBatch);
    m_pollTimer.setInterval(m_options.pollMs);
    m_heartbeatTimer.setInterval(std::max(1000 * m_options.leaseSeconds / 3, 10));
    m_recoverTimer.setInterval(std::max(1000 * m_options.leaseSeconds / 2, 10));
    connect(&m_pollTimer, &QTimer::timeout, this, &IngestionWorker::tryClaim);
    connect(&m_heartbeatTimer, &QTimer::timeout, this, &IngestionWorker::heartbeat);
    connect(&m_recoverTimer, &QTimer::timeout, this, &IngestionWorker::recover);
}

IngestionWorker::~IngestionWorker()
{
    // The extraction threads use the repository: they end at their next page once cancelled.
    for (const auto &active : std::as_const(m_active))
        active->cancel->cancel();
    for (QFuture<void> &thread : m_threads)
        thread.waitForFinished();
}

void IngestionWorker::start()
{
    if (m_started || m_options.workers == 0)
        return;
    m_started = true;
    m_pollTimer.start();
    m_heartbeatTimer.start();
    m_recoverTimer.start();
    recover();
}

void IngestionWorker::wake()
{
    tryClaim();
}

void IngestionWorker::recover()
{
    if (m_recovering || m_stopping)
        return;
    m_recovering = true;
    core::whenFinished(this, m_documents.recoverStale(m_options.leaseSeconds, m_options.maxAttempts),
                       [this](const Result<int> &recovered) {
                           m_recovering = false;
                           if (!recovered)
                               qCWarning(lcIngest)
                                   << "recovering documents failed:" << recovered.error().message;
                           else if (recovered.value() > 0)
                               tryClaim();
                       });
}

void IngestionWorker::tryClaim()
{
    if (!m_started || m_stopping || m_claiming)
        return;
    const int free = m_options.workers - int(m_active.size());
    if (free <= 0)
        return;
    m_claiming = true;
    core::whenFinished(this, m_documents.claim(m_options.workerId, free),
                       [this](const Result<QList<db::DocumentJob>> &jobs) {
                           m_claiming = false;
                           if (jobs && m_stopping) {
                               giveBack(jobs.value());
                               return;
                           }
                           if (!jobs) {
                               qCWarning(lcIngest) << "claiming documents failed:" << jobs.error().message;
                               return;
                           }
                           for (const db::DocumentJob &job : jobs.value())
                               begin(job);
                           if (!jobs->isEmpty())
                               tryClaim();
                       });
}

void IngestionWorker::giveBack(const QList<db::DocumentJob> &jobs)
{
    QList<db::DocumentLease> leases;
    for (const db::DocumentJob &job : jobs)
        leases.append(job.lease);
    if (leases.isEmpty()) {
        maybeFinishStop();
        return;
    }
    m_releasing = true;
    core::whenFinished(
        this, m_documents.release(leases),
        [this](const Result<int> &) {
            m_releasing = false;
            maybeFinishStop();
        },
        [this] {
            m_releasing = false;
            maybeFinishStop();
        });
}

void IngestionWorker::begin(const db::DocumentJob &job)
{
    auto active = std::make_shared<Active>();
    active->job = job;
    active->chunkTotal = job.chunkCount;
    m_active.insert(job.lease.id, active);
    Q_EMIT documentStarted(job.lease.documentId);
    if (job.extracted)
        embedNext(active);
    else
        extract(active);
}

void IngestionWorker::extract(const std::shared_ptr<Active> &active)
{
    db::DocumentRepository &documents = m_documents;
    const db::DocumentJob job = active->job;
    const KnowledgeOptions options = m_options;
    const core::CancelTokenPtr cancel = active->cancel;
    const auto onPage = [this, id = job.lease.documentId](int page) { Q_EMIT pageStored(id, page); };
    core::Async<Extracted> thread = QtConcurrent::run([=, &documents]() -> Result<Extracted> {
        return extractAndStore(documents, job, options, cancel, onPage);
    });
    m_threads.append(QFuture<void>(thread));
    core::whenFinished(this, thread, [this, active](const Result<Extracted> &result) {
        m_threads.removeIf([](const QFuture<void> &t) { return t.isFinished(); });
        if (active->ended) {
            maybeFinishStop();
            return;
        }
        if (!result) {
            fail(active, result.error(), result.error().message);
            return;
        }
        const Extracted extracted = result.value();
        if (extracted.characters == 0) {
            fail(active, makeError(ErrorCode::InvalidArgument, QString()),
                 QStringLiteral("the file contains no text to index"));
            return;
        }
        core::whenFinished(this,
                           m_documents.finishExtraction(active->job.lease, extracted.pages,
                                                        extracted.summary.title, extracted.summary.mimeType),
                           [this, active](const Result<int> &finished) {
                               if (!finished) {
                                   fail(active, finished.error(), finished.error().message);
                                   return;
                               }
                               active->chunkTotal = finished.value();
                               embedNext(active);
                           });
    });
}

void IngestionWorker::embedNext(const std::shared_ptr<Active> &active)
{
    if (active->ended)
        return;
    if (m_stopping) {
        end(active, QStringLiteral("released"));
        return;
    }
    const QString model = active->job.targetModel;
    core::whenFinished(
        this, m_documents.chunksToEmbed(active->job.lease, model, m_options.embedBatch),
        [this, active, model](const Result<QList<db::ChunkText>> &chunks) {
            if (active->ended)
                return;
            if (!chunks) {
                fail(active, chunks.error(), chunks.error().message);
                return;
            }
            if (chunks->isEmpty()) {
                finishReady(active);
                return;
            }
            auto embedder = m_embedders(model);
            if (!embedder) {
                fail(active, embedder.error(),
                     QStringLiteral("embedding model %1 is not available: %2")
                         .arg(model, embedder.error().message));
                return;
            }
            QStringList texts;
            for (const db::ChunkText &chunk : chunks.value())
                texts << chunk.text;
            const QList<db::ChunkText> batch = chunks.value();
            core::whenFinished(
                this, embedder.value()->embed(texts, llm::EmbeddingPurpose::Document, active->cancel),
                [this, active, model, batch](const Result<llm::Embeddings> &embedded) {
                    if (active->ended)
                        return;
                    if (!embedded) {
                        fail(active, embedded.error(),
                             QStringLiteral("embedding failed: %1").arg(embedded.error().message));
                        return;
                    }
                    if (embedded->vectors.size() != batch.size()) {
                        fail(active, makeError(ErrorCode::ProviderMalformed, QString()),
                             QStringLiteral("embedding failed: %1 vectors came back for %2 passages")
                                 .arg(embedded->vectors.size())
                                 .arg(batch.size()));
                        return;
                    }
                    QList<db::ChunkVector> vectors;
                    for (qsizetype i = 0; i < batch.size(); ++i)
                        vectors.append({batch[i].chunkId, embedded->vectors[i]});
                    active->embedded += int(batch.size());
                    const double share = active->chunkTotal > 0
                                             ? std::min(1.0, double(active->embedded) / active->chunkTotal)
                                             : 0.0;
                    core::whenFinished(this,
                                       m_documents.writeEmbeddings(active->job.lease, model, vectors,
                                                                   std::min(0.99, 0.5 + 0.5 * share)),
                                       [this, active](const Result<bool> &written) {
                                           if (!written) {
                                               fail(active, written.error(), written.error().message);
                                               return;
                                           }
                                           embedNext(active);
                                       });
                });
        });
}

void IngestionWorker::finishReady(const std::shared_ptr<Active> &active)
{
    core::whenFinished(this, m_documents.markReady(active->job.lease),
                       [this, active](const Result<core::Document> &ready) {
                           if (!ready) {
                               fail(active, ready.error(), ready.error().message);
                               return;
                           }
                           m_indexes.invalidate(active->job.lease.tenantId, active->job.lease.collection);
                           end(active, QStringLiteral("ready"));
                       });
}

void IngestionWorker::fail(const std::shared_ptr<Active> &active, const core::Error &error,
                           const QString &reason)
{
    if (active->ended)
        return;
    if (m_stopping || (error.code == ErrorCode::Cancelled && active->cancel->isCancelled())) {
        end(active, QStringLiteral("released"));
        return;
    }
    if (isLeaseLost(error)) {
        end(active, QStringLiteral("lost"));
        return;
    }
    qCInfo(lcIngest) << "document" << active->job.lease.documentId << "failed:" << reason;
    core::whenFinished(this, m_documents.markFailed(active->job.lease, reason),
                       [this, active](const Result<core::Document> &failed) {
                           // When even that fails (database gone) the lease expires and recovery
                           // requeues the document: it is never left stuck.
                           end(active, failed ? QStringLiteral("failed") : QStringLiteral("lost"));
                       });
}

void IngestionWorker::end(const std::shared_ptr<Active> &active, const QString &status)
{
    if (active->ended)
        return;
    active->ended = true;
    active->cancel->cancel();
    m_active.remove(active->job.lease.id);
    Q_EMIT documentFinished(active->job.lease.documentId, status);
    if (m_stopping)
        maybeFinishStop();
    else
        tryClaim();
}

void IngestionWorker::heartbeat()
{
    QList<db::DocumentLease> leases;
    for (const auto &active : std::as_const(m_active))
        leases.append(active->job.lease);
    if (leases.isEmpty())
        return;
    core::whenFinished(this, m_documents.heartbeat(leases),
                       [this, leases](const Result<QList<qint64>> &held) {
                           if (!held)
                               return; // the next beat tries again; the lease outlives a few misses
                           for (const db::DocumentLease &lease : leases) {
                               if (held->contains(lease.id))
                                   continue;
                               if (auto active = m_active.value(lease.id)) {
                                   active->cancel->cancel();
                                   end(active, QStringLiteral("lost"));
                               }
                           }
                       });
}

QFuture<void> IngestionWorker::stop()
{
    if (m_stopPromise)
        return m_stopPromise->future();
    m_stopPromise = std::make_shared<QPromise<void>>();
    m_stopPromise->start();
    auto future = m_stopPromise->future();
    m_stopping = true;
    m_pollTimer.stop();
    m_recoverTimer.stop();
    m_heartbeatTimer.stop();
    QList<db::DocumentJob> jobs;
    for (const auto &active : std::as_const(m_active)) {
        active->cancel->cancel();
        jobs.append(active->job);
    }
    giveBack(jobs);
    return future;
}

void IngestionWorker::maybeFinishStop()
{
    if (!m_stopPromise || m_releasing || m_claiming)
        return;
    // Released documents may still have an extraction thread finishing its page: wait for them.
    for (const QFuture<void> &thread : std::as_const(m_threads))
        if (!thread.isFinished())
            return;
    if (!m_active.isEmpty()) {
        // Their pipelines end at their next step (they see m_stopping); nothing more is recorded.
        for (const auto &active : std::as_const(m_active)) {
            active->ended = true;
            Q_EMIT documentFinished(active->job.lease.documentId, QStringLiteral("released"));
        }
        m_active.clear();
    }
    if (m_stopPromise->future().isFinished())
        return;
    m_stopPromise->finish();
}

} // namespace agency::knowledge

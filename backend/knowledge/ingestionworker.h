#pragma once

#include "core/async/canceltoken.h"
#include "db/documentrepository.h"
#include "knowledgeoptions.h"

#include <QFuture>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace agency::llm {
class Embedder;
}

namespace agency::knowledge {

class IndexManager;

/// The embedder of a model name ("provider/model"), owned by whoever hands it out.
using EmbedderSource = std::function<core::Result<llm::Embedder *>(const QString &model)>;

/// Indexes queued documents (docs/design.md#knowledge): up to options.workers at once, each
/// through extracting → embedding → ready (or failed with its reason), holding a lease on its
/// document row that it renews by heartbeat, as RunWorker does with runs.
///
/// Extraction runs on a thread of its own (never the event loop), page by page: each page and
/// its chunks are stored in one transaction, so a process killed mid-document leaves whole pages
/// only; the next claim re-reads the file and skips the stored pages (no duplicate chunks).
/// Embedding reads the chunks still lacking a vector of the target model, in batches, embeds
/// them (the embedder retries 429/5xx itself) and stores the vectors, so it too resumes where it
/// stopped. Errors that the document causes (unsupported, no text, an embedding refused for good)
/// fail it with the reason; a lost lease drops it silently; a dead process's documents are
/// requeued by recovery after leaseSeconds, and failed after maxAttempts claims.
///
/// Thread affinity: lives on the event-loop thread of the embedders; call every method there.
class IngestionWorker : public QObject
{
    Q_OBJECT

public:
    IngestionWorker(db::DocumentRepository &documents, EmbedderSource embedders, IndexManager &indexes,
                    KnowledgeOptions options, QObject *parent = nullptr);
    ~IngestionWorker() override;

    void start();
    /// Stops claiming, cancels the documents in progress and gives them back to the queue. The
    /// future finishes once nothing of this worker runs any more.
    QFuture<void> stop();
    bool isStarted() const { return m_started; }
    /// Claims at once instead of at the next poll (a document was just added).
    void wake();
    QString workerId() const { return m_options.workerId; }
    int activeDocuments() const { return int(m_active.size()); }

Q_SIGNALS:
    void documentStarted(const QUuid &documentId);
    /// "ready", "failed", "released" (stop) or "lost" (another process took it over).
    void documentFinished(const QUuid &documentId, const QString &status);
    void pageStored(const QUuid &documentId, int pageIndex);

private:
    struct Active;
    void recover();
    void tryClaim();
    void begin(const db::DocumentJob &job);
    /// Releases claimed documents back to the queue (stopping), then checks whether stop is done.
    void giveBack(const QList<db::DocumentJob> &jobs);
    void extract(const std::shared_ptr<Active> &active);
    void embedNext(const std::shared_ptr<Active> &active);
    void finishReady(const std::shared_ptr<Active> &active);
    /// Records the failure (or drops the document when the lease is gone or we are stopping).
    void fail(const std::shared_ptr<Active> &active, const core::Error &error, const QString &reason);
    void end(const std::shared_ptr<Active> &active, const QString &status);
    void heartbeat();
    void maybeFinishStop();

    db::DocumentRepository &m_documents;
    EmbedderSource m_embedders;
    IndexManager &m_indexes;
    KnowledgeOptions m_options;
    QHash<qint64, std::shared_ptr<Active>> m_active;
    QList<QFuture<void>> m_threads; ///< extraction threads still running
    QTimer m_pollTimer;
    QTimer m_heartbeatTimer;
    QTimer m_recoverTimer;
    bool m_started = false;
    bool m_stopping = false;
    bool m_claiming = false;
    bool m_recovering = false;
    bool m_releasing = false;
    std::shared_ptr<QPromise<void>> m_stopPromise;
};

} // namespace agency::knowledge

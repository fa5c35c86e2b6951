#pragma once

#include "core/async/future.h"
#include "core/document.h"
#include "core/page.h"
#include "ingestionworker.h"
#include "knowledgeoptions.h"
#include "tools/documentsearch.h"

#include <QHash>
#include <QObject>

#include <functional>
#include <memory>

namespace agency::db {
class DocumentRepository;
}
namespace agency::llm {
class Embedder;
}

namespace agency::knowledge {

class IndexManager;

struct KnowledgeDependencies
{
    db::DocumentRepository *documents = nullptr;
    /// Builds the embedder of a model name ("provider/model"); called once per model, the
    /// embedder is kept. Errors: NotConfigured (no key), NotFound (unknown provider).
    std::function<core::Result<std::shared_ptr<llm::Embedder>>(const QString &model)> makeEmbedder;
    /// The tenant's embedding model, "provider/model" (its settings over the defaults).
    std::function<core::Async<QString>(const QString &tenantId)> tenantModel;
    KnowledgeOptions options;
};

/// A tenant's documents (docs/design.md#knowledge): stores files in PostgreSQL, indexes them in
/// the background (IngestionWorker), keeps the vector indexes (IndexManager), and answers hybrid
/// searches: PostgreSQL full-text ranking and vector similarity, fused (knowledge::fuse). Every
/// call names its tenant and sees only that tenant's documents.
///
/// The AgencyService validates ids; this validates the rest (InvalidArgument naming the field,
/// PayloadTooLarge over options.maxDocumentBytes).
///
/// Thread affinity: lives on the event-loop thread of the embedders; call it there. Futures may
/// finish on other threads: attach continuations with a context object.
class KnowledgeBase : public QObject, public tools::DocumentSearch
{
    Q_OBJECT

public:
    explicit KnowledgeBase(KnowledgeDependencies deps, QObject *parent = nullptr);
    ~KnowledgeBase() override;

    core::Async<core::AddedDocument> add(const core::NewDocument &document);
    core::Async<core::Page<core::Document>> list(const core::DocumentQuery &query);
    core::Async<core::Document> get(const QString &tenantId, const QUuid &documentId);
    core::Async<QByteArray> content(const QString &tenantId, const QUuid &documentId);
    core::Async<core::DocumentText> text(const QString &tenantId, const QUuid &documentId);
    core::Async<bool> remove(const QString &tenantId, const QUuid &documentId);
    /// Queues the tenant's ready and failed documents again with its current embedding model.
    core::Async<int> reindex(const QString &tenantId, const QString &collection);
    core::Async<core::DocumentSearchResult> search(const core::DocumentSearchQuery &query) override;
    /// Embeds texts with `model` ("provider/model", a model of the tenant's provider, or empty for
    /// the tenant's model).
    core::Async<core::TextEmbeddings> embed(const QString &tenantId, const QStringList &texts,
                                            const QString &model = {});

    /// Starts indexing queued documents in this process (none when options.workers is 0).
    void startIngestion();
    /// Stops indexing and gives the documents in progress back to the queue.
    QFuture<void> stopIngestion();

    IngestionWorker &ingestion() { return *m_worker; }
    IndexManager &indexes() { return *m_indexes; }
    const KnowledgeOptions &options() const { return m_deps.options; }

private:
    /// The kept embedder of `model`, built at first use.
    core::Result<llm::Embedder *> embedder(const QString &model);

    KnowledgeDependencies m_deps;
    std::unique_ptr<IndexManager> m_indexes;
    std::unique_ptr<IngestionWorker> m_worker;
    QHash<QString, std::shared_ptr<llm::Embedder>> m_embedders;
};

} // namespace agency::knowledge

#pragma once

#include "core/async/future.h"
#include "core/document.h"
#include "core/page.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUuid>
#include <QVector>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// A file to store, already validated and hashed by the knowledge layer.
struct DocumentRow
{
    QString tenantId;
    QString collection;
    QString title;
    QString fileName;
    QString mimeType;
    QByteArray bytes;
    QString contentSha256;
    QString targetModel; ///< the embedding model its indexing will use
};

/// A worker's hold on a document it indexes: valid while the row is extracting or embedding,
/// owned by `workerId`, on attempt `attempt` (the lease protocol of db::RunQueue).
struct DocumentLease
{
    qint64 id = 0;
    QUuid documentId;
    QString tenantId;
    QString collection;
    QString workerId;
    int attempt = 0;
};

/// A claimed document: what its worker needs to index it.
struct DocumentJob
{
    DocumentLease lease;
    QString fileName;
    QString mimeType;
    QString targetModel;
    bool extracted = false; ///< pages and chunks are complete: only embedding is left
    int chunkCount = 0;     ///< known once extracted
};

/// A page already stored for a document (a resumed job skips it).
struct StoredPage
{
    int pageIndex = 0;
    qint64 start = 0;
    qint64 length = 0;
};

/// One chunk to store with its page.
struct ChunkRow
{
    int page = 0;
    qint64 start = 0;
    qint64 end = 0;
    int tokenEstimate = 0;
    QString text;
};

/// One extracted page and its chunks, written together.
struct PageRow
{
    int pageIndex = 0;
    int pageNumber = 0;
    qint64 start = 0;
    QString text;
    QList<ChunkRow> chunks;
};

struct ChunkText
{
    qint64 chunkId = 0;
    QString text;
};

struct ChunkVector
{
    qint64 chunkId = 0;
    QVector<float> vector;
};

/// What a delete removed, so the caller can drop the chunks from its vector indexes.
struct DeletedDocument
{
    QString collection;
    QList<qint64> chunkIds;
};

/// The size and newest chunk of one (tenant, collection, model)'s embeddings: a saved vector
/// index that disagrees is stale.
struct EmbeddingCount
{
    qint64 count = 0;
    qint64 maxChunkId = 0;
};

/// A chunk the full-text search found, with its rank (higher is better).
struct KeywordHit
{
    qint64 chunkId = 0;
    double score = 0.0;
};

/// The searchable documents of one collection, by the model their embeddings are of.
struct CollectionModels
{
    QString collection;
    QList<QPair<QString, qint64>> models; ///< (embedding model, searchable documents), most first
};

/// The documents of one tenant (migrations/0007_documents.sql): storage, listing, and the worker
/// side of their indexing (claim, heartbeat, page and embedding writes, finish, stale-lease
/// recovery). Every tenant-facing call names its tenant: another tenant's document is NotFound.
/// Inputs are validated before any SQL runs. Thread-safe; futures finish on executor threads, so
/// attach continuations with a context object.
class DocumentRepository
{
public:
    static constexpr int kMaxClaim = 16;
    /// Chunks' texts or vectors read at once.
    static constexpr int kMaxBatch = 1000;

    explicit DocumentRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Stores the document queued (creating its tenant and collection when missing), or returns
    /// the collection's document with the same bytes (duplicate = true; nothing changed).
    core::Async<core::AddedDocument> add(const DocumentRow &row);
    /// Newest first; keyset-paginated.
    core::Async<core::Page<core::Document>> list(const core::DocumentQuery &query);
    core::Async<core::Document> get(const QString &tenantId, const QUuid &documentId);
    core::Async<QByteArray> content(const QString &tenantId, const QUuid &documentId);
    /// The pages stored so far, joined (complete once the document is ready).
    core::Async<core::DocumentText> text(const QString &tenantId, const QUuid &documentId);
    /// Deletes the document with its bytes, pages, chunks and embeddings. NotFound when absent.
    core::Async<DeletedDocument> remove(const QString &tenantId, const QUuid &documentId);
    /// Queues the tenant's ready and failed documents (of `collection`, or all when empty) for
    /// indexing with `targetModel`. A failed document that never became searchable starts over
    /// (pages and chunks deleted); the others keep their chunks and serve their old embeddings
    /// until the new ones are complete. Returns how many were queued.
    core::Async<int> requeue(const QString &tenantId, const QString &collection, const QString &targetModel);

    // The worker side.
    core::Async<QList<DocumentJob>> claim(const QString &workerId, int max = 1);
    /// Renews the leases; returns the ids (DocumentLease::id) still held.
    core::Async<QList<qint64>> heartbeat(const QList<DocumentLease> &leases);
    /// Gives documents back after a clean stop: queued again, the attempt not counted.
    core::Async<int> release(const QList<DocumentLease> &leases);
    /// Documents extracting or embedding without a heartbeat for `leaseSeconds` (their worker
    /// died) are queued again, or failed after `maxAttempts` claims. Returns how many.
    core::Async<int> recoverStale(int leaseSeconds, int maxAttempts);

    core::Async<QByteArray> bytesOf(const DocumentLease &lease);
    core::Async<QList<StoredPage>> storedPages(const DocumentLease &lease);
    /// Stores a page and its chunks in one transaction (nothing when the page is already stored),
    /// renewing the lease. Conflict when the lease is lost.
    core::Async<bool> writePage(const DocumentLease &lease, const PageRow &page, double progress);
    /// All pages stored: on to embedding. `title` replaces the file-name title when not empty.
    /// Returns the document's chunk count.
    core::Async<int> finishExtraction(const DocumentLease &lease, int pageCount, const QString &title,
                                      const QString &mimeType);
    /// Chunks of the document without an embedding of `model`, in chunk order.
    core::Async<QList<ChunkText>> chunksToEmbed(const DocumentLease &lease, const QString &model, int limit);
    core::Async<bool> writeEmbeddings(const DocumentLease &lease, const QString &model,
                                      const QList<ChunkVector> &vectors, double progress);
    /// Ready: its embeddings of the target model become the searchable ones.
    core::Async<core::Document> markReady(const DocumentLease &lease);
    core::Async<core::Document> markFailed(const DocumentLease &lease, const QString &reason);

    // The index manager and search.
    core::Async<EmbeddingCount> embeddingCount(const QString &tenantId, const QString &collection,
                                               const QString &model);
    /// Up to `limit` vectors of the scope with chunk id > `afterChunkId`, in chunk order.
    core::Async<QList<ChunkVector>> embeddings(const QString &tenantId, const QString &collection,
                                               const QString &model, qint64 afterChunkId, int limit);
    /// The collections in scope with the models of their searchable documents.
    core::Async<QList<CollectionModels>> collectionModels(const QString &tenantId, const QString &collection);
    /// Documents in scope still queued, extracting or embedding.
    core::Async<int> indexingCount(const QString &tenantId, const QString &collection);
    /// Full-text search over searchable chunks (any word of the query), best first, ranked by
    /// ts_rank normalised by the chunk's length; the rank is the hit's score.
    core::Async<QList<KeywordHit>> keywordSearch(const QString &tenantId, const QString &collection,
                                                 const QString &query, int limit);
    /// The chunks of `chunkIds` that belong to the tenant (others are left out), as hits.
    core::Async<QList<core::DocumentHit>> hits(const QString &tenantId, const QList<qint64> &chunkIds);

    /// The little-endian float32 bytes of a vector, as stored, and back.
    static QByteArray vectorBytes(const QVector<float> &vector);
    static QVector<float> vectorFromBytes(const QByteArray &bytes);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

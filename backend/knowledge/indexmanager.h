#pragma once

#include "core/async/future.h"
#include "knowledge/index/vectorindex.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QMutex>
#include <QString>
#include <QThreadPool>
#include <QVector>

#include <memory>

namespace agency::db {
class DocumentRepository;
}

namespace agency::knowledge {

/// The vector indexes of this process (docs/design.md#knowledge): one per (tenant, collection,
/// embedding model), loaded from its file under `directory` at first use, checked against
/// PostgreSQL (count and highest chunk id of the scope's embeddings) at first use and then at
/// most every `recheckMs`, caught up with the embeddings added since (by any process), and
/// rebuilt from the database when it is missing, unreadable or disagrees. The file is a cache,
/// never the only copy: deleting it only costs a rebuild.
///
/// Thread-safe. Loading, rebuilding and searching run on a pool of its own, never on the caller's
/// thread; each index is used by one of them at a time while it changes.
class IndexManager
{
public:
    IndexManager(db::DocumentRepository &documents, QString directory, VectorIndexOptions options,
                 int recheckMs = 2000);
    ~IndexManager();

    /// The k nearest chunks of the scope to `query` (unit length, the model's dimension). An
    /// empty list when the scope has no embeddings yet.
    core::Async<QList<VectorHit>> search(const QString &tenantId, const QString &collection,
                                         const QString &model, const QVector<float> &query, int k);
    /// The scope's embeddings changed (a document became ready or was deleted): check it against
    /// the database at its next use.
    void invalidate(const QString &tenantId, const QString &collection);
    /// Drops chunks from the loaded indexes of the collection (all models) and checks them again.
    void remove(const QString &tenantId, const QString &collection, const QList<qint64> &chunkIds);
    /// Forgets a tenant's indexes (memory and files), e.g. after the tenant was deleted.
    void forgetTenant(const QString &tenantId);

    /// Where the index of a scope is saved (empty without a directory).
    QString pathOf(const QString &tenantId, const QString &collection, const QString &model) const;
    /// Loaded indexes and their vectors, for diagnostics and tests.
    qint64 loadedVectors(const QString &tenantId, const QString &collection, const QString &model);
    /// Waits for the pool's running tasks (tests, shutdown).
    void waitForIdle();

private:
    struct Entry
    {
        QMutex mutex;
        std::unique_ptr<VectorIndex> index;
        bool checkNeeded = true;
        QDeadlineTimer nextCheck;
    };
    std::shared_ptr<Entry> entry(const QString &key);
    /// Loads, catches up or rebuilds `e` (its mutex held). Errors are the database's.
    core::Status ensureFresh(Entry &e, const QString &tenantId, const QString &collection,
                             const QString &model);
    core::Status rebuild(Entry &e, const QString &tenantId, const QString &collection, const QString &model);
    /// Adds the scope's embeddings with chunk id > `afterChunkId` (creating the index at the first).
    core::Status catchUp(Entry &e, const QString &tenantId, const QString &collection, const QString &model,
                         qint64 afterChunkId);
    void save(const Entry &e, const QString &tenantId, const QString &collection, const QString &model) const;

    db::DocumentRepository &m_documents;
    QString m_directory;
    VectorIndexOptions m_options;
    int m_recheckMs;
    int m_buildThreads; ///< threads adding one page of vectors to a graph
    QMutex m_mutex;
    QHash<QString, std::shared_ptr<Entry>> m_entries; ///< by "tenant\ncollection\nmodel"
    QThreadPool m_pool;
};

} // namespace agency::knowledge

// The read side of DocumentRepository that searches use: the vectors the index manager loads, the
// models each collection serves with, and PostgreSQL's full-text ranking of chunks.

#include "core/validation.h"
#include "documentrepository.h"
#include "documentrows.h"
#include "sql/dbexecutor.h"

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;
using namespace documentrows;

namespace {

core::Status validateScope(const QString &tenantId, const QString &collection, bool allowAll)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return ok;
    return validateCollection(collection, allowAll);
}

/// " AND d.collection = ?" when one collection is asked for.
QString collectionFilter(const QString &collection, QVariantList &binds, const QString &alias)
{
    if (collection.isEmpty())
        return {};
    binds << collection;
    return QStringLiteral(" AND %1.collection = ?").arg(alias);
}

} // namespace

Async<EmbeddingCount> DocumentRepository::embeddingCount(const QString &tenantId, const QString &collection,
                                                         const QString &model)
{
    if (auto ok = validateScope(tenantId, collection, false); !ok)
        return core::failedAsync<EmbeddingCount>(ok.error());
    return m_executor.run<EmbeddingCount>([=](sql::DbConnection &conn) -> Result<EmbeddingCount> {
        auto query =
            conn.exec(QStringLiteral("SELECT count(*), coalesce(max(chunk_id), 0) FROM chunk_embeddings "
                                     "WHERE tenant_id = ? AND collection = ? AND model = ?"),
                      {tenantId, collection, model}, QStringLiteral("count embeddings"));
        if (!query)
            return query.error();
        query.value()->next();
        return EmbeddingCount{query.value()->value(0).toLongLong(), query.value()->value(1).toLongLong()};
    });
}

Async<QList<ChunkVector>> DocumentRepository::embeddings(const QString &tenantId, const QString &collection,
                                                         const QString &model, qint64 afterChunkId, int limit)
{
    if (auto ok = validateScope(tenantId, collection, false); !ok)
        return core::failedAsync<QList<ChunkVector>>(ok.error());
    if (auto ok = core::validateLimit(limit, kMaxBatch, QStringLiteral("limit")); !ok)
        return core::failedAsync<QList<ChunkVector>>(ok.error());
    return m_executor.run<QList<ChunkVector>>([=](sql::DbConnection &conn) -> Result<QList<ChunkVector>> {
        auto query =
            conn.exec(QStringLiteral("SELECT chunk_id, vector FROM chunk_embeddings WHERE tenant_id = ? "
                                     "AND collection = ? AND model = ? AND chunk_id > ? "
                                     "ORDER BY chunk_id LIMIT ?"),
                      {tenantId, collection, model, afterChunkId, limit}, QStringLiteral("read embeddings"));
        if (!query)
            return query.error();
        QList<ChunkVector> vectors;
        while (query.value()->next())
            vectors.append({query.value()->value(0).toLongLong(),
                            vectorFromBytes(query.value()->value(1).toByteArray())});
        return vectors;
    });
}

Async<QList<CollectionModels>> DocumentRepository::collectionModels(const QString &tenantId,
                                                                    const QString &collection)
{
    if (auto ok = validateScope(tenantId, collection, true); !ok)
        return core::failedAsync<QList<CollectionModels>>(ok.error());
    QVariantList binds{tenantId};
    const QString filter = collectionFilter(collection, binds, QStringLiteral("d"));
    return m_executor.run<QList<CollectionModels>>(
        [=](sql::DbConnection &conn) -> Result<QList<CollectionModels>> {
            auto query =
                conn.exec(QStringLiteral("SELECT d.collection, d.embedding_model, count(*) FROM documents d "
                                         "WHERE d.tenant_id = ? AND d.embedding_model <> ''") +
                              filter + QStringLiteral(" GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"),
                          binds, QStringLiteral("read collection models"));
            if (!query)
                return query.error();
            QList<CollectionModels> collections;
            while (query.value()->next()) {
                const QString name = query.value()->value(0).toString();
                if (collections.isEmpty() || collections.last().collection != name)
                    collections.append({name, {}});
                collections.last().models.append(
                    {query.value()->value(1).toString(), query.value()->value(2).toLongLong()});
            }
            return collections;
        });
}

Async<int> DocumentRepository::indexingCount(const QString &tenantId, const QString &collection)
{
    if (auto ok = validateScope(tenantId, collection, true); !ok)
        return core::failedAsync<int>(ok.error());
    QVariantList binds{tenantId};
    const QString filter = collectionFilter(collection, binds, QStringLiteral("d"));
    return m_executor.run<int>([=](sql::DbConnection &conn) -> Result<int> {
        auto query = conn.exec(QStringLiteral("SELECT count(*) FROM documents d WHERE d.tenant_id = ? "
                                              "AND d.status IN ('queued', 'extracting', 'embedding')") +
                                   filter,
                               binds, QStringLiteral("count indexing documents"));
        if (!query)
            return query.error();
        query.value()->next();
        return query.value()->value(0).toInt();
    });
}

Async<QList<KeywordHit>> DocumentRepository::keywordSearch(const QString &tenantId, const QString &collection,
                                                           const QString &text, int limit)
{
    if (auto ok = validateScope(tenantId, collection, true); !ok)
        return core::failedAsync<QList<KeywordHit>>(ok.error());
    if (auto ok = core::validateLimit(limit, kMaxBatch, QStringLiteral("limit")); !ok)
        return core::failedAsync<QList<KeywordHit>>(ok.error());
    QVariantList binds{text, tenantId};
    const QString filter = collectionFilter(collection, binds, QStringLiteral("c"));
    binds << limit;
    return m_executor.run<QList<KeywordHit>>([=](sql::DbConnection &conn) -> Result<QList<KeywordHit>> {
        // Only chunks of documents that were ready once: a document being extracted is not
        // searchable until its chunks are complete.
        // Any word of the query may match (its ANDs become ORs; a "-word" stays excluded), ranked
        // by ts_rank so chunks with more of the words come first (questions and reworded queries
        // rarely have every word in one chunk), divided by 1 + log(length) (normalization 1) so
        // a long chunk does not win by size. Chosen on the tuning split of `./dev bench rag
        // --tune` against every-word (AND) matching, ts_rank_cd and other normalisations
        // (docs/benchmarks.md, "Knowledge (rag)").
        auto query = conn.exec(
            QStringLiteral("SELECT c.id, ts_rank(c.tsv, s.q, 1) AS rank FROM (SELECT "
                           "replace(replace(websearch_to_tsquery('english', ?)::text, "
                           "' & ', ' | '), ' | !', ' & !')::tsquery AS q) s, chunks c "
                           "JOIN documents d ON d.document_id = c.document_id AND d.embedding_model <> '' "
                           "WHERE c.tenant_id = ? AND c.tsv @@ s.q") +
                filter + QStringLiteral(" ORDER BY rank DESC, c.id LIMIT ?"),
            binds, QStringLiteral("search chunks"));
        if (!query)
            return query.error();
        QList<KeywordHit> hits;
        while (query.value()->next())
            hits.append({query.value()->value(0).toLongLong(), query.value()->value(1).toDouble()});
        return hits;
    });
}

Async<QList<core::DocumentHit>> DocumentRepository::hits(const QString &tenantId,
                                                         const QList<qint64> &chunkIds)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<QList<core::DocumentHit>>(ok.error());
    if (chunkIds.size() > kMaxBatch)
        return core::failedAsync<QList<core::DocumentHit>>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("chunk_ids: too many")));
    QStringList ids;
    for (qint64 id : chunkIds)
        ids << QString::number(id);
    const QString array = u'{' + ids.join(u',') + u'}';
    return m_executor.run<QList<core::DocumentHit>>(
        [=](sql::DbConnection &conn) -> Result<QList<core::DocumentHit>> {
            auto query = conn.exec(
                QStringLiteral("SELECT c.id, c.document_id, d.title, c.collection, c.page, c.start, "
                               "c.\"end\", c.text FROM chunks c JOIN documents d ON d.document_id = "
                               "c.document_id AND d.embedding_model <> '' WHERE c.tenant_id = ? AND c.id = "
                               "ANY (?::bigint[])"),
                {tenantId, array}, QStringLiteral("read hits"));
            if (!query)
                return query.error();
            QList<core::DocumentHit> hits;
            while (query.value()->next()) {
                const QSqlQuery &q = *query.value();
                core::DocumentHit hit;
                hit.chunkId = q.value(0).toLongLong();
                hit.documentId = QUuid::fromString(q.value(1).toString());
                hit.title = q.value(2).toString();
                hit.collection = q.value(3).toString();
                hit.page = q.value(4).toInt();
                hit.start = q.value(5).toLongLong();
                hit.end = q.value(6).toLongLong();
                hit.text = q.value(7).toString();
                hits.append(hit);
            }
            return hits;
        });
}

} // namespace agency::db

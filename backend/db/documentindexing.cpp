// The worker side of DocumentRepository: the lease protocol of db::RunQueue applied to documents
// (docs/design.md#knowledge), and the idempotent page and embedding writes that let a job killed
// mid-document resume without duplicates.

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

QString idArray(const QList<DocumentLease> &leases, QString *attempts)
{
    QStringList ids;
    QStringList tries;
    for (const DocumentLease &lease : leases) {
        ids << QString::number(lease.id);
        tries << QString::number(lease.attempt);
    }
    *attempts = u'{' + tries.join(u',') + u'}';
    return u'{' + ids.join(u',') + u'}';
}

core::Status validateLeases(const QList<DocumentLease> &leases)
{
    for (const DocumentLease &lease : leases) {
        if (auto ok = validateLease(lease); !ok)
            return ok;
        if (lease.workerId != leases.first().workerId)
            return makeError(ErrorCode::InvalidArgument,
                             QStringLiteral("lease: leases of several workers in one call"));
    }
    return {};
}

/// Runs `body` in a transaction after locking the leased row; Conflict when the lease is lost.
template <typename T, typename Body>
Result<T> underLease(sql::DbConnection &conn, const DocumentLease &lease, const QString &what, Body body)
{
    return conn.transaction([&]() -> Result<T> {
        auto held = conn.exec(QStringLiteral("SELECT 1 FROM documents d WHERE true") + kLeaseCondition +
                                  QStringLiteral(" FOR UPDATE"),
                              leaseBinds(lease), what);
        if (!held)
            return held.error();
        if (!held.value()->next())
            return leaseLost(lease);
        return body();
    });
}

/// The document's progress, with its lease renewed (every stored page or batch of vectors).
Result<bool> recordProgress(sql::DbConnection &conn, const DocumentLease &lease, double progress,
                            const QString &what)
{
    auto progressed = conn.exec(QStringLiteral("UPDATE documents SET progress = ?, heartbeat_at = now(), "
                                               "updated_at = now() WHERE id = ?"),
                                {progress, lease.id}, what);
    if (!progressed)
        return progressed.error();
    return true;
}

} // namespace

Async<QList<DocumentJob>> DocumentRepository::claim(const QString &workerId, int max)
{
    if (workerId.trimmed().isEmpty() || workerId.size() > 200)
        return core::failedAsync<QList<DocumentJob>>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("worker_id: must be 1-200 characters")));
    if (auto ok = core::validateLimit(max, kMaxClaim, QStringLiteral("max")); !ok)
        return core::failedAsync<QList<DocumentJob>>(ok.error());
    return m_executor.run<QList<DocumentJob>>([=](sql::DbConnection &conn) -> Result<QList<DocumentJob>> {
        // As RunQueue::claim(): a MATERIALIZED pick so the locked rows are taken exactly once.
        auto query = conn.exec(
            QStringLiteral(
                "WITH pick AS MATERIALIZED (SELECT id FROM documents WHERE status = 'queued' "
                "ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
                "UPDATE documents d SET status = CASE WHEN d.extracted THEN 'embedding' ELSE 'extracting' "
                "END, "
                "worker_id = ?, heartbeat_at = now(), attempts = d.attempts + 1, updated_at = now() "
                "FROM pick WHERE d.id = pick.id RETURNING d.id, d.document_id, d.tenant_id, d.collection, "
                "d.attempts, d.file_name, d.mime_type, d.target_model, d.extracted, d.chunk_count"),
            {max, workerId}, QStringLiteral("claim documents"));
        if (!query)
            return query.error();
        QList<DocumentJob> jobs;
        while (query.value()->next()) {
            const QSqlQuery &q = *query.value();
            DocumentJob job;
            job.lease = {q.value(0).toLongLong(),
                         QUuid::fromString(q.value(1).toString()),
                         q.value(2).toString(),
                         q.value(3).toString(),
                         workerId,
                         q.value(4).toInt()};
            job.fileName = q.value(5).toString();
            job.mimeType = q.value(6).toString();
            job.targetModel = q.value(7).toString();
            job.extracted = q.value(8).toBool();
            job.chunkCount = q.value(9).toInt();
            jobs.append(job);
        }
        return jobs;
    });
}

Async<QList<qint64>> DocumentRepository::heartbeat(const QList<DocumentLease> &leases)
{
    if (auto ok = validateLeases(leases); !ok)
        return core::failedAsync<QList<qint64>>(ok.error());
    if (leases.isEmpty())
        return core::readyAsync<QList<qint64>>(QList<qint64>());
    QString attempts;
    const QString ids = idArray(leases, &attempts);
    const QString workerId = leases.first().workerId;
    return m_executor.run<QList<qint64>>([=](sql::DbConnection &conn) -> Result<QList<qint64>> {
        auto query = conn.exec(
            QStringLiteral(
                "UPDATE documents d SET heartbeat_at = now() FROM unnest(?::bigint[], ?::int[]) AS l(id, "
                "attempt) WHERE d.id = l.id AND d.attempts = l.attempt AND d.worker_id = ? "
                "AND d.status IN ('extracting', 'embedding') RETURNING d.id"),
            {ids, attempts, workerId}, QStringLiteral("renew document leases"));
        if (!query)
            return query.error();
        QList<qint64> held;
        while (query.value()->next())
            held.append(query.value()->value(0).toLongLong());
        return held;
    });
}

Async<int> DocumentRepository::release(const QList<DocumentLease> &leases)
{
    if (auto ok = validateLeases(leases); !ok)
        return core::failedAsync<int>(ok.error());
    if (leases.isEmpty())
        return core::readyAsync<int>(0);
    QString attempts;
    const QString ids = idArray(leases, &attempts);
    const QString workerId = leases.first().workerId;
    return m_executor.run<int>([=](sql::DbConnection &conn) -> Result<int> {
        auto query = conn.exec(
            QStringLiteral(
                "UPDATE documents d SET status = 'queued', worker_id = NULL, heartbeat_at = NULL, "
                "attempts = d.attempts - 1, updated_at = now() FROM unnest(?::bigint[], ?::int[]) AS "
                "l(id, attempt) WHERE d.id = l.id AND d.attempts = l.attempt AND d.worker_id = ? "
                "AND d.status IN ('extracting', 'embedding')"),
            {ids, attempts, workerId}, QStringLiteral("release documents"));
        if (!query)
            return query.error();
        return query.value()->numRowsAffected();
    });
}

Async<int> DocumentRepository::recoverStale(int leaseSeconds, int maxAttempts)
{
    return m_executor.run<int>([=](sql::DbConnection &conn) -> Result<int> {
        auto query = conn.exec(
            QStringLiteral(
                "UPDATE documents d SET worker_id = NULL, heartbeat_at = NULL, updated_at = now(), "
                "status = CASE WHEN d.attempts >= ? THEN 'failed' ELSE 'queued' END, "
                "error = CASE WHEN d.attempts >= ? THEN 'indexing was interrupted ' || d.attempts || "
                "' times (the process indexing it stopped); re-index to try again' ELSE '' END "
                "WHERE d.status IN ('extracting', 'embedding') "
                "AND d.heartbeat_at < now() - ? * interval '1 second'"),
            {maxAttempts, maxAttempts, leaseSeconds}, QStringLiteral("recover documents"));
        if (!query)
            return query.error();
        return query.value()->numRowsAffected();
    });
}

Async<QByteArray> DocumentRepository::bytesOf(const DocumentLease &lease)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<QByteArray>(ok.error());
    return m_executor.run<QByteArray>([=](sql::DbConnection &conn) -> Result<QByteArray> {
        auto query =
            conn.exec(QStringLiteral("SELECT content FROM document_bytes WHERE document_id = ?::uuid"),
                      {uuidText(lease.documentId)}, QStringLiteral("read document bytes"));
        if (!query)
            return query.error();
        if (!query.value()->next())
            return documentNotFound(lease.documentId);
        return query.value()->value(0).toByteArray();
    });
}

Async<QList<StoredPage>> DocumentRepository::storedPages(const DocumentLease &lease)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<QList<StoredPage>>(ok.error());
    return m_executor.run<QList<StoredPage>>([=](sql::DbConnection &conn) -> Result<QList<StoredPage>> {
        auto query = conn.exec(QStringLiteral("SELECT page_index, start, length(text) FROM document_pages "
                                              "WHERE document_id = ?::uuid ORDER BY page_index"),
                               {uuidText(lease.documentId)}, QStringLiteral("read stored pages"));
        if (!query)
            return query.error();
        QList<StoredPage> pages;
        while (query.value()->next())
            pages.append({query.value()->value(0).toInt(), query.value()->value(1).toLongLong(),
                          query.value()->value(2).toLongLong()});
        return pages;
    });
}

Async<bool> DocumentRepository::writePage(const DocumentLease &lease, const PageRow &page, double progress)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<bool>(ok.error());
    return m_executor.run<bool>([=](sql::DbConnection &conn) -> Result<bool> {
        const QString what = QStringLiteral("store page");
        return underLease<bool>(conn, lease, what, [&]() -> Result<bool> {
            const QString doc = uuidText(lease.documentId);
            auto inserted = conn.exec(
                QStringLiteral("INSERT INTO document_pages (document_id, tenant_id, page_index, "
                               "page_number, start, text) VALUES (?::uuid, ?, ?, ?, ?, ?) "
                               "ON CONFLICT DO NOTHING"),
                {doc, lease.tenantId, page.pageIndex, page.pageNumber, page.start, page.text}, what);
            if (!inserted)
                return inserted.error();
            if (inserted.value()->numRowsAffected() == 1) {
                for (const ChunkRow &chunk : page.chunks) {
                    auto stored = conn.exec(
                        QStringLiteral(
                            "INSERT INTO chunks (document_id, tenant_id, collection, page_index, page, "
                            "start, \"end\", token_estimate, text) VALUES (?::uuid, ?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT DO NOTHING"),
                        {doc, lease.tenantId, lease.collection, page.pageIndex, chunk.page, chunk.start,
                         chunk.end, chunk.tokenEstimate, chunk.text},
                        what);
                    if (!stored)
                        return stored.error();
                }
            }
            return recordProgress(conn, lease, progress, what);
        });
    });
}

Async<int> DocumentRepository::finishExtraction(const DocumentLease &lease, int pageCount,
                                                const QString &title, const QString &mimeType)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<int>(ok.error());
    return m_executor.run<int>([=](sql::DbConnection &conn) -> Result<int> {
        const QString what = QStringLiteral("finish extraction");
        return underLease<int>(conn, lease, what, [&]() -> Result<int> {
            auto done = conn.exec(
                QStringLiteral("UPDATE documents SET status = 'embedding', extracted = true, page_count = ?, "
                               "chunk_count = (SELECT count(*) FROM chunks WHERE document_id = ?::uuid), "
                               "title = CASE WHEN ? = '' THEN title ELSE ? END, "
                               "mime_type = CASE WHEN ? = '' THEN mime_type ELSE ? END, "
                               "heartbeat_at = now(), updated_at = now() WHERE id = ? RETURNING chunk_count"),
                {pageCount, uuidText(lease.documentId), title, title, mimeType, mimeType, lease.id}, what);
            if (!done)
                return done.error();
            done.value()->next();
            return done.value()->value(0).toInt();
        });
    });
}

Async<QList<ChunkText>> DocumentRepository::chunksToEmbed(const DocumentLease &lease, const QString &model,
                                                          int limit)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<QList<ChunkText>>(ok.error());
    if (auto ok = core::validateLimit(limit, kMaxBatch, QStringLiteral("limit")); !ok)
        return core::failedAsync<QList<ChunkText>>(ok.error());
    return m_executor.run<QList<ChunkText>>([=](sql::DbConnection &conn) -> Result<QList<ChunkText>> {
        auto query =
            conn.exec(QStringLiteral("SELECT c.id, c.text FROM chunks c WHERE c.document_id = ?::uuid "
                                     "AND NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE "
                                     "e.chunk_id = c.id AND e.model = ?) ORDER BY c.id LIMIT ?"),
                      {uuidText(lease.documentId), model, limit}, QStringLiteral("read chunks to embed"));
        if (!query)
            return query.error();
        QList<ChunkText> chunks;
        while (query.value()->next())
            chunks.append({query.value()->value(0).toLongLong(), query.value()->value(1).toString()});
        return chunks;
    });
}

Async<bool> DocumentRepository::writeEmbeddings(const DocumentLease &lease, const QString &model,
                                                const QList<ChunkVector> &vectors, double progress)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<bool>(ok.error());
    return m_executor.run<bool>([=](sql::DbConnection &conn) -> Result<bool> {
        const QString what = QStringLiteral("store embeddings");
        return underLease<bool>(conn, lease, what, [&]() -> Result<bool> {
            for (const ChunkVector &v : vectors) {
                auto stored =
                    conn.exec(QStringLiteral("INSERT INTO chunk_embeddings (chunk_id, model, tenant_id, "
                                             "collection, dimension, vector) VALUES (?, ?, ?, ?, ?, ?) "
                                             "ON CONFLICT DO NOTHING"),
                              {v.chunkId, model, lease.tenantId, lease.collection, int(v.vector.size()),
                               vectorBytes(v.vector)},
                              what);
                if (!stored)
                    return stored.error();
            }
            return recordProgress(conn, lease, progress, what);
        });
    });
}

namespace {

Async<core::Document> finish(sql::DbExecutor &executor, const DocumentLease &lease, const QString &set,
                             const QVariantList &setBinds, const QString &what)
{
    if (auto ok = validateLease(lease); !ok)
        return core::failedAsync<core::Document>(ok.error());
    return executor.run<core::Document>([=](sql::DbConnection &conn) -> Result<core::Document> {
        auto query =
            conn.exec(QStringLiteral("UPDATE documents d SET ") + set +
                          QStringLiteral(", worker_id = NULL, heartbeat_at = NULL, updated_at = now() "
                                         "WHERE true") +
                          kLeaseCondition + QStringLiteral(" RETURNING ") + kDocumentColumns,
                      setBinds + leaseBinds(lease), what);
        if (!query)
            return query.error();
        if (!query.value()->next())
            return leaseLost(lease);
        return readDocument(*query.value());
    });
}

} // namespace

Async<core::Document> DocumentRepository::markReady(const DocumentLease &lease)
{
    return finish(
        m_executor, lease,
        QStringLiteral("status = 'ready', progress = 1, error = '', embedding_model = d.target_model, "
                       "chunk_count = (SELECT count(*) FROM chunks c WHERE c.document_id = d.document_id)"),
        {}, QStringLiteral("mark document ready"));
}

Async<core::Document> DocumentRepository::markFailed(const DocumentLease &lease, const QString &reason)
{
    return finish(m_executor, lease, QStringLiteral("status = 'failed', error = ?"), {reason.left(2000)},
                  QStringLiteral("mark document failed"));
}

} // namespace agency::db

#include "documentrepository.h"

#include "core/limits.h"
#include "core/validation.h"
#include "cursor.h"
#include "documentrows.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

#include <QRegularExpression>

#include <cstring>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;
using namespace documentrows;

namespace documentrows {

const QString kDocumentColumns = QStringLiteral(
    "d.document_id, d.tenant_id, d.collection, d.title, d.file_name, d.mime_type, d.size_bytes, "
    "d.content_sha256, d.status, d.progress, d.error, d.page_count, d.chunk_count, d.embedding_model, "
    "(extract(epoch FROM d.created_at) * 1000000)::bigint, (extract(epoch FROM d.updated_at) * "
    "1000000)::bigint, "
    "(extract(epoch FROM d.created_at) * 1000000)::bigint, d.id");

core::Document readDocument(const QSqlQuery &q)
{
    core::Document d;
    d.documentId = QUuid::fromString(q.value(0).toString());
    d.tenantId = q.value(1).toString();
    d.collection = q.value(2).toString();
    d.title = q.value(3).toString();
    d.fileName = q.value(4).toString();
    d.mimeType = q.value(5).toString();
    d.sizeBytes = q.value(6).toLongLong();
    d.contentSha256 = q.value(7).toString();
    d.status = core::documentStatusFromName(q.value(8).toString()).value_or(core::DocumentStatus::Failed);
    d.progress = q.value(9).toDouble();
    d.error = q.value(10).toString();
    d.pageCount = q.value(11).toInt();
    d.chunkCount = q.value(12).toInt();
    d.embeddingModel = q.value(13).toString();
    d.createdAt = rows::fromEpochMicros(q.value(14));
    d.updatedAt = rows::fromEpochMicros(q.value(15));
    return d;
}

QString documentCursor(const QSqlQuery &q)
{
    return encodeCursor(Cursor{q.value(16).toLongLong(), q.value(17).toLongLong()});
}

const QString kLeaseCondition =
    QStringLiteral(" AND d.id = ?::bigint AND d.worker_id = ? AND d.attempts = ?::int "
                   "AND d.status IN ('extracting', 'embedding')");

QVariantList leaseBinds(const DocumentLease &lease)
{
    return {lease.id, lease.workerId, lease.attempt};
}

core::Status validateLease(const DocumentLease &lease)
{
    if (lease.id <= 0 || lease.attempt <= 0 || lease.workerId.isEmpty() || lease.documentId.isNull())
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("lease: is not a lease returned by claim()"),
                         {{QStringLiteral("field"), QStringLiteral("lease")}});
    return {};
}

core::Error leaseLost(const DocumentLease &lease)
{
    return makeError(ErrorCode::Conflict,
                     QStringLiteral("document %1 is no longer held by worker %2 (attempt %3)")
                         .arg(uuidText(lease.documentId), lease.workerId)
                         .arg(lease.attempt),
                     {{QStringLiteral("document_id"), uuidText(lease.documentId)}});
}

core::Status validateCollection(const QString &collection, bool allowEmpty)
{
    static const QRegularExpression kRule(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
    if (collection.isEmpty() && allowEmpty)
        return {};
    if (!kRule.match(collection).hasMatch())
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("collection: must be 1-64 letters, digits, '_', '.' or '-', "
                                        "starting with a letter or digit"),
                         {{QStringLiteral("field"), QStringLiteral("collection")}});
    return {};
}

core::Error documentNotFound(const QUuid &documentId)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("document %1 not found").arg(uuidText(documentId)),
                     {{QStringLiteral("document_id"), uuidText(documentId)}});
}

QString uuidText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

} // namespace documentrows

namespace {

core::Status validateScope(const QString &tenantId, const QUuid &documentId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return ok;
    if (documentId.isNull())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("document_id: must be a UUID"),
                         {{QStringLiteral("field"), QStringLiteral("document_id")}});
    return {};
}

Result<core::Document> selectDocument(sql::DbConnection &conn, const QString &tenantId, const QUuid &id,
                                      const QString &what)
{
    auto query =
        conn.exec(QStringLiteral("SELECT ") + kDocumentColumns +
                      QStringLiteral(" FROM documents d WHERE d.document_id = ?::uuid AND d.tenant_id = ?"),
                  {uuidText(id), tenantId}, what);
    if (!query)
        return query.error();
    if (!query.value()->next())
        return documentNotFound(id);
    return readDocument(*query.value());
}

} // namespace

Async<core::AddedDocument> DocumentRepository::add(const DocumentRow &row)
{
    if (auto ok = core::validateTenantId(row.tenantId); !ok)
        return core::failedAsync<core::AddedDocument>(ok.error());
    if (auto ok = validateCollection(row.collection, false); !ok)
        return core::failedAsync<core::AddedDocument>(ok.error());
    if (row.bytes.isEmpty() || row.contentSha256.size() != 64)
        return core::failedAsync<core::AddedDocument>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("file: is empty"),
                      {{QStringLiteral("field"), QStringLiteral("file")}}));
    const QUuid id = QUuid::createUuid();
    return m_executor.run<core::AddedDocument>([=](sql::DbConnection &conn) -> Result<core::AddedDocument> {
        return conn.transaction([&]() -> Result<core::AddedDocument> {
            const QString what = QStringLiteral("add document");
            // Like a first conversation, a first document creates its tenant.
            for (const auto &[sql, binds] :
                 {std::pair{
                      QStringLiteral("INSERT INTO tenants (tenant_id) VALUES (?) ON CONFLICT DO NOTHING"),
                      QVariantList{row.tenantId}},
                  std::pair{QStringLiteral("INSERT INTO collections (tenant_id, name) VALUES (?, ?) "
                                           "ON CONFLICT DO NOTHING"),
                            QVariantList{row.tenantId, row.collection}}}) {
                if (auto done = conn.exec(sql, binds, what); !done)
                    return done.error();
            }
            auto inserted = conn.exec(
                QStringLiteral(
                    "INSERT INTO documents AS d (document_id, tenant_id, collection, title, file_name, "
                    "mime_type, size_bytes, content_sha256, target_model) "
                    "VALUES (?::uuid, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (tenant_id, collection, content_sha256) DO NOTHING RETURNING ") +
                    kDocumentColumns,
                {uuidText(id), row.tenantId, row.collection, row.title, row.fileName, row.mimeType,
                 qint64(row.bytes.size()), row.contentSha256, row.targetModel},
                what);
            if (!inserted)
                return inserted.error();
            if (!inserted.value()->next()) {
                auto existing = conn.exec(QStringLiteral("SELECT ") + kDocumentColumns +
                                              QStringLiteral(" FROM documents d WHERE d.tenant_id = ? AND "
                                                             "d.collection = ? AND d.content_sha256 = ?"),
                                          {row.tenantId, row.collection, row.contentSha256}, what);
                if (!existing)
                    return existing.error();
                if (!existing.value()->next())
                    return makeError(ErrorCode::Conflict,
                                     QStringLiteral("the same file is being added concurrently; try again"));
                return core::AddedDocument{readDocument(*existing.value()), true};
            }
            core::Document document = readDocument(*inserted.value());
            if (auto stored = conn.exec(QStringLiteral("INSERT INTO document_bytes (document_id, tenant_id, "
                                                       "content) VALUES (?::uuid, ?, ?)"),
                                        {uuidText(id), row.tenantId, row.bytes}, what);
                !stored)
                return stored.error();
            return core::AddedDocument{document, false};
        });
    });
}

Async<core::Page<core::Document>> DocumentRepository::list(const core::DocumentQuery &q)
{
    if (auto ok = core::validateTenantId(q.tenantId); !ok)
        return core::failedAsync<core::Page<core::Document>>(ok.error());
    if (auto ok = validateCollection(q.collection, true); !ok)
        return core::failedAsync<core::Page<core::Document>>(ok.error());
    if (auto ok = core::validateLimit(q.limit, core::limits::kMaxPageSize, QStringLiteral("limit")); !ok)
        return core::failedAsync<core::Page<core::Document>>(ok.error());
    QString sql = QStringLiteral("SELECT ") + kDocumentColumns +
                  QStringLiteral(" FROM documents d WHERE d.tenant_id = ?");
    QVariantList binds{q.tenantId};
    if (!q.collection.isEmpty()) {
        sql += QStringLiteral(" AND d.collection = ?");
        binds << q.collection;
    }
    if (q.status) {
        sql += QStringLiteral(" AND d.status = ?");
        binds << core::documentStatusName(*q.status);
    }
    if (auto paged = rows::appendNewestFirstPage(sql, binds, QStringLiteral("d.created_at"),
                                                 QStringLiteral("d.id"), q.cursor, q.limit);
        !paged)
        return core::failedAsync<core::Page<core::Document>>(paged.error());
    const int limit = q.limit;
    return m_executor.run<core::Page<core::Document>>(
        [=](sql::DbConnection &conn) -> Result<core::Page<core::Document>> {
            auto query = conn.exec(sql, binds, QStringLiteral("list documents"));
            if (!query)
                return query.error();
            return rows::readPage<core::Document>(*query.value(), limit, &readDocument, &documentCursor);
        });
}

Async<core::Document> DocumentRepository::get(const QString &tenantId, const QUuid &documentId)
{
    if (auto ok = validateScope(tenantId, documentId); !ok)
        return core::failedAsync<core::Document>(ok.error());
    return m_executor.run<core::Document>([=](sql::DbConnection &conn) {
        return selectDocument(conn, tenantId, documentId, QStringLiteral("get document"));
    });
}

Async<QByteArray> DocumentRepository::content(const QString &tenantId, const QUuid &documentId)
{
    if (auto ok = validateScope(tenantId, documentId); !ok)
        return core::failedAsync<QByteArray>(ok.error());
    return m_executor.run<QByteArray>([=](sql::DbConnection &conn) -> Result<QByteArray> {
        auto query =
            conn.exec(QStringLiteral("SELECT content FROM document_bytes WHERE document_id = ?::uuid "
                                     "AND tenant_id = ?"),
                      {uuidText(documentId), tenantId}, QStringLiteral("read document content"));
        if (!query)
            return query.error();
        if (!query.value()->next())
            return documentNotFound(documentId);
        return query.value()->value(0).toByteArray();
    });
}

Async<core::DocumentText> DocumentRepository::text(const QString &tenantId, const QUuid &documentId)
{
    if (auto ok = validateScope(tenantId, documentId); !ok)
        return core::failedAsync<core::DocumentText>(ok.error());
    return m_executor.run<core::DocumentText>([=](sql::DbConnection &conn) -> Result<core::DocumentText> {
        const QString what = QStringLiteral("read document text");
        if (auto exists = selectDocument(conn, tenantId, documentId, what); !exists)
            return exists.error();
        auto query =
            conn.exec(QStringLiteral("SELECT page_number, start, text FROM document_pages "
                                     "WHERE document_id = ?::uuid AND tenant_id = ? ORDER BY page_index"),
                      {uuidText(documentId), tenantId}, what);
        if (!query)
            return query.error();
        core::DocumentText text;
        while (query.value()->next()) {
            const QString page = query.value()->value(2).toString();
            if (!text.pages.isEmpty())
                text.text += QStringLiteral("\n\n");
            const qint64 start = text.text.size();
            text.text += page;
            text.pages.append({query.value()->value(0).toInt(), start, start + page.size()});
        }
        return text;
    });
}

Async<DeletedDocument> DocumentRepository::remove(const QString &tenantId, const QUuid &documentId)
{
    if (auto ok = validateScope(tenantId, documentId); !ok)
        return core::failedAsync<DeletedDocument>(ok.error());
    return m_executor.run<DeletedDocument>([=](sql::DbConnection &conn) -> Result<DeletedDocument> {
        return conn.transaction([&]() -> Result<DeletedDocument> {
            const QString what = QStringLiteral("delete document");
            auto chunks = conn.exec(
                QStringLiteral("SELECT id FROM chunks WHERE document_id = ?::uuid AND tenant_id = ?"),
                {uuidText(documentId), tenantId}, what);
            if (!chunks)
                return chunks.error();
            DeletedDocument deleted;
            while (chunks.value()->next())
                deleted.chunkIds.append(chunks.value()->value(0).toLongLong());
            auto gone = conn.exec(
                QStringLiteral("DELETE FROM documents WHERE document_id = ?::uuid AND tenant_id = ? "
                               "RETURNING collection"),
                {uuidText(documentId), tenantId}, what);
            if (!gone)
                return gone.error();
            if (!gone.value()->next())
                return documentNotFound(documentId);
            deleted.collection = gone.value()->value(0).toString();
            return deleted;
        });
    });
}

Async<int> DocumentRepository::requeue(const QString &tenantId, const QString &collection,
                                       const QString &targetModel)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<int>(ok.error());
    if (auto ok = validateCollection(collection, true); !ok)
        return core::failedAsync<int>(ok.error());
    const QString scope = collection.isEmpty() ? QStringLiteral("d.tenant_id = ?")
                                               : QStringLiteral("d.tenant_id = ? AND d.collection = ?");
    QVariantList binds{tenantId};
    if (!collection.isEmpty())
        binds << collection;
    return m_executor.run<int>([=](sql::DbConnection &conn) -> Result<int> {
        return conn.transaction([&]() -> Result<int> {
            const QString what = QStringLiteral("re-index documents");
            // A document that never became searchable starts over from its bytes.
            const QString fresh = QStringLiteral(" AND d.status = 'failed' AND d.embedding_model = ''");
            for (const QString &table : {QStringLiteral("chunks"), QStringLiteral("document_pages")}) {
                auto cleared = conn.exec(QStringLiteral("DELETE FROM %1 x USING documents d WHERE "
                                                        "x.document_id = d.document_id AND ")
                                                 .arg(table) +
                                             scope + fresh,
                                         binds, what);
                if (!cleared)
                    return cleared.error();
            }
            auto queued = conn.exec(
                QStringLiteral(
                    "UPDATE documents d SET status = 'queued', progress = 0, error = '', attempts = 0, "
                    "target_model = ?, extracted = (d.extracted AND d.embedding_model <> ''), "
                    "worker_id = NULL, heartbeat_at = NULL, updated_at = now() WHERE ") +
                    scope + QStringLiteral(" AND d.status IN ('ready', 'failed')"),
                QVariantList{targetModel} + binds, what);
            if (!queued)
                return queued.error();
            return queued.value()->numRowsAffected();
        });
    });
}

QByteArray DocumentRepository::vectorBytes(const QVector<float> &vector)
{
    // Every platform this builds on is little-endian (x86-64, arm64), as the column documents.
    return QByteArray(reinterpret_cast<const char *>(vector.constData()),
                      vector.size() * qsizetype(sizeof(float)));
}

QVector<float> DocumentRepository::vectorFromBytes(const QByteArray &bytes)
{
    QVector<float> vector(bytes.size() / qsizetype(sizeof(float)));
    std::memcpy(vector.data(), bytes.constData(), size_t(vector.size()) * sizeof(float));
    return vector;
}

} // namespace agency::db

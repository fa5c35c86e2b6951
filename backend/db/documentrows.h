#pragma once

#include "core/document.h"
#include "core/result.h"
#include "documentrepository.h"

#include <QSqlQuery>

// Shared by the three files of DocumentRepository: the document column list and its reader, the
// lease condition, and input checks.
namespace agency::db::documentrows {

/// documents d: document_id, tenant_id, collection, title, file_name, mime_type, size_bytes,
/// content_sha256, status, progress, error, page_count, chunk_count, embedding_model,
/// created_at, updated_at (epoch microseconds), created_at (epoch microseconds), id
extern const QString kDocumentColumns;
core::Document readDocument(const QSqlQuery &query);
QString documentCursor(const QSqlQuery &query);

/// " AND d.id = ? AND d.worker_id = ? AND d.attempts = ? AND d.status IN (extracting, embedding)"
extern const QString kLeaseCondition;
QVariantList leaseBinds(const DocumentLease &lease);
core::Status validateLease(const DocumentLease &lease);
core::Error leaseLost(const DocumentLease &lease);

core::Status validateCollection(const QString &collection, bool allowEmpty);
core::Error documentNotFound(const QUuid &documentId);
QString uuidText(const QUuid &id);

} // namespace agency::db::documentrows

#pragma once

#include "core/document.h"

#include <QJsonObject>

namespace agency::http::json {

// The JSON of the knowledge values (docs/design.md#knowledge); documentschemas.cpp describes
// exactly these.

/// {document_id, tenant_id, collection, title, file_name, mime_type, size_bytes, content_sha256,
/// status, progress, error, page_count, chunk_count, embedding_model, created_at, updated_at}
QJsonObject document(const core::Document &d);
/// {document_id, title, collection, chunk_id, page, start, end, text, score}
QJsonObject documentHit(const core::DocumentHit &hit);

} // namespace agency::http::json

#include "documentviews.h"

#include "jsonviews.h"

namespace agency::http::json {

QJsonObject document(const core::Document &d)
{
    return {{QStringLiteral("document_id"), d.documentId.toString(QUuid::WithoutBraces)},
            {QStringLiteral("tenant_id"), d.tenantId},
            {QStringLiteral("collection"), d.collection},
            {QStringLiteral("title"), d.title},
            {QStringLiteral("file_name"), d.fileName},
            {QStringLiteral("mime_type"), d.mimeType},
            {QStringLiteral("size_bytes"), d.sizeBytes},
            {QStringLiteral("content_sha256"), d.contentSha256},
            {QStringLiteral("status"), core::documentStatusName(d.status)},
            {QStringLiteral("progress"), d.progress},
            {QStringLiteral("error"), d.error.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(d.error)},
            {QStringLiteral("page_count"), d.pageCount},
            {QStringLiteral("chunk_count"), d.chunkCount},
            {QStringLiteral("embedding_model"), d.embeddingModel},
            {QStringLiteral("created_at"), timestamp(d.createdAt)},
            {QStringLiteral("updated_at"), timestamp(d.updatedAt)}};
}

QJsonObject documentHit(const core::DocumentHit &hit)
{
    return {{QStringLiteral("document_id"), hit.documentId.toString(QUuid::WithoutBraces)},
            {QStringLiteral("title"), hit.title},
            {QStringLiteral("collection"), hit.collection},
            {QStringLiteral("chunk_id"), hit.chunkId},
            {QStringLiteral("page"), hit.page},
            {QStringLiteral("start"), hit.start},
            {QStringLiteral("end"), hit.end},
            {QStringLiteral("text"), hit.text},
            {QStringLiteral("score"), hit.score}};
}

} // namespace agency::http::json

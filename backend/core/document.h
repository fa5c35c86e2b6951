#pragma once

#include <QDateTime>
#include <QList>
#include <QString>
#include <QUuid>
#include <QVector>

#include <optional>

namespace agency::core {

/// Where a document is in its indexing. Ready and Failed are final until a re-index.
enum class DocumentStatus { Queued, Extracting, Embedding, Ready, Failed };

/// "queued", "extracting", "embedding", "ready", "failed" (as stored and shown in JSON).
QString documentStatusName(DocumentStatus status);
std::optional<DocumentStatus> documentStatusFromName(const QString &name);

/// One uploaded file of a tenant's collection (docs/design.md#knowledge). Plain value.
struct Document
{
    QUuid documentId;
    QString tenantId;
    QString collection; ///< "default" when none was named
    QString title;      ///< from the file's metadata or its name
    QString fileName;
    QString mimeType; ///< as detected from the bytes and the name
    qint64 sizeBytes = 0;
    QString contentSha256; ///< hex; one collection stores the same bytes once
    DocumentStatus status = DocumentStatus::Queued;
    double progress = 0.0; ///< 0..1 within the whole indexing
    QString error;         ///< why it failed (Failed only), a sentence for the user
    int pageCount = 0;     ///< pages of paged formats (PDF); 1 for others once extracted
    int chunkCount = 0;
    QString embeddingModel; ///< "provider/model" its ready chunks were embedded with
    QDateTime createdAt;
    QDateTime updatedAt;

    bool isFinal() const { return status == DocumentStatus::Ready || status == DocumentStatus::Failed; }
};

/// A file to add to a tenant's knowledge.
struct NewDocument
{
    QString tenantId;
    QString collection; ///< empty = "default"
    QString fileName;   ///< used for the title and, with the bytes, to detect the format
    QString mimeType;   ///< as declared by the sender (a hint; the bytes decide)
    QByteArray bytes;
};

/// The outcome of adding a file: the document, and whether the same bytes were already there.
struct AddedDocument
{
    Document document;
    bool duplicate = false; ///< the collection already held these bytes; nothing new was stored
};

struct DocumentQuery
{
    QString tenantId;
    QString collection; ///< empty = all
    std::optional<DocumentStatus> status;
    int limit = 100;
    QString cursor;
};

struct DocumentSearchQuery
{
    QString tenantId;
    QString query;
    QString collection; ///< empty = all of the tenant's collections
    int k = 5;
};

/// One passage found by a document search. `start`/`end` index the document's extracted text
/// (DocumentText::text), so `text` == DocumentText::text.mid(start, end - start).
struct DocumentHit
{
    QUuid documentId;
    QString title;
    QString collection;
    qint64 chunkId = 0;
    int page = 0; ///< 1-based for paged formats, 0 when the format has no pages
    qint64 start = 0;
    qint64 end = 0;
    QString text;
    double score = 0.0; ///< fused score, higher is better
};

struct DocumentSearchResult
{
    QList<DocumentHit> hits;
    int documentsIndexing = 0; ///< documents in scope still queued, extracting or embedding
};

/// A page of a document's extracted text: its text starts at `start` in DocumentText::text.
struct PageSpan
{
    int page = 0;
    qint64 start = 0;
    qint64 end = 0;
};

/// A document's extracted text, for showing a cited passage in place.
struct DocumentText
{
    QString text;
    QList<PageSpan> pages;
};

/// A passage an answer cites as [number]; kept with the stored assistant message.
struct Citation
{
    int number = 0;
    QUuid documentId;
    qint64 chunkId = 0;
    QString title;
    int page = 0;
    qint64 start = 0;
    qint64 end = 0;
};

} // namespace agency::core

namespace agency::core {

/// Vectors for texts, as the OpenAI-compatible /v1/embeddings answers them.
struct TextEmbeddings
{
    QList<QVector<float>> vectors;
    QString model; ///< "provider/model"
    qint64 promptTokens = 0;
};

} // namespace agency::core

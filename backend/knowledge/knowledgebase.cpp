#include "knowledgebase.h"

#include "core/async/resultpromise.h"
#include "core/async/whenfinished.h"
#include "core/validation.h"
#include "db/documentrepository.h"
#include "indexmanager.h"
#include "llm/embedder.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace agency::knowledge {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kDefaultCollection = QStringLiteral("default");
constexpr qsizetype kMaxFileNameChars = 255;
constexpr qsizetype kMaxMimeTypeChars = 200;
constexpr int kMaxEmbedTexts = 2048;

core::Error invalid(const QString &field, const QString &problem)
{
    return makeError(ErrorCode::InvalidArgument, field + QStringLiteral(": ") + problem,
                     {{QStringLiteral("field"), field}});
}

bool hasControlCharacters(const QString &text)
{
    for (QChar c : text)
        if (c.category() == QChar::Other_Control)
            return true;
    return false;
}

} // namespace

KnowledgeBase::KnowledgeBase(KnowledgeDependencies deps, QObject *parent)
    : QObject(parent), m_deps(std::move(deps))
{
    m_indexes = std::make_unique<IndexManager>(*m_deps.documents, m_deps.options.indexDirectory,
                                               m_deps.options.index);
    m_worker = std::make_unique<IngestionWorker>(
        *m_deps.documents, [this](const QString &model) { return embedder(model); }, *m_indexes,
        m_deps.options);
}

KnowledgeBase::~KnowledgeBase()
{
    m_worker.reset();
    m_indexes.reset();
}

Result<llm::Embedder *> KnowledgeBase::embedder(const QString &model)
{
    if (auto kept = m_embedders.value(model))
        return kept.get();
    if (!m_deps.makeEmbedder)
        return makeError(ErrorCode::NotConfigured, QStringLiteral("no embedding provider is configured"));
    auto made = m_deps.makeEmbedder(model);
    if (!made)
        return made.error();
    std::shared_ptr<llm::Embedder> shared = made.value();
    m_embedders.insert(model, shared);
    return shared.get();
}

void KnowledgeBase::startIngestion()
{
    m_worker->start();
}

QFuture<void> KnowledgeBase::stopIngestion()
{
    return m_worker->stop();
}

core::Async<core::AddedDocument> KnowledgeBase::add(const core::NewDocument &document)
{
    if (auto ok = core::validateTenantId(document.tenantId); !ok)
        return core::failedAsync<core::AddedDocument>(ok.error());
    if (document.bytes.isEmpty())
        return core::failedAsync<core::AddedDocument>(
            invalid(QStringLiteral("file"), QStringLiteral("is empty")));
    if (document.bytes.size() > m_deps.options.maxDocumentBytes)
        return core::failedAsync<core::AddedDocument>(
            makeError(ErrorCode::PayloadTooLarge,
                      QStringLiteral("file: %1 bytes is over the limit of %2 bytes (DOCUMENT_MAX_BYTES)")
                          .arg(document.bytes.size())
                          .arg(m_deps.options.maxDocumentBytes),
                      {{QStringLiteral("field"), QStringLiteral("file")},
                       {QStringLiteral("limit"), double(m_deps.options.maxDocumentBytes)}}));
    const QString fileName = QFileInfo(document.fileName).fileName();
    if (fileName.size() > kMaxFileNameChars || hasControlCharacters(fileName))
        return core::failedAsync<core::AddedDocument>(
            invalid(QStringLiteral("file_name"),
                    QStringLiteral("must be at most %1 characters without control characters")
                        .arg(kMaxFileNameChars)));
    if (document.mimeType.size() > kMaxMimeTypeChars || hasControlCharacters(document.mimeType))
        return core::failedAsync<core::AddedDocument>(
            invalid(QStringLiteral("mime_type"), QStringLiteral("is not a media type")));
    db::DocumentRow row;
    row.tenantId = document.tenantId;
    row.collection = document.collection.isEmpty() ? kDefaultCollection : document.collection;
    row.fileName = fileName;
    row.title = fileName.isEmpty() ? QStringLiteral("untitled") : QFileInfo(fileName).completeBaseName();
    if (row.title.isEmpty())
        row.title = fileName;
    row.mimeType = document.mimeType;
    row.bytes = document.bytes;
    // Validated here too, so a bad name fails before the file is hashed.
    static const QRegularExpression kCollectionRule(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
    if (!kCollectionRule.match(row.collection).hasMatch())
        return core::failedAsync<core::AddedDocument>(invalid(
            QStringLiteral("collection"), QStringLiteral("must be 1-64 letters, digits, '_', '.' or '-', "
                                                         "starting with a letter or digit")));

    core::ResultPromise<core::AddedDocument> promise;
    // Hashing 50 MB takes a noticeable moment: not on the event loop.
    auto hashed = QtConcurrent::run([bytes = document.bytes] {
        return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    });
    core::whenFinished(this, hashed, [this, promise, row](const QString &sha256) mutable {
        row.contentSha256 = sha256;
        core::whenFinished(this, m_deps.tenantModel(row.tenantId),
                           [this, promise, row](const Result<QString> &model) mutable {
                               if (!model) {
                                   promise.finish(model.error());
                                   return;
                               }
                               row.targetModel = model.value();
                               core::whenFinished(this, m_deps.documents->add(row),
                                                  [this, promise](const Result<core::AddedDocument> &added) {
                                                      if (added && !added->duplicate)
                                                          m_worker->wake();
                                                      promise.finish(added);
                                                  });
                           });
    });
    return promise.future();
}

core::Async<core::Page<core::Document>> KnowledgeBase::list(const core::DocumentQuery &query)
{
    return m_deps.documents->list(query);
}

core::Async<core::Document> KnowledgeBase::get(const QString &tenantId, const QUuid &documentId)
{
    return m_deps.documents->get(tenantId, documentId);
}

core::Async<QByteArray> KnowledgeBase::content(const QString &tenantId, const QUuid &documentId)
{
    return m_deps.documents->content(tenantId, documentId);
}

core::Async<core::DocumentText> KnowledgeBase::text(const QString &tenantId, const QUuid &documentId)
{
    return m_deps.documents->text(tenantId, documentId);
}

core::Async<bool> KnowledgeBase::remove(const QString &tenantId, const QUuid &documentId)
{
    core::ResultPromise<bool> promise;
    core::whenFinished(this, m_deps.documents->remove(tenantId, documentId),
                       [this, promise, tenantId](const Result<db::DeletedDocument> &deleted) {
                           if (!deleted) {
                               promise.finish(deleted.error());
                               return;
                           }
                           m_indexes->remove(tenantId, deleted->collection, deleted->chunkIds);
                           promise.finish(true);
                       });
    return promise.future();
}

core::Async<int> KnowledgeBase::reindex(const QString &tenantId, const QString &collection)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<int>(ok.error());
    core::ResultPromise<int> promise;
    core::whenFinished(this, m_deps.tenantModel(tenantId),
                       [this, promise, tenantId, collection](const Result<QString> &model) {
                           if (!model) {
                               promise.finish(model.error());
                               return;
                           }
                           core::whenFinished(this,
                                              m_deps.documents->requeue(tenantId, collection, model.value()),
                                              [this, promise](const Result<int> &queued) {
                                                  if (queued && queued.value() > 0)
                                                      m_worker->wake();
                                                  promise.finish(queued);
                                              });
                       });
    return promise.future();
}

core::Async<core::TextEmbeddings> KnowledgeBase::embed(const QString &tenantId, const QStringList &texts,
                                                       const QString &model)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::TextEmbeddings>(ok.error());
    if (texts.isEmpty() || texts.size() > kMaxEmbedTexts)
        return core::failedAsync<core::TextEmbeddings>(
            invalid(QStringLiteral("input"), QStringLiteral("must hold 1 to %1 texts").arg(kMaxEmbedTexts)));
    for (const QString &text : texts)
        if (text.isEmpty())
            return core::failedAsync<core::TextEmbeddings>(
                invalid(QStringLiteral("input"), QStringLiteral("must not contain an empty text")));
    core::ResultPromise<core::TextEmbeddings> promise;
    core::whenFinished(this, m_deps.tenantModel(tenantId),
                       [this, promise, texts, model](const Result<QString> &tenantModel) {
                           if (!tenantModel) {
                               promise.finish(tenantModel.error());
                               return;
                           }
                           QString name = model.isEmpty() ? tenantModel.value() : model;
                           if (!name.contains(u'/'))
                               name = tenantModel->section(u'/', 0, 0) + u'/' + name;
                           auto embedder = this->embedder(name);
                           if (!embedder) {
                               promise.finish(embedder.error());
                               return;
                           }
                           core::whenFinished(
                               this, embedder.value()->embed(texts, llm::EmbeddingPurpose::Document),
                               [promise](const Result<llm::Embeddings> &embedded) {
                                   if (!embedded) {
                                       promise.finish(embedded.error());
                                       return;
                                   }
                                   promise.finish(core::TextEmbeddings{embedded->vectors, embedded->model,
                                                                       embedded->promptTokens});
                               });
                       });
    return promise.future();
}

} // namespace agency::knowledge

#include "agencyservice.h"

#include "core/validation.h"
#include "knowledge/knowledgebase.h"

// The knowledge methods (docs/design.md#knowledge): ids parsed here, the rest validated by the
// knowledge base. Without a knowledge base (a build or a test that wires none) each fails
// NotConfigured, so front ends show a clear error.

namespace agency::service {

namespace {

template <typename T> core::Async<T> notConfigured()
{
    return core::failedAsync<T>(core::makeError(core::ErrorCode::NotConfigured,
                                                QStringLiteral("documents are not available in this build")));
}

/// A document id as text; InvalidArgument naming "document_id" otherwise.
core::Result<QUuid> parseDocumentId(const QString &text)
{
    return core::parseUuid(text, QStringLiteral("document_id"));
}

} // namespace

core::Async<core::AddedDocument> AgencyService::addDocument(const core::NewDocument &document)
{
    if (!m_deps.knowledge)
        return notConfigured<core::AddedDocument>();
    return m_deps.knowledge->add(document);
}

core::Async<core::Page<core::Document>> AgencyService::listDocuments(const core::DocumentQuery &query)
{
    if (!m_deps.knowledge)
        return notConfigured<core::Page<core::Document>>();
    return m_deps.knowledge->list(query);
}

core::Async<core::Document> AgencyService::getDocument(const QString &tenantId, const QString &documentId)
{
    if (!m_deps.knowledge)
        return notConfigured<core::Document>();
    auto id = parseDocumentId(documentId);
    if (!id)
        return core::failedAsync<core::Document>(id.error());
    return m_deps.knowledge->get(tenantId, id.value());
}

core::Async<QByteArray> AgencyService::documentContent(const QString &tenantId, const QString &documentId)
{
    if (!m_deps.knowledge)
        return notConfigured<QByteArray>();
    auto id = parseDocumentId(documentId);
    if (!id)
        return core::failedAsync<QByteArray>(id.error());
    return m_deps.knowledge->content(tenantId, id.value());
}

core::Async<core::DocumentText> AgencyService::documentText(const QString &tenantId,
                                                            const QString &documentId)
{
    if (!m_deps.knowledge)
        return notConfigured<core::DocumentText>();
    auto id = parseDocumentId(documentId);
    if (!id)
        return core::failedAsync<core::DocumentText>(id.error());
    return m_deps.knowledge->text(tenantId, id.value());
}

core::Async<bool> AgencyService::deleteDocument(const QString &tenantId, const QString &documentId)
{
    if (!m_deps.knowledge)
        return notConfigured<bool>();
    auto id = parseDocumentId(documentId);
    if (!id)
        return core::failedAsync<bool>(id.error());
    return m_deps.knowledge->remove(tenantId, id.value());
}

core::Async<int> AgencyService::reindexDocuments(const QString &tenantId, const QString &collection)
{
    if (!m_deps.knowledge)
        return notConfigured<int>();
    return m_deps.knowledge->reindex(tenantId, collection);
}

core::Async<core::DocumentSearchResult> AgencyService::searchDocuments(const core::DocumentSearchQuery &query)
{
    if (!m_deps.knowledge)
        return notConfigured<core::DocumentSearchResult>();
    return m_deps.knowledge->search(query);
}

core::Async<core::TextEmbeddings> AgencyService::embedTexts(const QString &tenantId, const QStringList &texts,
                                                            const QString &model)
{
    if (!m_deps.knowledge)
        return notConfigured<core::TextEmbeddings>();
    return m_deps.knowledge->embed(tenantId, texts, model);
}

} // namespace agency::service

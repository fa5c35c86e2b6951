#include "agencyservice.h"

// The knowledge methods until the knowledge layer is wired: each fails NotConfigured, so front ends
// can be built and show a clear error.

namespace agency::service {

namespace {
template <typename T> core::Async<T> notConfigured()
{
    return core::failedAsync<T>(core::makeError(core::ErrorCode::NotConfigured,
                                                QStringLiteral("documents are not available in this build")));
}
} // namespace

core::Async<core::AddedDocument> AgencyService::addDocument(const core::NewDocument &)
{
    return notConfigured<core::AddedDocument>();
}
core::Async<core::Page<core::Document>> AgencyService::listDocuments(const core::DocumentQuery &)
{
    return notConfigured<core::Page<core::Document>>();
}
core::Async<core::Document> AgencyService::getDocument(const QString &, const QString &)
{
    return notConfigured<core::Document>();
}
core::Async<QByteArray> AgencyService::documentContent(const QString &, const QString &)
{
    return notConfigured<QByteArray>();
}
core::Async<core::DocumentText> AgencyService::documentText(const QString &, const QString &)
{
    return notConfigured<core::DocumentText>();
}
core::Async<bool> AgencyService::deleteDocument(const QString &, const QString &)
{
    return notConfigured<bool>();
}
core::Async<int> AgencyService::reindexDocuments(const QString &, const QString &)
{
    return notConfigured<int>();
}
core::Async<core::DocumentSearchResult> AgencyService::searchDocuments(const core::DocumentSearchQuery &)
{
    return notConfigured<core::DocumentSearchResult>();
}
core::Async<core::TextEmbeddings> AgencyService::embedTexts(const QString &, const QStringList &,
                                                            const QString &)
{
    return notConfigured<core::TextEmbeddings>();
}

} // namespace agency::service

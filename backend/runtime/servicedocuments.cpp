#include "servicedocuments.h"

#include "service/agencyservice.h"
#include "tools/searchdocumentstool.h"

namespace agency::runtime {

core::Async<core::DocumentSearchResult> ServiceDocuments::search(const core::DocumentSearchQuery &query)
{
    if (!m_service) {
        return core::failedAsync<core::DocumentSearchResult>(
            core::makeError(core::ErrorCode::NotConfigured, QStringLiteral("document search is not ready")));
    }
    return m_service->searchDocuments(query);
}

flows::OfferedToolsSource ServiceDocuments::offeredTools()
{
    return [this](const QString &tenantId, const QStringList &flowTools) -> core::Async<QStringList> {
        const QString search = tools::SearchDocumentsTool::toolName();
        if (!flowTools.contains(search))
            return core::readyAsync<QStringList>(flowTools);
        QStringList without = flowTools;
        without.removeAll(search);
        if (!m_service)
            return core::readyAsync<QStringList>(without);
        core::DocumentQuery query;
        query.tenantId = tenantId;
        query.limit = 1;
        return m_service->listDocuments(query).then(
            [flowTools,
             without](const core::Result<core::Page<core::Document>> &page) -> core::Result<QStringList> {
                // No knowledge layer, or a failed look-up: the turn goes on as without documents.
                return page && !page->items.isEmpty() ? flowTools : without;
            });
    };
}

} // namespace agency::runtime

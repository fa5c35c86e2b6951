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
        if (const std::optional<bool> known = m_presence->find(tenantId))
            return core::readyAsync<QStringList>(*known ? flowTools : without);
        const quint64 readAt = m_presence->generation();
        core::DocumentQuery query;
        query.tenantId = tenantId;
        query.limit = 1;
        return m_service->listDocuments(query).then(
            [presence = m_presence, tenantId, readAt, flowTools,
             without](const core::Result<core::Page<core::Document>> &page) -> core::Result<QStringList> {
                // No knowledge layer, or a failed look-up: the turn goes on as without documents.
                if (!page)
                    return without;
                presence->remember(tenantId, !page->items.isEmpty(), readAt);
                return page->items.isEmpty() ? without : flowTools;
            });
    };
}

void ServiceDocuments::setPresenceCacheActive(bool active)
{
    m_presence->setActive(active);
}

void ServiceDocuments::forgetPresence(const QString &tenantId)
{
    if (tenantId.isEmpty())
        m_presence->forgetAll();
    else
        m_presence->forget(tenantId);
}

bool ServiceDocuments::presenceCacheActive() const
{
    return m_presence->isActive();
}

} // namespace agency::runtime

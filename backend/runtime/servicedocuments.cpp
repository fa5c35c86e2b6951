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
        if (const std::optional<bool> known = m_presence->remembered(tenantId))
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
    m_presence->forget(tenantId);
}

bool ServiceDocuments::presenceCacheActive() const
{
    return m_presence->isActive();
}

void ServiceDocuments::Presence::setActive(bool on)
{
    QMutexLocker lock(&mutex);
    active = on;
    ++changes;
    hasDocuments.clear();
}

void ServiceDocuments::Presence::forget(const QString &tenantId)
{
    QMutexLocker lock(&mutex);
    ++changes;
    if (tenantId.isEmpty())
        hasDocuments.clear();
    else
        hasDocuments.remove(tenantId);
}

bool ServiceDocuments::Presence::isActive() const
{
    QMutexLocker lock(&mutex);
    return active;
}

std::optional<bool> ServiceDocuments::Presence::remembered(const QString &tenantId) const
{
    QMutexLocker lock(&mutex);
    if (!active)
        return std::nullopt;
    const auto it = hasDocuments.constFind(tenantId);
    return it == hasDocuments.cend() ? std::nullopt : std::optional<bool>(it.value());
}

quint64 ServiceDocuments::Presence::generation() const
{
    QMutexLocker lock(&mutex);
    return changes;
}

void ServiceDocuments::Presence::remember(const QString &tenantId, bool has, quint64 readAt)
{
    QMutexLocker lock(&mutex);
    // A change heard while the answer was read may have made it wrong: read it again next time.
    if (active && readAt == changes)
        hasDocuments.insert(tenantId, has);
}

} // namespace agency::runtime

#pragma once

#include "flows/turnengine.h"
#include "tools/documentsearch.h"

#include "core/listenedcache.h"

#include <memory>

namespace agency::service {
class AgencyService;
}

namespace agency::runtime {

/// The search_documents tool's document search and the turn's "offer it?" question, answered by
/// the service (docs/design.md#knowledge). The tool registry is built before the service, so the
/// service is attached afterwards; until then (and without a knowledge layer) searches fail
/// NotConfigured and the tool is not offered.
///
/// Whether a tenant has documents is read once and remembered while the presence cache is
/// active: while a listener hears every change of documents (by any process) and reports it
/// with forgetPresence(). Inactive, every turn of a flow with search_documents reads it.
/// Thread-safe (continuations of the look-up finish on database threads).
class ServiceDocuments final : public tools::DocumentSearch
{
public:
    void attach(service::AgencyService *service) { m_service = service; }
    core::Async<core::DocumentSearchResult> search(const core::DocumentSearchQuery &query) override;
    /// The flow's tools without search_documents while the tenant has no documents.
    flows::OfferedToolsSource offeredTools();

    /// Trust remembered answers (a listener hears changes) or stop (its connection was lost).
    void setPresenceCacheActive(bool active);
    /// The documents of `tenantId` changed (empty: possibly any tenant's).
    void forgetPresence(const QString &tenantId);
    bool presenceCacheActive() const;

private:
    /// One entry per tenant: whether it has documents.
    static constexpr qsizetype kMaxRememberedTenants = 100'000;

    service::AgencyService *m_service = nullptr;
    /// Shared with look-ups in flight, which may finish after this object is gone.
    std::shared_ptr<core::ListenedCache<QString, bool>> m_presence =
        std::make_shared<core::ListenedCache<QString, bool>>(kMaxRememberedTenants);
};

} // namespace agency::runtime

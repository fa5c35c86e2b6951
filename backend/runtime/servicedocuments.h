#pragma once

#include "flows/turnengine.h"
#include "tools/documentsearch.h"

namespace agency::service {
class AgencyService;
}

namespace agency::runtime {

/// The search_documents tool's document search and the turn's "offer it?" question, answered by
/// the service (docs/design.md#knowledge). The tool registry is built before the service, so the
/// service is attached afterwards; until then (and without a knowledge layer) searches fail
/// NotConfigured and the tool is not offered.
class ServiceDocuments final : public tools::DocumentSearch
{
public:
    void attach(service::AgencyService *service) { m_service = service; }
    core::Async<core::DocumentSearchResult> search(const core::DocumentSearchQuery &query) override;
    /// The flow's tools without search_documents while the tenant has no documents.
    flows::OfferedToolsSource offeredTools();

private:
    service::AgencyService *m_service = nullptr;
};

} // namespace agency::runtime

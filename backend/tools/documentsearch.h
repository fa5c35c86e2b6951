#pragma once

#include "core/async/future.h"
#include "core/document.h"

namespace agency::tools {

/// The document search the search_documents tool asks (docs/design.md#knowledge): the knowledge
/// layer implements it; the tools layer knows nothing of how documents are stored.
class DocumentSearch
{
public:
    virtual ~DocumentSearch() = default;
    virtual core::Async<core::DocumentSearchResult> search(const core::DocumentSearchQuery &query) = 0;
};

} // namespace agency::tools

#pragma once

#include "core/async/future.h"
#include "core/document.h"

namespace agency::tools {

/// What the search_documents tool searches with: a tenant's documents, hybrid retrieval (keywords
/// and meaning, fused; docs/design.md#knowledge). The tools layer declares it so the tool does
/// not depend on the knowledge layer; the knowledge layer implements it and the runtime hands it
/// to whatever builds tool registries.
///
/// search() validates the query (InvalidArgument naming the field: tenant_id, query, collection,
/// k) and only ever returns the query's tenant's chunks. The result says how many documents in
/// scope are still being indexed, so an agent can tell the user the answer may be incomplete.
///
/// Thread affinity: call it on the event-loop thread that owns the providers (it may embed the
/// query with a network embedder); the future may finish on a database thread, so attach
/// continuations with a context object.
class DocumentSearch
{
public:
    virtual ~DocumentSearch() = default;
    virtual core::Async<core::DocumentSearchResult> search(const core::DocumentSearchQuery &query) = 0;
};

} // namespace agency::tools

#pragma once

#include "documentsearch.h"
#include "tool.h"

namespace agency::tools {

/// search_documents: hybrid search over the calling tenant's documents (docs/design.md#knowledge).
/// Each hit gets a citation number, unique within the turn (ToolContext::citationCounter), that
/// the answer cites as [n]; flows::resolveCitations() turns those back into core::Citation values.
///
/// Ownership: borrows `search`, which must outlive the tool; null means no knowledge layer and
/// every call fails NotConfigured. Thread affinity: the event-loop thread of chat turns.
class SearchDocumentsTool final : public Tool
{
public:
    static constexpr int kMaxHits = 20;
    static constexpr int kDefaultHits = 5;

    explicit SearchDocumentsTool(DocumentSearch *search) : m_search(search) {}

    static QString toolName() { return QStringLiteral("search_documents"); }
    QString name() const override { return toolName(); }
    QString description() const override;
    QJsonObject parameters() const override;
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override;

    /// The tool's payload for a search result; numbering continues from `*counter` (from 1
    /// when null).
    static QJsonObject payload(const core::DocumentSearchResult &result,
                               const std::shared_ptr<std::atomic_int> &counter);

private:
    DocumentSearch *m_search;
};

} // namespace agency::tools

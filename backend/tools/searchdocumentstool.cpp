#include "searchdocumentstool.h"

#include <QJsonArray>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

QString SearchDocumentsTool::description() const
{
    return QStringLiteral(
        "Search the documents this client uploaded (briefs, contracts, reports) by meaning and by "
        "words. Returns numbered passages with their document title and page; cite every fact you "
        "take from them as [n] with the passage's citation number.");
}

QJsonObject SearchDocumentsTool::parameters() const
{
    return QJsonObject{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("query"),
              QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                          {QStringLiteral("minLength"), 1},
                          {QStringLiteral("maxLength"), 2000},
                          {QStringLiteral("description"),
                           QStringLiteral("What to look for, in words likely to appear in the passage")}}},
             {QStringLiteral("collection"),
              QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                          {QStringLiteral("maxLength"), 100},
                          {QStringLiteral("description"),
                           QStringLiteral("Only this collection of documents (default: all of them)")}}},
             {QStringLiteral("k"),
              QJsonObject{{QStringLiteral("type"), QStringLiteral("integer")},
                          {QStringLiteral("minimum"), 1},
                          {QStringLiteral("maximum"), kMaxHits},
                          {QStringLiteral("default"), kDefaultHits},
                          {QStringLiteral("description"), QStringLiteral("How many passages to return")}}}}},
        {QStringLiteral("required"), QJsonArray{QStringLiteral("query")}},
        {QStringLiteral("additionalProperties"), false}};
}

QJsonObject SearchDocumentsTool::payload(const core::DocumentSearchResult &result,
                                         const std::shared_ptr<std::atomic_int> &counter)
{
    // One atomic step reserves this call's numbers, so parallel searches of a turn never share one.
    const int size = static_cast<int>(result.hits.size());
    const int first = (counter ? counter->fetch_add(size) : 0) + 1;
    QJsonArray hits;
    for (int i = 0; i < size; ++i) {
        const core::DocumentHit &hit = result.hits.at(i);
        hits.append(
            QJsonObject{{QStringLiteral("citation"), first + i},
                        {QStringLiteral("document_id"), hit.documentId.toString(QUuid::WithoutBraces)},
                        {QStringLiteral("title"), hit.title},
                        {QStringLiteral("page"), hit.page},
                        {QStringLiteral("passage"), hit.text},
                        {QStringLiteral("chunk_id"), hit.chunkId},
                        {QStringLiteral("start"), hit.start},
                        {QStringLiteral("end"), hit.end}});
    }
    QJsonObject json{{QStringLiteral("hits"), hits}, {QStringLiteral("indexing"), result.documentsIndexing}};
    if (result.documentsIndexing > 0) {
        json.insert(QStringLiteral("note"),
                    QStringLiteral("%1 documents are still being indexed; results may be incomplete")
                        .arg(result.documentsIndexing));
    }
    json.insert(QStringLiteral("instruction"),
                hits.isEmpty() ? QStringLiteral("No passage matched: say so rather than guessing.")
                               : QStringLiteral("Cite each passage you use as [n], n being its citation "
                                                "number, right after the statement it supports."));
    return json;
}

core::Async<QJsonObject> SearchDocumentsTool::execute(const QJsonObject &arguments,
                                                      const ToolContext &context,
                                                      const core::CancelTokenPtr &)
{
    if (!m_search) {
        return core::failedAsync<QJsonObject>(
            makeError(ErrorCode::NotConfigured, QStringLiteral("document search is not available here")));
    }
    if (context.tenantId.isEmpty()) {
        return core::failedAsync<QJsonObject>(makeError(
            ErrorCode::InvalidArgument, QStringLiteral("search_documents runs only within a tenant's turn")));
    }
    core::DocumentSearchQuery query;
    query.tenantId = context.tenantId;
    query.query = arguments.value(QLatin1String("query")).toString().simplified();
    query.collection = arguments.value(QLatin1String("collection")).toString().trimmed();
    query.k = arguments.value(QLatin1String("k")).toInt(kDefaultHits);
    if (query.query.isEmpty()) {
        return core::failedAsync<QJsonObject>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("query: must not be blank")));
    }
    return m_search->search(query).then(
        [counter = context.citationCounter](
            const Result<core::DocumentSearchResult> &found) -> Result<QJsonObject> {
            if (!found)
                return found.error();
            return payload(found.value(), counter);
        });
}

} // namespace agency::tools

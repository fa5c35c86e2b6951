// KnowledgeBase::search: PostgreSQL full-text ranking and vector similarity over the tenant's
// searchable chunks, fused by their normalised scores or by reciprocal rank (docs/design.md#knowledge).

#include "core/async/resultpromise.h"
#include "core/async/whenfinished.h"
#include "core/validation.h"
#include "db/documentrepository.h"
#include "indexmanager.h"
#include "knowledge/index/fusion.h"
#include "knowledgebase.h"
#include "llm/embedder.h"

#include <QLoggingCategory>

#include <algorithm>

namespace agency::knowledge {

Q_LOGGING_CATEGORY(lcSearch, "agency.knowledge.search")

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr qsizetype kMaxQueryChars = 1000;

/// The model a collection's vector search uses: the tenant's current model once every searchable
/// document has its embeddings, else the old model most documents still have (a model change
/// being indexed is served by the old index until it is complete).
QString servingModel(const db::CollectionModels &collection, const QString &current)
{
    if (collection.models.size() == 1 || collection.models.isEmpty())
        return collection.models.isEmpty() ? QString() : collection.models.first().first;
    for (const auto &[model, documents] : collection.models)
        if (model != current)
            return model;
    return current;
}

/// What one search gathers before fusing: the keyword ranking and each collection's vector hits.
struct SearchState
{
    core::DocumentSearchQuery query;
    QList<db::KeywordHit> keywordHits;
    QList<VectorHit> vectorHits;
    int indexing = 0;
    int pending = 0;
    std::optional<core::Error> error;
    core::ResultPromise<core::DocumentSearchResult> promise;
};

} // namespace

core::Async<core::DocumentSearchResult> KnowledgeBase::search(const core::DocumentSearchQuery &q)
{
    if (auto ok = core::validateTenantId(q.tenantId); !ok)
        return core::failedAsync<core::DocumentSearchResult>(ok.error());
    if (q.query.trimmed().isEmpty() || q.query.size() > kMaxQueryChars)
        return core::failedAsync<core::DocumentSearchResult>(makeError(
            ErrorCode::InvalidArgument, QStringLiteral("query: must be 1-%1 characters").arg(kMaxQueryChars),
            {{QStringLiteral("field"), QStringLiteral("query")}}));
    if (q.k < 1 || q.k > m_deps.options.maxK)
        return core::failedAsync<core::DocumentSearchResult>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("k: must be 1-%1").arg(m_deps.options.maxK),
                      {{QStringLiteral("field"), QStringLiteral("k")}}));
    static const QRegularExpression kCollectionRule(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
    if (!q.collection.isEmpty() && !kCollectionRule.match(q.collection).hasMatch())
        return core::failedAsync<core::DocumentSearchResult>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("collection: is not a collection name"),
                      {{QStringLiteral("field"), QStringLiteral("collection")}}));

    auto state = std::make_shared<SearchState>();
    state->query = q;
    const int candidates = std::max(m_deps.options.candidates, q.k);
    const KnowledgeOptions options = m_deps.options;
    db::DocumentRepository *documents = m_deps.documents;

    // Runs once everything gathered: fuse, read the winning chunks, keep k.
    auto finishOne = [this, state, candidates, options, documents]() {
        if (--state->pending > 0)
            return;
        if (state->error) {
            state->promise.finish(*state->error);
            return;
        }
        std::stable_sort(state->vectorHits.begin(), state->vectorHits.end(),
                         [](const VectorHit &a, const VectorHit &b) { return a.score > b.score; });
        RankedList vector{{}, options.vectorWeight, {}};
        for (const VectorHit &hit : std::as_const(state->vectorHits)) {
            if (vector.ids.size() < candidates && !vector.ids.contains(hit.chunkId)) {
                vector.ids.append(hit.chunkId);
                vector.scores.append(hit.score);
            }
        }
        RankedList keyword{{}, options.keywordWeight, {}};
        for (const db::KeywordHit &hit : std::as_const(state->keywordHits)) {
            keyword.ids.append(hit.chunkId);
            keyword.scores.append(hit.score);
        }
        const QList<FusedHit> fused = fuse({keyword, vector}, candidates, options.fusion);
        QList<qint64> ids;
        QHash<qint64, double> scores;
        for (const FusedHit &hit : fused) {
            ids.append(hit.id);
            scores.insert(hit.id, hit.score);
        }
        if (ids.isEmpty()) {
            state->promise.finish(core::DocumentSearchResult{{}, state->indexing});
            return;
        }
        core::whenFinished(this, documents->hits(state->query.tenantId, ids),
                           [state, scores](const Result<QList<core::DocumentHit>> &found) {
                               if (!found) {
                                   state->promise.finish(found.error());
                                   return;
                               }
                               QList<core::DocumentHit> hits = found.value();
                               for (core::DocumentHit &hit : hits)
                                   hit.score = scores.value(hit.chunkId);
                               std::stable_sort(hits.begin(), hits.end(),
                                                [](const core::DocumentHit &a, const core::DocumentHit &b) {
                                                    return a.score > b.score ||
                                                           (a.score == b.score && a.chunkId < b.chunkId);
                                                });
                               if (hits.size() > state->query.k)
                                   hits.resize(state->query.k);
                               state->promise.finish(core::DocumentSearchResult{hits, state->indexing});
                           });
    };
    auto failWith = [state](const core::Error &error) {
        if (!state->error)
            state->error = error;
    };

    state->pending = 3; // keyword ranking, indexing count, vector side
    core::whenFinished(this, documents->keywordSearch(q.tenantId, q.collection, q.query, candidates),
                       [state, finishOne, failWith](const Result<QList<db::KeywordHit>> &hits) {
                           if (hits)
                               state->keywordHits = hits.value();
                           else
                               failWith(hits.error());
                           finishOne();
                       });
    core::whenFinished(this, documents->indexingCount(q.tenantId, q.collection),
                       [state, finishOne, failWith](const Result<int> &count) {
                           if (count)
                               state->indexing = count.value();
                           else
                               failWith(count.error());
                           finishOne();
                       });
    // The vector side: which model each collection serves with, the query embedded once per
    // model, then each collection's index. A model that cannot embed right now (provider down)
    // leaves the keyword ranking alone rather than failing the search.
    core::whenFinished(
        this, m_deps.tenantModel(q.tenantId),
        [this, state, finishOne, failWith, candidates, documents](const Result<QString> &current) {
            if (!current) {
                failWith(current.error());
                finishOne();
                return;
            }
            core::whenFinished(
                this, documents->collectionModels(state->query.tenantId, state->query.collection),
                [this, state, finishOne, failWith, candidates,
                 current = current.value()](const Result<QList<db::CollectionModels>> &collections) {
                    if (!collections) {
                        failWith(collections.error());
                        finishOne();
                        return;
                    }
                    QHash<QString, QStringList> byModel;
                    for (const db::CollectionModels &c : collections.value())
                        if (const QString model = servingModel(c, current); !model.isEmpty())
                            byModel[model].append(c.collection);
                    state->pending += int(byModel.size());
                    finishOne(); // the vector side's own share; each model holds one from here
                    for (auto it = byModel.cbegin(); it != byModel.cend(); ++it) {
                        const QString model = it.key();
                        const QStringList names = it.value();
                        auto embedder = this->embedder(model);
                        if (!embedder) {
                            qCWarning(lcSearch) << "vector search skipped:" << embedder.error().message;
                            finishOne();
                            continue;
                        }
                        core::whenFinished(
                            this, embedder.value()->embed({state->query.query}, llm::EmbeddingPurpose::Query),
                            [this, state, finishOne, candidates, model,
                             names](const Result<llm::Embeddings> &embedded) {
                                if (!embedded || embedded->vectors.isEmpty()) {
                                    qCWarning(lcSearch) << "vector search skipped:"
                                                        << (embedded ? QStringLiteral("no vector")
                                                                     : embedded.error().message);
                                    finishOne();
                                    return;
                                }
                                state->pending += int(names.size());
                                finishOne();
                                for (const QString &collection : names) {
                                    core::whenFinished(
                                        this,
                                        m_indexes->search(state->query.tenantId, collection, model,
                                                          embedded->vectors.first(), candidates),
                                        [state, finishOne](const Result<QList<VectorHit>> &hits) {
                                            if (hits)
                                                state->vectorHits += hits.value();
                                            else
                                                qCWarning(lcSearch)
                                                    << "vector search failed:" << hits.error().message;
                                            finishOne();
                                        });
                                }
                            });
                    }
                });
        });
    return state->promise.future();
}

} // namespace agency::knowledge

#pragma once

#include <QList>

namespace agency::knowledge {

/// One retriever's answer: ids best first, their scores (higher is better) when the retriever
/// has them, and how much the list counts.
struct RankedList
{
    QList<qint64> ids;
    double weight = 1.0;
    QList<double> scores; ///< one per id, or empty (rank fusion needs none)
};

struct FusedHit
{
    qint64 id = 0;
    double score = 0.0;
    QList<int> ranks; ///< 1-based rank in each input list, 0 when absent from it
};

/// Reciprocal rank fusion: score(id) = Σ weight_i / (rankConstant + rank_i). Best first, at most
/// `limit` hits; ties keep the order of the first list.
QList<FusedHit> reciprocalRankFusion(const QList<RankedList> &lists, int limit, double rankConstant = 60.0);

/// Score fusion (a convex combination of normalised scores): each list's scores are mapped to
/// [0, 1] by min-max over that list (its best 1, its worst 0; all 1 when they are equal), and
/// score(id) = Σ weight_i × normalised_i(id), a list that lacks the id adding 0. Unlike rank
/// fusion it keeps how far ahead a list's best hits are. A list without scores counts by rank
/// (1 for the first down to 0 for the last). Best first, at most `limit`; ties keep the order
/// of first appearance.
QList<FusedHit> normalizedScoreFusion(const QList<RankedList> &lists, int limit);

/// How hybrid search fuses its keyword and vector lists (KNOWLEDGE_FUSION, KNOWLEDGE_RRF_K).
struct FusionOptions
{
    enum class Method { ReciprocalRank, Score };
    Method method = Method::Score;
    double rankConstant = 60.0; ///< reciprocal rank fusion only
};

/// The fusion the knowledge layer searches with (and `./dev bench rag` measures).
QList<FusedHit> fuse(const QList<RankedList> &lists, int limit, const FusionOptions &options);

} // namespace agency::knowledge

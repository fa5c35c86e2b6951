#pragma once

#include <QList>

namespace agency::knowledge {

/// One retriever's answer: ids best first, and how much its ranks count.
struct RankedList
{
    QList<qint64> ids;
    double weight = 1.0;
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

} // namespace agency::knowledge

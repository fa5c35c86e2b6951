#include "fusion.h"

#include <QHash>

#include <algorithm>

namespace agency::knowledge {

QList<FusedHit> reciprocalRankFusion(const QList<RankedList> &lists, int limit, double rankConstant)
{
    QList<FusedHit> hits;
    QHash<qint64, qsizetype> position; // id → index in hits, in order of first appearance
    for (qsizetype l = 0; l < lists.size(); ++l) {
        const RankedList &list = lists.at(l);
        for (qsizetype r = 0; r < list.ids.size(); ++r) {
            const qint64 id = list.ids.at(r);
            auto it = position.find(id);
            if (it == position.end()) {
                it = position.insert(id, hits.size());
                FusedHit hit;
                hit.id = id;
                hit.ranks = QList<int>(lists.size(), 0);
                hits.append(hit);
            }
            FusedHit &hit = hits[*it];
            if (hit.ranks[l] != 0)
                continue; // a list naming an id twice counts its better rank only
            hit.ranks[l] = static_cast<int>(r + 1);
            hit.score += list.weight / (rankConstant + static_cast<double>(r + 1));
        }
    }
    // Stable: equal scores keep the order of first appearance, i.e. the first list's order.
    std::stable_sort(hits.begin(), hits.end(),
                     [](const FusedHit &a, const FusedHit &b) { return a.score > b.score; });
    if (limit >= 0 && hits.size() > limit)
        hits.resize(limit);
    return hits;
}

} // namespace agency::knowledge

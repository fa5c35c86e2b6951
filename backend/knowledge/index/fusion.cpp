#include "fusion.h"

#include <QHash>

#include <algorithm>

namespace agency::knowledge {

namespace {

/// Adds `value` for list `l` at rank `r` to the hit of `id` (created in order of first
/// appearance); a list naming an id twice counts its better rank only.
class Accumulator
{
public:
    explicit Accumulator(qsizetype lists) : m_lists(lists) {}
    void add(qint64 id, qsizetype l, qsizetype r, double value)
    {
        auto it = m_position.find(id);
        if (it == m_position.end()) {
            it = m_position.insert(id, m_hits.size());
            FusedHit hit;
            hit.id = id;
            hit.ranks = QList<int>(m_lists, 0);
            m_hits.append(hit);
        }
        FusedHit &hit = m_hits[*it];
        if (hit.ranks[l] != 0)
            return;
        hit.ranks[l] = static_cast<int>(r + 1);
        hit.score += value;
    }
    QList<FusedHit> take(int limit)
    {
        // Stable: equal scores keep the order of first appearance, i.e. the first list's order.
        std::stable_sort(m_hits.begin(), m_hits.end(),
                         [](const FusedHit &a, const FusedHit &b) { return a.score > b.score; });
        if (limit >= 0 && m_hits.size() > limit)
            m_hits.resize(limit);
        return std::move(m_hits);
    }

private:
    qsizetype m_lists;
    QList<FusedHit> m_hits;
    QHash<qint64, qsizetype> m_position;
};

} // namespace

QList<FusedHit> reciprocalRankFusion(const QList<RankedList> &lists, int limit, double rankConstant)
{
    Accumulator fused(lists.size());
    for (qsizetype l = 0; l < lists.size(); ++l) {
        const RankedList &list = lists.at(l);
        for (qsizetype r = 0; r < list.ids.size(); ++r)
            fused.add(list.ids.at(r), l, r, list.weight / (rankConstant + static_cast<double>(r + 1)));
    }
    return fused.take(limit);
}

QList<FusedHit> normalizedScoreFusion(const QList<RankedList> &lists, int limit)
{
    Accumulator fused(lists.size());
    for (qsizetype l = 0; l < lists.size(); ++l) {
        const RankedList &list = lists.at(l);
        const qsizetype n = list.ids.size();
        if (n == 0)
            continue;
        const bool scored = list.scores.size() == n;
        double best = 0, worst = 0;
        if (scored) {
            const auto [low, high] = std::minmax_element(list.scores.cbegin(), list.scores.cend());
            best = *high;
            worst = *low;
        }
        for (qsizetype r = 0; r < n; ++r) {
            double normalised = 1.0;
            if (scored && best > worst)
                normalised = (list.scores.at(r) - worst) / (best - worst);
            else if (!scored && n > 1)
                normalised = 1.0 - static_cast<double>(r) / static_cast<double>(n - 1);
            fused.add(list.ids.at(r), l, r, list.weight * normalised);
        }
    }
    return fused.take(limit);
}

QList<FusedHit> fuse(const QList<RankedList> &lists, int limit, const FusionOptions &options)
{
    if (options.method == FusionOptions::Method::ReciprocalRank)
        return reciprocalRankFusion(lists, limit, options.rankConstant);
    return normalizedScoreFusion(lists, limit);
}

} // namespace agency::knowledge

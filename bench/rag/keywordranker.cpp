#include "keywordranker.h"

#include "llm/demoembedder.h"

#include <algorithm>
#include <cmath>

namespace agency::bench {

QStringList KeywordRanker::words(const QString &text)
{
    return llm::DemoEmbedder::words(text); // the same words the demo embedding hashes
}

void KeywordRanker::add(qint64 id, const QString &text)
{
    const qsizetype doc = m_ids.size();
    m_ids.append(id);
    const QStringList w = words(text);
    m_lengths.append(static_cast<int>(w.size()));
    QHash<QString, int> counts;
    for (const QString &word : w)
        ++counts[word];
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        m_postings[it.key()].push_back(Posting{doc, it.value()});
}

void KeywordRanker::finish()
{
    double total = 0;
    for (int l : std::as_const(m_lengths))
        total += l;
    m_averageLength = m_lengths.isEmpty() ? 0 : total / static_cast<double>(m_lengths.size());
}

QList<qint64> KeywordRanker::search(const QString &query, int limit) const
{
    constexpr double k1 = 1.2;
    constexpr double b = 0.75;
    QHash<qsizetype, double> scores;
    const auto n = static_cast<double>(m_ids.size());
    QStringList terms = words(query);
    terms.removeDuplicates();
    for (const QString &term : std::as_const(terms)) {
        const auto it = m_postings.constFind(term);
        if (it == m_postings.cend())
            continue;
        const auto df = static_cast<double>(it->size());
        const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
        for (const Posting &p : *it) {
            const double tf = p.tf;
            const double norm = k1 * (1 - b + b * m_lengths.at(p.doc) / m_averageLength);
            scores[p.doc] += idf * tf * (k1 + 1) / (tf + norm);
        }
    }
    std::vector<std::pair<double, qsizetype>> ranked;
    for (auto it = scores.cbegin(); it != scores.cend(); ++it)
        ranked.push_back({it.value(), it.key()});
    std::sort(ranked.begin(), ranked.end(), [](const auto &x, const auto &y) {
        return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    QList<qint64> out;
    for (size_t i = 0; i < ranked.size() && static_cast<int>(i) < limit; ++i)
        out.append(m_ids.at(ranked[i].second));
    return out;
}

} // namespace agency::bench

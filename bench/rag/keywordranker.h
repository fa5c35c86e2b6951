#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <vector>

namespace agency::bench {

/// BM25 (k1 = 1.2, b = 0.75) over lower-cased words with no stemming, the ranking a
/// to_tsvector('simple') full-text index gives the same words. The benchmark's keyword method:
/// it runs in-process, so the quality numbers need no database.
class KeywordRanker
{
public:
    void add(qint64 id, const QString &text);
    /// Call once after the last add().
    void finish();
    /// Ids best first, at most `limit`; passages sharing no word are left out.
    QList<qint64> search(const QString &query, int limit) const;

    static QStringList words(const QString &text);

private:
    struct Posting
    {
        qsizetype doc;
        int tf;
    };
    QHash<QString, std::vector<Posting>> m_postings;
    QList<qint64> m_ids;
    QList<int> m_lengths;
    double m_averageLength = 0;
};

} // namespace agency::bench

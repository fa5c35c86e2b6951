#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace agency::bench {

/// How a judged query was written from its passage.
enum class QueryKind { Exact, Paraphrase, Both };

struct JudgedQuery
{
    QString text;
    qint64 relevant = 0; ///< the one passage that answers it (its index)
    QueryKind kind = QueryKind::Exact;
};

/// A generated retrieval benchmark: passages about overlapping "concepts" (synthetic words with
/// derived forms, e.g. "brantelation" / "brantelating" / "brantelated", and for some a synonym of
/// another stem), in sentences padded with common words; and queries naming three of a passage's
/// concepts, by the same words (Exact), by other forms or synonyms (Paraphrase), or mixed (Both).
/// Deterministic for a seed.
struct RagCorpus
{
    QStringList passages;
    QList<JudgedQuery> queries;

    static RagCorpus generate(int passages, int queriesPerKind, quint32 seed);
};

} // namespace agency::bench

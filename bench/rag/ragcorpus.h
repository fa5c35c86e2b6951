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

/// A generated retrieval benchmark in English (ragcorpus.cpp says how it is made): passages each
/// about one topic (three concepts of a hand-written lexicon and a named organisation) among
/// sentences about other concepts; queries asking for a passage's topic by the passage's own words
/// (Exact), by synonyms, inflections and reworded phrases that keep at most one of its words
/// (Paraphrase), or by the organisation's name and some own words mixed with reworded ones (Both).
/// Deterministic for a seed: one seed tunes the fusion settings, another evaluates them.
struct RagCorpus
{
    QStringList passages;
    QList<JudgedQuery> queries;
    int topics = 0; ///< distinct (concepts, organisation) topics among the passages

    static RagCorpus generate(int passages, int queriesPerKind, quint32 seed);
};

} // namespace agency::bench

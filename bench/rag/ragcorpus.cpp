#include "ragcorpus.h"

#include <QRandomGenerator>
#include <QSet>

using namespace Qt::StringLiterals;

namespace agency::bench {

namespace {

// Suffix families: the first form is the one passages use, the others are its derived forms.
const QList<QStringList> kFamilies = {
    {QStringLiteral("ation"), QStringLiteral("ating"), QStringLiteral("ated"), QStringLiteral("ate")},
    {QStringLiteral("ment"), QStringLiteral("ing"), QStringLiteral("ed"), QStringLiteral("s")},
    {QStringLiteral("er"), QStringLiteral("ers"), QStringLiteral("ing"), QStringLiteral("ed")},
    {QStringLiteral("ity"), QStringLiteral("al"), QStringLiteral("ally"), QStringLiteral("ize")},
    {QStringLiteral("ness"), QStringLiteral("ful"), QStringLiteral("fully"), QStringLiteral("less")},
};

const QStringList kCommon = {
    QStringLiteral("the"),     QStringLiteral("project"), QStringLiteral("team"),   QStringLiteral("client"),
    QStringLiteral("report"),  QStringLiteral("during"),  QStringLiteral("review"), QStringLiteral("quarter"),
    QStringLiteral("plan"),    QStringLiteral("each"),    QStringLiteral("new"),    QStringLiteral("with"),
    QStringLiteral("process"), QStringLiteral("after"),   QStringLiteral("should"), QStringLiteral("agreed"),
    QStringLiteral("was"),     QStringLiteral("for"),     QStringLiteral("and"),    QStringLiteral("a")};

struct Concept
{
    QString stem;
    int family = 0;
    QString synonym; ///< a word of another stem meaning the same; empty for most
    QString form(int i) const { return stem + kFamilies.at(family).at(i); }
};

QString pseudoWord(QRandomGenerator &random, int syllables)
{
    static const QStringList onsets = {u"br"_s, u"k"_s,  u"t"_s, u"m"_s, u"v"_s,  u"pl"_s, u"sn"_s,
                                       u"d"_s,  u"gr"_s, u"l"_s, u"f"_s, u"st"_s, u"r"_s,  u"z"_s};
    static const QStringList vowels = {u"a"_s, u"e"_s, u"i"_s, u"o"_s, u"u"_s, u"ai"_s, u"ou"_s};
    static const QStringList codas = {u"n"_s, u"l"_s, u"r"_s, u""_s, u"m"_s, u"s"_s, u"nt"_s};
    QString w;
    for (int s = 0; s < syllables; ++s)
        w += onsets.at(random.bounded(onsets.size())) + vowels.at(random.bounded(vowels.size())) +
             codas.at(random.bounded(codas.size()));
    return w;
}

} // namespace

RagCorpus RagCorpus::generate(int passageCount, int queriesPerKind, quint32 seed)
{
    QRandomGenerator random(seed);
    // A vocabulary about a third the size of the passages times their concepts: each concept
    // appears in a couple of dozen passages, so one word never identifies a passage.
    const int conceptCount = std::max(50, passageCount / 4);
    QList<Concept> concepts;
    QSet<QString> stems;
    while (concepts.size() < conceptCount) {
        Concept c;
        c.stem = pseudoWord(random, 2 + random.bounded(2));
        if (stems.contains(c.stem))
            continue;
        stems.insert(c.stem);
        c.family = random.bounded(kFamilies.size());
        if (random.bounded(4) == 0) // a quarter also have a synonym: another word altogether
            c.synonym = pseudoWord(random, 3);
        concepts.append(c);
    }

    RagCorpus corpus;
    QList<QList<int>> passageConcepts;
    for (int p = 0; p < passageCount; ++p) {
        QList<int> chosen;
        while (chosen.size() < 7) {
            // Skewed: low-numbered concepts are frequent, like common topics.
            const double u = random.generateDouble();
            const int c = static_cast<int>(u * u * conceptCount);
            if (!chosen.contains(c))
                chosen.append(c);
        }
        QString text;
        for (int c : std::as_const(chosen)) {
            QStringList sentence;
            for (int w = 0; w < 4; ++w)
                sentence.append(kCommon.at(random.bounded(kCommon.size())));
            sentence.insert(random.bounded(sentence.size() + 1), concepts.at(c).form(0));
            text += sentence.join(u' ') + QStringLiteral(". ");
        }
        corpus.passages.append(text.trimmed());
        passageConcepts.append(chosen);
    }

    auto variant = [&](const Concept &c) {
        if (!c.synonym.isEmpty() && random.bounded(2) == 0)
            return c.synonym;
        return c.form(1 + random.bounded(3));
    };
    for (QueryKind kind : {QueryKind::Exact, QueryKind::Paraphrase, QueryKind::Both}) {
        for (int q = 0; q < queriesPerKind; ++q) {
            JudgedQuery query;
            query.kind = kind;
            query.relevant = random.bounded(passageCount);
            QList<int> own = passageConcepts.at(query.relevant);
            QStringList words;
            for (int i = 0; i < 3; ++i) {
                const Concept &c = concepts.at(own.takeAt(random.bounded(own.size())));
                const bool exact = kind == QueryKind::Exact || (kind == QueryKind::Both && i < 2);
                words.append(exact ? c.form(0) : variant(c));
            }
            words.append(kCommon.at(random.bounded(kCommon.size())));
            query.text = words.join(u' ');
            corpus.queries.append(query);
        }
    }
    return corpus;
}

} // namespace agency::bench

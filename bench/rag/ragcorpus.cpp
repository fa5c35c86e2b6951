#include "ragcorpus.h"

#include "raglexicon.h"

#include <QRandomGenerator>
#include <QSet>

#include <cmath>

using namespace Qt::StringLiterals;

namespace agency::bench {

namespace {

// A passage: two sentences on its topic (concepts a, b, c and organisation e) and three on other
// concepts (x, y), in random order, as a chunk of a client's report reads.
const QStringList kTopicSentences = {
    u"This section of the %e file sets out the %a and how it relates to the %b."_s,
    u"For %e, the %a depends on the %b agreed last year."_s,
    u"The %b described here applies to %e only once the %c is confirmed."_s,
    u"%e asked the team to review the %c together with the %a."_s,
    u"Under the current terms the %c of %e is linked to the %b."_s,
    u"Any question about the %a or the %c should go to the %e account lead."_s,
};
const QStringList kOtherSentences = {
    u"Separately, the team noted the %x in the quarterly report."_s,
    u"A note on the %x and the %y was added for the next review."_s,
    u"The %x was discussed, but no change to the %y was made."_s,
    u"Earlier drafts also mentioned the %x."_s,
    u"Figures for the %y are in the appendix."_s,
    u"The board will look at the %x again in spring."_s,
};
// How people phrase a search around the words they chose.
const QStringList kQueryFrames = {u"%q"_s, u"what does it say about %q"_s, u"%q?"_s, u"find %q"_s,
                                  u"how is %q handled"_s};

QString organisation(QRandomGenerator &random)
{
    static const QStringList onsets = {u"Br"_s, u"K"_s, u"T"_s, u"M"_s,  u"V"_s, u"Pl"_s, u"D"_s,
                                       u"Gr"_s, u"L"_s, u"F"_s, u"St"_s, u"R"_s, u"H"_s,  u"N"_s};
    static const QStringList rest = {u"alden"_s, u"ovex"_s, u"arrow"_s, u"emis"_s, u"olt"_s,   u"undra"_s,
                                     u"ixon"_s,  u"ern"_s,  u"ascot"_s, u"ilia"_s, u"orvik"_s, u"enta"_s};
    static const QStringList middle = {u""_s, u"an"_s, u"el"_s, u"or"_s, u"is"_s, u"um"_s};
    static const QStringList suffix = {u""_s, u"ia"_s, u"ex"_s, u"on"_s, u"ard"_s};
    return onsets.at(random.bounded(onsets.size())) + middle.at(random.bounded(middle.size())) +
           rest.at(random.bounded(rest.size())) + suffix.at(random.bounded(suffix.size()));
}

struct Passage
{
    QList<int> topic;  ///< three concepts
    QStringList forms; ///< the form each topic concept takes in the text
    QString name;      ///< the organisation
};

} // namespace

RagCorpus RagCorpus::generate(int passageCount, int queriesPerKind, quint32 seed)
{
    QRandomGenerator random(seed);
    const QList<QStringList> &lexicon = ragLexicon();
    const int concepts = static_cast<int>(lexicon.size());
    // Skewed: some concepts are common topics, most are rarer, as in a real collection.
    auto pickConcept = [&] { return static_cast<int>(std::pow(random.generateDouble(), 1.5) * concepts); };
    // Usually the common form; sometimes an inflection or synonym (writers vary their words too).
    auto pickForm = [&](int c) {
        const QStringList &forms = lexicon.at(c);
        return random.bounded(10) < 7 ? forms.first() : forms.at(1 + random.bounded(forms.size() - 1));
    };
    // About three passages per organisation: a name alone does not identify a passage.
    QStringList names;
    QSet<QString> seen;
    // (14 × 6 × 12 × 5 = 5,040 names: enough for 15,000 passages; bounded tries all the same.)
    for (int tries = 0; names.size() < std::max(10, passageCount / 3) && tries < 1'000'000; ++tries) {
        const QString n = organisation(random);
        if (!seen.contains(n))
            names.append(n);
        seen.insert(n);
    }

    RagCorpus corpus;
    QList<Passage> passages;
    QSet<QString> topics;
    for (int p = 0; p < passageCount; ++p) {
        Passage passage;
        while (passage.topic.size() < 3) {
            const int c = pickConcept();
            if (!passage.topic.contains(c))
                passage.topic.append(c);
        }
        for (int c : std::as_const(passage.topic))
            passage.forms.append(pickForm(c));
        passage.name = names.at(random.bounded(names.size()));
        QList<int> sorted = passage.topic;
        std::sort(sorted.begin(), sorted.end());
        topics.insert(
            QStringLiteral("%1 %2 %3 %4").arg(sorted[0]).arg(sorted[1]).arg(sorted[2]).arg(passage.name));

        QStringList sentences;
        auto fill = [&](QString s) {
            s.replace(u"%e"_s, passage.name);
            s.replace(u"%a"_s, passage.forms[0]);
            s.replace(u"%b"_s, passage.forms[1]);
            s.replace(u"%c"_s, passage.forms[2]);
            for (const QString &slot : {u"%x"_s, u"%y"_s}) {
                int c = pickConcept();
                while (passage.topic.contains(c))
                    c = random.bounded(concepts);
                s.replace(slot, pickForm(c));
            }
            return s;
        };
        // Two topic sentences that together name a, b and c.
        const int first = random.bounded(kTopicSentences.size());
        int second = random.bounded(kTopicSentences.size());
        while (second == first)
            second = random.bounded(kTopicSentences.size());
        sentences << fill(kTopicSentences.at(first)) << fill(kTopicSentences.at(second));
        if (!sentences.join(u' ').contains(passage.forms[2]) ||
            !sentences.join(u' ').contains(passage.forms[1]))
            sentences << fill(u"It also covers the %b and the %c."_s);
        for (int i = 0; i < 3; ++i)
            sentences << fill(kOtherSentences.at(random.bounded(kOtherSentences.size())));
        for (qsizetype i = sentences.size() - 1; i > 0; --i)
            sentences.swapItemsAt(i, random.bounded(i + 1));
        corpus.passages.append(sentences.join(u' '));
        passages.append(passage);
    }
    corpus.topics = static_cast<int>(topics.size());

    // A form of concept c that the passage does not use: an inflection, a synonym or a phrase.
    auto reworded = [&](const Passage &p, int i) {
        const QStringList &forms = lexicon.at(p.topic.at(i));
        QString f = p.forms.at(i);
        while (f == p.forms.at(i))
            f = forms.at(random.bounded(forms.size()));
        return f;
    };
    for (QueryKind kind : {QueryKind::Exact, QueryKind::Paraphrase, QueryKind::Both}) {
        for (int q = 0; q < queriesPerKind; ++q) {
            JudgedQuery query;
            query.kind = kind;
            query.relevant = random.bounded(passageCount);
            const Passage &p = passages.at(query.relevant);
            QList<bool> own(3, kind == QueryKind::Exact);
            bool withName = kind == QueryKind::Exact ? random.bounded(2) == 0 : false;
            if (kind == QueryKind::Paraphrase) {
                if (random.bounded(2) == 0) // realistic paraphrases often keep one word
                    own[random.bounded(3)] = true;
            } else if (kind == QueryKind::Both) {
                withName = random.bounded(10) < 7;
                own[random.bounded(3)] = true;
                if (!withName) // then two of the passage's own words, one reworded
                    for (int i = 0; i < 3 && own.count(true) < 2; ++i)
                        own[i] = true;
            }
            QStringList terms;
            for (int i = 0; i < 3; ++i)
                terms.append(own[i] ? p.forms.at(i) : reworded(p, i));
            for (qsizetype i = terms.size() - 1; i > 0; --i)
                terms.swapItemsAt(i, random.bounded(i + 1));
            if (withName)
                terms.insert(random.bounded(terms.size() + 1), p.name);
            QString text = kQueryFrames.at(random.bounded(kQueryFrames.size()));
            text.replace(u"%q"_s, random.bounded(2) ? terms.join(u' ') : terms.join(u" and "_s));
            query.text = text;
            corpus.queries.append(query);
        }
    }
    return corpus;
}

} // namespace agency::bench

// Reciprocal rank fusion and score fusion: the formulas, weights, ties, limits, ids in one list
// only, lists without scores, and the dispatch the knowledge layer searches with.
#include "knowledge/index/fusion.h"

#include <QTest>

using namespace agency::knowledge;

class TestFusion : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formulaAndOrder()
    {
        const QList<FusedHit> hits =
            reciprocalRankFusion({RankedList{{1, 2, 3}, 1.0, {}}, RankedList{{3, 4}, 1.0, {}}}, 10);
        QCOMPARE(hits.size(), 4);
        // 3: 1/63 + 1/61 beats 1 (1/61), 2 (1/62), 4 (1/62).
        QCOMPARE(hits.at(0).id, 3);
        QVERIFY(qFuzzyCompare(hits.at(0).score, 1.0 / 63 + 1.0 / 61));
        QCOMPARE(hits.at(0).ranks, (QList<int>{3, 1}));
        QCOMPARE(hits.at(1).id, 1);
        QCOMPARE(hits.at(1).ranks, (QList<int>{1, 0}));
        // 2 and 4 tie at 1/62: the first list's order wins.
        QCOMPARE(hits.at(2).id, 2);
        QCOMPARE(hits.at(3).id, 4);
    }

    void weightsAndLimit()
    {
        const QList<FusedHit> hits =
            reciprocalRankFusion({RankedList{{1, 2}, 0.5, {}}, RankedList{{2, 1}, 2.0, {}}}, 1, 10.0);
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.at(0).id, 2); // 0.5/12 + 2/11 > 0.5/11 + 2/12
        QVERIFY(qFuzzyCompare(hits.at(0).score, 0.5 / 12 + 2.0 / 11));
    }

    void emptyAndDuplicates()
    {
        QVERIFY(reciprocalRankFusion({}, 10).isEmpty());
        QVERIFY(reciprocalRankFusion({RankedList{}, RankedList{}}, 10).isEmpty());
        const QList<FusedHit> hits = reciprocalRankFusion({RankedList{{7, 7, 8}, 1.0, {}}}, 10);
        QCOMPARE(hits.size(), 2);
        QVERIFY(qFuzzyCompare(hits.at(0).score, 1.0 / 61)); // the repeat does not count twice
    }

    void scoreFusionNormalisesEachList()
    {
        // Keyword scores 0.9, 0.5, 0.1 → 1, 0.5, 0; vector scores 0.8, 0.7 → 1, 0.
        const QList<FusedHit> hits = normalizedScoreFusion(
            {RankedList{{1, 2, 3}, 1.5, {0.9, 0.5, 0.1}}, RankedList{{2, 4}, 1.0, {0.8, 0.7}}}, 10);
        QCOMPARE(hits.size(), 4);
        QCOMPARE(hits.at(0).id, 2); // 1.5 × 0.5 + 1 × 1 = 1.75
        QVERIFY(qFuzzyCompare(hits.at(0).score, 1.75));
        QCOMPARE(hits.at(0).ranks, (QList<int>{2, 1}));
        QCOMPARE(hits.at(1).id, 1); // 1.5 × 1
        QVERIFY(qFuzzyCompare(hits.at(1).score, 1.5));
        // 3 (last of its list) and 4 (last of its list) both add 0: first appearance wins.
        QCOMPARE(hits.at(2).id, 3);
        QCOMPARE(hits.at(3).id, 4);
        QCOMPARE(hits.at(3).score, 0.0);
    }

    void scoreFusionKeepsTheMargin()
    {
        // By rank 10 and 20 tie (each first in one list); by score the keyword list's 10 is far
        // ahead of its runner-up while the vector list's 20 barely leads: 10 wins.
        const QList<RankedList> lists = {RankedList{{10, 20, 30}, 1.0, {1.0, 0.1, 0.0}},
                                         RankedList{{20, 10, 30}, 1.0, {0.50, 0.49, 0.0}}};
        QCOMPARE(normalizedScoreFusion(lists, 1).at(0).id, 10);
        QVERIFY(qFuzzyCompare(normalizedScoreFusion(lists, 1).at(0).score, 1.0 + 0.98));
        const QList<FusedHit> byRank = reciprocalRankFusion(lists, 2);
        QVERIFY(qFuzzyCompare(byRank.at(0).score, byRank.at(1).score));
    }

    void scoreFusionEdgeCases()
    {
        QVERIFY(normalizedScoreFusion({}, 10).isEmpty());
        QVERIFY(normalizedScoreFusion({RankedList{}, RankedList{}}, 10).isEmpty());
        // Equal scores all normalise to 1; a repeated id counts once.
        const QList<FusedHit> equal =
            normalizedScoreFusion({RankedList{{5, 6, 5}, 2.0, {0.3, 0.3, 0.3}}}, 10);
        QCOMPARE(equal.size(), 2);
        QVERIFY(qFuzzyCompare(equal.at(0).score, 2.0));
        QVERIFY(qFuzzyCompare(equal.at(1).score, 2.0));
        // Without scores a list counts by rank: 1, 0.5, 0.
        const QList<FusedHit> ranked = normalizedScoreFusion({RankedList{{7, 8, 9}, 1.0, {}}}, 2);
        QCOMPARE(ranked.size(), 2);
        QVERIFY(qFuzzyCompare(ranked.at(0).score, 1.0));
        QVERIFY(qFuzzyCompare(ranked.at(1).score, 0.5));
    }

    void fuseDispatchesOnTheMethod()
    {
        const QList<RankedList> lists = {RankedList{{1, 2}, 1.0, {1.0, 0.0}},
                                         RankedList{{2, 1, 3}, 1.0, {1.0, 0.5, 0.0}}};
        FusionOptions rrf;
        rrf.method = FusionOptions::Method::ReciprocalRank;
        rrf.rankConstant = 10;
        QVERIFY(qFuzzyCompare(fuse(lists, 1, rrf).at(0).score, 1.0 / 11 + 1.0 / 12));
        const FusionOptions score; // the default
        QCOMPARE(score.method, FusionOptions::Method::Score);
        const QList<FusedHit> hits = fuse(lists, 3, score);
        QCOMPARE(hits.at(0).id, 1); // 1 + 0.5
        QVERIFY(qFuzzyCompare(hits.at(0).score, 1.5));
        QCOMPARE(hits.at(1).id, 2); // 0 + 1
        QVERIFY(qFuzzyCompare(hits.at(1).score, 1.0));
    }
};

QTEST_GUILESS_MAIN(TestFusion)
#include "test_fusion.moc"

// Reciprocal rank fusion: the formula, weights, ties, limits, ids in one list only.
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
            reciprocalRankFusion({RankedList{{1, 2, 3}, 1.0}, RankedList{{3, 4}, 1.0}}, 10);
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
            reciprocalRankFusion({RankedList{{1, 2}, 0.5}, RankedList{{2, 1}, 2.0}}, 1, 10.0);
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.at(0).id, 2); // 0.5/12 + 2/11 > 0.5/11 + 2/12
        QVERIFY(qFuzzyCompare(hits.at(0).score, 0.5 / 12 + 2.0 / 11));
    }

    void emptyAndDuplicates()
    {
        QVERIFY(reciprocalRankFusion({}, 10).isEmpty());
        QVERIFY(reciprocalRankFusion({RankedList{}, RankedList{}}, 10).isEmpty());
        const QList<FusedHit> hits = reciprocalRankFusion({RankedList{{7, 7, 8}, 1.0}}, 10);
        QCOMPARE(hits.size(), 2);
        QVERIFY(qFuzzyCompare(hits.at(0).score, 1.0 / 61)); // the repeat does not count twice
    }
};

QTEST_GUILESS_MAIN(TestFusion)
#include "test_fusion.moc"

// The vector index: exact search against a naive reference, the HNSW graph's recall against exact
// search, the switch between them, remove, save/load, damaged files refused, and searches running
// while vectors are added.
#include "knowledge/index/vectorindex.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

using namespace agency;
using namespace agency::knowledge;

namespace {

/// `count` random unit vectors of `dimension`, row after row, from a fixed seed.
std::vector<float> randomUnitVectors(qint64 count, int dimension, quint32 seed)
{
    QRandomGenerator random(seed);
    std::vector<float> data(static_cast<size_t>(count * dimension));
    for (qint64 i = 0; i < count; ++i) {
        float *row = data.data() + i * dimension;
        double norm = 0;
        for (int d = 0; d < dimension; ++d) {
            row[d] = static_cast<float>(random.generateDouble() * 2 - 1);
            norm += static_cast<double>(row[d]) * row[d];
        }
        for (int d = 0; d < dimension; ++d)
            row[d] = static_cast<float>(row[d] / std::sqrt(norm));
    }
    return data;
}

/// The k best ids by a plain double-precision dot product.
QList<qint64> naiveTop(const std::vector<float> &data, const std::vector<qint64> &ids, int dimension,
                       const float *query, int k)
{
    std::vector<std::pair<double, qint64>> scored;
    for (size_t i = 0; i < ids.size(); ++i) {
        double s = 0;
        for (int d = 0; d < dimension; ++d)
            s += static_cast<double>(data[i * dimension + d]) * query[d];
        scored.push_back({s, ids[i]});
    }
    std::sort(scored.begin(), scored.end(), [](auto a, auto b) { return a.first > b.first; });
    QList<qint64> out;
    for (int i = 0; i < k && i < static_cast<int>(scored.size()); ++i)
        out.append(scored[i].second);
    return out;
}

QList<qint64> idsOf(const QList<VectorHit> &hits)
{
    QList<qint64> out;
    for (const VectorHit &h : hits)
        out.append(h.chunkId);
    return out;
}

} // namespace

class TestVectorIndex : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exactMatchesNaiveSearch()
    {
        const int dim = 32;
        const auto data = randomUnitVectors(500, dim, 1);
        std::vector<qint64> ids;
        auto index = VectorIndex::create(dim);
        for (qint64 i = 0; i < 500; ++i) {
            ids.push_back(1000 + i * 3);
            index->add(ids.back(), data.data() + i * dim);
        }
        QCOMPARE(index->size(), 500);
        QVERIFY(!index->isApproximate());
        QCOMPARE(index->maxChunkId(), 1000 + 499 * 3);
        QVERIFY(index->memoryBytes() >= 500 * dim * 4);
        const auto queries = randomUnitVectors(20, dim, 2);
        for (int q = 0; q < 20; ++q) {
            const QList<VectorHit> hits = index->search(queries.data() + q * dim, 10);
            QCOMPARE(idsOf(hits), naiveTop(data, ids, dim, queries.data() + q * dim, 10));
            for (qsizetype i = 1; i < hits.size(); ++i)
                QVERIFY(hits[i - 1].score >= hits[i].score);
        }
        // A stored vector finds itself first, with cosine 1.
        const QList<VectorHit> self = index->search(data.data() + 42 * dim, 1);
        QCOMPARE(self.at(0).chunkId, ids[42]);
        QVERIFY(std::abs(self.at(0).score - 1.0f) < 1e-5f);
        QCOMPARE(index->search(queries.data(), 1000).size(), 500);
        QVERIFY(index->search(queries.data(), 0).isEmpty());
    }

    void addReplacesAndRemoveForgets()
    {
        const int dim = 16;
        const auto data = randomUnitVectors(3, dim, 3);
        for (qint64 exactBelow : {qint64(1'000), qint64(1)}) { // exact, then graph from the first vector
            auto index = VectorIndex::create(dim, VectorIndexOptions{exactBelow, 8, 50, 50});
            index->add(1, data.data());
            index->add(2, data.data() + dim);
            index->add(1, data.data() + 2 * dim); // replaces chunk 1's vector
            QCOMPARE(index->size(), 2);
            QCOMPARE(index->search(data.data() + 2 * dim, 1).at(0).chunkId, 1);
            index->remove(2);
            index->remove(2);
            index->remove(99);
            QCOMPARE(index->size(), 1);
            QCOMPARE(idsOf(index->search(data.data() + dim, 5)), QList<qint64>{1});
            QCOMPARE(idsOf(index->searchExact(data.data() + dim, 5)), QList<qint64>{1});
            index->add(2, data.data() + dim); // back after removal
            QCOMPARE(index->size(), 2);
            QCOMPARE(index->search(data.data() + dim, 1).at(0).chunkId, 2);
        }
    }

    void hnswRecallAgainstExact()
    {
        const int dim = 48;
        const qint64 n = 6000;
        const auto data = randomUnitVectors(n, dim, 4);
        auto index = VectorIndex::create(dim, VectorIndexOptions{2'000, 16, 200, 96});
        std::vector<qint64> ids;
        for (qint64 i = 0; i < n; ++i)
            ids.push_back(i + 1);
        // Half one by one (crossing exactBelow), half as a parallel batch.
        for (qint64 i = 0; i < n / 2; ++i)
            index->add(ids[i], data.data() + i * dim);
        QVERIFY(index->isApproximate());
        index->addBatch(ids.data() + n / 2, data.data() + (n / 2) * dim, n / 2, 2);
        QCOMPARE(index->size(), n);
        QCOMPARE(index->maxChunkId(), n);
        const auto queries = randomUnitVectors(100, dim, 5);
        int found = 0;
        for (int q = 0; q < 100; ++q) {
            const QList<qint64> exact = idsOf(index->searchExact(queries.data() + q * dim, 10));
            QCOMPARE(exact, naiveTop(data, ids, dim, queries.data() + q * dim, 10));
            for (qint64 id : idsOf(index->search(queries.data() + q * dim, 10)))
                found += exact.contains(id) ? 1 : 0;
        }
        const double recall = found / 1000.0;
        QVERIFY2(recall >= 0.95, qPrintable(QStringLiteral("recall@10 %1").arg(recall)));
    }

    void batchCrossingExactBelowBuildsTheGraph()
    {
        // One addBatch from empty: the exact part, the switch to the graph (its first point alone,
        // the rest on 2 threads) and the remainder, as a rebuild from the database does it.
        const int dim = 32;
        const qint64 n = 3000;
        const auto data = randomUnitVectors(n, dim, 9);
        std::vector<qint64> ids;
        for (qint64 i = 0; i < n; ++i)
            ids.push_back(1000 + i * 3);
        auto index = VectorIndex::create(dim, VectorIndexOptions{1'000, 16, 100, 64});
        index->addBatch(ids.data(), data.data(), n, 2);
        QVERIFY(index->isApproximate());
        QCOMPARE(index->size(), n);
        QCOMPARE(index->maxChunkId(), ids.back());
        int self = 0;
        for (qint64 i = 0; i < n; ++i) {
            const QList<VectorHit> hits = index->search(data.data() + i * dim, 1);
            self += !hits.isEmpty() && hits.first().chunkId == ids[size_t(i)] ? 1 : 0;
        }
        QVERIFY2(self >= n * 99 / 100,
                 qPrintable(QStringLiteral("%1 of %2 find themselves").arg(self).arg(n)));
        // A second batch of the same ids replaces their vectors: the size stays.
        index->addBatch(ids.data(), data.data(), n, 2);
        QCOMPARE(index->size(), n);
    }

    void saveLoadRoundTrip_data()
    {
        QTest::addColumn<qint64>("exactBelow");
        QTest::newRow("exact") << qint64(10'000);
        QTest::newRow("graph") << qint64(100);
    }

    void saveLoadRoundTrip()
    {
        QFETCH(qint64, exactBelow);
        const int dim = 24;
        const auto data = randomUnitVectors(800, dim, 6);
        auto index = VectorIndex::create(dim, VectorIndexOptions{exactBelow, 12, 100, 64});
        for (qint64 i = 0; i < 800; ++i)
            index->add(i * 2 + 5, data.data() + i * dim);
        index->remove(5);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idx.bin"));
        QVERIFY(index->save(path).ok());
        QVERIFY(index->save(path).ok()); // over an existing file
        auto loaded = VectorIndex::load(path, VectorIndexOptions{exactBelow, 12, 100, 64});
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().message));
        const auto &copy = loaded.value();
        QCOMPARE(copy->dimension(), dim);
        QCOMPARE(copy->size(), 799);
        QCOMPARE(copy->maxChunkId(), 799 * 2 + 5);
        QCOMPARE(copy->isApproximate(), index->isApproximate());
        const auto queries = randomUnitVectors(10, dim, 7);
        for (int q = 0; q < 10; ++q) {
            QCOMPARE(idsOf(copy->search(queries.data() + q * dim, 10)),
                     idsOf(index->search(queries.data() + q * dim, 10)));
            QCOMPARE(idsOf(copy->searchExact(queries.data() + q * dim, 10)),
                     idsOf(index->searchExact(queries.data() + q * dim, 10)));
        }
        // The loaded index keeps working.
        copy->add(5, data.data());
        QCOMPARE(copy->search(data.data(), 1).at(0).chunkId, 5);
        QVERIFY(QDir(dir.path()).entryList(QDir::Files) ==
                QStringList{QStringLiteral("idx.bin")}); // no leftovers
    }

    void damagedFilesAreRefused_data()
    {
        QTest::addColumn<qint64>("exactBelow");
        QTest::addColumn<QString>("damage");
        for (const char *damage : {"truncate", "flip", "magic", "version", "append"}) {
            QTest::newRow(qPrintable(QStringLiteral("exact %1").arg(QLatin1String(damage))))
                << qint64(10'000) << QString::fromLatin1(damage);
            QTest::newRow(qPrintable(QStringLiteral("graph %1").arg(QLatin1String(damage))))
                << qint64(50) << QString::fromLatin1(damage);
        }
    }

    void damagedFilesAreRefused()
    {
        QFETCH(qint64, exactBelow);
        QFETCH(QString, damage);
        const int dim = 8;
        const auto data = randomUnitVectors(200, dim, 8);
        auto index = VectorIndex::create(dim, VectorIndexOptions{exactBelow, 8, 40, 40});
        for (qint64 i = 0; i < 200; ++i)
            index->add(i + 1, data.data() + i * dim);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idx.bin"));
        QVERIFY(index->save(path).ok());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QByteArray bytes = file.readAll();
        if (damage == QLatin1String("truncate"))
            bytes.chop(7);
        else if (damage == QLatin1String("flip"))
            bytes[bytes.size() - 100] = static_cast<char>(bytes[bytes.size() - 100] ^ 0x10);
        else if (damage == QLatin1String("magic"))
            bytes[0] = 'X';
        else if (damage == QLatin1String("version"))
            bytes[8] = 9;
        else
            bytes.append("extra");
        QVERIFY(file.resize(0));
        QVERIFY(file.seek(0));
        QCOMPARE(file.write(bytes), bytes.size());
        file.close();
        const auto loaded = VectorIndex::load(path);
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, core::ErrorCode::Internal);
        QVERIFY2(loaded.error().message.contains(QStringLiteral("damaged")),
                 qPrintable(loaded.error().message));
    }

    void missingFileIsNotFound()
    {
        QTemporaryDir dir;
        const auto loaded = VectorIndex::load(dir.filePath(QStringLiteral("none.bin")));
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, core::ErrorCode::NotFound);
        QFile empty(dir.filePath(QStringLiteral("empty.bin")));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();
        QCOMPARE(VectorIndex::load(empty.fileName()).error().code, core::ErrorCode::Internal);
    }

    void searchesWhileAdding()
    {
        // Readers and a writer at once, across the exact → graph switch: every search answers
        // hits that were added, best first, and nothing crashes (run under the sanitizers too).
        const int dim = 16;
        const qint64 n = 3000;
        const auto data = randomUnitVectors(n, dim, 9);
        auto index = VectorIndex::create(dim, VectorIndexOptions{1'000, 8, 60, 40});
        std::atomic<bool> writing{true};
        std::atomic<int> searches{0};
        std::atomic<int> problems{0};
        auto reader = [&](int seed) {
            const auto queries = randomUnitVectors(50, dim, 100 + seed);
            int q = 0;
            while (writing || q < 50) {
                const QList<VectorHit> hits = index->search(queries.data() + (q % 50) * dim, 5);
                for (qsizetype i = 0; i < hits.size(); ++i) {
                    if (hits[i].chunkId < 1 || hits[i].chunkId > n ||
                        (i > 0 && hits[i - 1].score < hits[i].score))
                        ++problems;
                }
                ++searches;
                ++q;
            }
        };
        std::thread r1(reader, 1);
        std::thread r2(reader, 2);
        for (qint64 i = 0; i < n; ++i) {
            index->add(i + 1, data.data() + i * dim);
            if (i % 7 == 0)
                index->remove(i / 2 + 1);
        }
        writing = false;
        r1.join();
        r2.join();
        QCOMPARE(problems.load(), 0);
        QVERIFY(searches.load() >= 100);
        QVERIFY(index->isApproximate());
    }
};

QTEST_GUILESS_MAIN(TestVectorIndex)
#include "test_vectorindex.moc"

// ./dev bench rag: retrieval quality (keyword, vector with the demo embedding, hybrid by
// reciprocal rank fusion) on a generated judged corpus; approximate search recall against exact;
// search latency and memory at a million 768-dimension vectors; the exact/HNSW crossover that
// VectorIndexOptions::exactBelow comes from. Prints the tables of docs/benchmarks.md.
#include "../stats.h"
#include "keywordranker.h"
#include "knowledge/index/fusion.h"
#include "knowledge/index/vectorindex.h"
#include "llm/demoembedder.h"
#include "ragcorpus.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>

#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

using namespace agency;
using namespace agency::bench;
using knowledge::VectorIndex;
using knowledge::VectorIndexOptions;

namespace {

void out(const QString &line)
{
    std::fputs(qPrintable(line + u'\n'), stdout);
    std::fflush(stdout);
}

qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return 0;
}

// ---- (a) quality -------------------------------------------------------------------------

struct Quality
{
    double ndcg = 0;
    double recall = 0;
    int n = 0;
    void add(const QList<qint64> &ranked, qint64 relevant)
    {
        const qsizetype rank = ranked.indexOf(relevant);
        if (rank >= 0 && rank < 10) {
            ndcg += 1.0 / std::log2(static_cast<double>(rank) + 2.0);
            recall += 1.0;
        }
        ++n;
    }
    QString cells() const
    {
        return QStringLiteral("%1 | %2").arg(ndcg / n, 0, 'f', 3).arg(recall / n, 0, 'f', 3);
    }
};

void qualityBench(int passages, int queriesPerKind)
{
    const RagCorpus corpus = RagCorpus::generate(passages, queriesPerKind, 2024);
    KeywordRanker keyword;
    auto vectors = VectorIndex::create(llm::DemoEmbedder::kDimension);
    for (qsizetype i = 0; i < corpus.passages.size(); ++i) {
        keyword.add(i, corpus.passages.at(i));
        vectors->add(i, llm::DemoEmbedder::embedText(corpus.passages.at(i)).constData());
    }
    keyword.finish();

    const QStringList kinds = {QStringLiteral("exact words"), QStringLiteral("paraphrase"),
                               QStringLiteral("both")};
    QList<Quality> kw(4), vec(4), hyb(4); // per kind, then all
    for (const JudgedQuery &q : corpus.queries) {
        const int kind = static_cast<int>(q.kind);
        const QList<qint64> k = keyword.search(q.text, 100);
        QList<qint64> v;
        for (const knowledge::VectorHit &hit :
             vectors->search(llm::DemoEmbedder::embedText(q.text).constData(), 100))
            v.append(hit.chunkId);
        QList<qint64> h;
        for (const knowledge::FusedHit &hit : knowledge::reciprocalRankFusion(
                 {knowledge::RankedList{k, 1.0}, knowledge::RankedList{v, 1.0}}, 10))
            h.append(hit.id);
        for (int slot : {kind, 3}) {
            kw[slot].add(k, q.relevant);
            vec[slot].add(v, q.relevant);
            hyb[slot].add(h, q.relevant);
        }
    }
    out(QStringLiteral("\n### Quality: %1 passages, %2 judged queries (%3 per kind)\n")
            .arg(corpus.passages.size())
            .arg(corpus.queries.size())
            .arg(queriesPerKind));
    out(QStringLiteral(
        "| queries | keyword nDCG@10 | keyword recall@10 | vector nDCG@10 | vector recall@10 | "
        "hybrid nDCG@10 | hybrid recall@10 |\n|---|---:|---:|---:|---:|---:|---:|"));
    for (int slot = 0; slot < 4; ++slot)
        out(QStringLiteral("| %1 | %2 | %3 | %4 |")
                .arg(slot < 3 ? kinds.at(slot) : QStringLiteral("**all**"), kw[slot].cells(),
                     vec[slot].cells(), hyb[slot].cells()));
    const double best = std::max(kw[3].ndcg, vec[3].ndcg) / kw[3].n;
    const double gain = hyb[3].ndcg / hyb[3].n - best;
    out(QStringLiteral("\nhybrid − better single method: %1 nDCG@10 (target ≥ +0.030): %2")
            .arg(gain, 0, 'f', 3)
            .arg(gain >= 0.03 ? QStringLiteral("met") : QStringLiteral("NOT met")));
}

// ---- vectors with cluster structure --------------------------------------------------------

/// Random unit vectors around `clusters` random centres (like embeddings of documents on a few
/// hundred topics): centre + noise, normalised. Deterministic for (seed, index).
class ClusteredVectors
{
public:
    ClusteredVectors(int dimension, int clusters, quint32 seed) : m_dimension(dimension)
    {
        QRandomGenerator random(seed);
        m_centres.resize(static_cast<size_t>(clusters) * dimension);
        for (float &x : m_centres)
            x = static_cast<float>(gaussian(random));
    }
    void fill(qint64 index, float *row) const
    {
        QRandomGenerator random(static_cast<quint32>(index * 2654435761u + 17));
        const auto clusters = static_cast<qint64>(m_centres.size() / m_dimension);
        const float *centre = m_centres.data() + (index % clusters) * m_dimension;
        double norm = 0;
        for (int d = 0; d < m_dimension; ++d) {
            row[d] = centre[d] + static_cast<float>(1.2 * gaussian(random));
            norm += static_cast<double>(row[d]) * row[d];
        }
        const float scale = static_cast<float>(1.0 / std::sqrt(norm));
        for (int d = 0; d < m_dimension; ++d)
            row[d] *= scale;
    }

private:
    static double gaussian(QRandomGenerator &random)
    {
        const double u = std::max(1e-12, random.generateDouble());
        return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * random.generateDouble());
    }
    int m_dimension;
    std::vector<float> m_centres;
};

std::unique_ptr<VectorIndex> buildIndex(const ClusteredVectors &source, qint64 count, int dimension,
                                        const VectorIndexOptions &options, int threads)
{
    auto index = VectorIndex::create(dimension, options);
    const qint64 batch = 20'000;
    std::vector<float> rows(static_cast<size_t>(batch * dimension));
    std::vector<qint64> ids(static_cast<size_t>(batch));
    QElapsedTimer timer;
    timer.start();
    for (qint64 start = 0; start < count; start += batch) {
        const qint64 n = std::min(batch, count - start);
        for (qint64 i = 0; i < n; ++i) {
            ids[i] = start + i + 1;
            source.fill(start + i, rows.data() + i * dimension);
        }
        index->addBatch(ids.data(), rows.data(), n, threads);
        if ((start / batch) % 10 == 9)
            std::fprintf(stderr, "  built %lld of %lld vectors (%.0f s)\n", static_cast<long long>(start + n),
                         static_cast<long long>(count), timer.elapsed() / 1000.0);
    }
    return index;
}

struct SearchRun
{
    LatencyStats approximate;
    LatencyStats exact;
    double recall = 0;
};

SearchRun measure(const VectorIndex &index, const ClusteredVectors &source, int dimension, int queries,
                  int exactQueries)
{
    SearchRun run;
    std::vector<float> query(static_cast<size_t>(dimension));
    int found = 0;
    int compared = 0;
    for (int q = 0; q < queries; ++q) {
        source.fill(1'000'000'000LL + q, query.data()); // near the data, never one of it
        QElapsedTimer t;
        t.start();
        const QList<knowledge::VectorHit> hits = index.search(query.data(), 10);
        run.approximate.samplesUs.append(t.nsecsElapsed() / 1000);
        if (q < exactQueries) {
            t.restart();
            const QList<knowledge::VectorHit> truth = index.searchExact(query.data(), 10);
            run.exact.samplesUs.append(t.nsecsElapsed() / 1000);
            for (const knowledge::VectorHit &h : hits) {
                for (const knowledge::VectorHit &e : truth)
                    found += h.chunkId == e.chunkId ? 1 : 0;
            }
            compared += static_cast<int>(truth.size());
        }
    }
    run.recall = compared ? static_cast<double>(found) / compared : 0;
    return run;
}

// ---- (b) recall, (d) crossover ---------------------------------------------------------------

void crossoverBench(int dimension)
{
    out(QStringLiteral("\n### Exact scan vs HNSW by size (%1 dimensions, one thread)\n").arg(dimension));
    out(QStringLiteral(
        "| vectors | exact p50 ms | exact p99 ms | HNSW p50 ms | HNSW p99 ms | HNSW recall@10 | "
        "HNSW build s |\n|---:|---:|---:|---:|---:|---:|---:|"));
    const ClusteredVectors source(dimension, 200, 7);
    for (qint64 n : {1'000, 5'000, 10'000, 20'000, 50'000}) {
        QElapsedTimer build;
        build.start();
        auto graph = buildIndex(source, n, dimension, VectorIndexOptions{0, 16, 200, 96}, 2);
        const double buildS = build.elapsed() / 1000.0;
        const SearchRun run = measure(*graph, source, dimension, 200, 200);
        out(QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |")
                .arg(n)
                .arg(run.exact.percentileMs(50), 0, 'f', 3)
                .arg(run.exact.percentileMs(99), 0, 'f', 3)
                .arg(run.approximate.percentileMs(50), 0, 'f', 3)
                .arg(run.approximate.percentileMs(99), 0, 'f', 3)
                .arg(run.recall, 0, 'f', 3)
                .arg(buildS, 0, 'f', 1));
    }
}

// ---- (c) latency at scale ----------------------------------------------------------------------

void scaleBench(qint64 count, int dimension, const QString &cacheDir, int efConstruction)
{
    const ClusteredVectors source(dimension, 1000, 11);
    const QString path = QDir(cacheDir).filePath(
        QStringLiteral("rag-%1x%2-ef%3.vidx").arg(count).arg(dimension).arg(efConstruction));
    const VectorIndexOptions options{0, 16, efConstruction, 96};
    const qint64 before = residentBytes();
    QElapsedTimer timer;
    timer.start();
    std::unique_ptr<VectorIndex> index;
    QString origin;
    if (auto loaded = VectorIndex::load(path, options); loaded.ok() && loaded.value()->size() == count) {
        index = std::move(loaded).value();
        origin = QStringLiteral("loaded from %1 in %2 s").arg(path).arg(timer.elapsed() / 1000.0, 0, 'f', 1);
    } else {
        std::fprintf(stderr, "building %lld vectors of %d dimensions (cached in %s)\n",
                     static_cast<long long>(count), dimension, qPrintable(path));
        index = buildIndex(source, count, dimension, options,
                           static_cast<int>(std::thread::hardware_concurrency()));
        origin = QStringLiteral("built in %1 s with %2 threads")
                     .arg(timer.elapsed() / 1000.0, 0, 'f', 0)
                     .arg(std::thread::hardware_concurrency());
        QDir().mkpath(cacheDir);
        if (auto saved = index->save(path); !saved.ok())
            std::fprintf(stderr, "could not cache the index: %s\n", qPrintable(saved.error().message));
    }
    const qint64 resident = residentBytes() - before;
    const SearchRun run = measure(*index, source, dimension, 1000, 50);
    out(QStringLiteral(
            "\n### Search at %1 vectors of %2 dimensions (HNSW M=16, efConstruction=%3, efSearch=96; "
            "index %4)\n")
            .arg(count)
            .arg(dimension)
            .arg(efConstruction)
            .arg(origin));
    out(LatencyStats::header());
    out(run.approximate.row(QStringLiteral("search k=10 (HNSW)")));
    out(run.exact.row(QStringLiteral("search k=10 (exact scan)")));
    out(QStringLiteral("\nrecall@10 against exact over %1 queries: %2 (target ≥ 0.95): %3")
            .arg(run.exact.samplesUs.size())
            .arg(run.recall, 0, 'f', 3)
            .arg(run.recall >= 0.95 ? QStringLiteral("met") : QStringLiteral("NOT met")));
    const double perMillion = 1e6 / static_cast<double>(count);
    out(QStringLiteral("p50 %1 ms (target ≤ 10), p99 %2 ms (target ≤ 50)")
            .arg(run.approximate.percentileMs(50), 0, 'f', 3)
            .arg(run.approximate.percentileMs(99), 0, 'f', 3));
    out(QStringLiteral(
            "index memory: %1 MB by its own count, resident growth %2 MB; per million vectors: %3 MB")
            .arg(index->memoryBytes() / 1e6, 0, 'f', 0)
            .arg(resident / 1e6, 0, 'f', 0)
            .arg(index->memoryBytes() / 1e6 * perMillion, 0, 'f', 0));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Knowledge retrieval benchmark (docs/benchmarks.md)"));
    parser.addHelpOption();
    const QCommandLineOption passages(QStringLiteral("passages"), QStringLiteral("Quality corpus size."),
                                      QStringLiteral("n"), QStringLiteral("4000"));
    const QCommandLineOption queries(QStringLiteral("queries"), QStringLiteral("Judged queries per kind."),
                                     QStringLiteral("n"), QStringLiteral("300"));
    const QCommandLineOption vectors(QStringLiteral("vectors"),
                                     QStringLiteral("Vectors for the latency run."), QStringLiteral("n"),
                                     QStringLiteral("1000000"));
    const QCommandLineOption efc(QStringLiteral("ef-construction"),
                                 QStringLiteral("HNSW efConstruction at scale."), QStringLiteral("n"),
                                 QStringLiteral("100"));
    const QCommandLineOption cache(QStringLiteral("cache-dir"),
                                   QStringLiteral("Where the large index is kept."), QStringLiteral("dir"),
                                   QCoreApplication::applicationDirPath() + QStringLiteral("/rag-cache"));
    const QCommandLineOption only(QStringLiteral("only"), QStringLiteral("quality, crossover or scale."),
                                  QStringLiteral("part"));
    parser.addOptions({passages, queries, vectors, efc, cache, only});
    parser.process(app);
    const QString part = parser.value(only);
    const int dimension = llm::DemoEmbedder::kDimension;
    out(QStringLiteral("## Knowledge (rag) benchmark, %1 hardware threads")
            .arg(std::thread::hardware_concurrency()));
    if (part.isEmpty() || part == QLatin1String("quality"))
        qualityBench(parser.value(passages).toInt(), parser.value(queries).toInt());
    if (part.isEmpty() || part == QLatin1String("crossover"))
        crossoverBench(dimension);
    if (part.isEmpty() || part == QLatin1String("scale"))
        scaleBench(parser.value(vectors).toLongLong(), dimension, parser.value(cache),
                   parser.value(efc).toInt());
    return 0;
}

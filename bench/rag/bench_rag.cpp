// ./dev bench rag: retrieval quality (keyword, vector with the demo embedding, hybrid fused by
// knowledge::fuse as the knowledge layer fuses) on a generated judged corpus; approximate search
// recall against exact; search latency and memory at a million 768-dimension vectors; the
// exact/HNSW crossover that VectorIndexOptions::exactBelow comes from; ingestion of a generated
// 400-page PDF and tenant isolation through the knowledge layer itself. Prints the tables of
// docs/benchmarks.md.
#include "../stats.h"
#include "config/settingspec.h"
#include "knowledge/index/fusion.h"
#include "knowledge/index/vectorindex.h"
#include "knowledge/knowledgeoptions.h"
#include "llm/demoembedder.h"
#include "pgkeyword.h"
#include "ragcorpus.h"
#include "ragingest.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>

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

constexpr quint32 kTuningSeed = 1;     ///< the split the fusion defaults were chosen on (--tune)
constexpr quint32 kEvaluationSeed = 2; ///< the split the results are reported on

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
    double meanNdcg() const { return n ? ndcg / n : 0; }
    QString cells() const
    {
        return QStringLiteral("%1 | %2").arg(ndcg / n, 0, 'f', 3).arg(recall / n, 0, 'f', 3);
    }
};

/// The keyword variants compared with the production query (PgKeyword::production).
const QList<PgKeyword::Variant> &keywordVariants()
{
    static const QList<PgKeyword::Variant> variants = {
        {QStringLiteral("english, every word (AND), ts_rank_cd"), QStringLiteral("english"), false},
        {QStringLiteral("english, any word (OR), ts_rank_cd"), QStringLiteral("english"), true},
        {QStringLiteral("english, any word (OR), ts_rank"), QStringLiteral("english"), true,
         QStringLiteral("ts_rank")},
        {QStringLiteral("english, any word (OR), ts_rank / length"), QStringLiteral("english"), true,
         QStringLiteral("ts_rank"), 2},
        {QStringLiteral("simple, any word (OR), ts_rank"), QStringLiteral("simple"), true,
         QStringLiteral("ts_rank")},
    };
    return variants;
}

/// Every ranked list one corpus gives: per query, the production keyword list, each variant's,
/// and the vector list (demo embedding, exact search), each the top `depth` with its scores.
struct QualityLists
{
    RagCorpus corpus;
    QList<knowledge::RankedList> production;
    QList<QList<knowledge::RankedList>> variants; ///< [variant][query]
    QList<knowledge::RankedList> vector;
};

core::Result<QualityLists> gatherLists(PgKeyword &pg, int passages, int queriesPerKind, quint32 seed,
                                       int depth, bool withVariants)
{
    QualityLists lists;
    lists.corpus = RagCorpus::generate(passages, queriesPerKind, seed);
    if (auto loaded = pg.load(QStringLiteral("rag-seed-%1").arg(seed), lists.corpus.passages); !loaded)
        return loaded.error();
    auto vectors = VectorIndex::create(llm::DemoEmbedder::kDimension);
    for (qsizetype i = 0; i < lists.corpus.passages.size(); ++i)
        vectors->add(i, llm::DemoEmbedder::embedText(lists.corpus.passages.at(i)).constData());
    lists.variants.resize(withVariants ? keywordVariants().size() : 0);
    for (const JudgedQuery &q : std::as_const(lists.corpus.queries)) {
        auto production = pg.production(q.text, depth);
        if (!production)
            return production.error();
        lists.production.append(production.value());
        for (qsizetype v = 0; v < lists.variants.size(); ++v) {
            auto found = pg.search(keywordVariants().at(v), q.text, depth);
            if (!found)
                return found.error();
            lists.variants[v].append(found.value());
        }
        knowledge::RankedList v;
        for (const knowledge::VectorHit &hit :
             vectors->search(llm::DemoEmbedder::embedText(q.text).constData(), depth)) {
            v.ids.append(hit.chunkId);
            v.scores.append(hit.score);
        }
        lists.vector.append(v);
    }
    return lists;
}

/// The top `n` of a list (what a search asking each retriever for n candidates gets).
knowledge::RankedList top(const knowledge::RankedList &list, int n, double weight)
{
    knowledge::RankedList out{list.ids.mid(0, n), weight, list.scores.mid(0, n)};
    return out;
}

/// One way of fusing: the method and its parameters, the weights and each side's depth.
struct Fusion
{
    knowledge::FusionOptions options;
    double keywordWeight = 1;
    double vectorWeight = 1;
    int candidates = 50;
    QString describe() const
    {
        const QString method = options.method == knowledge::FusionOptions::Method::Score
                                   ? QStringLiteral("score fusion")
                                   : QStringLiteral("RRF k=%1").arg(options.rankConstant);
        return QStringLiteral("%1, keyword weight %2, vector weight %3, %4 candidates each")
            .arg(method)
            .arg(keywordWeight)
            .arg(vectorWeight)
            .arg(candidates);
    }
};

/// The production fusion: KnowledgeOptions filled from the settings' defaults, as the
/// composition root fills them.
Fusion productionFusion()
{
    auto setting = [](const char *key) {
        const config::SettingSpec *spec = config::findSetting(QString::fromLatin1(key));
        return spec ? spec->defaultValue : QVariant();
    };
    Fusion f;
    f.keywordWeight = setting("KNOWLEDGE_KEYWORD_WEIGHT").toDouble() / 100.0;
    f.vectorWeight = setting("KNOWLEDGE_VECTOR_WEIGHT").toDouble() / 100.0;
    f.options.method = setting("KNOWLEDGE_FUSION").toString() == QLatin1String("rrf")
                           ? knowledge::FusionOptions::Method::ReciprocalRank
                           : knowledge::FusionOptions::Method::Score;
    f.options.rankConstant = setting("KNOWLEDGE_RRF_K").toDouble();
    f.candidates = knowledge::KnowledgeOptions{}.candidates;
    return f;
}

QList<qint64> fuseTop10(const knowledge::RankedList &keyword, const knowledge::RankedList &vector,
                        const Fusion &f)
{
    QList<qint64> out;
    for (const knowledge::FusedHit &hit : knowledge::fuse(
             {top(keyword, f.candidates, f.keywordWeight), top(vector, f.candidates, f.vectorWeight)}, 10,
             f.options))
        out.append(hit.id);
    return out;
}

/// Quality of keyword, vector and hybrid per query kind (slots 0-2) and over all (slot 3).
struct Scores
{
    QList<Quality> keyword = QList<Quality>(4), vector = QList<Quality>(4), hybrid = QList<Quality>(4);
};

Scores score(const QualityLists &lists, const QList<knowledge::RankedList> &keyword, const Fusion &f)
{
    Scores s;
    for (qsizetype i = 0; i < lists.corpus.queries.size(); ++i) {
        const JudgedQuery &q = lists.corpus.queries.at(i);
        const QList<qint64> hybrid = fuseTop10(keyword.at(i), lists.vector.at(i), f);
        for (int slot : {static_cast<int>(q.kind), 3}) {
            s.keyword[slot].add(keyword.at(i).ids, q.relevant);
            s.vector[slot].add(lists.vector.at(i).ids, q.relevant);
            s.hybrid[slot].add(hybrid, q.relevant);
        }
    }
    return s;
}

constexpr int kTuneDepth = 100; ///< the deepest candidate list the sweep tries

/// --tune: on the tuning split, hybrid nDCG@10 over all queries for each fusion method, its
/// parameter, the keyword weight (vector weight 1) and the candidate depth: what the defaults of
/// KNOWLEDGE_FUSION, KNOWLEDGE_RRF_K, KNOWLEDGE_KEYWORD_WEIGHT and KnowledgeOptions::candidates
/// were chosen from. Never run on the evaluation split.
void tuneBench(PgKeyword &pg, int passages, int queriesPerKind)
{
    auto lists = gatherLists(pg, passages, queriesPerKind, kTuningSeed, kTuneDepth, true);
    if (!lists) {
        out(QStringLiteral("quality: %1").arg(lists.error().toString()));
        return;
    }
    const QList<double> weights = {0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0};
    QList<Fusion> methods;
    for (double k : {5.0, 20.0, 60.0}) {
        Fusion f;
        f.options.method = knowledge::FusionOptions::Method::ReciprocalRank;
        f.options.rankConstant = k;
        methods.append(f);
    }
    methods.append(Fusion{});
    out(QStringLiteral("\n### Tuning split (seed %1): hybrid nDCG@10 over all queries by keyword weight "
                       "(vector weight 1)\n")
            .arg(kTuningSeed));
    QString header = QStringLiteral("| keyword query | fusion | candidates | keyword alone |");
    QString rule = QStringLiteral("|---|---|---:|---:|");
    for (double w : weights) {
        header += QStringLiteral(" %1 |").arg(w);
        rule += QStringLiteral("---:|");
    }
    out(header + u'\n' + rule);
    Fusion best;
    QString bestQuery;
    double bestNdcg = -1;
    auto rows = [&](const QString &name, const QList<knowledge::RankedList> &keyword) {
        for (const Fusion &method : std::as_const(methods)) {
            for (int candidates : {20, 50, 100}) {
                Fusion f = method;
                f.candidates = candidates;
                QString line = QStringLiteral("| %1 | %2 | %3 | %4 |")
                                   .arg(name, f.options.method == knowledge::FusionOptions::Method::Score
                                                  ? QStringLiteral("score")
                                                  : QStringLiteral("RRF k=%1").arg(f.options.rankConstant))
                                   .arg(candidates)
                                   .arg(score(*lists, keyword, f).keyword[3].meanNdcg(), 0, 'f', 3);
                for (double w : weights) {
                    f.keywordWeight = w;
                    const double ndcg = score(*lists, keyword, f).hybrid[3].meanNdcg();
                    line += QStringLiteral(" %1 |").arg(ndcg, 0, 'f', 3);
                    if (ndcg > bestNdcg + 1e-9) {
                        bestNdcg = ndcg;
                        best = f;
                        bestQuery = name;
                    }
                }
                out(line);
            }
        }
    };
    rows(QStringLiteral("production"), lists->production);
    for (qsizetype v = 0; v < keywordVariants().size(); ++v)
        rows(keywordVariants().at(v).name, lists->variants.at(v));
    out(QStringLiteral("\nvector alone: %1. Best on the tuning split: %2 with %3 (%4)")
            .arg(score(*lists, lists->production, Fusion{}).vector[3].meanNdcg(), 0, 'f', 3)
            .arg(bestQuery, best.describe())
            .arg(bestNdcg, 0, 'f', 3));
}

/// The reported run: the evaluation split, the production keyword query and the production
/// fusion (the settings' defaults).
void qualityBench(PgKeyword &pg, int passages, int queriesPerKind)
{
    const Fusion f = productionFusion();
    auto lists = gatherLists(pg, passages, queriesPerKind, kEvaluationSeed, f.candidates, true);
    if (!lists) {
        out(QStringLiteral("quality: %1").arg(lists.error().toString()));
        return;
    }
    const Scores s = score(*lists, lists->production, f);
    out(QStringLiteral(
            "\n### Quality, evaluation split (seed %1): %2 passages on %3 topics, %4 judged queries; "
            "keyword = the production PostgreSQL query; hybrid = %5\n")
            .arg(kEvaluationSeed)
            .arg(lists->corpus.passages.size())
            .arg(lists->corpus.topics)
            .arg(lists->corpus.queries.size())
            .arg(f.describe()));
    out(QStringLiteral(
        "| queries | keyword nDCG@10 | keyword recall@10 | vector nDCG@10 | vector recall@10 | "
        "hybrid nDCG@10 | hybrid recall@10 |\n|---|---:|---:|---:|---:|---:|---:|"));
    const QStringList kinds = {QStringLiteral("exact words"), QStringLiteral("paraphrase"),
                               QStringLiteral("both")};
    for (int slot = 0; slot < 4; ++slot)
        out(QStringLiteral("| %1 | %2 | %3 | %4 |")
                .arg(slot < 3 ? kinds.at(slot) : QStringLiteral("**all**"), s.keyword[slot].cells(),
                     s.vector[slot].cells(), s.hybrid[slot].cells()));
    const double better = std::max(s.keyword[3].meanNdcg(), s.vector[3].meanNdcg());
    const double gain = s.hybrid[3].meanNdcg() - better;
    out(QStringLiteral("\nhybrid − better single method: %1 nDCG@10 (target ≥ +0.030): %2")
            .arg(gain, 0, 'f', 3)
            .arg(gain >= 0.03 ? QStringLiteral("met") : QStringLiteral("NOT met")));

    Fusion rrf = f;
    rrf.options.method = knowledge::FusionOptions::Method::ReciprocalRank;
    rrf.options.rankConstant = 60;
    out(QStringLiteral("\nOn the same split (nDCG@10 over all): keyword query variants with the production "
                       "fusion, and RRF k=60 at the same weights\n\n"
                       "| keyword query | keyword | hybrid | hybrid, RRF k=60 |\n|---|---:|---:|---:|"));
    out(QStringLiteral("| production | %1 | %2 | %3 |")
            .arg(s.keyword[3].meanNdcg(), 0, 'f', 3)
            .arg(s.hybrid[3].meanNdcg(), 0, 'f', 3)
            .arg(score(*lists, lists->production, rrf).hybrid[3].meanNdcg(), 0, 'f', 3));
    for (qsizetype v = 0; v < keywordVariants().size(); ++v) {
        const Scores vs = score(*lists, lists->variants.at(v), f);
        out(QStringLiteral("| %1 | %2 | %3 | %4 |")
                .arg(keywordVariants().at(v).name)
                .arg(vs.keyword[3].meanNdcg(), 0, 'f', 3)
                .arg(vs.hybrid[3].meanNdcg(), 0, 'f', 3)
                .arg(score(*lists, lists->variants.at(v), rrf).hybrid[3].meanNdcg(), 0, 'f', 3));
    }
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

/// Adds vectors [index->size(), count) of `source` to `index` with `threads` threads; with a
/// `checkpoint` path, saves the partial graph every `checkpointEvery` vectors so an interrupted
/// million-vector build resumes where it stopped (the ids and vectors are deterministic).
void extendIndex(VectorIndex &index, const ClusteredVectors &source, qint64 count, int threads,
                 const QString &checkpoint = {}, qint64 checkpointEvery = 100'000)
{
    const int dimension = index.dimension();
    const qint64 batch = 20'000;
    std::vector<float> rows(static_cast<size_t>(batch * dimension));
    std::vector<qint64> ids(static_cast<size_t>(batch));
    QElapsedTimer timer;
    timer.start();
    for (qint64 start = index.size(); start < count; start += batch) {
        const qint64 n = std::min(batch, count - start);
        for (qint64 i = 0; i < n; ++i) {
            ids[i] = start + i + 1;
            source.fill(start + i, rows.data() + i * dimension);
        }
        index.addBatch(ids.data(), rows.data(), n, threads);
        if (count >= 100'000 && (start + n) % 100'000 == 0)
            std::fprintf(stderr, "  %lld of %lld vectors (%.0f s)\n", static_cast<long long>(start + n),
                         static_cast<long long>(count), timer.elapsed() / 1000.0);
        if (!checkpoint.isEmpty() && (start + n) % checkpointEvery == 0 && start + n < count) {
            if (auto saved = index.save(checkpoint); !saved.ok())
                std::fprintf(stderr, "could not save the checkpoint: %s\n",
                             qPrintable(saved.error().message));
        }
    }
}

std::unique_ptr<VectorIndex> buildIndex(const ClusteredVectors &source, qint64 count, int dimension,
                                        const VectorIndexOptions &options, int threads)
{
    auto index = VectorIndex::create(dimension, options);
    extendIndex(*index, source, count, threads);
    return index;
}

struct SearchRun
{
    LatencyStats approximate;
    LatencyStats exact;
    double recall = 0;
};

/// Times `queries` searches of `index`; recall@10 of the first `exactQueries` against an exact
/// scan, whose answers are kept in `truth` when given (the same queries at another efSearch reuse
/// them instead of scanning a million vectors again).
SearchRun measure(const VectorIndex &index, const ClusteredVectors &source, int dimension, int queries,
                  int exactQueries, QList<QList<knowledge::VectorHit>> *truth = nullptr)
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
        if (q >= exactQueries)
            continue;
        QList<knowledge::VectorHit> exact;
        if (truth && q < truth->size()) {
            exact = truth->at(q);
        } else {
            t.restart();
            exact = index.searchExact(query.data(), 10);
            run.exact.samplesUs.append(t.nsecsElapsed() / 1000);
            if (truth)
                truth->append(exact);
        }
        for (const knowledge::VectorHit &h : hits) {
            for (const knowledge::VectorHit &e : exact)
                found += h.chunkId == e.chunkId ? 1 : 0;
        }
        compared += static_cast<int>(exact.size());
    }
    run.recall = compared ? static_cast<double>(found) / compared : 0;
    return run;
}

// ---- (b) recall, (d) crossover ---------------------------------------------------------------

void crossoverBench(int dimension)
{
    // The production options (VectorIndexOptions defaults) with the graph forced at every size.
    VectorIndexOptions graphOptions;
    graphOptions.exactBelow = 0;
    out(QStringLiteral(
            "\n### Exact scan vs HNSW by size (%1 dimensions, one thread; HNSW M=%2, efConstruction=%3, "
            "efSearch=%4)\n")
            .arg(dimension)
            .arg(graphOptions.hnswM)
            .arg(graphOptions.hnswEfConstruction)
            .arg(graphOptions.hnswEfSearch));
    out(QStringLiteral(
        "| vectors | exact p50 ms | exact p99 ms | HNSW p50 ms | HNSW p99 ms | HNSW recall@10 | "
        "HNSW build s (2 threads) |\n|---:|---:|---:|---:|---:|---:|---:|"));
    const ClusteredVectors source(dimension, 200, 7);
    for (qint64 n : {1'000, 2'000, 5'000, 10'000, 20'000, 50'000}) {
        QElapsedTimer build;
        build.start();
        auto graph = buildIndex(source, n, dimension, graphOptions, 2);
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

void scaleBench(qint64 count, int dimension, const QString &cacheDir, int efConstruction, int threads,
                const QList<int> &efSearches)
{
    const ClusteredVectors source(dimension, 1000, 11);
    const QString path = QDir(cacheDir).filePath(
        QStringLiteral("rag-%1x%2-ef%3.vidx").arg(count).arg(dimension).arg(efConstruction));
    const QString partial = path + QStringLiteral(".partial");
    auto optionsFor = [&](int efSearch) { return VectorIndexOptions{0, 16, efConstruction, efSearch}; };
    QString origin;
    if (auto loaded = VectorIndex::load(path, optionsFor(efSearches.first()));
        !loaded.ok() || loaded.value()->size() != count) {
        QDir().mkpath(cacheDir);
        QElapsedTimer timer;
        timer.start();
        std::unique_ptr<VectorIndex> index;
        if (auto resumed = VectorIndex::load(partial, optionsFor(efSearches.first()));
            resumed.ok() && resumed.value()->size() < count)
            index = std::move(resumed).value();
        else
            index = VectorIndex::create(dimension, optionsFor(efSearches.first()));
        const qint64 from = index->size();
        std::fprintf(stderr, "building %lld vectors of %d dimensions from %lld, %d threads (cached in %s)\n",
                     static_cast<long long>(count), dimension, static_cast<long long>(from), threads,
                     qPrintable(path));
        extendIndex(*index, source, count, threads, partial);
        if (auto saved = index->save(path); !saved.ok())
            std::fprintf(stderr, "could not cache the index: %s\n", qPrintable(saved.error().message));
        QFile::remove(partial);
        origin = QStringLiteral("vectors %1–%2 added in %3 s with %4 threads")
                     .arg(from)
                     .arg(count)
                     .arg(timer.elapsed() / 1000.0, 0, 'f', 0)
                     .arg(threads);
    } else {
        origin = QStringLiteral("loaded from the cache");
    }
    out(QStringLiteral("\n### Search at %1 vectors of %2 dimensions (HNSW M=16, efConstruction=%3; %4)\n")
            .arg(count)
            .arg(dimension)
            .arg(efConstruction)
            .arg(origin));
    out(QStringLiteral("| efSearch | HNSW p50 ms | HNSW p99 ms | exact scan p50 ms | recall@10 vs exact | "
                       "index MB (own count) | resident growth MB |\n|---:|---:|---:|---:|---:|---:|---:|"));
    QList<QList<knowledge::VectorHit>> truth;
    double exactP50 = 0;
    for (int efSearch : efSearches) {
        const qint64 before = residentBytes();
        auto loaded = VectorIndex::load(path, optionsFor(efSearch));
        if (!loaded.ok()) {
            out(QStringLiteral("could not load %1: %2").arg(path, loaded.error().message));
            return;
        }
        const std::unique_ptr<VectorIndex> index = std::move(loaded).value();
        const qint64 resident = residentBytes() - before;
        // Same 1,000 queries at every efSearch; recall over the first 100 (an exact scan each).
        const SearchRun run = measure(*index, source, dimension, 1000, 100, &truth);
        if (!run.exact.samplesUs.isEmpty())
            exactP50 = run.exact.percentileMs(50);
        out(QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |")
                .arg(efSearch)
                .arg(run.approximate.percentileMs(50), 0, 'f', 3)
                .arg(run.approximate.percentileMs(99), 0, 'f', 3)
                .arg(exactP50, 0, 'f', 1)
                .arg(run.recall, 0, 'f', 3)
                .arg(static_cast<double>(index->memoryBytes()) / 1e6, 0, 'f', 0)
                .arg(static_cast<double>(resident) / 1e6, 0, 'f', 0));
    }
    out(QStringLiteral(
            "\nTargets at %1 vectors: recall@10 ≥ 0.95, p50 ≤ 10 ms, p99 ≤ 50 ms (one row must meet "
            "all three at once); memory per million = index MB × %2")
            .arg(count)
            .arg(1e6 / static_cast<double>(count), 0, 'g', 3));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Knowledge retrieval benchmark (docs/benchmarks.md)"));
    parser.addHelpOption();
    const QCommandLineOption passages(QStringLiteral("passages"), QStringLiteral("Quality corpus size."),
                                      QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption queries(QStringLiteral("queries"), QStringLiteral("Judged queries per kind."),
                                     QStringLiteral("n"), QStringLiteral("300"));
    const QCommandLineOption vectors(QStringLiteral("vectors"),
                                     QStringLiteral("Vectors for the latency run."), QStringLiteral("n"),
                                     QStringLiteral("1000000"));
    const QCommandLineOption efc(QStringLiteral("ef-construction"),
                                 QStringLiteral("HNSW efConstruction at scale."), QStringLiteral("n"),
                                 QString::number(VectorIndexOptions{}.hnswEfConstruction));
    const QCommandLineOption cache(QStringLiteral("cache-dir"),
                                   QStringLiteral("Where the large index is kept."), QStringLiteral("dir"),
                                   QCoreApplication::applicationDirPath() + QStringLiteral("/rag-cache"));
    const QCommandLineOption only(QStringLiteral("only"),
                                  QStringLiteral("quality, ingestion, isolation, crossover or scale."),
                                  QStringLiteral("part"));
    const QCommandLineOption tune(
        QStringLiteral("tune"),
        QStringLiteral("Print the fusion sweep on the tuning split (not the results)."));
    const QCommandLineOption threads(QStringLiteral("threads"),
                                     QStringLiteral("Threads building the large graph."), QStringLiteral("n"),
                                     QStringLiteral("2"));
    const QCommandLineOption efs(QStringLiteral("ef-search"),
                                 QStringLiteral("HNSW efSearch values measured at scale, comma-separated."),
                                 QStringLiteral("list"), QStringLiteral("96,160,256"));
    const QCommandLineOption show(
        QStringLiteral("show"),
        QStringLiteral("Print n passages and queries of each kind of the evaluation split."),
        QStringLiteral("n"));
    parser.addOptions({passages, queries, vectors, efc, cache, only, threads, efs, tune, show});
    parser.process(app);
    const QString part = parser.value(only);
    const int dimension = llm::DemoEmbedder::kDimension;
    out(QStringLiteral("## Knowledge (rag) benchmark, %1 hardware threads")
            .arg(std::thread::hardware_concurrency()));
    if (parser.isSet(show)) {
        const RagCorpus corpus = RagCorpus::generate(parser.value(passages).toInt(),
                                                     parser.value(queries).toInt(), kEvaluationSeed);
        const int n = parser.value(show).toInt();
        for (int i = 0; i < n && i < corpus.passages.size(); ++i)
            out(QStringLiteral("passage %1: %2").arg(i).arg(corpus.passages.at(i)));
        for (const JudgedQuery &q : corpus.queries)
            if (q.relevant < n)
                out(QStringLiteral("query (%1) → %2: %3").arg(int(q.kind)).arg(q.relevant).arg(q.text));
        return 0;
    }
    const bool wantsPg = part.isEmpty() || part == QLatin1String("quality") ||
                         part == QLatin1String("ingestion") || part == QLatin1String("isolation") ||
                         parser.isSet(tune);
    if (wantsPg) {
        PgKeyword pg;
        if (auto started = pg.start(); !started) {
            out(QStringLiteral("quality: PostgreSQL did not start: %1").arg(started.error().toString()));
            return 1;
        }
        if (parser.isSet(tune))
            tuneBench(pg, parser.value(passages).toInt(), parser.value(queries).toInt());
        else if (part.isEmpty() || part == QLatin1String("quality"))
            qualityBench(pg, parser.value(passages).toInt(), parser.value(queries).toInt());
        QTemporaryDir indexes;
        if (!parser.isSet(tune) && (part.isEmpty() || part == QLatin1String("ingestion")))
            ingestionBench(pg, 400, indexes.filePath(QStringLiteral("ingestion")));
        if (!parser.isSet(tune) && (part.isEmpty() || part == QLatin1String("isolation")))
            isolationBench(pg, 1000, indexes.filePath(QStringLiteral("isolation")));
    }
    if (parser.isSet(tune))
        return 0;
    if (part.isEmpty() || part == QLatin1String("crossover"))
        crossoverBench(dimension);
    if (part.isEmpty() || part == QLatin1String("scale")) {
        QList<int> efSearches;
        for (const QString &v : parser.value(efs).split(u','))
            efSearches.append(std::max(10, v.toInt()));
        scaleBench(parser.value(vectors).toLongLong(), dimension, parser.value(cache),
                   parser.value(efc).toInt(), std::max(1, parser.value(threads).toInt()), efSearches);
    }
    return 0;
}

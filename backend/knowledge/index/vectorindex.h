#pragma once

#include "core/result.h"

#include <QList>
#include <QString>

#include <memory>

namespace agency::knowledge {

struct VectorHit
{
    qint64 chunkId = 0;
    float score = 0.0f; ///< cosine similarity (vectors are unit length): higher is closer
};

/// Defaults from `./dev bench rag` (docs/benchmarks.md, "Knowledge (rag)"), 768 dimensions on the
/// 2-core development machine.
struct VectorIndexOptions
{
    /// Brute force below this many vectors. An exact scan has recall 1 and no graph to build, and
    /// up to 10,000 vectors its p50 stays within about 2 ms (twice an HNSW search); at 20,000 it
    /// outgrew the cache and measured a p50 of 14 ms, over the 10 ms search target.
    qint64 exactBelow = 10'000;
    int hnswM = 16;
    /// 100 rather than the customary 200, which costs about twice the build time: a rebuild from
    /// the database already took about an hour per 400,000 vectors on the shared 2-core machine.
    /// Recall is bought back at search time (hnswEfSearch); 200 was not measured at scale.
    int hnswEfConstruction = 100;
    /// From the efSearch sweep at 1,000,000 vectors: recall@10 against exact search was 0.929 at
    /// efSearch 256, 0.949 at 384 and 0.950 at 512, whose p50 was 3.3 ms and p99 14 ms.
    int hnswEfSearch = 512;
};

/// The vectors of one tenant's collection for one embedding model (docs/design.md#knowledge):
/// exact search while small, an HNSW graph (hnswlib) above options.exactBelow. A cache of what
/// PostgreSQL holds, never the only copy: save() writes a file the owner can load() at the next
/// start, and the owner rebuilds it from the database when the file is missing or stale.
///
/// Thread safety: every method may be called from any thread; searches run concurrently with
/// each other, add/remove take an exclusive lock.
class VectorIndex
{
public:
    virtual ~VectorIndex() = default;

    static std::unique_ptr<VectorIndex> create(int dimension, const VectorIndexOptions &options = {});
    /// Errors: NotFound (no file), Internal (corrupt file or another dimension than recorded).
    static core::Result<std::unique_ptr<VectorIndex>> load(const QString &path,
                                                           const VectorIndexOptions &options = {});

    virtual int dimension() const = 0;
    virtual qint64 size() const = 0;
    virtual bool isApproximate() const = 0;
    virtual qint64 memoryBytes() const = 0;
    /// The highest chunk id added so far (0 when empty): with size(), tells the owner if stale.
    virtual qint64 maxChunkId() const = 0;

    /// Adds or replaces the vector of `chunkId`; `vector` has dimension() floats, unit length.
    virtual void add(qint64 chunkId, const float *vector) = 0;
    /// add() for `count` vectors stored one after another, with `ids` all different; the graph is
    /// built with up to `threads` threads (a rebuild from the database, a benchmark).
    virtual void addBatch(const qint64 *ids, const float *vectors, qint64 count, int threads = 1) = 0;
    virtual void remove(qint64 chunkId) = 0;
    /// The k nearest vectors, best first.
    virtual QList<VectorHit> search(const float *query, int k) const = 0;
    /// Brute force whatever the size, for measuring the approximate search's recall.
    virtual QList<VectorHit> searchExact(const float *query, int k) const = 0;
    /// Writes atomically (a temporary file renamed over `path`).
    virtual core::Result<void> save(const QString &path) const = 0;
};

} // namespace agency::knowledge

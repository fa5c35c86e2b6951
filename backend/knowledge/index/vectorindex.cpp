#include "vectorindex.h"

#include "vectorindexfile.h"

// hnswlib defines non-inline helpers in its headers: include it from this one file only.
#include <hnswlib/hnswlib.h>

#include <QFile>
#include <QSaveFile>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace agency::knowledge {

namespace {

using Hnsw = hnswlib::HierarchicalNSW<float>;
using core::ErrorCode;

/// The k best (highest score) of a stream of candidates: a min-heap on score.
class TopK
{
public:
    explicit TopK(int k) : m_k(std::max(0, k)) {}
    void offer(float score, qint64 id)
    {
        if (m_k == 0)
            return;
        if (static_cast<int>(m_heap.size()) < m_k) {
            m_heap.push({score, id});
        } else if (score > m_heap.top().first) {
            m_heap.pop();
            m_heap.push({score, id});
        }
    }
    QList<VectorHit> take()
    {
        QList<VectorHit> out(static_cast<qsizetype>(m_heap.size()));
        for (qsizetype i = out.size() - 1; i >= 0; --i) {
            out[i] = VectorHit{m_heap.top().second, m_heap.top().first};
            m_heap.pop();
        }
        return out;
    }

private:
    using Entry = std::pair<float, qint64>;
    int m_k;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> m_heap;
};

class IndexImpl final : public VectorIndex
{
public:
    IndexImpl(int dimension, const VectorIndexOptions &options)
        : m_dimension(dimension), m_options(options), m_space(static_cast<size_t>(dimension))
    {
        m_distance = m_space.get_dist_func();
        m_distanceParam = m_space.get_dist_func_param();
    }

    int dimension() const override { return m_dimension; }
    qint64 size() const override
    {
        std::shared_lock lock(m_mutex);
        return m_hnsw ? m_live : static_cast<qint64>(m_ids.size());
    }
    bool isApproximate() const override
    {
        std::shared_lock lock(m_mutex);
        return m_hnsw != nullptr;
    }
    qint64 maxChunkId() const override
    {
        std::shared_lock lock(m_mutex);
        return m_maxChunkId;
    }
    qint64 memoryBytes() const override;

    void add(qint64 chunkId, const float *vector) override
    {
        std::unique_lock lock(m_mutex);
        addLocked(chunkId, vector);
    }
    void addBatch(const qint64 *ids, const float *vectors, qint64 count, int threads) override;
    void remove(qint64 chunkId) override;
    QList<VectorHit> search(const float *query, int k) const override;
    QList<VectorHit> searchExact(const float *query, int k) const override;
    core::Result<void> save(const QString &path) const override;

    core::Result<void> readFrom(QFile &file, const VectorFileHeader &header);

private:
    float dot(const float *a, const float *b) const { return 1.0f - m_distance(a, b, m_distanceParam); }
    void addLocked(qint64 chunkId, const float *vector, int threads = 1);
    void addToGraph(qint64 chunkId, const float *vector);
    /// addToGraph() of `count` distinct ids on up to `threads` threads (hnswlib's addPoint is
    /// thread-safe for different labels); returns how many were new.
    qint64 addAllToGraph(const qint64 *ids, const float *vectors, qint64 count, int threads);
    void ensureCapacity(qint64 more);
    void switchToGraph(int threads);

    const int m_dimension;
    const VectorIndexOptions m_options;
    hnswlib::InnerProductSpace m_space;
    hnswlib::DISTFUNC<float> m_distance;
    void *m_distanceParam;

    mutable std::shared_mutex m_mutex;
    qint64 m_maxChunkId = 0;
    // Exact mode: one row per vector, contiguous, so a scan streams through memory.
    std::vector<float> m_matrix;
    std::vector<qint64> m_ids;
    std::unordered_map<qint64, size_t> m_rowOf;
    // Approximate mode: the graph holds the vectors; removed ones stay in it, marked deleted.
    std::unique_ptr<Hnsw> m_hnsw;
    qint64 m_live = 0;
};

void IndexImpl::addLocked(qint64 chunkId, const float *vector, int threads)
{
    m_maxChunkId = std::max(m_maxChunkId, chunkId);
    if (m_hnsw) {
        ensureCapacity(1);
        addToGraph(chunkId, vector);
        return;
    }
    const auto found = m_rowOf.find(chunkId);
    const size_t row = found != m_rowOf.end() ? found->second : m_ids.size();
    if (found == m_rowOf.end()) {
        m_ids.push_back(chunkId);
        m_rowOf.emplace(chunkId, row);
        m_matrix.resize(m_matrix.size() + static_cast<size_t>(m_dimension));
    }
    std::copy(vector, vector + m_dimension,
              m_matrix.begin() + static_cast<std::ptrdiff_t>(row * m_dimension));
    if (static_cast<qint64>(m_ids.size()) >= m_options.exactBelow)
        switchToGraph(threads);
}

void IndexImpl::addToGraph(qint64 chunkId, const float *vector)
{
    const auto label = static_cast<hnswlib::labeltype>(chunkId);
    bool counted = false;
    {
        std::unique_lock guard(m_hnsw->cur_element_count_guard_);
        const auto it = m_hnsw->label_lookup_.find(label);
        counted = it != m_hnsw->label_lookup_.end() && !m_hnsw->isMarkedDeleted(it->second);
    }
    // An existing label is updated in place (and undeleted) by hnswlib itself.
    m_hnsw->addPoint(vector, label);
    if (!counted)
        ++m_live;
}

void IndexImpl::ensureCapacity(qint64 more)
{
    const size_t needed = m_hnsw->cur_element_count + static_cast<size_t>(more);
    if (needed > m_hnsw->max_elements_)
        m_hnsw->resizeIndex(std::max(needed, m_hnsw->max_elements_ + m_hnsw->max_elements_ / 2));
}

void IndexImpl::switchToGraph(int threads)
{
    const size_t count = m_ids.size();
    m_hnsw = std::make_unique<Hnsw>(&m_space, std::max<size_t>(count * 2, 1024),
                                    static_cast<size_t>(m_options.hnswM),
                                    static_cast<size_t>(m_options.hnswEfConstruction));
    m_hnsw->setEf(static_cast<size_t>(m_options.hnswEfSearch));
    m_live = 0;
    std::vector<float> matrix;
    std::vector<qint64> ids;
    matrix.swap(m_matrix);
    ids.swap(m_ids);
    m_rowOf.clear();
    m_live = addAllToGraph(ids.data(), matrix.data(), static_cast<qint64>(count), threads);
}

qint64 IndexImpl::addAllToGraph(const qint64 *ids, const float *vectors, qint64 count, int threads)
{
    // The first point of an empty graph becomes its entry point: hnswlib must add it alone.
    const qint64 first = m_hnsw->cur_element_count == 0 && count > 0 ? 1 : 0;
    if (first)
        m_hnsw->addPoint(vectors, static_cast<hnswlib::labeltype>(ids[0]));
    std::atomic<qint64> next{first};
    std::atomic<qint64> added{first};
    auto worker = [&] {
        for (qint64 i = next++; i < count; i = next++) {
            const auto label = static_cast<hnswlib::labeltype>(ids[i]);
            bool counted = false;
            {
                std::unique_lock guard(m_hnsw->cur_element_count_guard_);
                const auto it = m_hnsw->label_lookup_.find(label);
                counted = it != m_hnsw->label_lookup_.end() && !m_hnsw->isMarkedDeleted(it->second);
            }
            m_hnsw->addPoint(vectors + i * m_dimension, label);
            if (!counted)
                ++added;
        }
    };
    // Small batches are not worth a thread: the graph's entry point must exist first anyway.
    const int extra = count >= 64 ? std::max(1, threads) - 1 : 0;
    std::vector<std::thread> pool;
    for (int t = 0; t < extra; ++t)
        pool.emplace_back(worker);
    worker();
    for (std::thread &t : pool)
        t.join();
    return added;
}

void IndexImpl::addBatch(const qint64 *ids, const float *vectors, qint64 count, int threads)
{
    std::unique_lock lock(m_mutex);
    qint64 done = 0;
    // The exact part (and the switch) one by one; what goes to the graph may go in parallel.
    while (done < count && !m_hnsw) {
        addLocked(ids[done], vectors + done * m_dimension, threads);
        ++done;
    }
    if (done == count)
        return;
    ensureCapacity(count - done);
    for (qint64 i = done; i < count; ++i)
        m_maxChunkId = std::max(m_maxChunkId, ids[i]);
    m_live += addAllToGraph(ids + done, vectors + done * m_dimension, count - done, threads);
}

void IndexImpl::remove(qint64 chunkId)
{
    std::unique_lock lock(m_mutex);
    if (m_hnsw) {
        const auto label = static_cast<hnswlib::labeltype>(chunkId);
        const auto it = m_hnsw->label_lookup_.find(label);
        if (it == m_hnsw->label_lookup_.end() || m_hnsw->isMarkedDeleted(it->second))
            return;
        m_hnsw->markDelete(label);
        --m_live;
        return;
    }
    const auto found = m_rowOf.find(chunkId);
    if (found == m_rowOf.end())
        return;
    // Swap the last row into the hole: rows stay contiguous.
    const size_t row = found->second;
    const size_t last = m_ids.size() - 1;
    if (row != last) {
        const auto d = static_cast<std::ptrdiff_t>(m_dimension);
        std::copy(m_matrix.begin() + static_cast<std::ptrdiff_t>(last) * d,
                  m_matrix.begin() + static_cast<std::ptrdiff_t>(last + 1) * d,
                  m_matrix.begin() + static_cast<std::ptrdiff_t>(row) * d);
        m_ids[row] = m_ids[last];
        m_rowOf[m_ids[row]] = row;
    }
    m_rowOf.erase(found);
    m_ids.pop_back();
    m_matrix.resize(m_ids.size() * static_cast<size_t>(m_dimension));
}

QList<VectorHit> IndexImpl::search(const float *query, int k) const
{
    std::shared_lock lock(m_mutex);
    if (!m_hnsw || k <= 0) {
        lock.unlock();
        return searchExact(query, k);
    }
    auto found = m_hnsw->searchKnn(query, static_cast<size_t>(k));
    QList<VectorHit> out(static_cast<qsizetype>(found.size()));
    for (qsizetype i = out.size() - 1; i >= 0; --i) {
        out[i] = VectorHit{static_cast<qint64>(found.top().second), 1.0f - found.top().first};
        found.pop();
    }
    return out;
}

QList<VectorHit> IndexImpl::searchExact(const float *query, int k) const
{
    std::shared_lock lock(m_mutex);
    TopK top(k);
    if (m_hnsw) {
        for (size_t i = 0; i < m_hnsw->cur_element_count; ++i) {
            const auto id = static_cast<hnswlib::tableint>(i);
            if (m_hnsw->isMarkedDeleted(id))
                continue;
            top.offer(dot(query, reinterpret_cast<const float *>(m_hnsw->getDataByInternalId(id))),
                      static_cast<qint64>(m_hnsw->getExternalLabel(id)));
        }
        return top.take();
    }
    const float *row = m_matrix.data();
    for (size_t i = 0; i < m_ids.size(); ++i, row += m_dimension)
        top.offer(dot(query, row), m_ids[i]);
    return top.take();
}

qint64 IndexImpl::memoryBytes() const
{
    std::shared_lock lock(m_mutex);
    if (!m_hnsw)
        return static_cast<qint64>(m_matrix.capacity() * sizeof(float) + m_ids.capacity() * sizeof(qint64) +
                                   m_rowOf.size() * 32 + m_rowOf.bucket_count() * sizeof(void *));
    qint64 bytes =
        static_cast<qint64>(m_hnsw->max_elements_ * (m_hnsw->size_data_per_element_ + sizeof(void *) +
                                                     sizeof(int) + sizeof(std::mutex)));
    for (size_t i = 0; i < m_hnsw->cur_element_count; ++i)
        bytes += static_cast<qint64>(m_hnsw->element_levels_[i]) *
                 static_cast<qint64>(m_hnsw->size_links_per_element_);
    // The label map (about 40 bytes a node) and one visited list (2 bytes a node) per searching thread.
    bytes += static_cast<qint64>(m_hnsw->label_lookup_.size()) * 40 +
             static_cast<qint64>(m_hnsw->max_elements_) * 2;
    return bytes;
}

core::Result<void> IndexImpl::save(const QString &path) const
{
    std::shared_lock lock(m_mutex);
    VectorFileWriter writer(path);
    if (!writer.open())
        return writer.error();
    VectorFileHeader header;
    header.dimension = static_cast<quint32>(m_dimension);
    header.maxChunkId = m_maxChunkId;
    if (!m_hnsw) {
        header.mode = VectorFileHeader::Exact;
        header.count = static_cast<qint64>(m_ids.size());
        header.stored = header.count;
        writer.begin(header);
        writer.write(m_ids.data(), m_ids.size() * sizeof(qint64));
        writer.write(m_matrix.data(), m_matrix.size() * sizeof(float));
        return writer.commit();
    }
    header.mode = VectorFileHeader::Graph;
    header.count = m_live;
    header.stored = static_cast<qint64>(m_hnsw->cur_element_count);
    header.hnswM = static_cast<quint32>(m_hnsw->M_);
    header.efConstruction = static_cast<quint32>(m_hnsw->ef_construction_);
    header.maxLevel = m_hnsw->maxlevel_;
    header.entryPoint = m_hnsw->enterpoint_node_;
    writer.begin(header);
    writer.write(m_hnsw->data_level0_memory_, m_hnsw->cur_element_count * m_hnsw->size_data_per_element_);
    for (size_t i = 0; i < m_hnsw->cur_element_count; ++i) {
        const quint32 levels = static_cast<quint32>(m_hnsw->element_levels_[i]);
        writer.write(&levels, sizeof levels);
        if (levels > 0)
            writer.write(m_hnsw->linkLists_[i], levels * m_hnsw->size_links_per_element_);
    }
    return writer.commit();
}

core::Result<void> IndexImpl::readFrom(QFile &file, const VectorFileHeader &h)
{
    VectorFileReader reader(file, h);
    m_maxChunkId = h.maxChunkId;
    const auto n = static_cast<size_t>(h.stored);
    if (h.mode == VectorFileHeader::Exact) {
        m_ids.resize(n);
        m_matrix.resize(n * static_cast<size_t>(m_dimension));
        if (!reader.read(m_ids.data(), n * sizeof(qint64)) ||
            !reader.read(m_matrix.data(), m_matrix.size() * sizeof(float)))
            return reader.error();
        for (size_t i = 0; i < n; ++i) {
            if (!m_rowOf.emplace(m_ids[i], i).second)
                return corruptFile(file.fileName(), QStringLiteral("a chunk id appears twice"));
        }
        return reader.finish();
    }
    // The graph as hnswlib keeps it in memory, rebuilt field by field (its own loader reads a
    // file of its own format only, without our header and checksum).
    m_hnsw = std::make_unique<Hnsw>(&m_space, std::max<size_t>(n, 1), h.hnswM, h.efConstruction);
    m_hnsw->setEf(static_cast<size_t>(m_options.hnswEfSearch));
    Hnsw &g = *m_hnsw;
    if (!reader.read(g.data_level0_memory_, n * g.size_data_per_element_))
        return reader.error();
    g.cur_element_count = n;
    g.maxlevel_ = h.maxLevel;
    g.enterpoint_node_ = h.entryPoint;
    for (size_t i = 0; i < n; ++i) {
        quint32 levels = 0;
        if (!reader.read(&levels, sizeof levels))
            return reader.error();
        if (static_cast<int>(levels) > h.maxLevel)
            return corruptFile(file.fileName(), QStringLiteral("a node above the top level"));
        g.element_levels_[i] = static_cast<int>(levels);
        g.linkLists_[i] = nullptr;
        if (levels > 0) {
            const size_t bytes = levels * g.size_links_per_element_;
            g.linkLists_[i] = static_cast<char *>(malloc(bytes));
            if (!g.linkLists_[i] || !reader.read(g.linkLists_[i], bytes)) {
                // The remaining lists stay null: hnswlib frees only up to cur_element_count.
                g.cur_element_count = i + (g.linkLists_[i] ? 1 : 0);
                return reader.error();
            }
        }
        const auto label = g.getExternalLabel(static_cast<hnswlib::tableint>(i));
        if (!g.label_lookup_.emplace(label, static_cast<hnswlib::tableint>(i)).second)
            return corruptFile(file.fileName(), QStringLiteral("a chunk id appears twice"));
        if (g.isMarkedDeleted(static_cast<hnswlib::tableint>(i)))
            ++g.num_deleted_;
        else
            ++m_live;
    }
    if (m_live != h.count || (n > 0 && h.entryPoint >= n))
        return corruptFile(file.fileName(), QStringLiteral("the graph does not match its header"));
    return reader.finish();
}

} // namespace

std::unique_ptr<VectorIndex> VectorIndex::create(int dimension, const VectorIndexOptions &options)
{
    return std::make_unique<IndexImpl>(dimension, options);
}

core::Result<std::unique_ptr<VectorIndex>> VectorIndex::load(const QString &path,
                                                             const VectorIndexOptions &options)
{
    QFile file(path);
    if (!file.exists())
        return core::makeError(ErrorCode::NotFound, QStringLiteral("no vector index file at %1").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        return core::makeError(
            ErrorCode::Internal,
            QStringLiteral("cannot read the vector index %1: %2").arg(path, file.errorString()));
    auto header = readVectorFileHeader(file);
    if (!header)
        return header.error();
    auto index = std::make_unique<IndexImpl>(static_cast<int>(header->dimension), options);
    if (auto read = index->readFrom(file, header.value()); !read)
        return read.error();
    return std::unique_ptr<VectorIndex>(std::move(index));
}

} // namespace agency::knowledge

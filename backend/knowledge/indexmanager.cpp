#include "indexmanager.h"

#include "db/documentrepository.h"

#include <QDir>
#include <QLoggingCategory>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

namespace agency::knowledge {

Q_LOGGING_CATEGORY(lcIndex, "agency.knowledge.index")

using core::Result;

namespace {

QString keyOf(const QString &tenantId, const QString &collection, const QString &model)
{
    return tenantId + u'\n' + collection + u'\n' + model;
}

/// Waits for a database future on this pool thread (never the event loop's).
template <typename T> Result<T> wait(core::Async<T> future)
{
    future.waitForFinished();
    if (future.resultCount() == 0)
        return core::makeError(core::ErrorCode::Cancelled, QStringLiteral("the database call was abandoned"));
    return future.result();
}

} // namespace

IndexManager::IndexManager(db::DocumentRepository &documents, QString directory, VectorIndexOptions options,
                           int recheckMs)
    : m_documents(documents), m_directory(std::move(directory)), m_options(options), m_recheckMs(recheckMs),
      m_buildThreads(qMax(1, QThread::idealThreadCount()))
{
    // Searches of several collections run side by side; rebuilds are rare and take one thread each.
    m_pool.setMaxThreadCount(qMax(2, QThread::idealThreadCount()));
}

IndexManager::~IndexManager()
{
    m_pool.waitForDone();
}

QString IndexManager::pathOf(const QString &tenantId, const QString &collection, const QString &model) const
{
    if (m_directory.isEmpty())
        return {};
    // Tenant ids and collection names are file-name safe by their rules; a model name has '/'.
    const QString file = QString::fromLatin1(QUrl::toPercentEncoding(model)) + QStringLiteral(".vindex");
    return QDir(m_directory).filePath(tenantId + u'/' + collection + u'/' + file);
}

std::shared_ptr<IndexManager::Entry> IndexManager::entry(const QString &key)
{
    QMutexLocker lock(&m_mutex);
    auto &e = m_entries[key];
    if (!e)
        e = std::make_shared<Entry>();
    return e;
}

core::Async<QList<VectorHit>> IndexManager::search(const QString &tenantId, const QString &collection,
                                                   const QString &model, const QVector<float> &query, int k)
{
    auto e = entry(keyOf(tenantId, collection, model));
    return QtConcurrent::run(
        &m_pool, [this, e, tenantId, collection, model, query, k]() -> Result<QList<VectorHit>> {
            QMutexLocker lock(&e->mutex);
            if (auto fresh = ensureFresh(*e, tenantId, collection, model); !fresh)
                return fresh.error();
            if (!e->index)
                return QList<VectorHit>();
            if (e->index->dimension() != query.size())
                return core::makeError(
                    core::ErrorCode::Internal,
                    QStringLiteral("the query vector has %1 dimensions, the index of %2 has %3")
                        .arg(query.size())
                        .arg(model)
                        .arg(e->index->dimension()));
            return e->index->search(query.constData(), k);
        });
}

core::Status IndexManager::ensureFresh(Entry &e, const QString &tenantId, const QString &collection,
                                       const QString &model)
{
    const QString path = pathOf(tenantId, collection, model);
    if (!e.index && !path.isEmpty() && QFile::exists(path)) {
        auto loaded = VectorIndex::load(path, m_options);
        if (loaded)
            e.index = std::move(loaded).value();
        else
            qCWarning(lcIndex) << "rebuilding" << path << "from the database:" << loaded.error().message;
        e.checkNeeded = true;
    }
    if (!e.checkNeeded && !e.nextCheck.hasExpired())
        return {};
    auto counted = wait(m_documents.embeddingCount(tenantId, collection, model));
    if (!counted)
        return counted.error();
    const db::EmbeddingCount db = counted.value();
    bool changed = false;
    if (e.index && e.index->maxChunkId() < db.maxChunkId) {
        // Embeddings added since (by this process or another): add the newer ones.
        if (auto caught = catchUp(e, tenantId, collection, model, e.index->maxChunkId()); !caught)
            return caught;
        changed = true;
    }
    const bool agrees =
        e.index ? (e.index->size() == db.count && e.index->maxChunkId() == db.maxChunkId) : db.count == 0;
    if (!agrees) {
        if (auto rebuilt = rebuild(e, tenantId, collection, model); !rebuilt)
            return rebuilt;
        changed = true;
    }
    if (changed)
        save(e, tenantId, collection, model);
    e.checkNeeded = false;
    e.nextCheck = QDeadlineTimer(m_recheckMs);
    return {};
}

core::Status IndexManager::rebuild(Entry &e, const QString &tenantId, const QString &collection,
                                   const QString &model)
{
    e.index.reset();
    return catchUp(e, tenantId, collection, model, 0);
}

core::Status IndexManager::catchUp(Entry &e, const QString &tenantId, const QString &collection,
                                   const QString &model, qint64 afterChunkId)
{
    qint64 after = afterChunkId;
    for (;;) {
        auto batch = wait(
            m_documents.embeddings(tenantId, collection, model, after, db::DocumentRepository::kMaxBatch));
        if (!batch)
            return batch.error();
        if (!batch->isEmpty() && !e.index)
            e.index = VectorIndex::create(int(batch->first().vector.size()), m_options);
        // One addBatch per database page: the graph part is built on several threads (a
        // rebuild of a million vectors one add() at a time would take one core for hours).
        const int dimension = e.index ? e.index->dimension() : 0;
        std::vector<qint64> ids;
        std::vector<float> rows;
        ids.reserve(size_t(batch->size()));
        rows.reserve(size_t(batch->size()) * size_t(dimension));
        for (const db::ChunkVector &v : batch.value()) {
            if (v.vector.size() == dimension) {
                ids.push_back(v.chunkId);
                rows.insert(rows.end(), v.vector.cbegin(), v.vector.cend());
            }
            after = v.chunkId;
        }
        if (!ids.empty())
            e.index->addBatch(ids.data(), rows.data(), qint64(ids.size()), m_buildThreads);
        if (batch->size() < db::DocumentRepository::kMaxBatch)
            return {};
    }
}

void IndexManager::save(const Entry &e, const QString &tenantId, const QString &collection,
                        const QString &model) const
{
    const QString path = pathOf(tenantId, collection, model);
    if (path.isEmpty())
        return;
    if (!e.index) {
        QFile::remove(path);
        return;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    // A file that cannot be written only costs a rebuild at the next start.
    if (auto saved = e.index->save(path); !saved)
        qCWarning(lcIndex) << "could not save" << path << ":" << saved.error().message;
}

void IndexManager::invalidate(const QString &tenantId, const QString &collection)
{
    const QString prefix = tenantId + u'\n' + collection + u'\n';
    QMutexLocker lock(&m_mutex);
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        if (it.key().startsWith(prefix)) {
            // Atomic enough: the flag is read under the entry's mutex, a late read rechecks later.
            QMutexLocker entryLock(&it.value()->mutex);
            it.value()->checkNeeded = true;
        }
    }
}

void IndexManager::remove(const QString &tenantId, const QString &collection, const QList<qint64> &chunkIds)
{
    const QString prefix = tenantId + u'\n' + collection + u'\n';
    QList<std::shared_ptr<Entry>> entries;
    {
        QMutexLocker lock(&m_mutex);
        for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
            if (it.key().startsWith(prefix))
                entries.append(it.value());
    }
    for (const auto &e : entries) {
        QMutexLocker lock(&e->mutex);
        if (e->index)
            for (qint64 id : chunkIds)
                e->index->remove(id);
        e->checkNeeded = true;
    }
}

void IndexManager::forgetTenant(const QString &tenantId)
{
    {
        QMutexLocker lock(&m_mutex);
        for (auto it = m_entries.begin(); it != m_entries.end();) {
            if (it.key().startsWith(tenantId + u'\n'))
                it = m_entries.erase(it);
            else
                ++it;
        }
    }
    if (!m_directory.isEmpty())
        QDir(QDir(m_directory).filePath(tenantId)).removeRecursively();
}

qint64 IndexManager::loadedVectors(const QString &tenantId, const QString &collection, const QString &model)
{
    auto e = entry(keyOf(tenantId, collection, model));
    QMutexLocker lock(&e->mutex);
    return e->index ? e->index->size() : 0;
}

void IndexManager::waitForIdle()
{
    m_pool.waitForDone();
}

} // namespace agency::knowledge

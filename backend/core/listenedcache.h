#pragma once

#include <QHash>
#include <QMutex>
#include <QMutexLocker>

#include <optional>

namespace agency::core {

/// Values read from the database, kept only while a listener hears every change to what they
/// were read from (a channel the writes notify). Inactive (not yet listening, or the listener's
/// connection lost) it keeps nothing and finds nothing. A value read while a change was heard is
/// not kept: the reader takes generation() before reading and hands it to remember(). Thread-safe.
template <typename Key, typename Value> class ListenedCache
{
public:
    /// When `maxEntries` are kept, remembering one more drops them all (each costs one read to
    /// come back), so the cache never grows without bound.
    explicit ListenedCache(qsizetype maxEntries) : m_maxEntries(maxEntries) {}

    bool isActive() const
    {
        QMutexLocker lock(&m_mutex);
        return m_active;
    }

    /// Trust what is kept (the listener listens) or stop (its connection was lost): either way
    /// nothing kept so far survives, since changes may have gone unheard.
    void setActive(bool active)
    {
        QMutexLocker lock(&m_mutex);
        m_active = active;
        ++m_generation;
        m_entries.clear();
    }

    void forget(const Key &key)
    {
        QMutexLocker lock(&m_mutex);
        ++m_generation;
        m_entries.remove(key);
    }

    void forgetAll()
    {
        QMutexLocker lock(&m_mutex);
        ++m_generation;
        m_entries.clear();
    }

    std::optional<Value> find(const Key &key) const
    {
        QMutexLocker lock(&m_mutex);
        if (!m_active)
            return std::nullopt;
        const auto it = m_entries.constFind(key);
        return it == m_entries.cend() ? std::nullopt : std::optional<Value>(it.value());
    }

    quint64 generation() const
    {
        QMutexLocker lock(&m_mutex);
        return m_generation;
    }

    /// Keeps `value`, read after generation() returned `readAt`, unless something changed since.
    void remember(const Key &key, const Value &value, quint64 readAt)
    {
        QMutexLocker lock(&m_mutex);
        if (!m_active || readAt != m_generation)
            return;
        if (m_entries.size() >= m_maxEntries)
            m_entries.clear();
        m_entries.insert(key, value);
    }

private:
    const qsizetype m_maxEntries;
    mutable QMutex m_mutex;
    bool m_active = false;
    quint64 m_generation = 0; ///< moves on with every change heard
    QHash<Key, Value> m_entries;
};

} // namespace agency::core

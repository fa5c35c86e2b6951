#include "keycache.h"

#include <QMutexLocker>

namespace agency::service {

bool KeyCache::enabled() const
{
    QMutexLocker lock(&m_mutex);
    return m_active && m_maxAgeMs > 0;
}

void KeyCache::setActive(bool active)
{
    QMutexLocker lock(&m_mutex);
    m_active = active;
    ++m_generation;
    m_entries.clear();
}

void KeyCache::forgetAll()
{
    QMutexLocker lock(&m_mutex);
    ++m_generation;
    m_entries.clear();
}

std::optional<core::Principal> KeyCache::find(const QString &keyHash, const QDateTime &now) const
{
    QMutexLocker lock(&m_mutex);
    if (!m_active)
        return std::nullopt;
    const auto it = m_entries.constFind(keyHash);
    if (it == m_entries.cend() || it->validUntil <= now)
        return std::nullopt;
    return it->principal;
}

quint64 KeyCache::generation() const
{
    QMutexLocker lock(&m_mutex);
    return m_generation;
}

void KeyCache::remember(const QString &keyHash, const core::Principal &principal,
                        const QDateTime &keyExpiresAt, const QDateTime &now, quint64 readAtGeneration)
{
    QMutexLocker lock(&m_mutex);
    if (!m_active || m_maxAgeMs <= 0 || readAtGeneration != m_generation)
        return;
    QDateTime until = now.addMSecs(m_maxAgeMs);
    if (keyExpiresAt.isValid() && keyExpiresAt < until)
        until = keyExpiresAt;
    if (m_entries.size() >= kMaxEntries)
        m_entries.clear();
    m_entries.insert(keyHash, Entry{principal, until});
}

} // namespace agency::service

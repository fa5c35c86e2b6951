#include "keycache.h"

namespace agency::service {

bool KeyCache::enabled() const
{
    return m_maxAgeMs > 0 && m_entries.isActive();
}

void KeyCache::setActive(bool active)
{
    m_entries.setActive(active);
}

void KeyCache::forgetAll()
{
    m_entries.forgetAll();
}

std::optional<core::Principal> KeyCache::find(const QString &keyHash, const QDateTime &now) const
{
    const std::optional<Entry> entry = m_entries.find(keyHash);
    if (!entry || entry->validUntil <= now)
        return std::nullopt;
    return entry->principal;
}

quint64 KeyCache::generation() const
{
    return m_entries.generation();
}

void KeyCache::remember(const QString &keyHash, const core::Principal &principal,
                        const QDateTime &keyExpiresAt, const QDateTime &now, quint64 readAtGeneration)
{
    if (m_maxAgeMs <= 0)
        return;
    QDateTime until = now.addMSecs(m_maxAgeMs);
    if (keyExpiresAt.isValid() && keyExpiresAt < until)
        until = keyExpiresAt;
    m_entries.remember(keyHash, Entry{principal, until}, readAtGeneration);
}

} // namespace agency::service

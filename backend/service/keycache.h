#pragma once

#include "core/access.h"
#include "core/listenedcache.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace agency::service {

/// The principals of recently presented API keys, so a request need not read its key from the
/// database (docs/design.md#security). Only used while changes to keys can be heard (the server
/// listens for them): setActive(false) empties and bypasses it. An entry lives at most `maxAgeMs`
/// and never past its key's expiry; any change to any key forgets every entry. Unknown keys are
/// never cached, so guessing cannot fill it. Thread-safe.
class KeyCache
{
public:
    explicit KeyCache(int maxAgeMs) : m_maxAgeMs(maxAgeMs), m_entries(kMaxEntries) {}

    /// Most entries kept; when full, all are dropped (each key costs one read to come back).
    static constexpr int kMaxEntries = 10'000;

    bool enabled() const;
    void setActive(bool active);
    /// A change to keys (revoked, expired, deleted) or a missed notification.
    void forgetAll();

    std::optional<core::Principal> find(const QString &keyHash, const QDateTime &now) const;
    /// The generation to hand to remember(): a change between reading a key and remembering it
    /// makes remember() a no-op, so a key revoked meanwhile is not cached.
    quint64 generation() const;
    void remember(const QString &keyHash, const core::Principal &principal, const QDateTime &keyExpiresAt,
                  const QDateTime &now, quint64 readAtGeneration);

private:
    struct Entry
    {
        core::Principal principal;
        QDateTime validUntil;
    };

    const int m_maxAgeMs;
    core::ListenedCache<QString, Entry> m_entries;
};

} // namespace agency::service

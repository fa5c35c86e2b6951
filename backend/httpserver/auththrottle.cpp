#include "auththrottle.h"

#include <numeric>

namespace agency::httpserver {

using std::chrono::milliseconds;

namespace {
constexpr int kMaxEntries = 10'000;
} // namespace

qint64 AuthThrottle::slotMs() const
{
    return qMax<qint64>(1, m_config.authFailWindowMs / kSlots);
}

qint64 AuthThrottle::slotOf(Clock::time_point t) const
{
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count() / slotMs();
}

qint64 AuthThrottle::refusedForMs(const QHostAddress &address, Clock::time_point now) const
{
    const auto it = m_entries.constFind(address);
    if (it == m_entries.cend() || it->bannedUntil <= now)
        return 0;
    return std::chrono::duration_cast<milliseconds>(it->bannedUntil - now).count() + 1;
}

void AuthThrottle::forgetStaleEntries(Clock::time_point now)
{
    const qint64 current = slotOf(now);
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->bannedUntil <= now && current - it->newestSlot >= kSlots)
            it = m_entries.erase(it);
        else
            ++it;
    }
}

void AuthThrottle::recordFailure(const QHostAddress &address, Clock::time_point now)
{
    // Bounded memory under a spray of addresses: forget entries whose window and ban are over.
    if (m_entries.size() > kMaxEntries)
        forgetStaleEntries(now);
    Entry &e = m_entries[address];
    const qint64 slot = slotOf(now);
    // Slots that fell out of the window since the latest failure start again from zero.
    if (slot - e.newestSlot >= kSlots) {
        e.failures.fill(0);
    } else {
        for (qint64 s = e.newestSlot + 1; s <= slot; ++s)
            e.failures[static_cast<size_t>(s % kSlots)] = 0;
    }
    e.newestSlot = qMax(e.newestSlot, slot);
    e.failures[static_cast<size_t>(slot % kSlots)] += 1;
    if (std::accumulate(e.failures.cbegin(), e.failures.cend(), 0) >= m_config.authFailLimit) {
        e.bannedUntil = now + milliseconds(m_config.authBanMs);
        e.failures.fill(0); // the ban is the penalty; afterwards the address starts afresh
    }
}

} // namespace agency::httpserver

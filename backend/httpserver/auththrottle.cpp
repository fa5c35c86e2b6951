#include "auththrottle.h"

namespace agency::httpserver {

using std::chrono::milliseconds;

qint64 AuthThrottle::refusedForMs(const QHostAddress &address, Clock::time_point now)
{
    auto it = m_entries.find(address);
    if (it == m_entries.end() || it->bannedUntil <= now)
        return 0;
    return std::chrono::duration_cast<milliseconds>(it->bannedUntil - now).count() + 1;
}

void AuthThrottle::recordFailure(const QHostAddress &address, Clock::time_point now)
{
    // Bounded memory under a spray of addresses: forget entries whose window and ban are over.
    if (m_entries.size() > 10'000) {
        for (auto it = m_entries.begin(); it != m_entries.end();) {
            if (it->bannedUntil <= now && now - it->windowStart > milliseconds(m_config.authFailWindowMs))
                it = m_entries.erase(it);
            else
                ++it;
        }
    }
    Entry &e = m_entries[address];
    if (e.failures == 0 || now - e.windowStart > milliseconds(m_config.authFailWindowMs)) {
        e.failures = 0;
        e.windowStart = now;
    }
    e.failures += 1;
    if (e.failures >= m_config.authFailLimit) {
        e.bannedUntil = now + milliseconds(m_config.authBanMs);
        e.failures = 0;
    }
}

void AuthThrottle::recordSuccess(const QHostAddress &address)
{
    auto it = m_entries.find(address);
    if (it != m_entries.end() && it->bannedUntil <= Clock::now())
        m_entries.erase(it);
}

} // namespace agency::httpserver

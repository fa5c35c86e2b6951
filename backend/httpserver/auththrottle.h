#pragma once

#include "serverconfig.h"

#include <QHash>
#include <QHostAddress>

#include <array>
#include <chrono>

namespace agency::httpserver {

/// Counts failed authentications per client address over a sliding window and refuses an address
/// for a while once it has failed too often within it (ServerConfig::authFail*): guessing keys
/// costs the guesser, not the database. Successes do not clear the count, so holding one valid
/// key does not buy unlimited guesses at others.
///
/// The window is kept as kSlots counters of window/kSlots each, so memory per address is fixed
/// whatever the limit; a failure counts for between window·(1 − 1/kSlots) and the whole window.
/// Thread affinity: the server thread.
class AuthThrottle
{
public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kSlots = 10;

    explicit AuthThrottle(const ServerConfig &config) : m_config(config) {}

    /// Milliseconds until `address` may try again; 0 when it may try now.
    qint64 refusedForMs(const QHostAddress &address, Clock::time_point now = Clock::now()) const;
    /// Counts one failure; the address is refused from the failure that reaches the limit on.
    void recordFailure(const QHostAddress &address, Clock::time_point now = Clock::now());

private:
    struct Entry
    {
        std::array<int, kSlots> failures{}; ///< by slot index modulo kSlots
        qint64 newestSlot = 0;              ///< the slot of the latest failure
        Clock::time_point bannedUntil;
    };
    qint64 slotMs() const;
    qint64 slotOf(Clock::time_point t) const;
    void forgetStaleEntries(Clock::time_point now);

    const ServerConfig &m_config;
    QHash<QHostAddress, Entry> m_entries;
};

} // namespace agency::httpserver

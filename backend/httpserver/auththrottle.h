#pragma once

#include "serverconfig.h"

#include <QHash>
#include <QHostAddress>

#include <chrono>

namespace agency::httpserver {

/// Counts failed authentications per client address and refuses an address for a while after
/// too many (ServerConfig::authFail*): guessing keys costs the guesser, not the database.
/// Thread affinity: the server thread.
class AuthThrottle
{
public:
    using Clock = std::chrono::steady_clock;

    explicit AuthThrottle(const ServerConfig &config) : m_config(config) {}

    /// Milliseconds until `address` may try again; 0 when it may try now.
    qint64 refusedForMs(const QHostAddress &address, Clock::time_point now = Clock::now());
    void recordFailure(const QHostAddress &address, Clock::time_point now = Clock::now());
    /// A success clears the address's count.
    void recordSuccess(const QHostAddress &address);

private:
    struct Entry
    {
        int failures = 0;
        Clock::time_point windowStart;
        Clock::time_point bannedUntil;
    };
    const ServerConfig &m_config;
    QHash<QHostAddress, Entry> m_entries;
};

} // namespace agency::httpserver

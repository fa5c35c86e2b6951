#pragma once

#include "core/async/future.h"
#include "core/clock.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::tools {

/// A cached weather answer.
struct CachedWeather
{
    QJsonObject payload;
    QDateTime fetchedAt;
};

/// The `weather_cache` table: answers keyed by (back-end, normalised location, units), valid for
/// `ttlSeconds` after they were fetched. "Now" is the injected clock's wall time, bound into every
/// statement, so expiry is testable with a ManualClock and identical on every process.
///
/// Thread-safe (all work runs on DbExecutor workers). Borrows the executor, which must outlive it.
/// Errors are the executor's (DatabaseUnavailable, DatabaseError); callers treat a failed lookup
/// as a miss.
class WeatherCache
{
public:
    WeatherCache(sql::DbExecutor &executor, std::shared_ptr<const core::Clock> clock, int ttlSeconds);

    /// Trimmed, lower-case, runs of white space collapsed to one space, no space around commas:
    /// "  New   York ,US " → "new york,us".
    static QString normaliseLocation(const QString &location);

    /// The unexpired entry, or nullopt.
    core::Async<std::optional<CachedWeather>> lookup(const QString &backend, const QString &locationKey,
                                                     const QString &units);
    /// Inserts or replaces the entry (expires now + TTL) and prunes expired rows.
    core::Async<void> store(const QString &backend, const QString &locationKey, const QString &units,
                            const QJsonObject &payload);

    int ttlSeconds() const { return m_ttlSeconds; }

private:
    sql::DbExecutor &m_executor;
    std::shared_ptr<const core::Clock> m_clock;
    int m_ttlSeconds;
};

} // namespace agency::tools

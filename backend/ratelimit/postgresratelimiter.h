#pragma once

#include "core/clock.h"
#include "limitpolicy.h"
#include "ratelimiter.h"

#include <memory>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::ratelimit {

/// Buckets shared by every process using one database (RATE_LIMIT_BACKEND=postgres), in the
/// `rate_limit_buckets` table: one row per (tenant, provider) holding both windows.
///
/// Atomicity: a reservation is ONE `UPDATE … WHERE <both windows have enough> RETURNING`. The
/// row lock and PostgreSQL's re-check of the WHERE clause against the latest row version (READ
/// COMMITTED) make "refill, check, take" indivisible, so N processes together never grant more
/// than the limit. A refusal then reads the row (without locking) only to compute retry-after.
///
/// Time: refill uses the injected clock's wall time (epoch ms), bound into each statement, so
/// tests drive it with a ManualClock and memory and PostgreSQL limiters agree. Skew between hosts
/// can only make the limit stricter, never looser: a row's time never moves backwards
/// (updated_ms = GREATEST(updated_ms, now)) and negative elapsed time refills nothing.
///
/// Thread-safe; statements run on the executor's workers. Borrows the executor (must outlive
/// pending futures); shares policy and clock. Database failures surface as the executor's
/// errors (DatabaseUnavailable, DatabaseError).
class PostgresRateLimiter final : public RateLimiter
{
public:
    PostgresRateLimiter(sql::DbExecutor &executor, std::shared_ptr<LimitPolicy> policy,
                        std::shared_ptr<const core::Clock> clock);

    core::Async<Reservation> reserve(const QString &tenantId, const QString &provider,
                                     qint64 estimatedTokens) override;
    core::Async<void> settle(const Reservation &reservation, qint64 actualTokens) override;
    core::Async<core::LimitStatus> status(const QString &tenantId, const QString &provider) override;

private:
    sql::DbExecutor &m_executor;
    std::shared_ptr<LimitPolicy> m_policy;
    std::shared_ptr<const core::Clock> m_clock;
};

} // namespace agency::ratelimit

#pragma once

#include "core/clock.h"
#include "limitpolicy.h"
#include "ratelimiter.h"

#include <memory>

namespace agency::ratelimit {

/// The default limiter: buckets in this process's memory, refilled by the injected clock's
/// monotonic time. Thread-safe (one mutex; every operation is a few integer operations under it).
/// Idle buckets that have refilled completely are dropped now and then, since a full bucket and a
/// missing one behave the same. Shares the policy and the clock.
class MemoryRateLimiter final : public RateLimiter
{
public:
    MemoryRateLimiter(std::shared_ptr<LimitPolicy> policy, std::shared_ptr<const core::Clock> clock);
    ~MemoryRateLimiter() override;

    core::Async<Reservation> reserve(const QString &tenantId, const QString &provider,
                                     qint64 estimatedTokens) override;
    core::Async<void> settle(const Reservation &reservation, qint64 actualTokens) override;
    core::Async<core::LimitStatus> status(const QString &tenantId, const QString &provider) override;

    /// Buckets currently held (for tests of the pruning).
    int bucketCount() const;

private:
    struct State;
    std::shared_ptr<LimitPolicy> m_policy;
    std::shared_ptr<State> m_state;
};

} // namespace agency::ratelimit

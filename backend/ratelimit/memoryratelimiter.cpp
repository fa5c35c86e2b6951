#include "memoryratelimiter.h"

#include "bucketmath.h"

#include <QHash>
#include <QMutex>

namespace agency::ratelimit {

using core::Result;
namespace bm = bucket;

namespace {

constexpr int kPruneEvery = 1024;

struct Bucket
{
    qint64 minuteLevel = 0;
    qint64 hourLevel = 0;
    qint64 updatedMs = 0;
    Limits limits; ///< the limits of the last operation: a window that had none starts full
};

QString bucketKey(const QString &tenantId, const QString &provider)
{
    return tenantId + QChar(0x1f) + provider;
}

} // namespace

struct MemoryRateLimiter::State
{
    std::shared_ptr<const core::Clock> clock;
    mutable QMutex mutex;
    QHash<QString, Bucket> buckets;
    int operations = 0;

    /// The bucket refilled to now (created full); call with the mutex held.
    Bucket &current(const QString &tenantId, const QString &provider, const Limits &limits, qint64 now)
    {
        const QString key = bucketKey(tenantId, provider);
        auto it = buckets.find(key);
        if (it == buckets.end()) {
            it = buckets.insert(key, Bucket{bm::fullLevel(limits.tokensPerMinute, bm::kMinuteMs),
                                            bm::fullLevel(limits.tokensPerHour, bm::kHourMs), now, limits});
        }
        Bucket &b = *it;
        const qint64 elapsed = now - b.updatedMs;
        b.minuteLevel = bm::levelNow(b.minuteLevel, b.limits.tokensPerMinute, limits.tokensPerMinute,
                                     bm::kMinuteMs, elapsed);
        b.hourLevel =
            bm::levelNow(b.hourLevel, b.limits.tokensPerHour, limits.tokensPerHour, bm::kHourMs, elapsed);
        b.updatedMs = std::max(b.updatedMs, now);
        b.limits = limits;
        return b;
    }

    static core::LimitStatus describe(const QString &tenantId, const QString &provider, const Limits &limits,
                                      const Bucket &b)
    {
        return core::LimitStatus{tenantId, provider,
                                 bm::windowStatus(b.minuteLevel, limits.tokensPerMinute, bm::kMinuteMs),
                                 bm::windowStatus(b.hourLevel, limits.tokensPerHour, bm::kHourMs)};
    }

    /// Drops buckets that are full in both windows; call with the mutex held.
    void pruneFull()
    {
        for (auto it = buckets.begin(); it != buckets.end();) {
            // Two idle hours refill both windows completely, even from a full window of debt.
            if (clock->monotonicMs() - it->updatedMs >= 2 * bm::kHourMs)
                it = buckets.erase(it);
            else
                ++it;
        }
    }

    Result<Reservation> reserve(const QString &tenantId, const QString &provider, qint64 tokens,
                                const Limits &limits)
    {
        if (auto ok = bm::checkRequest(tenantId, provider, tokens, limits); !ok)
            return ok.error();
        QMutexLocker lock(&mutex);
        if (++operations % kPruneEvery == 0)
            pruneFull();
        Bucket &b = current(tenantId, provider, limits, clock->monotonicMs());
        const bool minuteOk = limits.tokensPerMinute == 0 || b.minuteLevel >= tokens * bm::kMinuteMs;
        const bool hourOk = limits.tokensPerHour == 0 || b.hourLevel >= tokens * bm::kHourMs;
        if (!minuteOk || !hourOk)
            return bm::refusal(tenantId, provider, tokens, limits, b.minuteLevel, b.hourLevel);
        if (limits.tokensPerMinute > 0)
            b.minuteLevel -= tokens * bm::kMinuteMs;
        if (limits.tokensPerHour > 0)
            b.hourLevel -= tokens * bm::kHourMs;
        return Reservation{tenantId, provider, tokens, limits, describe(tenantId, provider, limits, b)};
    }

    core::Status settle(const Reservation &r, qint64 actualTokens)
    {
        const qint64 refund = r.tokens - actualTokens;
        if (refund == 0)
            return {};
        QMutexLocker lock(&mutex);
        Bucket &b = current(r.tenantId, r.provider, r.limits, clock->monotonicMs());
        if (r.limits.tokensPerMinute > 0)
            b.minuteLevel = bm::clampSettled(b.minuteLevel + refund * bm::kMinuteMs, r.limits.tokensPerMinute,
                                             bm::kMinuteMs);
        if (r.limits.tokensPerHour > 0)
            b.hourLevel =
                bm::clampSettled(b.hourLevel + refund * bm::kHourMs, r.limits.tokensPerHour, bm::kHourMs);
        return {};
    }

    core::LimitStatus status(const QString &tenantId, const QString &provider, const Limits &limits)
    {
        QMutexLocker lock(&mutex);
        const auto it = buckets.constFind(bucketKey(tenantId, provider));
        if (it == buckets.cend()) {
            return describe(tenantId, provider, limits,
                            Bucket{bm::fullLevel(limits.tokensPerMinute, bm::kMinuteMs),
                                   bm::fullLevel(limits.tokensPerHour, bm::kHourMs), 0, limits});
        }
        // Read-only, like the PostgreSQL limiter: looking does not change the bucket.
        Bucket copy = *it;
        const qint64 elapsed = clock->monotonicMs() - copy.updatedMs;
        copy.minuteLevel = bm::levelNow(copy.minuteLevel, copy.limits.tokensPerMinute, limits.tokensPerMinute,
                                        bm::kMinuteMs, elapsed);
        copy.hourLevel = bm::levelNow(copy.hourLevel, copy.limits.tokensPerHour, limits.tokensPerHour,
                                      bm::kHourMs, elapsed);
        return describe(tenantId, provider, limits, copy);
    }
};

MemoryRateLimiter::MemoryRateLimiter(std::shared_ptr<LimitPolicy> policy,
                                     std::shared_ptr<const core::Clock> clock)
    : m_policy(std::move(policy)), m_state(std::make_shared<State>())
{
    m_state->clock = std::move(clock);
}

MemoryRateLimiter::~MemoryRateLimiter() = default;

core::Async<Reservation> MemoryRateLimiter::reserve(const QString &tenantId, const QString &provider,
                                                    qint64 estimatedTokens)
{
    if (auto ok = bm::checkRequest(tenantId, provider, estimatedTokens, Limits{}); !ok)
        return core::failedAsync<Reservation>(ok.error());
    return m_policy->limitsFor(tenantId, provider)
        .then([state = m_state, tenantId, provider,
               estimatedTokens](Result<Limits> limits) -> Result<Reservation> {
            if (!limits)
                return limits.error();
            return state->reserve(tenantId, provider, estimatedTokens, limits.value());
        });
}

core::Async<void> MemoryRateLimiter::settle(const Reservation &reservation, qint64 actualTokens)
{
    if (actualTokens < 0)
        return core::failedAsync<void>(core::makeError(core::ErrorCode::InvalidArgument,
                                                       QStringLiteral("actual tokens must not be negative")));
    return core::readyAsync<void>(m_state->settle(reservation, actualTokens));
}

core::Async<core::LimitStatus> MemoryRateLimiter::status(const QString &tenantId, const QString &provider)
{
    if (auto ok = bm::checkRequest(tenantId, provider, 0, Limits{}); !ok)
        return core::failedAsync<core::LimitStatus>(ok.error());
    return m_policy->limitsFor(tenantId, provider)
        .then([state = m_state, tenantId, provider](Result<Limits> limits) -> Result<core::LimitStatus> {
            if (!limits)
                return limits.error();
            return state->status(tenantId, provider, limits.value());
        });
}

int MemoryRateLimiter::bucketCount() const
{
    QMutexLocker lock(&m_state->mutex);
    return static_cast<int>(m_state->buckets.size());
}

} // namespace agency::ratelimit

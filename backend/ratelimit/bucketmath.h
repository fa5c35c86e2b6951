#pragma once

#include "core/error.h"
#include "core/result.h"
#include "ratelimiter.h"

namespace agency::ratelimit::bucket {

// Exact token-bucket arithmetic shared by the in-memory and PostgreSQL limiters.
//
// A bucket's level is kept in token·milliseconds: `level = tokens × windowMs`. A bucket of
// capacity C tokens per window W then holds at most C·W and refills by exactly C per elapsed
// millisecond, so refill, refunds and retry-after are integer arithmetic with no rounding drift:
// the retry-after we report is the exact first millisecond at which the request fits.

constexpr qint64 kMinuteMs = 60'000;
constexpr qint64 kHourMs = 3'600'000;

enum class Window { Minute, Hour };
QString windowName(Window window);
constexpr qint64 windowMs(Window window)
{
    return window == Window::Minute ? kMinuteMs : kHourMs;
}

/// Capacity in level units.
constexpr qint64 fullLevel(qint64 capacityTokens, qint64 windowMillis)
{
    return capacityTokens * windowMillis;
}

/// `level` after `elapsedMs` of refill (negative elapsed counts as 0), capped at full.
qint64 refilled(qint64 level, qint64 capacityTokens, qint64 windowMillis, qint64 elapsedMs);

/// The level now of a bucket stored with `storedCapacity` and read under `capacity`: refilled by
/// `elapsedMs`; a window that was unlimited (stored capacity 0) starts full; unlimited reads 0.
qint64 levelNow(qint64 level, qint64 storedCapacity, qint64 capacity, qint64 windowMillis, qint64 elapsedMs);

/// Clamps a level after a settlement: at most full, at least one window of debt (-full).
qint64 clampSettled(qint64 level, qint64 capacityTokens, qint64 windowMillis);

/// Milliseconds until `level` holds `tokens` (0 when it already does).
qint64 msUntil(qint64 level, qint64 capacityTokens, qint64 windowMillis, qint64 tokens);

/// Status of a window at `level` (limit 0 = unlimited).
core::WindowStatus windowStatus(qint64 level, qint64 capacityTokens, qint64 windowMillis);

/// Validates a reservation request against the limits: InvalidArgument for bad input,
/// PayloadTooLarge when `tokens` exceeds a window's capacity.
core::Status checkRequest(const QString &tenantId, const QString &provider, qint64 tokens,
                          const Limits &limits);

/// The RateLimited error for a refused request, given both windows' current levels.
core::Error refusal(const QString &tenantId, const QString &provider, qint64 tokens, const Limits &limits,
                    qint64 minuteLevel, qint64 hourLevel);

} // namespace agency::ratelimit::bucket

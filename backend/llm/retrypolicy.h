#pragma once

#include "core/error.h"

#include <QByteArray>
#include <QDateTime>

#include <optional>

namespace agency::llm {

/// The one retry policy of the provider layer (docs/design.md#providers), applied by HttpCall to every HTTP
/// adapter and the token endpoints. Plain value; pure functions; no thread affinity.
///
/// - Retryable: ProviderRateLimited (429), ProviderUnavailable (5xx, network errors, streams cut
///   off) and ProviderTimeout. Never: other 4xx, unauthorized, malformed answers, cancellation.
/// - Delay before attempt n+1: exponential backoff baseDelayMs·2^(n-1), capped at maxDelayMs,
///   with "equal jitter" (a uniformly random factor in [1 - jitter, 1]); a server's Retry-After
///   wins when it asks for longer.
/// - Gives up after maxAttempts attempts, or when the next wait would push the call past
///   maxTotalMs since it started (then the last error is returned at once, e.g. a 429 with its
///   retry_after_ms, instead of sleeping on it).
struct RetryPolicy
{
    int maxAttempts = 3;
    qint64 maxTotalMs = 60'000;
    qint64 baseDelayMs = 500;
    qint64 maxDelayMs = 8'000;
    double jitter = 0.5; ///< 0 = none, 1 = "full jitter"

    static bool isRetryable(core::ErrorCode code);

    /// Backoff before the attempt following failed attempt number `attempt` (1-based).
    /// `random01` is a uniform sample in [0, 1).
    qint64 backoffMs(int attempt, double random01) const;

    /// Decides what to do after failed attempt number `attemptsMade` (1-based) that ended with
    /// `error`, `elapsedMs` after the call started: the delay to wait before the next attempt, or
    /// nullopt to give up. A retry_after_ms in error.details is honoured as a lower bound.
    std::optional<qint64> nextDelayMs(int attemptsMade, const core::Error &error, qint64 elapsedMs,
                                      double random01) const;

    /// Parses a Retry-After header value: delta-seconds ("120") or an HTTP-date
    /// ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to `now`. Dates in the past give 0.
    static std::optional<qint64> parseRetryAfter(const QByteArray &value, const QDateTime &now);
};

} // namespace agency::llm

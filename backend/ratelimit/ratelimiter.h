#pragma once

#include "core/async/future.h"
#include "core/limitstatus.h"
#include "core/message.h"

#include <QList>
#include <QString>

namespace agency::ratelimit {

/// Token limits of one (tenant, provider). 0 means "no limit" for that window.
struct Limits
{
    qint64 tokensPerMinute = 0;
    qint64 tokensPerHour = 0;

    bool operator==(const Limits &) const = default;
};

/// The largest accepted limit (tokens per window); keeps the bucket arithmetic within 64 bits.
constexpr qint64 kMaxLimitTokens = 1'000'000'000'000;

/// Tokens taken from a tenant's buckets before a provider call; give it back to settle().
struct Reservation
{
    QString tenantId;
    QString provider;
    qint64 tokens = 0;       ///< the estimate that was taken
    Limits limits;           ///< the limits in force when it was taken
    core::LimitStatus after; ///< bucket state right after the reservation
};

/// Token buckets with continuous refill (docs/design.md#rate-limiting): per (tenant, provider), one bucket
/// per minute and one per hour. A bucket holds up to `limit` tokens and refills at `limit` per window,
/// continuously; a reservation must fit in both.
///
/// Protocol: reserve(estimate) before a provider call (the estimate is core::estimatePromptTokens()
/// of the request plus its completion allowance); settle(reservation, actual) after it with
/// the provider's reported total tokens (0 when the call failed before the provider did any work),
/// which refunds an over-estimate or charges an under-estimate. A charge may drive a bucket
/// negative (down to one window's worth of debt), delaying later calls accordingly.
///
/// Errors of reserve(): RateLimited — fails fast, never sleeps — with details
/// {"retry_after_ms", "limit_tokens", "remaining_tokens", "reset_ms", "window": "minute"|"hour",
/// "requested_tokens"}: retry_after_ms is the exact time until the request fits (the window that
/// needs longest is reported). PayloadTooLarge when the request exceeds a bucket's capacity (it
/// could never fit; waiting would be forever), with details {"limit_tokens", "requested_tokens",
/// "window"}. InvalidArgument for an empty tenant/provider or negative tokens.
///
/// Limits come from a LimitPolicy (settings defaults and per-tenant overrides).
/// Implementations are thread-safe; futures may finish on any thread (use .then(context, …)).
/// Destroy a limiter only after its pending futures have finished.
class RateLimiter
{
public:
    virtual ~RateLimiter() = default;

    virtual core::Async<Reservation> reserve(const QString &tenantId, const QString &provider,
                                             qint64 estimatedTokens) = 0;
    virtual core::Async<void> settle(const Reservation &reservation, qint64 actualTokens) = 0;
    virtual core::Async<core::LimitStatus> status(const QString &tenantId, const QString &provider) = 0;
};

} // namespace agency::ratelimit

#include "bucketmath.h"

#include <algorithm>

namespace agency::ratelimit::bucket {

using core::ErrorCode;
using core::makeError;

QString windowName(Window window)
{
    return window == Window::Minute ? QStringLiteral("minute") : QStringLiteral("hour");
}

qint64 refilled(qint64 level, qint64 capacityTokens, qint64 windowMillis, qint64 elapsedMs)
{
    const qint64 full = fullLevel(capacityTokens, windowMillis);
    if (capacityTokens <= 0 || level >= full)
        return std::min(level, full);
    const qint64 elapsed = std::max<qint64>(0, elapsedMs);
    // Compare before multiplying: a long-idle bucket would overflow elapsed × capacity.
    const qint64 msToFull = (full - level + capacityTokens - 1) / capacityTokens;
    return elapsed >= msToFull ? full : level + elapsed * capacityTokens;
}

qint64 levelNow(qint64 level, qint64 storedCapacity, qint64 capacity, qint64 windowMillis, qint64 elapsedMs)
{
    if (capacity <= 0)
        return 0;
    if (storedCapacity <= 0)
        return fullLevel(capacity, windowMillis);
    return refilled(level, capacity, windowMillis, elapsedMs);
}

qint64 clampSettled(qint64 level, qint64 capacityTokens, qint64 windowMillis)
{
    const qint64 full = fullLevel(capacityTokens, windowMillis);
    return std::clamp(level, -full, full);
}

qint64 msUntil(qint64 level, qint64 capacityTokens, qint64 windowMillis, qint64 tokens)
{
    const qint64 needed = tokens * windowMillis;
    if (capacityTokens <= 0 || level >= needed)
        return 0;
    return (needed - level + capacityTokens - 1) / capacityTokens;
}

core::WindowStatus windowStatus(qint64 level, qint64 capacityTokens, qint64 windowMillis)
{
    if (capacityTokens <= 0)
        return {};
    const qint64 full = fullLevel(capacityTokens, windowMillis);
    core::WindowStatus status;
    status.limit = capacityTokens;
    status.remaining = level > 0 ? level / windowMillis : 0;
    status.resetMs = level >= full ? 0 : (full - level + capacityTokens - 1) / capacityTokens;
    return status;
}

core::Status checkRequest(const QString &tenantId, const QString &provider, qint64 tokens,
                          const Limits &limits)
{
    if (tenantId.trimmed().isEmpty())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("tenant_id: is required"),
                         {{QStringLiteral("field"), QStringLiteral("tenant_id")}});
    if (provider.trimmed().isEmpty())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("provider: is required"),
                         {{QStringLiteral("field"), QStringLiteral("provider")}});
    if (tokens < 0)
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("tokens: must not be negative"),
                         {{QStringLiteral("field"), QStringLiteral("tokens")}});
    for (const auto &[window, capacity] :
         {std::pair{Window::Minute, limits.tokensPerMinute}, std::pair{Window::Hour, limits.tokensPerHour}}) {
        if (capacity > 0 && tokens > capacity) {
            return makeError(
                ErrorCode::PayloadTooLarge,
                QStringLiteral("request needs about %1 tokens but %2 may use at most %3 tokens per %4 on %5; "
                               "shorten the conversation or lower max_tokens")
                    .arg(tokens)
                    .arg(tenantId)
                    .arg(capacity)
                    .arg(windowName(window), provider),
                {{QStringLiteral("limit_tokens"), capacity},
                 {QStringLiteral("requested_tokens"), tokens},
                 {QStringLiteral("window"), windowName(window)}});
        }
    }
    return {};
}

core::Error refusal(const QString &tenantId, const QString &provider, qint64 tokens, const Limits &limits,
                    qint64 minuteLevel, qint64 hourLevel)
{
    const qint64 minuteWait = msUntil(minuteLevel, limits.tokensPerMinute, kMinuteMs, tokens);
    const qint64 hourWait = msUntil(hourLevel, limits.tokensPerHour, kHourMs, tokens);
    const Window window = hourWait > minuteWait ? Window::Hour : Window::Minute;
    const qint64 level = window == Window::Hour ? hourLevel : minuteLevel;
    const qint64 capacity = window == Window::Hour ? limits.tokensPerHour : limits.tokensPerMinute;
    const core::WindowStatus status = windowStatus(level, capacity, windowMs(window));
    // A refusal always waits at least 1 ms (both waits 0 only in a race the caller retries).
    const qint64 retryAfter = std::max<qint64>(1, std::max(minuteWait, hourWait));
    return makeError(
        ErrorCode::RateLimited,
        QStringLiteral("rate limit of %1 on %2: %3 tokens requested, %4 of %5 tokens per %6 left; "
                       "retry in %7 ms")
            .arg(tenantId, provider)
            .arg(tokens)
            .arg(status.remaining)
            .arg(capacity)
            .arg(windowName(window))
            .arg(retryAfter),
        {{QStringLiteral("retry_after_ms"), retryAfter},
         {QStringLiteral("limit_tokens"), capacity},
         {QStringLiteral("remaining_tokens"), status.remaining},
         {QStringLiteral("reset_ms"), status.resetMs},
         {QStringLiteral("window"), windowName(window)},
         {QStringLiteral("requested_tokens"), tokens}});
}

} // namespace agency::ratelimit::bucket

#pragma once

#include <QString>

namespace agency::core {

/// The state of one window's token bucket, for status displays and `x-ratelimit-*` headers.
struct WindowStatus
{
    qint64 limit = 0;     ///< bucket capacity in tokens; 0 = unlimited
    qint64 remaining = 0; ///< whole tokens available now (never negative)
    qint64 resetMs = 0;   ///< time until the bucket is full again

    bool unlimited() const { return limit == 0; }
    bool operator==(const WindowStatus &) const = default;
};

/// The rate-limit state of one (tenant, provider): one bucket per minute and one per hour.
struct LimitStatus
{
    QString tenantId;
    QString provider;
    WindowStatus minute;
    WindowStatus hour;
};

} // namespace agency::core

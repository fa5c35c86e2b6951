#pragma once

#include "limitpolicy.h"
#include "ratelimiter.h"
#include "usagerecorder.h"

#include <QJsonObject>

#include <memory>
#include <optional>

namespace agency::ratelimit {

/// A tenant's spending limit in US dollars, from its settings:
///
///     {"budget": {"usd_per_day": 5, "usd_per_month": 100}}
///
/// Either key may be left out (no limit for that period); days and months are UTC.
struct TenantBudget
{
    std::optional<double> perDay;
    std::optional<double> perMonth;

    bool limited() const { return perDay || perMonth; }
    /// The budget of a tenant settings object; entries that are not valid are ignored (the
    /// service validates before saving).
    static TenantBudget parse(const QJsonObject &tenantSettings);
    /// InvalidArgument naming the bad entry, e.g. "budget.usd_per_day: must be a number of dollars,
    /// 0 or more".
    static core::Status validate(const QJsonObject &tenantSettings);
};

/// The money budget in front of a rate limiter (docs/costs.md): before each provider call,
/// a tenant with a budget has what it spent today and this month (the recorded cost of its
/// calls, llm_usage) compared with it, and a spent budget refuses the call like the token
/// budget: RateLimited, with details {"reason": "budget", "window": "day"|"month", "budget_usd",
/// "spent_usd", "retry_after_ms" (until the next UTC day or month)}. A call is refused only once
/// the budget is reached, so the call that crosses it completes. Tenants without a budget cost
/// nothing extra: their settings come from the policy's cache.
///
/// Thread-safe; borrows the inner limiter and the recorder, which must outlive it.
class BudgetedRateLimiter : public RateLimiter
{
public:
    BudgetedRateLimiter(RateLimiter &inner, std::shared_ptr<LimitPolicy> policy, UsageRecorder &usage,
                        std::shared_ptr<const core::Clock> clock);

    core::Async<Reservation> reserve(const QString &tenantId, const QString &provider,
                                     qint64 estimatedTokens) override;
    core::Async<void> settle(const Reservation &reservation, qint64 actualTokens) override;
    core::Async<core::LimitStatus> status(const QString &tenantId, const QString &provider) override;

    /// The refusal for `spend` against `budget` at `now`, or nothing when there is room left.
    static std::optional<core::Error> refusal(const QString &tenantId, const TenantBudget &budget,
                                              const Spend &spend, const QDateTime &now);

private:
    core::Async<Reservation> checkSpend(const QString &tenantId, const QString &provider,
                                        qint64 estimatedTokens, const TenantBudget &budget);

    RateLimiter &m_inner;
    std::shared_ptr<LimitPolicy> m_policy;
    UsageRecorder &m_usage;
    std::shared_ptr<const core::Clock> m_clock;
};

} // namespace agency::ratelimit

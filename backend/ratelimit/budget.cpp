#include "budget.h"

#include <cmath>

namespace agency::ratelimit {

namespace {

const QString kBudget = QStringLiteral("budget");
const QString kPerDay = QStringLiteral("usd_per_day");
const QString kPerMonth = QStringLiteral("usd_per_month");
constexpr double kMaxBudgetUsd = 1e12;

std::optional<double> dollars(const QJsonValue &v)
{
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < 0 || v.toDouble() > kMaxBudgetUsd)
        return std::nullopt;
    return v.toDouble();
}

QString money(double usd)
{
    return QStringLiteral("$") + QString::number(usd, 'f', usd < 1 ? 4 : 2);
}

} // namespace

TenantBudget TenantBudget::parse(const QJsonObject &tenantSettings)
{
    const QJsonObject budget = tenantSettings.value(kBudget).toObject();
    TenantBudget out;
    if (budget.contains(kPerDay))
        out.perDay = dollars(budget.value(kPerDay));
    if (budget.contains(kPerMonth))
        out.perMonth = dollars(budget.value(kPerMonth));
    return out;
}

core::Status TenantBudget::validate(const QJsonObject &tenantSettings)
{
    if (!tenantSettings.contains(kBudget))
        return {};
    const auto bad = [](const QString &field, const QString &message) {
        return core::makeError(core::ErrorCode::InvalidArgument, field + QStringLiteral(": ") + message,
                               {{QStringLiteral("field"), field}});
    };
    const QJsonValue budget = tenantSettings.value(kBudget);
    if (!budget.isObject())
        return bad(kBudget,
                   QStringLiteral("must be an object like {\"usd_per_day\": 5, \"usd_per_month\": 100}"));
    const QJsonObject entries = budget.toObject();
    for (auto it = entries.constBegin(); it != entries.constEnd(); ++it) {
        const QString field = kBudget + u'.' + it.key();
        if (it.key() != kPerDay && it.key() != kPerMonth)
            return bad(field, QStringLiteral("unknown key (use usd_per_day, usd_per_month)"));
        if (!dollars(it.value()))
            return bad(field, QStringLiteral("must be a number of dollars, 0 or more"));
    }
    return {};
}

BudgetedRateLimiter::BudgetedRateLimiter(RateLimiter &inner, std::shared_ptr<LimitPolicy> policy,
                                         UsageRecorder &usage, std::shared_ptr<const core::Clock> clock)
    : m_inner(inner), m_policy(std::move(policy)), m_usage(usage), m_clock(std::move(clock))
{
}

std::optional<core::Error> BudgetedRateLimiter::refusal(const QString &tenantId, const TenantBudget &budget,
                                                        const Spend &spend, const QDateTime &now)
{
    const QDateTime utc = now.toUTC();
    const bool dayOut = budget.perDay && spend.today >= *budget.perDay;
    const bool monthOut = budget.perMonth && spend.thisMonth >= *budget.perMonth;
    if (!dayOut && !monthOut)
        return std::nullopt;
    // The month is reported when both are spent: waiting for tomorrow would not help.
    const bool month = monthOut;
    const QDate next =
        month ? QDate(utc.date().year(), utc.date().month(), 1).addMonths(1) : utc.date().addDays(1);
    const qint64 retryMs = std::max<qint64>(1, utc.msecsTo(QDateTime(next, QTime(0, 0), Qt::UTC)));
    const double limit = month ? *budget.perMonth : *budget.perDay;
    const double spent = month ? spend.thisMonth : spend.today;
    return core::makeError(
        core::ErrorCode::RateLimited,
        QStringLiteral("tenant \"%1\" has used its %2 budget of %3 (spent %4 %5, UTC); it renews on %6 UTC")
            .arg(tenantId, month ? QStringLiteral("monthly") : QStringLiteral("daily"), money(limit),
                 money(spent), month ? QStringLiteral("this month") : QStringLiteral("today"),
                 next.toString(Qt::ISODate)),
        {{QStringLiteral("reason"), QStringLiteral("budget")},
         {QStringLiteral("window"), month ? QStringLiteral("month") : QStringLiteral("day")},
         {QStringLiteral("budget_usd"), limit},
         {QStringLiteral("spent_usd"), spent},
         {QStringLiteral("retry_after_ms"), retryMs}});
}

core::Async<Reservation> BudgetedRateLimiter::reserve(const QString &tenantId, const QString &provider,
                                                      qint64 estimatedTokens)
{
    const core::Async<QJsonObject> settings = m_policy->tenantSettings(tenantId);
    // Cached settings (the usual case) answer at once: a tenant without a budget goes straight on.
    if (settings.isFinished() && settings.resultCount() > 0) {
        const core::Result<QJsonObject> result = settings.result();
        const TenantBudget budget = result ? TenantBudget::parse(result.value()) : TenantBudget{};
        if (!budget.limited())
            return m_inner.reserve(tenantId, provider, estimatedTokens);
        return checkSpend(tenantId, provider, estimatedTokens, budget);
    }
    // A failed lookup means no budget, as a failed lookup means the default token limits.
    return QFuture<core::Result<QJsonObject>>(settings)
        .then([this, tenantId, provider, estimatedTokens](const core::Result<QJsonObject> &result) {
            const TenantBudget budget = result ? TenantBudget::parse(result.value()) : TenantBudget{};
            if (!budget.limited())
                return m_inner.reserve(tenantId, provider, estimatedTokens);
            return checkSpend(tenantId, provider, estimatedTokens, budget);
        })
        .unwrap();
}

core::Async<Reservation> BudgetedRateLimiter::checkSpend(const QString &tenantId, const QString &provider,
                                                         qint64 estimatedTokens, const TenantBudget &budget)
{
    return m_usage.spend(tenantId)
        .then([this, tenantId, provider, estimatedTokens, budget](const core::Result<Spend> &spend) {
            if (!spend)
                return core::failedAsync<Reservation>(spend.error());
            if (auto refused = refusal(tenantId, budget, spend.value(), m_clock->now()))
                return core::failedAsync<Reservation>(*refused);
            return m_inner.reserve(tenantId, provider, estimatedTokens);
        })
        .unwrap();
}

core::Async<void> BudgetedRateLimiter::settle(const Reservation &reservation, qint64 actualTokens)
{
    return m_inner.settle(reservation, actualTokens);
}

core::Async<core::LimitStatus> BudgetedRateLimiter::status(const QString &tenantId, const QString &provider)
{
    return m_inner.status(tenantId, provider);
}

} // namespace agency::ratelimit

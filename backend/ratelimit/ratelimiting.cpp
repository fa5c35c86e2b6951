#include "ratelimiting.h"

#include "config/settings.h"
#include "memoryratelimiter.h"
#include "postgresratelimiter.h"

namespace agency::ratelimit {

using core::ErrorCode;
using core::makeError;

core::Result<RateLimiting> createRateLimiting(const config::Settings &settings, db::DbExecutor *executor,
                                              std::shared_ptr<const core::Clock> clock,
                                              TenantSettingsLookup lookup)
{
    const QString backend = settings.value(QStringLiteral("RATE_LIMIT_BACKEND")).trimmed().toLower();
    if (backend != QLatin1String("memory") && backend != QLatin1String("postgres")) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("RATE_LIMIT_BACKEND must be memory or postgres, got \"%1\"").arg(backend),
            {{QStringLiteral("setting"), QStringLiteral("RATE_LIMIT_BACKEND")}});
    }
    auto cacheSeconds = settings.intValue(QStringLiteral("RATE_LIMIT_OVERRIDE_CACHE_S"));
    if (!cacheSeconds || cacheSeconds.value() < 0 || cacheSeconds.value() > 86'400) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("RATE_LIMIT_OVERRIDE_CACHE_S must be a number of seconds between 0 and 86400"),
            {{QStringLiteral("setting"), QStringLiteral("RATE_LIMIT_OVERRIDE_CACHE_S")}});
    }
    RateLimiting out;
    out.policy = LimitPolicy::create(settings, std::move(lookup), clock, cacheSeconds.value() * 1000);
    for (const char *provider : {"openai", "mistral", "vertex", "demo"}) {
        if (auto defaults = out.policy->providerDefaults(QString::fromLatin1(provider)); !defaults)
            return defaults.error();
    }
    if (backend == QLatin1String("postgres")) {
        if (!executor)
            return makeError(ErrorCode::NotConfigured,
                             QStringLiteral("RATE_LIMIT_BACKEND=postgres needs a database"));
        out.limiter = std::make_unique<PostgresRateLimiter>(*executor, out.policy, std::move(clock));
    } else {
        out.limiter = std::make_unique<MemoryRateLimiter>(out.policy, std::move(clock));
    }
    return out;
}

} // namespace agency::ratelimit

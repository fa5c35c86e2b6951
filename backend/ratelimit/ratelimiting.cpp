#include "ratelimiting.h"

#include "memoryratelimiter.h"
#include "postgresratelimiter.h"

namespace agency::ratelimit {

core::Result<RateLimiting> createRateLimiting(const RateLimitConfig &config, sql::DbExecutor *executor,
                                              std::shared_ptr<const core::Clock> clock,
                                              TenantSettingsLookup lookup)
{
    RateLimiting out;
    out.policy =
        LimitPolicy::create(config.providerDefaults, std::move(lookup), clock, config.overrideCacheMs);
    if (config.backend == RateLimitConfig::Backend::Postgres) {
        if (!executor)
            return core::makeError(core::ErrorCode::NotConfigured,
                                   QStringLiteral("RATE_LIMIT_BACKEND=postgres needs a database"));
        out.limiter = std::make_unique<PostgresRateLimiter>(*executor, out.policy, std::move(clock));
    } else {
        out.limiter = std::make_unique<MemoryRateLimiter>(out.policy, std::move(clock));
    }
    return out;
}

} // namespace agency::ratelimit

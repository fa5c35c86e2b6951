#pragma once

#include "core/clock.h"
#include "limitpolicy.h"
#include "ratelimiter.h"

#include <memory>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::ratelimit {

/// Configuration of rate limiting (settings RATE_LIMIT_BACKEND, RATE_LIMIT_OVERRIDE_CACHE_S and
/// `<PROVIDER>_RATE_LIMIT_TPM/TPH`), resolved by the composition root.
struct RateLimitConfig
{
    enum class Backend { Memory, Postgres };
    Backend backend = Backend::Memory;
    qint64 overrideCacheMs = LimitPolicy::kDefaultCacheTtlMs; ///< how long tenant overrides are cached
    ProviderLimits providerDefaults;                          ///< a provider not listed is unlimited
};

/// What the composition root holds: the limiter chosen by the config and its policy (to
/// invalidate a tenant's cached overrides after an update).
struct RateLimiting
{
    std::shared_ptr<LimitPolicy> policy;
    std::unique_ptr<RateLimiter> limiter;
};

/// Builds the rate limiter. `executor` is required for the postgres back-end and borrowed:
/// NotConfigured without it.
core::Result<RateLimiting> createRateLimiting(const RateLimitConfig &config, sql::DbExecutor *executor,
                                              std::shared_ptr<const core::Clock> clock,
                                              TenantSettingsLookup lookup);

} // namespace agency::ratelimit

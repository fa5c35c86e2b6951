#pragma once

#include "core/clock.h"
#include "limitpolicy.h"
#include "ratelimiter.h"

#include <memory>

namespace agency::config {
class Settings;
}
namespace agency::db {
class DbExecutor;
}

namespace agency::ratelimit {

/// What the composition root holds: the limiter chosen by RATE_LIMIT_BACKEND and its policy (to
/// invalidate a tenant's cached overrides after an update).
struct RateLimiting
{
    std::shared_ptr<LimitPolicy> policy;
    std::unique_ptr<RateLimiter> limiter;
};

/// Builds the rate limiter from settings: RATE_LIMIT_BACKEND (memory | postgres),
/// RATE_LIMIT_OVERRIDE_CACHE_S and the `<PROVIDER>_RATE_LIMIT_TPM/TPH` defaults (checked here for
/// openai, mistral, vertex and demo). `executor` is required for postgres and borrowed.
/// NotConfigured naming the setting when one is malformed.
core::Result<RateLimiting> createRateLimiting(const config::Settings &settings, db::DbExecutor *executor,
                                              std::shared_ptr<const core::Clock> clock,
                                              TenantSettingsLookup lookup);

} // namespace agency::ratelimit

#pragma once

#include "core/clock.h"
#include "ratelimiter.h"

#include <QHash>
#include <QJsonObject>
#include <QMutex>

#include <functional>
#include <memory>
#include <optional>

namespace agency::ratelimit {

/// Fetches a tenant's settings object (tenants.settings). The composition root wires it to the
/// TenantRepository. May finish on any thread.
using TenantSettingsLookup = std::function<core::Async<QJsonObject>(const QString &tenantId)>;

/// The default limits by provider name (from the settings `<PROVIDER>_RATE_LIMIT_TPM` / `_TPH`,
/// resolved by the composition root). A provider without an entry is unlimited.
using ProviderLimits = QHash<QString, Limits>;

/// A tenant's `rate_limits` overrides, parsed once (when its settings are read) and applied to
/// every turn. Entries that are not valid are ignored (the service validates before saving).
struct TenantLimits
{
    struct Entry
    {
        std::optional<qint64> tokensPerMinute;
        std::optional<qint64> tokensPerHour;
    };
    QHash<QString, Entry> byProvider; ///< "*" applies to providers without their own entry

    static TenantLimits parse(const QJsonObject &tenantSettings);
    /// `base` with the override for `provider` applied.
    Limits apply(Limits base, const QString &provider) const;
};

/// Decides the limits of a (tenant, provider).
///
/// Defaults are typed ProviderLimits. A tenant may override them in its settings JSON:
///
///     {"rate_limits": {"openai": {"tpm": 1000, "tph": 50000}, "*": {"tpm": 5000}}}
///
/// Keys are provider names, "*" applies to providers without their own entry; "tpm"/"tph" are
/// optional (a missing one keeps the default); 0 means unlimited. Tenant overrides are parsed when
/// read and cached, parsed, for `cacheTtlMs` (monotonic clock); invalidate() drops a tenant at
/// once after an update. A failed
/// lookup falls back to the defaults (logged, not cached): rate limiting never fails a call
/// because the tenant row could not be read.
///
/// Thread-safe. Create with create(); limiters share it.
class LimitPolicy : public std::enable_shared_from_this<LimitPolicy>
{
public:
    static constexpr qint64 kDefaultCacheTtlMs = 30'000;

    static std::shared_ptr<LimitPolicy> create(ProviderLimits defaults, TenantSettingsLookup lookup,
                                               std::shared_ptr<const core::Clock> clock,
                                               qint64 cacheTtlMs = kDefaultCacheTtlMs);

    /// Checks the `rate_limits` part of a tenant settings object (for the service to call before
    /// saving): InvalidArgument naming the bad entry, e.g. "rate_limits.openai.tpm: must be a
    /// whole number between 0 and 1000000000000".
    static core::Status validateTenantSettings(const QJsonObject &tenantSettings);

    /// The provider's defaults (unlimited when it has none).
    Limits providerDefaults(const QString &provider) const { return m_defaults.value(provider); }

    /// The tenant's settings object through the same cache as its limits ({} for a tenant without
    /// a row). Unlike limitsFor(), a failed lookup is returned as the error. Other readers of
    /// tenant settings (the turn's provider choice) share it, so one invalidate() refreshes all.
    core::Async<QJsonObject> tenantSettings(const QString &tenantId);

    /// The effective limits (defaults + override). Never fails: a failed lookup means the defaults.
    core::Async<Limits> limitsFor(const QString &tenantId, const QString &provider);

    /// Forgets the cached settings of a tenant (call after updating them).
    void invalidate(const QString &tenantId);

    LimitPolicy(ProviderLimits defaults, TenantSettingsLookup lookup,
                std::shared_ptr<const core::Clock> clock, qint64 cacheTtlMs);

private:
    struct CachedSettings
    {
        QJsonObject settings;
        TenantLimits limits; ///< parsed once, when the settings were read
        qint64 fetchedAtMs = 0;
    };

    ProviderLimits m_defaults;
    TenantSettingsLookup m_lookup;
    std::shared_ptr<const core::Clock> m_clock;
    qint64 m_cacheTtlMs;
    mutable QMutex m_mutex;
    QHash<QString, CachedSettings> m_cache;
};

} // namespace agency::ratelimit

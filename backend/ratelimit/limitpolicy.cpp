#include "limitpolicy.h"

#include <QLoggingCategory>

#include <cmath>

Q_LOGGING_CATEGORY(lcLimits, "agency.ratelimit")

namespace agency::ratelimit {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kRateLimits = QStringLiteral("rate_limits");

/// A valid limit value, or nullopt.
std::optional<qint64> limitValue(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!std::isfinite(d) || std::floor(d) != d || d < 0 || d > double(kMaxLimitTokens))
        return std::nullopt;
    return static_cast<qint64>(d);
}

} // namespace

std::shared_ptr<LimitPolicy> LimitPolicy::create(ProviderLimits defaults, TenantSettingsLookup lookup,
                                                 std::shared_ptr<const core::Clock> clock, qint64 cacheTtlMs)
{
    return std::make_shared<LimitPolicy>(std::move(defaults), std::move(lookup), std::move(clock),
                                         cacheTtlMs);
}

LimitPolicy::LimitPolicy(ProviderLimits defaults, TenantSettingsLookup lookup,
                         std::shared_ptr<const core::Clock> clock, qint64 cacheTtlMs)
    : m_defaults(std::move(defaults)), m_lookup(std::move(lookup)), m_clock(std::move(clock)),
      m_cacheTtlMs(cacheTtlMs)
{
}

core::Status LimitPolicy::validateTenantSettings(const QJsonObject &tenantSettings)
{
    if (!tenantSettings.contains(kRateLimits))
        return {};
    const QJsonValue limits = tenantSettings.value(kRateLimits);
    if (!limits.isObject())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("rate_limits: must be an object"),
                         {{QStringLiteral("field"), kRateLimits}});
    const QJsonObject providers = limits.toObject();
    for (auto it = providers.constBegin(); it != providers.constEnd(); ++it) {
        const QString path = kRateLimits + u'.' + it.key();
        if (!it.value().isObject())
            return makeError(ErrorCode::InvalidArgument,
                             path + QStringLiteral(": must be an object like "
                                                   "{\"tpm\": 1000, \"tph\": 50000}"),
                             {{QStringLiteral("field"), path}});
        const QJsonObject entry = it.value().toObject();
        for (auto e = entry.constBegin(); e != entry.constEnd(); ++e) {
            const QString field = path + u'.' + e.key();
            if (e.key() != QLatin1String("tpm") && e.key() != QLatin1String("tph"))
                return makeError(ErrorCode::InvalidArgument,
                                 field + QStringLiteral(": unknown key (use tpm, tph)"),
                                 {{QStringLiteral("field"), field}});
            if (!limitValue(e.value()))
                return makeError(
                    ErrorCode::InvalidArgument,
                    field + QStringLiteral(": must be a whole number between 0 and %1").arg(kMaxLimitTokens),
                    {{QStringLiteral("field"), field}});
        }
    }
    return {};
}

TenantLimits TenantLimits::parse(const QJsonObject &tenantSettings)
{
    TenantLimits out;
    const QJsonObject providers = tenantSettings.value(kRateLimits).toObject();
    for (auto it = providers.constBegin(); it != providers.constEnd(); ++it) {
        const QJsonObject entry = it.value().toObject();
        out.byProvider.insert(it.key(), Entry{limitValue(entry.value(QLatin1String("tpm"))),
                                              limitValue(entry.value(QLatin1String("tph")))});
    }
    return out;
}

Limits TenantLimits::apply(Limits base, const QString &provider) const
{
    const auto it = byProvider.constFind(provider);
    const Entry entry = it != byProvider.cend() ? *it : byProvider.value(QStringLiteral("*"));
    if (entry.tokensPerMinute)
        base.tokensPerMinute = *entry.tokensPerMinute;
    if (entry.tokensPerHour)
        base.tokensPerHour = *entry.tokensPerHour;
    return base;
}

core::Async<QJsonObject> LimitPolicy::tenantSettings(const QString &tenantId)
{
    if (!m_lookup)
        return core::readyAsync<QJsonObject>(QJsonObject());
    const qint64 now = m_clock->monotonicMs();
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_cache.constFind(tenantId);
        if (it != m_cache.cend() && now - it->fetchedAtMs < m_cacheTtlMs)
            return core::readyAsync<QJsonObject>(it->settings);
    }
    std::weak_ptr<LimitPolicy> weak = weak_from_this();
    return m_lookup(tenantId).then([weak, tenantId, now](Result<QJsonObject> settings) {
        if (settings) {
            if (auto self = weak.lock()) {
                QMutexLocker lock(&self->m_mutex);
                self->m_cache.insert(
                    tenantId, CachedSettings{settings.value(), TenantLimits::parse(settings.value()), now});
            }
        }
        return settings;
    });
}

core::Async<Limits> LimitPolicy::limitsFor(const QString &tenantId, const QString &provider)
{
    const Limits defaults = providerDefaults(provider);
    if (!m_lookup)
        return core::readyAsync<Limits>(defaults);
    {
        // The common case: the overrides were parsed when the settings were read.
        QMutexLocker lock(&m_mutex);
        const auto it = m_cache.constFind(tenantId);
        if (it != m_cache.cend() && m_clock->monotonicMs() - it->fetchedAtMs < m_cacheTtlMs)
            return core::readyAsync<Limits>(it->limits.apply(defaults, provider));
    }
    return tenantSettings(tenantId)
        .then([tenantId, provider, defaults](const Result<QJsonObject> &settings) -> Result<Limits> {
            if (!settings) {
                qCWarning(lcLimits).noquote() << "rate limits of tenant" << tenantId
                                              << "fall back to defaults:" << settings.error().toString();
                return defaults;
            }
            return TenantLimits::parse(settings.value()).apply(defaults, provider);
        })
        .onCanceled([defaults] { return Result<Limits>(defaults); });
}

void LimitPolicy::invalidate(const QString &tenantId)
{
    QMutexLocker lock(&m_mutex);
    m_cache.remove(tenantId);
}

} // namespace agency::ratelimit

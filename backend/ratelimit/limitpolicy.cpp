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

Result<qint64> settingLimit(const config::Settings &settings, const QString &key)
{
    auto value = settings.intValue(key);
    if (!value)
        return makeError(ErrorCode::NotConfigured, value.error().message, value.error().details);
    if (value.value() < 0 || value.value() > kMaxLimitTokens) {
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("%1 must be between 0 and %2").arg(key).arg(kMaxLimitTokens),
                         {{QStringLiteral("setting"), key}});
    }
    return value.value();
}

} // namespace

std::shared_ptr<LimitPolicy> LimitPolicy::create(config::Settings settings, TenantSettingsLookup lookup,
                                                 std::shared_ptr<const core::Clock> clock, qint64 cacheTtlMs)
{
    return std::make_shared<LimitPolicy>(std::move(settings), std::move(lookup), std::move(clock),
                                         cacheTtlMs);
}

LimitPolicy::LimitPolicy(config::Settings settings, TenantSettingsLookup lookup,
                         std::shared_ptr<const core::Clock> clock, qint64 cacheTtlMs)
    : m_settings(std::move(settings)), m_lookup(std::move(lookup)), m_clock(std::move(clock)),
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

Result<Limits> LimitPolicy::providerDefaults(const QString &provider) const
{
    const QString prefix = provider.toUpper().replace(u'-', u'_');
    auto tpm = settingLimit(m_settings, prefix + QStringLiteral("_RATE_LIMIT_TPM"));
    if (!tpm)
        return tpm.error();
    auto tph = settingLimit(m_settings, prefix + QStringLiteral("_RATE_LIMIT_TPH"));
    if (!tph)
        return tph.error();
    return Limits{tpm.value(), tph.value()};
}

Limits LimitPolicy::applyOverride(Limits base, const QJsonObject &tenantSettings, const QString &provider)
{
    const QJsonObject providers = tenantSettings.value(kRateLimits).toObject();
    const QJsonValue entryValue =
        providers.contains(provider) ? providers.value(provider) : providers.value(QLatin1String("*"));
    const QJsonObject entry = entryValue.toObject();
    if (const auto tpm = limitValue(entry.value(QLatin1String("tpm"))))
        base.tokensPerMinute = *tpm;
    if (const auto tph = limitValue(entry.value(QLatin1String("tph"))))
        base.tokensPerHour = *tph;
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
                self->m_cache.insert(tenantId, CachedSettings{settings.value(), now});
            }
        }
        return settings;
    });
}

core::Async<Limits> LimitPolicy::limitsFor(const QString &tenantId, const QString &provider)
{
    auto defaults = providerDefaults(provider);
    if (!defaults)
        return core::failedAsync<Limits>(defaults.error());
    if (!m_lookup)
        return core::readyAsync<Limits>(defaults.value());
    return tenantSettings(tenantId)
        .then([tenantId, provider,
               base = defaults.value()](const Result<QJsonObject> &settings) -> Result<Limits> {
            if (!settings) {
                qCWarning(lcLimits).noquote() << "rate limits of tenant" << tenantId
                                              << "fall back to defaults:" << settings.error().toString();
                return base;
            }
            return applyOverride(base, settings.value(), provider);
        })
        .onCanceled([base = defaults.value()] { return Result<Limits>(base); });
}

void LimitPolicy::invalidate(const QString &tenantId)
{
    QMutexLocker lock(&m_mutex);
    m_cache.remove(tenantId);
}

} // namespace agency::ratelimit

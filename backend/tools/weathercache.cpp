#include "weathercache.h"

#include "core/json.h"
#include "sql/dbexecutor.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTimeZone>

namespace agency::tools {

using core::Result;

WeatherCache::WeatherCache(sql::DbExecutor &executor, std::shared_ptr<const core::Clock> clock,
                           int ttlSeconds)
    : m_executor(executor), m_clock(std::move(clock)), m_ttlSeconds(ttlSeconds)
{
}

QString WeatherCache::normaliseLocation(const QString &location)
{
    static const QRegularExpression spaceAroundComma(QStringLiteral("\\s*,\\s*"));
    QString key = location.simplified().toLower();
    key.replace(spaceAroundComma, QStringLiteral(","));
    return key;
}

core::Async<std::optional<CachedWeather>>
WeatherCache::lookup(const QString &backend, const QString &locationKey, const QString &units)
{
    const qint64 nowMs = m_clock->now().toMSecsSinceEpoch();
    return m_executor.run<std::optional<CachedWeather>>(
        [backend, locationKey, units,
         nowMs](sql::DbConnection &conn) -> Result<std::optional<CachedWeather>> {
            auto query = conn.exec(
                QStringLiteral("SELECT payload::text, (extract(epoch FROM fetched_at) * 1000)::bigint "
                               "FROM weather_cache WHERE backend = ? AND location_key = ? "
                               "AND units = ? AND expires_at > to_timestamp(?::bigint / 1000.0)"),
                {backend, locationKey, units, nowMs}, QStringLiteral("read weather cache"));
            if (!query)
                return query.error();
            if (!query.value()->next())
                return std::optional<CachedWeather>();
            const QJsonDocument doc = QJsonDocument::fromJson(query.value()->value(0).toString().toUtf8());
            if (!doc.isObject())
                return std::optional<CachedWeather>(); // unreadable entry: behave as a miss
            return std::optional<CachedWeather>(CachedWeather{
                doc.object(),
                QDateTime::fromMSecsSinceEpoch(query.value()->value(1).toLongLong(), QTimeZone::utc())});
        });
}

core::Async<void> WeatherCache::store(const QString &backend, const QString &locationKey,
                                      const QString &units, const QJsonObject &payload)
{
    const qint64 nowMs = m_clock->now().toMSecsSinceEpoch();
    const qint64 expiresMs = nowMs + qint64(m_ttlSeconds) * 1000;
    const QString json = core::toCompactJsonString(payload);
    return m_executor.run<void>([=](sql::DbConnection &conn) -> core::Status {
        auto upsert = conn.exec(
            QStringLiteral(
                "INSERT INTO weather_cache (backend, location_key, units, payload, fetched_at, expires_at) "
                "VALUES (?, ?, ?, ?::jsonb, to_timestamp(?::bigint / 1000.0), "
                "to_timestamp(?::bigint / 1000.0)) "
                "ON CONFLICT (backend, location_key, units) DO UPDATE SET payload = EXCLUDED.payload, "
                "fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at"),
            {backend, locationKey, units, json, nowMs, expiresMs}, QStringLiteral("write weather cache"));
        if (!upsert)
            return upsert.error();
        auto prune = conn.exec(
            QStringLiteral("DELETE FROM weather_cache WHERE expires_at <= to_timestamp(?::bigint / 1000.0)"),
            {nowMs}, QStringLiteral("prune weather cache"));
        if (!prune)
            return prune.error();
        return {};
    });
}

} // namespace agency::tools

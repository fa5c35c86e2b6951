#include "weathertool.h"

#include "openmeteobackend.h"
#include "openweathermapbackend.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcWeather, "agency.tools.weather")

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

std::unique_ptr<WeatherBackend> makeWeatherBackend(const WeatherConfig &config, QNetworkAccessManager &nam)
{
    if (config.openWeatherApiKey.isEmpty())
        return std::make_unique<OpenMeteoBackend>(nam, config.openMeteoBaseUrl, config.openMeteoGeocodingUrl,
                                                  config.httpTimeoutMs);
    return std::make_unique<OpenWeatherMapBackend>(nam, config.openWeatherBaseUrl, config.openWeatherApiKey,
                                                   config.httpTimeoutMs);
}

WeatherTool::WeatherTool(std::unique_ptr<WeatherBackend> backend, int cacheTtlSeconds,
                         sql::DbExecutor *cacheExecutor, std::shared_ptr<const core::Clock> clock,
                         QObject *parent)
    : QObject(parent), m_clock(std::move(clock)), m_backend(std::move(backend))
{
    if (cacheExecutor && cacheTtlSeconds > 0)
        m_cache = std::make_unique<WeatherCache>(*cacheExecutor, m_clock, cacheTtlSeconds);
}

QString WeatherTool::description() const
{
    return QStringLiteral("Get the current weather for a place: temperature, feels-like, today's minimum and "
                          "maximum, humidity, pressure, wind, clouds and conditions.");
}

QJsonObject WeatherTool::parameters() const
{
    return QJsonObject{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("location"),
              QJsonObject{
                  {QStringLiteral("type"), QStringLiteral("string")},
                  {QStringLiteral("minLength"), 1},
                  {QStringLiteral("maxLength"), 200},
                  {QStringLiteral("description"),
                   QStringLiteral("City or place, optionally with region or country code, e.g. \"Paris\", "
                                  "\"Paris, FR\" or \"Springfield, Illinois, US\"")}}},
             {QStringLiteral("units"),
              QJsonObject{
                  {QStringLiteral("type"), QStringLiteral("string")},
                  {QStringLiteral("enum"), QJsonArray{QStringLiteral("metric"), QStringLiteral("imperial"),
                                                      QStringLiteral("standard")}},
                  {QStringLiteral("default"), QStringLiteral("metric")},
                  {QStringLiteral("description"),
                   QStringLiteral("metric: °C and m/s; imperial: °F and mph; standard: kelvin and m/s")}}},
         }},
        {QStringLiteral("required"), QJsonArray{QStringLiteral("location")}},
        {QStringLiteral("additionalProperties"), false},
    };
}

core::Async<QJsonObject> WeatherTool::execute(const QJsonObject &arguments, const ToolContext &,
                                              const core::CancelTokenPtr &cancel)
{
    const QString location = arguments.value(QLatin1String("location")).toString().simplified();
    if (location.isEmpty())
        return core::failedAsync<QJsonObject>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("location: must not be empty")));
    const auto units =
        unitsFromName(arguments.value(QLatin1String("units")).toString(QStringLiteral("metric")));
    if (!units)
        return core::failedAsync<QJsonObject>(makeError(
            ErrorCode::InvalidArgument, QStringLiteral("units: must be one of metric, imperial, standard")));

    const QString key = WeatherCache::normaliseLocation(location);
    // '\n' cannot occur in a key: normalising turned every white space into a plain space.
    auto joined =
        m_lookups.join(unitsName(*units) + u'\n' + key, cancel,
                       [this, location, key, units = *units](const core::CancelTokenPtr &lookupCancel) {
                           return lookup(location, key, units, lookupCancel);
                       });
    return joined.future.then([started = joined.started](Result<Answer> answer) -> Result<QJsonObject> {
        if (!answer)
            return answer.error();
        QJsonObject payload = answer.value().payload;
        // Whether this call made the service work: one that joined a lookup in flight did not.
        const bool cached = answer.value().fromCache || !started;
        payload.insert(QStringLiteral("cached"), cached);
        if (cached)
            payload.insert(QStringLiteral("cached_at"),
                           answer.value().fetchedAt.toUTC().toString(Qt::ISODate));
        return payload;
    });
}

core::Async<WeatherTool::Answer> WeatherTool::lookup(const QString &location, const QString &key,
                                                     WeatherUnits units, const core::CancelTokenPtr &cancel)
{
    auto promise = detail::makePromise<Answer>();
    core::Async<Answer> future = promise->future();
    if (!m_cache) {
        fetchAndStore(location, key, units, cancel, promise);
        return future;
    }
    m_cache->lookup(m_backend->id(), key, unitsName(units))
        .then(this, [this, location, key, units, cancel, promise](Result<std::optional<CachedWeather>> hit) {
            if (cancel && cancel->isCancelled())
                return detail::complete(
                    promise, Result<Answer>(makeError(ErrorCode::Cancelled,
                                                      QStringLiteral("weather request cancelled"))));
            if (hit && hit.value())
                return detail::complete(
                    promise, Result<Answer>(Answer{hit.value()->payload, hit.value()->fetchedAt, true}));
            if (!hit)
                qCWarning(lcWeather).noquote() << "weather cache unavailable:" << hit.error().toString();
            fetchAndStore(location, key, units, cancel, promise);
        });
    return future;
}

void WeatherTool::fetchAndStore(const QString &location, const QString &key, WeatherUnits units,
                                const core::CancelTokenPtr &cancel, const detail::PromisePtr<Answer> &promise)
{
    m_backend->fetch(location, units, cancel)
        .then(this, [this, key, units, promise](Result<QJsonObject> fetched) {
            if (!fetched)
                return detail::complete(promise, Result<Answer>(fetched.error()));
            Answer answer{fetched.value(), m_clock->now(), false};
            if (!m_cache)
                return detail::complete(promise, Result<Answer>(std::move(answer)));
            // Answer once the entry is written, so a repeated question is a hit; a failed write only
            // means the next call fetches again.
            m_cache->store(m_backend->id(), key, unitsName(units), answer.payload)
                .then(this, [promise, answer](core::Status stored) {
                    if (!stored)
                        qCWarning(lcWeather).noquote()
                            << "weather cache write failed:" << stored.error().toString();
                    detail::complete(promise, Result<Answer>(answer));
                });
        });
}

} // namespace agency::tools

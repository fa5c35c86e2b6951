#include "weathertool.h"

#include "config/settings.h"
#include "openmeteobackend.h"
#include "openweathermapbackend.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QNetworkAccessManager>

Q_LOGGING_CATEGORY(lcWeather, "agency.tools.weather")

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

Result<QUrl> urlSetting(const config::Settings &settings, const QString &key)
{
    const QString text = settings.value(key).trimmed();
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("%1 must be an absolute http(s) URL, got \"%2\"").arg(key, text),
                         {{QStringLiteral("setting"), key}});
    }
    return url;
}

Result<int> intSetting(const config::Settings &settings, const QString &key, qint64 min, qint64 max)
{
    auto value = settings.intValue(key);
    if (!value)
        return makeError(ErrorCode::NotConfigured, value.error().message, value.error().details);
    if (value.value() < min || value.value() > max) {
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("%1 must be between %2 and %3").arg(key).arg(min).arg(max),
                         {{QStringLiteral("setting"), key}});
    }
    return static_cast<int>(value.value());
}

} // namespace

Result<WeatherSettings> WeatherSettings::fromSettings(const config::Settings &settings)
{
    WeatherSettings out;
    auto forecast = urlSetting(settings, QStringLiteral("OPEN_METEO_BASE_URL"));
    if (!forecast)
        return forecast.error();
    auto geocoding = urlSetting(settings, QStringLiteral("OPEN_METEO_GEOCODING_URL"));
    if (!geocoding)
        return geocoding.error();
    auto owm = urlSetting(settings, QStringLiteral("OPENWEATHER_BASE_URL"));
    if (!owm)
        return owm.error();
    auto ttl = intSetting(settings, QStringLiteral("WEATHER_CACHE_TTL_S"), 0, 7 * 24 * 3600);
    if (!ttl)
        return ttl.error();
    auto timeout = intSetting(settings, QStringLiteral("WEATHER_HTTP_TIMEOUT_MS"), 100, 600'000);
    if (!timeout)
        return timeout.error();
    out.openMeteoBaseUrl = forecast.value();
    out.openMeteoGeocodingUrl = geocoding.value();
    out.openWeatherBaseUrl = owm.value();
    out.openWeatherApiKey = settings.value(QStringLiteral("OPENWEATHER_API_KEY")).trimmed();
    out.cacheTtlSeconds = ttl.value();
    out.httpTimeoutMs = timeout.value();
    return out;
}

WeatherTool::WeatherTool(WeatherSettings settings, db::DbExecutor *cacheExecutor,
                         std::shared_ptr<const core::Clock> clock, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_clock(std::move(clock)),
      m_nam(new QNetworkAccessManager(this))
{
    if (m_settings.openWeatherApiKey.isEmpty()) {
        m_backend =
            std::make_unique<OpenMeteoBackend>(*m_nam, this, m_settings.openMeteoBaseUrl,
                                               m_settings.openMeteoGeocodingUrl, m_settings.httpTimeoutMs);
    } else {
        m_backend =
            std::make_unique<OpenWeatherMapBackend>(*m_nam, this, m_settings.openWeatherBaseUrl,
                                                    m_settings.openWeatherApiKey, m_settings.httpTimeoutMs);
    }
    if (cacheExecutor && m_settings.cacheTtlSeconds > 0)
        m_cache = std::make_unique<WeatherCache>(*cacheExecutor, m_clock, m_settings.cacheTtlSeconds);
}

WeatherTool::~WeatherTool()
{
    // Replies go first: their finished handlers must not run against a half-destroyed tool.
    delete m_nam;
    m_nam = nullptr;
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

core::Async<QJsonObject> WeatherTool::execute(const QJsonObject &arguments,
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

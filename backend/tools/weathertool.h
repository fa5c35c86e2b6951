#pragma once

#include "core/async/singleflight.h"
#include "core/clock.h"
#include "tool.h"
#include "weatherbackend.h"
#include "weathercache.h"

#include <QDateTime>
#include <QObject>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::tools {

/// Configuration of the weather tool, resolved from settings by the composition root
/// (OPEN_METEO_BASE_URL, OPEN_METEO_GEOCODING_URL, OPENWEATHER_BASE_URL, OPENWEATHER_API_KEY,
/// WEATHER_CACHE_TTL_S, WEATHER_HTTP_TIMEOUT_MS). Plain value; the settings validated the ranges.
struct WeatherConfig
{
    QUrl openMeteoBaseUrl;
    QUrl openMeteoGeocodingUrl;
    QUrl openWeatherBaseUrl;
    QString openWeatherApiKey; ///< secret; when set, OpenWeatherMap is used instead of Open-Meteo
    int cacheTtlSeconds = 600; ///< 0 disables the cache
    int httpTimeoutMs = 8000;  ///< per HTTP request
};

/// The back-end `config` calls for (OpenWeatherMap when it has a key, else Open-Meteo), sending
/// its requests through `nam`. Create on `nam`'s thread; `nam` must outlive the back-end.
std::unique_ptr<WeatherBackend> makeWeatherBackend(const WeatherConfig &config, QNetworkAccessManager &nam);

/// `get_weather` (the reference agent's tool, docs/design.md#flows-and-tools): current weather for a place.
///
/// Arguments: {"location": string (required), "units": "metric" | "imperial" | "standard"
/// (default metric)}. Result fields: location ("Paris, FR"), country, region (when known),
/// latitude, longitude, temperature, feels_like, temp_min, temp_max, humidity (%), pressure (hPa,
/// sea level), wind_speed, wind_direction (degrees), clouds (%), condition ("Rain"), description
/// ("moderate rain"), units, temperature_unit, wind_speed_unit, source (back-end id),
/// observed_at, cached, and cached_at (ISO time the answer was fetched) when cached is true.
///
/// Back-end: OpenWeatherMap when a key is configured, else Open-Meteo. Answers are cached in the
/// `weather_cache` table (see WeatherCache) when an executor is given; a cache failure only
/// costs a fetch. Failures (unknown place, service down, timeout, malformed answer) are failed
/// Results with a sentence for the model — the registry turns them into {success: false}.
///
/// Single flight: calls for the same normalised location and units that overlap share one lookup
/// (cache read, then fetch and store on a miss; see SingleFlight). The first call starts it; the
/// others wait for its answer or its failure (failures are still never cached). `cached` says
/// whether *this* call caused a request to the weather service: false only for the call that
/// started a lookup which fetched; true for a cache hit and for every call that joined a lookup
/// in flight, with cached_at the time the shared answer was fetched. Cancelling one call only
/// lets that call go; the lookup is aborted when every call waiting for it has been cancelled.
///
/// Thread affinity: create and use on the back-end's event-loop thread.
/// Ownership: owns the back-end, borrows the executor (optional) and shares the clock. Destroying
/// the tool cancels its lookups in flight (their requests are aborted at once).
class WeatherTool final : public QObject, public Tool
{
public:
    /// `cacheTtlSeconds` 0 (or no executor) means no cache.
    WeatherTool(std::unique_ptr<WeatherBackend> backend, int cacheTtlSeconds, sql::DbExecutor *cacheExecutor,
                std::shared_ptr<const core::Clock> clock, QObject *parent = nullptr);

    QString name() const override { return QStringLiteral("get_weather"); }
    QString description() const override;
    QJsonObject parameters() const override;
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override;

    /// "open-meteo" or "openweathermap".
    QString backendId() const { return m_backend->id(); }
    /// Shared lookups under way (for tests: 0 once every call has its answer).
    qsizetype lookupsInFlight() const { return m_lookups.inFlight(); }

private:
    /// What one shared lookup produced, before it is worded for each caller.
    struct Answer
    {
        QJsonObject payload; ///< without cached / cached_at
        QDateTime fetchedAt;
        bool fromCache = false;
    };

    core::Async<Answer> lookup(const QString &location, const QString &key, WeatherUnits units,
                               const core::CancelTokenPtr &cancel);
    void fetchAndStore(const QString &location, const QString &key, WeatherUnits units,
                       const core::CancelTokenPtr &cancel, const detail::PromisePtr<Answer> &promise);

    std::shared_ptr<const core::Clock> m_clock;
    std::unique_ptr<WeatherBackend> m_backend;
    std::unique_ptr<WeatherCache> m_cache;
    // Last, so it is destroyed first: cancelling the lookups aborts their requests while the
    // back-end and the cache are still there.
    core::SingleFlight<Answer> m_lookups{this};
};

} // namespace agency::tools

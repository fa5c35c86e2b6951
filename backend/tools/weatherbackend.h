#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"

#include <QJsonObject>
#include <QPromise>
#include <QString>

#include <memory>
#include <optional>

namespace agency::tools {

/// The tool's `units` argument, with OpenWeatherMap's meaning: metric = °C and m/s,
/// imperial = °F and mph, standard = kelvin and m/s. Pressure is hPa, humidity and clouds %.
enum class WeatherUnits { Metric, Imperial, Standard };

QString unitsName(WeatherUnits units);
std::optional<WeatherUnits> unitsFromName(const QString &name);
QString temperatureUnitLabel(WeatherUnits units); ///< "°C", "°F", "K"
QString windSpeedUnitLabel(WeatherUnits units);   ///< "m/s", "mph"

/// One weather service. Implementations produce the tool's result fields (see WeatherTool) for a
/// free-text location, or fail with NotFound (unknown place), ProviderUnavailable/Timeout/
/// Malformed (service trouble), ProviderUnauthorized (bad key) or Cancelled.
///
/// Thread affinity: the thread of the QNetworkAccessManager they were given.
class WeatherBackend
{
public:
    virtual ~WeatherBackend() = default;
    /// Stable id, part of the cache key and of the result ("open-meteo", "openweathermap").
    virtual QString id() const = 0;
    virtual core::Async<QJsonObject> fetch(const QString &location, WeatherUnits units,
                                           const core::CancelTokenPtr &cancel) = 0;
};

namespace detail {

template <typename T> using PromisePtr = std::shared_ptr<QPromise<core::Result<T>>>;

template <typename T> PromisePtr<T> makePromise()
{
    auto promise = std::make_shared<QPromise<core::Result<T>>>();
    promise->start();
    return promise;
}

template <typename T> void complete(const PromisePtr<T> &promise, core::Result<T> result)
{
    promise->addResult(std::move(result));
    promise->finish();
}

} // namespace detail

} // namespace agency::tools

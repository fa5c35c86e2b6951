#include "openmeteobackend.h"

#include "httpjson.h"
#include "wmocodes.h"

#include <QJsonArray>
#include <QUrlQuery>

#include <cmath>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kGeocodingService = QStringLiteral("Open-Meteo geocoding");
const QString kForecastService = QStringLiteral("Open-Meteo forecast");

// pressure_msl (sea-level) rather than surface_pressure: it is what OpenWeatherMap's `pressure`
// reports and what weather reports quote, so both back-ends agree (surface pressure in Denver
// reads ~840 hPa).
const QString kCurrentFields =
    QStringLiteral("temperature_2m,apparent_temperature,relative_humidity_2m,pressure_msl,wind_speed_10m,"
                   "wind_direction_10m,cloud_cover,weather_code");
const QString kDailyFields = QStringLiteral("temperature_2m_max,temperature_2m_min");

QUrl joinUrl(const QUrl &base, const QString &endpoint)
{
    QUrl url = base;
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + u'/' + endpoint);
    return url;
}

struct Place
{
    QString name;
    QString countryCode;
    QString country;
    QString region;
    double latitude = 0;
    double longitude = 0;
};

/// The candidate matching most qualifiers ("US", "Texas", "France"); the geocoder's own ranking
/// (population) breaks ties, so an unqualified name gets its best-known place.
std::optional<Place> pickPlace(const QJsonArray &results, const QStringList &qualifiers)
{
    int bestScore = -1;
    std::optional<Place> best;
    for (const QJsonValue &value : results) {
        const QJsonObject r = value.toObject();
        if (!r.value(QLatin1String("latitude")).isDouble() || !r.value(QLatin1String("longitude")).isDouble())
            continue;
        Place place{
            r.value(QLatin1String("name")).toString(),     r.value(QLatin1String("country_code")).toString(),
            r.value(QLatin1String("country")).toString(),  r.value(QLatin1String("admin1")).toString(),
            r.value(QLatin1String("latitude")).toDouble(), r.value(QLatin1String("longitude")).toDouble()};
        int score = 0;
        for (const QString &q : qualifiers) {
            for (const QString &field : {place.countryCode, place.country, place.region,
                                         r.value(QLatin1String("admin2")).toString()}) {
                if (!field.isEmpty() && field.compare(q, Qt::CaseInsensitive) == 0) {
                    ++score;
                    break;
                }
            }
        }
        if (score > bestScore) {
            bestScore = score;
            best = place;
        }
    }
    return best;
}

QJsonValue numberOrNull(const QJsonObject &obj, const char *key)
{
    const QJsonValue v = obj.value(QLatin1String(key));
    return v.isDouble() ? v : QJsonValue(QJsonValue::Null);
}

QJsonValue temperature(const QJsonValue &value, WeatherUnits units)
{
    if (!value.isDouble())
        return QJsonValue::Null;
    if (units != WeatherUnits::Standard)
        return value;
    // Open-Meteo has no kelvin: ask for °C and convert, to two decimals.
    return std::round((value.toDouble() + 273.15) * 100.0) / 100.0;
}

QJsonValue firstOf(const QJsonObject &daily, const char *key)
{
    const QJsonArray values = daily.value(QLatin1String(key)).toArray();
    return values.isEmpty() || !values.first().isDouble() ? QJsonValue(QJsonValue::Null) : values.first();
}

Result<QJsonObject> parseForecast(const JsonReply &reply, const Place &place, WeatherUnits units)
{
    if (reply.status != 200) {
        const QString reason = reply.body.value(QLatin1String("reason")).toString();
        return makeError(ErrorCode::ProviderBadRequest,
                         QStringLiteral("%1 refused the request (HTTP %2)%3")
                             .arg(kForecastService)
                             .arg(reply.status)
                             .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason));
    }
    const QJsonObject current = reply.body.value(QLatin1String("current")).toObject();
    if (!current.value(QLatin1String("temperature_2m")).isDouble())
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 response lacks current conditions").arg(kForecastService));
    const QJsonObject daily = reply.body.value(QLatin1String("daily")).toObject();
    const QJsonValue code = current.value(QLatin1String("weather_code"));
    const WeatherCondition condition =
        code.isDouble() ? conditionForWmoCode(code.toInt())
                        : WeatherCondition{QStringLiteral("Unknown"), QStringLiteral("unknown")};
    QJsonObject result{
        {QStringLiteral("location"),
         place.countryCode.isEmpty() ? place.name : place.name + QStringLiteral(", ") + place.countryCode},
        {QStringLiteral("country"), place.countryCode},
        {QStringLiteral("latitude"), place.latitude},
        {QStringLiteral("longitude"), place.longitude},
        {QStringLiteral("temperature"), temperature(current.value(QLatin1String("temperature_2m")), units)},
        {QStringLiteral("feels_like"),
         temperature(current.value(QLatin1String("apparent_temperature")), units)},
        {QStringLiteral("temp_min"), temperature(firstOf(daily, "temperature_2m_min"), units)},
        {QStringLiteral("temp_max"), temperature(firstOf(daily, "temperature_2m_max"), units)},
        {QStringLiteral("humidity"), numberOrNull(current, "relative_humidity_2m")},
        {QStringLiteral("pressure"), numberOrNull(current, "pressure_msl")},
        {QStringLiteral("wind_speed"), numberOrNull(current, "wind_speed_10m")},
        {QStringLiteral("wind_direction"), numberOrNull(current, "wind_direction_10m")},
        {QStringLiteral("clouds"), numberOrNull(current, "cloud_cover")},
        {QStringLiteral("condition"), condition.condition},
        {QStringLiteral("description"), condition.description},
        {QStringLiteral("units"), unitsName(units)},
        {QStringLiteral("temperature_unit"), temperatureUnitLabel(units)},
        {QStringLiteral("wind_speed_unit"), windSpeedUnitLabel(units)},
        {QStringLiteral("source"), QStringLiteral("open-meteo")},
    };
    if (!place.region.isEmpty())
        result.insert(QStringLiteral("region"), place.region);
    if (current.value(QLatin1String("time")).isString())
        result.insert(QStringLiteral("observed_at"), current.value(QLatin1String("time")));
    return result;
}

} // namespace

OpenMeteoBackend::OpenMeteoBackend(QNetworkAccessManager &nam, QUrl forecastBaseUrl, QUrl geocodingBaseUrl,
                                   int timeoutMs)
    : m_nam(nam), m_forecastBase(std::move(forecastBaseUrl)), m_geocodingBase(std::move(geocodingBaseUrl)),
      m_timeoutMs(timeoutMs)
{
}

QUrl OpenMeteoBackend::geocodingUrl(const QString &name, int count) const
{
    QUrl url = joinUrl(m_geocodingBase, QStringLiteral("search"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("name"), name);
    query.addQueryItem(QStringLiteral("count"), QString::number(count));
    query.addQueryItem(QStringLiteral("language"), QStringLiteral("en"));
    query.addQueryItem(QStringLiteral("format"), QStringLiteral("json"));
    url.setQuery(query);
    return url;
}

QUrl OpenMeteoBackend::forecastUrl(double latitude, double longitude, WeatherUnits units) const
{
    QUrl url = joinUrl(m_forecastBase, QStringLiteral("forecast"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("latitude"), QString::number(latitude, 'f', 5));
    query.addQueryItem(QStringLiteral("longitude"), QString::number(longitude, 'f', 5));
    query.addQueryItem(QStringLiteral("current"), kCurrentFields);
    query.addQueryItem(QStringLiteral("daily"), kDailyFields);
    query.addQueryItem(QStringLiteral("temperature_unit"), units == WeatherUnits::Imperial
                                                               ? QStringLiteral("fahrenheit")
                                                               : QStringLiteral("celsius"));
    query.addQueryItem(QStringLiteral("wind_speed_unit"),
                       units == WeatherUnits::Imperial ? QStringLiteral("mph") : QStringLiteral("ms"));
    // Daily values need a time zone; "auto" makes "today" the place's own day.
    query.addQueryItem(QStringLiteral("timezone"), QStringLiteral("auto"));
    query.addQueryItem(QStringLiteral("forecast_days"), QStringLiteral("1"));
    url.setQuery(query);
    return url;
}

core::Async<QJsonObject> OpenMeteoBackend::fetch(const QString &location, WeatherUnits units,
                                                 const core::CancelTokenPtr &cancel)
{
    QStringList parts = location.split(u',');
    const QString name = parts.takeFirst().trimmed();
    QStringList qualifiers;
    for (const QString &part : std::as_const(parts)) {
        if (!part.trimmed().isEmpty())
            qualifiers.append(part.trimmed());
    }
    if (name.isEmpty())
        return core::failedAsync<QJsonObject>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("location: a place name is required")));

    auto promise = detail::makePromise<QJsonObject>();
    core::Async<QJsonObject> future = promise->future();
    const QString unknownPlace = QStringLiteral("no place called \"%1\" was found").arg(location);
    const int count = qualifiers.isEmpty() ? 1 : 10;
    getJson(m_nam, geocodingUrl(name, count), kGeocodingService, cancel, m_timeoutMs)
        .then(&m_context, [this, promise, qualifiers, unknownPlace, units, cancel](Result<JsonReply> geo) {
            if (!geo)
                return detail::complete(promise, Result<QJsonObject>(geo.error()));
            if (geo->status != 200) {
                const QString reason = geo->body.value(QLatin1String("reason")).toString();
                return detail::complete(
                    promise, Result<QJsonObject>(makeError(
                                 ErrorCode::ProviderBadRequest,
                                 QStringLiteral("%1 refused the request (HTTP %2)%3")
                                     .arg(kGeocodingService)
                                     .arg(geo->status)
                                     .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason))));
            }
            const auto place = pickPlace(geo->body.value(QLatin1String("results")).toArray(), qualifiers);
            if (!place)
                return detail::complete(promise,
                                        Result<QJsonObject>(makeError(ErrorCode::NotFound, unknownPlace)));
            getJson(m_nam, forecastUrl(place->latitude, place->longitude, units), kForecastService, cancel,
                    m_timeoutMs)
                .then(&m_context, [promise, place = *place, units](Result<JsonReply> forecast) {
                    detail::complete(promise, forecast ? parseForecast(forecast.value(), place, units)
                                                       : Result<QJsonObject>(forecast.error()));
                });
        });
    return future;
}

} // namespace agency::tools

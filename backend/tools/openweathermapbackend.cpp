#include "openweathermapbackend.h"

#include "httpjson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTimeZone>
#include <QUrlQuery>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kService = QStringLiteral("OpenWeatherMap");

QJsonValue numberOrNull(const QJsonObject &obj, const char *key)
{
    const QJsonValue v = obj.value(QLatin1String(key));
    return v.isDouble() ? v : QJsonValue(QJsonValue::Null);
}

QString masked(QString text, const QString &secret)
{
    if (!secret.isEmpty())
        text.replace(secret, QStringLiteral("****"));
    return text;
}

Result<QJsonObject> parseWeather(const JsonReply &reply, const QString &location, WeatherUnits units,
                                 const QString &apiKey)
{
    const QString serverMessage = masked(reply.body.value(QLatin1String("message")).toString(), apiKey);
    const QString suffix = serverMessage.isEmpty() ? QString() : QStringLiteral(": ") + serverMessage;
    switch (reply.status) {
    case 200:
        break;
    case 404:
        return makeError(ErrorCode::NotFound,
                         QStringLiteral("no place called \"%1\" was found").arg(location));
    case 401:
        return makeError(ErrorCode::ProviderUnauthorized,
                         QStringLiteral("%1 rejected the API key (HTTP 401)").arg(kService));
    case 429:
        return makeError(ErrorCode::ProviderRateLimited,
                         QStringLiteral("%1 rate limit reached (HTTP 429)").arg(kService));
    default:
        return makeError(
            ErrorCode::ProviderBadRequest,
            QStringLiteral("%1 refused the request (HTTP %2)%3").arg(kService).arg(reply.status).arg(suffix));
    }
    const QJsonObject main = reply.body.value(QLatin1String("main")).toObject();
    if (!main.value(QLatin1String("temp")).isDouble())
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 response lacks current conditions").arg(kService));
    const QJsonObject wind = reply.body.value(QLatin1String("wind")).toObject();
    const QJsonObject clouds = reply.body.value(QLatin1String("clouds")).toObject();
    const QJsonObject weather = reply.body.value(QLatin1String("weather")).toArray().at(0).toObject();
    const QJsonObject coord = reply.body.value(QLatin1String("coord")).toObject();
    const QString country =
        reply.body.value(QLatin1String("sys")).toObject().value(QLatin1String("country")).toString();
    const QString name = reply.body.value(QLatin1String("name")).toString();
    QJsonObject result{
        {QStringLiteral("location"), country.isEmpty() ? name : name + QStringLiteral(", ") + country},
        {QStringLiteral("country"), country},
        {QStringLiteral("latitude"), numberOrNull(coord, "lat")},
        {QStringLiteral("longitude"), numberOrNull(coord, "lon")},
        {QStringLiteral("temperature"), numberOrNull(main, "temp")},
        {QStringLiteral("feels_like"), numberOrNull(main, "feels_like")},
        {QStringLiteral("temp_min"), numberOrNull(main, "temp_min")},
        {QStringLiteral("temp_max"), numberOrNull(main, "temp_max")},
        {QStringLiteral("humidity"), numberOrNull(main, "humidity")},
        {QStringLiteral("pressure"), numberOrNull(main, "pressure")},
        {QStringLiteral("wind_speed"), numberOrNull(wind, "speed")},
        {QStringLiteral("wind_direction"), numberOrNull(wind, "deg")},
        {QStringLiteral("clouds"), numberOrNull(clouds, "all")},
        {QStringLiteral("condition"),
         weather.value(QLatin1String("main")).toString(QStringLiteral("Unknown"))},
        {QStringLiteral("description"), weather.value(QLatin1String("description")).toString()},
        {QStringLiteral("units"), unitsName(units)},
        {QStringLiteral("temperature_unit"), temperatureUnitLabel(units)},
        {QStringLiteral("wind_speed_unit"), windSpeedUnitLabel(units)},
        {QStringLiteral("source"), QStringLiteral("openweathermap")},
    };
    const QJsonValue dt = reply.body.value(QLatin1String("dt"));
    if (dt.isDouble()) {
        result.insert(
            QStringLiteral("observed_at"),
            QDateTime::fromSecsSinceEpoch(dt.toInteger(), QTimeZone::utc()).toUTC().toString(Qt::ISODate));
    }
    return result;
}

} // namespace

OpenWeatherMapBackend::OpenWeatherMapBackend(QNetworkAccessManager &nam, QUrl baseUrl, QString apiKey,
                                             int timeoutMs)
    : m_nam(nam), m_base(std::move(baseUrl)), m_apiKey(std::move(apiKey)), m_timeoutMs(timeoutMs)
{
}

QUrl OpenWeatherMapBackend::weatherUrl(const QString &location, WeatherUnits units) const
{
    QUrl url = m_base;
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + QStringLiteral("/weather"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("q"), location);
    query.addQueryItem(QStringLiteral("appid"), m_apiKey);
    query.addQueryItem(QStringLiteral("units"), unitsName(units));
    query.addQueryItem(QStringLiteral("lang"), QStringLiteral("en"));
    url.setQuery(query);
    return url;
}

core::Async<QJsonObject> OpenWeatherMapBackend::fetch(const QString &location, WeatherUnits units,
                                                      const core::CancelTokenPtr &cancel)
{
    return getJson(m_nam, weatherUrl(location, units), kService, cancel, m_timeoutMs)
        .then(&m_context, [location, units, key = m_apiKey](Result<JsonReply> reply) {
            return reply ? parseWeather(reply.value(), location, units, key)
                         : Result<QJsonObject>(reply.error());
        });
}

} // namespace agency::tools

#include "weatherbackend.h"

namespace agency::tools {

QString unitsName(WeatherUnits units)
{
    switch (units) {
    case WeatherUnits::Metric:
        return QStringLiteral("metric");
    case WeatherUnits::Imperial:
        return QStringLiteral("imperial");
    case WeatherUnits::Standard:
        return QStringLiteral("standard");
    }
    return QStringLiteral("metric");
}

std::optional<WeatherUnits> unitsFromName(const QString &name)
{
    if (name == QLatin1String("metric"))
        return WeatherUnits::Metric;
    if (name == QLatin1String("imperial"))
        return WeatherUnits::Imperial;
    if (name == QLatin1String("standard"))
        return WeatherUnits::Standard;
    return std::nullopt;
}

QString temperatureUnitLabel(WeatherUnits units)
{
    switch (units) {
    case WeatherUnits::Metric:
        return QStringLiteral("°C");
    case WeatherUnits::Imperial:
        return QStringLiteral("°F");
    case WeatherUnits::Standard:
        return QStringLiteral("K");
    }
    return QStringLiteral("°C");
}

QString windSpeedUnitLabel(WeatherUnits units)
{
    return units == WeatherUnits::Imperial ? QStringLiteral("mph") : QStringLiteral("m/s");
}

} // namespace agency::tools

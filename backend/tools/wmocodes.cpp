#include "wmocodes.h"

namespace agency::tools {

WeatherCondition conditionForWmoCode(int code)
{
    const auto make = [](const char *condition, const char *description) {
        return WeatherCondition{QString::fromLatin1(condition), QString::fromLatin1(description)};
    };
    switch (code) {
    case 0:
        return make("Clear", "clear sky");
    case 1:
        return make("Clouds", "mainly clear");
    case 2:
        return make("Clouds", "partly cloudy");
    case 3:
        return make("Clouds", "overcast");
    case 45:
        return make("Fog", "fog");
    case 48:
        return make("Fog", "depositing rime fog");
    case 51:
        return make("Drizzle", "light drizzle");
    case 53:
        return make("Drizzle", "moderate drizzle");
    case 55:
        return make("Drizzle", "dense drizzle");
    case 56:
        return make("Drizzle", "light freezing drizzle");
    case 57:
        return make("Drizzle", "dense freezing drizzle");
    case 61:
        return make("Rain", "slight rain");
    case 63:
        return make("Rain", "moderate rain");
    case 65:
        return make("Rain", "heavy rain");
    case 66:
        return make("Rain", "light freezing rain");
    case 67:
        return make("Rain", "heavy freezing rain");
    case 71:
        return make("Snow", "slight snowfall");
    case 73:
        return make("Snow", "moderate snowfall");
    case 75:
        return make("Snow", "heavy snowfall");
    case 77:
        return make("Snow", "snow grains");
    case 80:
        return make("Rain", "slight rain showers");
    case 81:
        return make("Rain", "moderate rain showers");
    case 82:
        return make("Rain", "violent rain showers");
    case 85:
        return make("Snow", "slight snow showers");
    case 86:
        return make("Snow", "heavy snow showers");
    case 95:
        return make("Thunderstorm", "thunderstorm");
    case 96:
        return make("Thunderstorm", "thunderstorm with slight hail");
    case 99:
        return make("Thunderstorm", "thunderstorm with heavy hail");
    default:
        return WeatherCondition{QStringLiteral("Unknown"),
                                QStringLiteral("unknown weather (WMO code %1)").arg(code)};
    }
}

} // namespace agency::tools

#pragma once

#include <QString>

namespace agency::tools {

/// A weather condition in OpenWeatherMap's vocabulary: a short group ("Rain") and a description
/// ("moderate rain"), so both weather back-ends describe the sky the same way.
struct WeatherCondition
{
    QString condition;
    QString description;
};

/// Maps a WMO weather interpretation code (Open-Meteo's `weather_code`, WMO 4677 subset) to a
/// condition. Unknown codes give {"Unknown", "unknown weather (WMO code N)"}. Pure; thread-safe.
WeatherCondition conditionForWmoCode(int code);

} // namespace agency::tools

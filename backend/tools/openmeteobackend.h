#pragma once

#include "weatherbackend.h"

#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace agency::tools {

/// Open-Meteo (no key): `GET {geocoding}/search?name=…` resolves the place, then
/// `GET {forecast}/forecast?latitude=…&longitude=…&current=…&daily=…` gives current conditions and
/// today's minimum and maximum. "Paris, US" style qualifiers after a comma pick among the
/// geocoder's candidates by country code, country, or region. Temperatures come in °C or °F and
/// are converted to kelvin for `standard`; weather codes are mapped with conditionForWmoCode().
///
/// Thread affinity: create and use on `nam`'s thread. Ownership: borrows `nam`, which must outlive
/// the back-end; destroying the back-end drops the continuations of fetches still in flight.
class OpenMeteoBackend final : public WeatherBackend
{
public:
    OpenMeteoBackend(QNetworkAccessManager &nam, QUrl forecastBaseUrl, QUrl geocodingBaseUrl, int timeoutMs);

    QString id() const override { return QStringLiteral("open-meteo"); }
    core::Async<QJsonObject> fetch(const QString &location, WeatherUnits units,
                                   const core::CancelTokenPtr &cancel) override;

    /// The request URLs, exposed for tests and logs (they carry no secret).
    QUrl geocodingUrl(const QString &name, int count) const;
    QUrl forecastUrl(double latitude, double longitude, WeatherUnits units) const;

private:
    QNetworkAccessManager &m_nam;
    QUrl m_forecastBase;
    QUrl m_geocodingBase;
    int m_timeoutMs;
    QObject m_context; ///< continuations run here; last, so it goes first
};

} // namespace agency::tools

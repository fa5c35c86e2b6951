#pragma once

#include "weatherbackend.h"

#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;
class QObject;

namespace agency::tools {

/// Open-Meteo (no key): `GET {geocoding}/search?name=…` resolves the place, then
/// `GET {forecast}/forecast?latitude=…&longitude=…&current=…&daily=…` gives current conditions and
/// today's minimum and maximum. "Paris, US" style qualifiers after a comma pick among the
/// geocoder's candidates by country code, country, or region. Temperatures come in °C or °F and
/// are converted to kelvin for `standard`; weather codes are mapped with conditionForWmoCode().
///
/// Thread affinity: `nam` and `context` (continuations run there) share one thread.
/// Ownership: borrows `nam` and `context`; both must outlive pending fetches.
class OpenMeteoBackend final : public WeatherBackend
{
public:
    OpenMeteoBackend(QNetworkAccessManager &nam, QObject *context, QUrl forecastBaseUrl,
                     QUrl geocodingBaseUrl, int timeoutMs);

    QString id() const override { return QStringLiteral("open-meteo"); }
    core::Async<QJsonObject> fetch(const QString &location, WeatherUnits units,
                                   const core::CancelTokenPtr &cancel) override;

    /// The request URLs, exposed for tests and logs (they carry no secret).
    QUrl geocodingUrl(const QString &name, int count) const;
    QUrl forecastUrl(double latitude, double longitude, WeatherUnits units) const;

private:
    QNetworkAccessManager &m_nam;
    QPointer<QObject> m_context;
    QUrl m_forecastBase;
    QUrl m_geocodingBase;
    int m_timeoutMs;
};

} // namespace agency::tools

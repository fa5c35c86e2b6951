#pragma once

#include "weatherbackend.h"

#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace agency::tools {

/// OpenWeatherMap current weather: `GET {base}/weather?q=…&appid=…&units=…`.
///
/// The key travels only in requests to the configured base URL (redirects are not followed) and
/// never appears in messages or logs: any echo of it in a server message is masked.
///
/// Thread affinity: create and use on `nam`'s thread. Ownership: borrows `nam`, which must outlive
/// the back-end; destroying the back-end drops the continuations of fetches still in flight.
class OpenWeatherMapBackend final : public WeatherBackend
{
public:
    OpenWeatherMapBackend(QNetworkAccessManager &nam, QUrl baseUrl, QString apiKey, int timeoutMs);

    QString id() const override { return QStringLiteral("openweathermap"); }
    core::Async<QJsonObject> fetch(const QString &location, WeatherUnits units,
                                   const core::CancelTokenPtr &cancel) override;

    /// The request URL (carries the key: never log it).
    QUrl weatherUrl(const QString &location, WeatherUnits units) const;

private:
    QNetworkAccessManager &m_nam;
    QUrl m_base;
    QString m_apiKey;
    int m_timeoutMs;
    QObject m_context; ///< continuations run here; last, so it goes first
};

} // namespace agency::tools

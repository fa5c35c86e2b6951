#pragma once

#include "weatherbackend.h"

#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;
class QObject;

namespace agency::tools {

/// OpenWeatherMap current weather: `GET {base}/weather?q=…&appid=…&units=…`.
///
/// The key travels only in requests to the configured base URL (redirects are not followed) and
/// never appears in messages or logs: any echo of it in a server message is masked.
///
/// Thread affinity: `nam` and `context` (continuations run there) share one thread.
/// Ownership: borrows `nam` and `context`; both must outlive pending fetches.
class OpenWeatherMapBackend final : public WeatherBackend
{
public:
    OpenWeatherMapBackend(QNetworkAccessManager &nam, QObject *context, QUrl baseUrl, QString apiKey,
                          int timeoutMs);

    QString id() const override { return QStringLiteral("openweathermap"); }
    core::Async<QJsonObject> fetch(const QString &location, WeatherUnits units,
                                   const core::CancelTokenPtr &cancel) override;

    /// The request URL (carries the key: never log it).
    QUrl weatherUrl(const QString &location, WeatherUnits units) const;

private:
    QNetworkAccessManager &m_nam;
    QPointer<QObject> m_context;
    QUrl m_base;
    QString m_apiKey;
    int m_timeoutMs;
};

} // namespace agency::tools

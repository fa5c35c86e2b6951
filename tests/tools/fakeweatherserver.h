#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QUrl>
#include <QUrlQuery>

class QTcpSocket;

namespace agency::test {

/// A fake weather service on 127.0.0.1 (port 0) speaking the three APIs the weather tool uses,
/// over real HTTP/1.1 (keep-alive):
///   - Open-Meteo geocoding  GET {geocodingUrl()}/search?name=&count=
///   - Open-Meteo forecast   GET {forecastUrl()}/forecast?latitude=&longitude=&current=&daily=&…
///   - OpenWeatherMap        GET {openWeatherUrl()}/weather?q=&appid=&units=
/// Every request is recorded. Behaviours simulate outages: 503, no answer, malformed JSON,
/// closed connections, redirects. Runs on the test's thread (event-driven, never blocks).
/// Other tests (turn engine, CLI) may link `agency_fakeweather` and use it too.
class FakeWeatherServer : public QObject
{
public:
    enum class Behaviour { Normal, ServerError, Hang, MalformedJson, CloseConnection, Redirect };

    /// A place the server knows, with its current weather in metric units (°C, m/s).
    struct Place
    {
        QString name;
        QString countryCode;
        QString country;
        QString admin1;
        double latitude = 0;
        double longitude = 0;
        double temperatureC = 0;
        double feelsLikeC = 0;
        double minC = 0;
        double maxC = 0;
        int humidity = 0;
        double pressure = 0;
        double windMs = 0;
        int windDeg = 0;
        int clouds = 0;
        int wmoCode = 0;
        QString owmMain;
        QString owmDescription;
    };

    struct Request
    {
        QString path;
        QUrlQuery query;
        QByteArray target; ///< the raw request target, as received
    };

    explicit FakeWeatherServer(QObject *parent = nullptr);

    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    QUrl baseUrl() const;
    QUrl geocodingUrl() const;   ///< base + /geo/v1
    QUrl forecastUrl() const;    ///< base + /meteo/v1
    QUrl openWeatherUrl() const; ///< base + /owm/data/2.5

    void setBehaviour(Behaviour behaviour) { m_behaviour = behaviour; }
    /// Answers every request this long after it arrived (0: at once), so that calls overlap.
    void setResponseDelayMs(int ms) { m_delayMs = ms; }
    /// Keeps the answers to requests arriving from now on until release(): a request is then
    /// known to be waiting at the service for as long as a test needs, without guessing a delay.
    void hold() { m_holding = true; }
    /// Answers the held requests (to clients still connected) and stops holding.
    void release();
    void setRedirectTarget(const QUrl &url) { m_redirectTarget = url; }
    /// The key OpenWeatherMap requests must carry (else 401).
    void setOpenWeatherKey(const QString &key) { m_owmKey = key; }
    void addPlace(const Place &place) { m_places.append(place); }
    /// Paris (FR), Paris (US, Texas), Berlin (DE), London (GB).
    void addDefaultPlaces();
    static Place paris();

    const QList<Request> &requests() const { return m_requests; }
    /// Requests whose path ends with `suffix` ("/search", "/forecast", "/weather").
    int countRequests(const QString &suffix) const;
    void clearRequests() { m_requests.clear(); }
    /// Connections currently open (a hung request whose client gave up closes its connection).
    int openConnections() const;

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void handle(QTcpSocket *socket, const QByteArray &target);
    void respond(QTcpSocket *socket, const QUrl &url, Behaviour behaviour);
    void reply(QTcpSocket *socket, int status, const QByteArray &body,
               const QByteArray &extraHeaders = QByteArray());
    void answerGeocoding(QTcpSocket *socket, const QUrlQuery &query);
    void answerForecast(QTcpSocket *socket, const QUrlQuery &query);
    void answerOpenWeather(QTcpSocket *socket, const QUrlQuery &query);

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<QPointer<QTcpSocket>> m_sockets;
    QList<Request> m_requests;
    QList<Place> m_places;
    Behaviour m_behaviour = Behaviour::Normal;
    int m_delayMs = 0;
    bool m_holding = false;
    struct Held
    {
        QPointer<QTcpSocket> socket;
        QUrl url;
        Behaviour behaviour;
    };
    QList<Held> m_held;
    QUrl m_redirectTarget;
    QString m_owmKey;
};

} // namespace agency::test

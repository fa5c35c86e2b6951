#include "fakeweatherserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTimer>

#include <cmath>
#include <utility>

namespace agency::test {

namespace {

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

double toFahrenheit(double c)
{
    return round2(c * 9.0 / 5.0 + 32.0);
}

double toKelvin(double c)
{
    return round2(c + 273.15);
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

QByteArray json(const QJsonObject &obj)
{
    return QJsonDocument(obj).toJson(QJsonDocument::Compact);
}

} // namespace

FakeWeatherServer::FakeWeatherServer(QObject *parent) : QObject(parent)
{
    QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] { onNewConnection(); });
}

bool FakeWeatherServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl FakeWeatherServer::baseUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port()));
}

QUrl FakeWeatherServer::geocodingUrl() const
{
    return QUrl(baseUrl().toString() + QStringLiteral("/geo/v1"));
}

QUrl FakeWeatherServer::forecastUrl() const
{
    return QUrl(baseUrl().toString() + QStringLiteral("/meteo/v1"));
}

QUrl FakeWeatherServer::openWeatherUrl() const
{
    return QUrl(baseUrl().toString() + QStringLiteral("/owm/data/2.5"));
}

FakeWeatherServer::Place FakeWeatherServer::paris()
{
    return Place{QStringLiteral("Paris"),
                 QStringLiteral("FR"),
                 QStringLiteral("France"),
                 QStringLiteral("Île-de-France"),
                 48.85341,
                 2.3488,
                 14.2,
                 12.9,
                 9.5,
                 16.8,
                 71,
                 1013.4,
                 4.6,
                 250,
                 75,
                 63,
                 QStringLiteral("Rain"),
                 QStringLiteral("moderate rain")};
}

void FakeWeatherServer::addDefaultPlaces()
{
    addPlace(paris());
    addPlace(Place{QStringLiteral("Paris"), QStringLiteral("US"), QStringLiteral("United States"),
                   QStringLiteral("Texas"), 33.66094, -95.55551, 24.0, 25.1, 18.0, 29.5, 55, 1009.0, 3.1, 180,
                   10, 1, QStringLiteral("Clouds"), QStringLiteral("few clouds")});
    addPlace(Place{QStringLiteral("Berlin"), QStringLiteral("DE"), QStringLiteral("Deutschland"),
                   QStringLiteral("Berlin"), 52.52437, 13.41053, -2.5, -6.0, -4.0, 1.0, 88, 1021.0, 5.5, 90,
                   100, 73, QStringLiteral("Snow"), QStringLiteral("snow")});
    addPlace(Place{QStringLiteral("London"), QStringLiteral("GB"), QStringLiteral("United Kingdom"),
                   QStringLiteral("England"), 51.50853, -0.12574, 11.0, 10.0, 8.0, 12.0, 80, 1005.0, 7.0, 270,
                   90, 3, QStringLiteral("Clouds"), QStringLiteral("overcast clouds")});
}

int FakeWeatherServer::countRequests(const QString &suffix) const
{
    int n = 0;
    for (const Request &r : m_requests) {
        if (r.path.endsWith(suffix))
            ++n;
    }
    return n;
}

int FakeWeatherServer::openConnections() const
{
    int n = 0;
    for (const auto &socket : m_sockets) {
        if (socket && socket->state() == QAbstractSocket::ConnectedState)
            ++n;
    }
    return n;
}

void FakeWeatherServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        m_sockets.append(socket);
        QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        QObject::connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void FakeWeatherServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QByteArray head = buffer.left(end);
        buffer.remove(0, end + 4);
        const QList<QByteArray> lines = head.split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        handle(socket, requestLine.value(1));
        if (socket->state() != QAbstractSocket::ConnectedState)
            return;
    }
}

void FakeWeatherServer::handle(QTcpSocket *socket, const QByteArray &target)
{
    const QUrl url(QString::fromLatin1(target));
    m_requests.append(Request{url.path(), QUrlQuery(url), target});
    if (m_holding) {
        m_held.append(Held{socket, url, m_behaviour});
        return;
    }
    if (m_delayMs <= 0)
        return respond(socket, url, m_behaviour);
    // The socket as context: a client that gave up meanwhile gets nothing.
    QTimer::singleShot(m_delayMs, socket, [this, socket, url, behaviour = m_behaviour] {
        if (socket->state() == QAbstractSocket::ConnectedState)
            respond(socket, url, behaviour);
    });
}

void FakeWeatherServer::release()
{
    m_holding = false;
    const QList<Held> held = std::exchange(m_held, {});
    for (const Held &h : held) {
        if (h.socket && h.socket->state() == QAbstractSocket::ConnectedState)
            respond(h.socket, h.url, h.behaviour);
    }
}

void FakeWeatherServer::respond(QTcpSocket *socket, const QUrl &url, Behaviour behaviour)
{
    const Request request{url.path(), QUrlQuery(url), {}};
    switch (behaviour) {
    case Behaviour::Normal:
        break;
    case Behaviour::ServerError:
        return reply(socket, 503, "Service Unavailable");
    case Behaviour::Hang:
        return;
    case Behaviour::MalformedJson:
        return reply(socket, 200, "{\"current\": {\"temperature_2m\": 1");
    case Behaviour::CloseConnection:
        socket->abort();
        return;
    case Behaviour::Redirect:
        return reply(socket, 302, "",
                     "Location: " + m_redirectTarget.toString().toUtf8() + request.path.toUtf8() + '?' +
                         url.query(QUrl::FullyEncoded).toUtf8() + "\r\n");
    }
    if (request.path.endsWith(QLatin1String("/search")))
        answerGeocoding(socket, request.query);
    else if (request.path.endsWith(QLatin1String("/forecast")))
        answerForecast(socket, request.query);
    else if (request.path.endsWith(QLatin1String("/weather")))
        answerOpenWeather(socket, request.query);
    else
        reply(socket, 404, "{\"error\":true,\"reason\":\"no such endpoint\"}");
}

void FakeWeatherServer::reply(QTcpSocket *socket, int status, const QByteArray &body,
                              const QByteArray &extraHeaders)
{
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    response += "Content-Type: application/json; charset=utf-8\r\n";
    response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    response += "Connection: keep-alive\r\n" + extraHeaders + "\r\n";
    response += body;
    socket->write(response);
}

void FakeWeatherServer::answerGeocoding(QTcpSocket *socket, const QUrlQuery &query)
{
    const QString name = query.queryItemValue(QStringLiteral("name"), QUrl::FullyDecoded);
    const int count = query.hasQueryItem(QStringLiteral("count"))
                          ? query.queryItemValue(QStringLiteral("count")).toInt()
                          : 10;
    QJsonArray results;
    for (const Place &p : std::as_const(m_places)) {
        if (results.size() >= count)
            break;
        if (p.name.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        results.append(QJsonObject{{QStringLiteral("id"), results.size() + 1},
                                   {QStringLiteral("name"), p.name},
                                   {QStringLiteral("latitude"), p.latitude},
                                   {QStringLiteral("longitude"), p.longitude},
                                   {QStringLiteral("country_code"), p.countryCode},
                                   {QStringLiteral("country"), p.country},
                                   {QStringLiteral("admin1"), p.admin1},
                                   {QStringLiteral("timezone"), QStringLiteral("Europe/Paris")}});
    }
    QJsonObject body{{QStringLiteral("generationtime_ms"), 0.4}};
    // Like the real service: no "results" key at all when nothing matched.
    if (!results.isEmpty())
        body.insert(QStringLiteral("results"), results);
    reply(socket, 200, json(body));
}

void FakeWeatherServer::answerForecast(QTcpSocket *socket, const QUrlQuery &query)
{
    const double lat = query.queryItemValue(QStringLiteral("latitude")).toDouble();
    const double lon = query.queryItemValue(QStringLiteral("longitude")).toDouble();
    const Place *place = nullptr;
    for (const Place &p : std::as_const(m_places)) {
        if (std::fabs(p.latitude - lat) < 0.0005 && std::fabs(p.longitude - lon) < 0.0005)
            place = &p;
    }
    if (!place)
        return reply(socket, 400, "{\"error\":true,\"reason\":\"no data for these coordinates\"}");
    const bool fahrenheit =
        query.queryItemValue(QStringLiteral("temperature_unit")) == QLatin1String("fahrenheit");
    const QString windUnit = query.queryItemValue(QStringLiteral("wind_speed_unit"));
    auto temp = [fahrenheit](double c) { return fahrenheit ? toFahrenheit(c) : c; };
    auto wind = [&windUnit](double ms) {
        if (windUnit == QLatin1String("ms"))
            return ms;
        if (windUnit == QLatin1String("mph"))
            return round2(ms * 2.236936);
        if (windUnit == QLatin1String("kn"))
            return round2(ms * 1.943844);
        return round2(ms * 3.6);
    };
    const QHash<QString, QJsonValue> available{
        {QStringLiteral("temperature_2m"), temp(place->temperatureC)},
        {QStringLiteral("apparent_temperature"), temp(place->feelsLikeC)},
        {QStringLiteral("relative_humidity_2m"), place->humidity},
        {QStringLiteral("pressure_msl"), place->pressure},
        {QStringLiteral("surface_pressure"), round2(place->pressure - 12.0)},
        {QStringLiteral("wind_speed_10m"), wind(place->windMs)},
        {QStringLiteral("wind_direction_10m"), place->windDeg},
        {QStringLiteral("cloud_cover"), place->clouds},
        {QStringLiteral("weather_code"), place->wmoCode},
    };
    // Like the real service, only the requested variables come back.
    QJsonObject current{{QStringLiteral("time"), QStringLiteral("2024-03-01T12:00")},
                        {QStringLiteral("interval"), 900}};
    const QStringList fields =
        query.queryItemValue(QStringLiteral("current"), QUrl::FullyDecoded).split(u',');
    for (const QString &field : fields) {
        if (available.contains(field))
            current.insert(field, available.value(field));
    }
    QJsonObject daily{{QStringLiteral("time"), QJsonArray{QStringLiteral("2024-03-01")}}};
    const QStringList dailyFields =
        query.queryItemValue(QStringLiteral("daily"), QUrl::FullyDecoded).split(u',');
    if (dailyFields.contains(QStringLiteral("temperature_2m_max")))
        daily.insert(QStringLiteral("temperature_2m_max"), QJsonArray{temp(place->maxC)});
    if (dailyFields.contains(QStringLiteral("temperature_2m_min")))
        daily.insert(QStringLiteral("temperature_2m_min"), QJsonArray{temp(place->minC)});
    reply(socket, 200,
          json(QJsonObject{{QStringLiteral("latitude"), place->latitude},
                           {QStringLiteral("longitude"), place->longitude},
                           {QStringLiteral("timezone"), QStringLiteral("Europe/Paris")},
                           {QStringLiteral("utc_offset_seconds"), 3600},
                           {QStringLiteral("current"), current},
                           {QStringLiteral("daily"), daily}}));
}

void FakeWeatherServer::answerOpenWeather(QTcpSocket *socket, const QUrlQuery &query)
{
    if (query.queryItemValue(QStringLiteral("appid"), QUrl::FullyDecoded) != m_owmKey || m_owmKey.isEmpty()) {
        return reply(socket, 401,
                     "{\"cod\":401,\"message\":\"Invalid API key. Please see "
                     "https://openweathermap.org/faq#error401 for more info.\"}");
    }
    const QStringList q = query.queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded).split(u',');
    const QString name = q.value(0).trimmed();
    const QString country = q.value(1).trimmed();
    const Place *place = nullptr;
    for (const Place &p : std::as_const(m_places)) {
        if (p.name.compare(name, Qt::CaseInsensitive) == 0 &&
            (country.isEmpty() || p.countryCode.compare(country, Qt::CaseInsensitive) == 0)) {
            place = &p;
            break;
        }
    }
    if (!place)
        return reply(socket, 404, "{\"cod\":\"404\",\"message\":\"city not found\"}");
    const QString units = query.queryItemValue(QStringLiteral("units"));
    auto temp = [&units](double c) {
        if (units == QLatin1String("metric"))
            return c;
        if (units == QLatin1String("imperial"))
            return toFahrenheit(c);
        return toKelvin(c);
    };
    const double windSpeed =
        units == QLatin1String("imperial") ? round2(place->windMs * 2.236936) : place->windMs;
    reply(socket, 200,
          json(QJsonObject{
              {QStringLiteral("coord"), QJsonObject{{QStringLiteral("lon"), place->longitude},
                                                    {QStringLiteral("lat"), place->latitude}}},
              {QStringLiteral("weather"),
               QJsonArray{QJsonObject{{QStringLiteral("id"), 500},
                                      {QStringLiteral("main"), place->owmMain},
                                      {QStringLiteral("description"), place->owmDescription},
                                      {QStringLiteral("icon"), QStringLiteral("10d")}}}},
              {QStringLiteral("main"), QJsonObject{{QStringLiteral("temp"), temp(place->temperatureC)},
                                                   {QStringLiteral("feels_like"), temp(place->feelsLikeC)},
                                                   {QStringLiteral("temp_min"), temp(place->minC)},
                                                   {QStringLiteral("temp_max"), temp(place->maxC)},
                                                   {QStringLiteral("pressure"), place->pressure},
                                                   {QStringLiteral("humidity"), place->humidity}}},
              {QStringLiteral("wind"),
               QJsonObject{{QStringLiteral("speed"), windSpeed}, {QStringLiteral("deg"), place->windDeg}}},
              {QStringLiteral("clouds"), QJsonObject{{QStringLiteral("all"), place->clouds}}},
              {QStringLiteral("dt"), 1709294400},
              {QStringLiteral("sys"), QJsonObject{{QStringLiteral("country"), place->countryCode}}},
              {QStringLiteral("name"), place->name},
              {QStringLiteral("cod"), 200}}));
}

} // namespace agency::test

#include "rawhttpclient.h"

#include <QJsonDocument>
#include <QTest>

namespace agency::test {

QJsonObject SseEvent::json() const
{
    return QJsonDocument::fromJson(data).object();
}

QJsonObject RawResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QList<SseEvent> RawResponse::events() const
{
    QList<SseEvent> events;
    const QByteArray text = QByteArray(body).replace("\r\n", "\n");
    qsizetype start = 0;
    for (qsizetype end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n", start)) {
        SseEvent event;
        QList<QByteArray> data;
        bool any = false;
        for (const QByteArray &line : text.mid(start, end - start).split('\n')) {
            if (line.startsWith(':'))
                continue; // a comment (keep-alive)
            const qsizetype colon = line.indexOf(':');
            const QByteArray field = colon < 0 ? line : line.left(colon);
            QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
            if (value.startsWith(' '))
                value.remove(0, 1);
            if (field == "event")
                event.name = value;
            else if (field == "data")
                data.append(value);
            any = any || field == "event" || field == "data";
        }
        event.data = data.join('\n');
        if (any)
            events.append(event);
        start = end + 2;
    }
    return events;
}

RawHttpClient::RawHttpClient(QObject *parent) : QObject(parent)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &RawHttpClient::onReadyRead);
}

bool RawHttpClient::connectTo(quint16 port, int timeoutMs)
{
    m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, timeoutMs);
}

void RawHttpClient::send(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                         const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (!body.isEmpty() || method == "POST")
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    request += "\r\n" + body;
    sendRaw(request);
}

void RawHttpClient::sendRaw(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

void RawHttpClient::onReadyRead()
{
    m_buffer += m_socket.readAll();
    parse();
}

bool RawHttpClient::parse()
{
    if (!m_headDone) {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        m_buffer.remove(0, end + 4);
        const QList<QByteArray> status = lines.first().trimmed().split(' ');
        m_current.status = status.size() > 1 ? status.at(1).toInt() : -1;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                m_current.headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                         lines.at(i).mid(colon + 1).trimmed());
        }
        m_current.chunked = m_current.header("transfer-encoding").toLower() == "chunked";
        m_contentLength = m_current.chunked ? -1 : m_current.header("content-length").toLongLong();
        m_headDone = true;
    }
    if (!m_current.chunked) {
        const qint64 take = std::min<qint64>(m_contentLength - m_current.body.size(), m_buffer.size());
        m_current.body += m_buffer.left(take);
        m_buffer.remove(0, take);
        m_current.complete = m_current.body.size() >= m_contentLength;
        return m_current.complete;
    }
    while (!m_current.complete) {
        const qsizetype lineEnd = m_buffer.indexOf("\r\n");
        if (lineEnd < 0)
            return false;
        bool ok = false;
        const qint64 size = m_buffer.left(lineEnd).trimmed().toLongLong(&ok, 16);
        if (!ok) {
            m_current.status = -1; // framing broken: make every check fail
            return false;
        }
        if (m_buffer.size() < lineEnd + 2 + size + 2)
            return false;
        if (m_buffer.mid(lineEnd + 2 + size, 2) != "\r\n") {
            m_current.status = -1;
            return false;
        }
        m_current.body += m_buffer.mid(lineEnd + 2, size);
        m_buffer.remove(0, lineEnd + 2 + size + 2);
        m_current.complete = size == 0;
    }
    return true;
}

bool RawHttpClient::waitForHead(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_headDone; }, timeoutMs);
}

bool RawHttpClient::waitFor(const std::function<bool(const RawResponse &)> &done, int timeoutMs)
{
    return QTest::qWaitFor([this, &done] { return m_headDone && done(m_current); }, timeoutMs);
}

RawResponse RawHttpClient::takeResponse(int timeoutMs)
{
    if (!waitFor([](const RawResponse &r) { return r.complete; }, timeoutMs))
        return {};
    RawResponse response = std::exchange(m_current, {});
    m_headDone = false;
    m_contentLength = -1;
    if (!m_buffer.isEmpty())
        parse(); // the next response may already be here
    return response;
}

void RawHttpClient::disconnectFromServer()
{
    m_socket.abort();
}

} // namespace agency::test

#include "fakehttpserver.h"

#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <utility>

#include <sys/socket.h>

namespace agency::test {

QByteArray RecordedRequest::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QString RecordedRequest::path() const
{
    const qsizetype q = target.indexOf('?');
    return QString::fromUtf8(q < 0 ? target : target.left(q));
}

QUrlQuery RecordedRequest::query() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? QUrlQuery() : QUrlQuery(QString::fromUtf8(target.mid(q + 1)));
}

QJsonObject RecordedRequest::json() const
{
    return QJsonDocument::fromJson(body).object();
}

FakeResponse FakeResponse::json(int status, const QJsonObject &body)
{
    return raw(status, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

FakeResponse FakeResponse::raw(int status, QByteArray body, QByteArray contentType)
{
    FakeResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers.append({"Content-Type", std::move(contentType)});
    return r;
}

FakeResponse FakeResponse::sse(const QList<QByteArray> &payloads, int delayBetweenMs)
{
    QList<FakeChunk> chunks;
    for (const QByteArray &payload : payloads)
        chunks.append(FakeChunk{"data: " + payload + "\n\n", chunks.isEmpty() ? 0 : delayBetweenMs});
    return sseChunks(std::move(chunks));
}

FakeResponse FakeResponse::sseChunks(QList<FakeChunk> chunks)
{
    FakeResponse r;
    r.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
    r.chunks = std::move(chunks);
    return r;
}

FakeResponse FakeResponse::neverAnswer()
{
    FakeResponse r;
    r.action = Action::NeverAnswer;
    return r;
}

FakeResponse FakeResponse::closeWithoutAnswer()
{
    FakeResponse r;
    r.action = Action::CloseWithoutAnswer;
    return r;
}

FakeResponse FakeResponse::resetWithoutAnswer()
{
    FakeResponse r;
    r.action = Action::ResetWithoutAnswer;
    return r;
}

FakeResponse &FakeResponse::header(QByteArray name, QByteArray value)
{
    headers.append({std::move(name), std::move(value)});
    return *this;
}

FakeResponse &FakeResponse::delay(int ms)
{
    delayMs = ms;
    return *this;
}

FakeResponse &FakeResponse::end(Ending how)
{
    ending = how;
    return *this;
}

void resetSocket(QTcpSocket *socket)
{
    socket->flush();
    const qintptr fd = socket->socketDescriptor();
    if (fd >= 0) {
        struct linger option
        {
        };
        option.l_onoff = 1;
        option.l_linger = 0;
        ::setsockopt(static_cast<int>(fd), SOL_SOCKET, SO_LINGER, &option, sizeof option);
    }
    socket->abort();
}

struct FakeHttpServer::Connection
{
    QPointer<QTcpSocket> socket;
    QByteArray buffer;
    bool responding = false; ///< a response is being written: later bytes wait
    bool closeAfter = false;
};

FakeHttpServer::FakeHttpServer(QObject *parent) : QObject(parent), m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &FakeHttpServer::onNewConnection);
}

FakeHttpServer::~FakeHttpServer()
{
    // abort() emits disconnected(), whose handler removes the connection from m_connections:
    // iterate over a copy.
    const auto connections = m_connections;
    for (const auto &connection : connections) {
        if (connection->socket)
            connection->socket->abort();
    }
}

bool FakeHttpServer::listen()
{
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 FakeHttpServer::port() const
{
    return m_server->serverPort();
}

QString FakeHttpServer::origin() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

void FakeHttpServer::enqueue(FakeResponse response)
{
    m_queue.append(std::move(response));
}

void FakeHttpServer::enqueue(const QString &pathPrefix, FakeResponse response)
{
    for (auto &[prefix, queue] : m_pathQueues) {
        if (prefix == pathPrefix) {
            queue.append(std::move(response));
            return;
        }
    }
    m_pathQueues.append({pathPrefix, {std::move(response)}});
}

void FakeHttpServer::setHandler(Handler handler)
{
    m_handler = std::move(handler);
}

qsizetype FakeHttpServer::pendingResponses() const
{
    qsizetype n = m_queue.size();
    for (const auto &[prefix, queue] : m_pathQueues)
        n += queue.size();
    return n;
}

int FakeHttpServer::openConnections() const
{
    int n = 0;
    for (const auto &connection : m_connections) {
        if (connection->socket && connection->socket->state() == QAbstractSocket::ConnectedState)
            ++n;
    }
    return n;
}

int FakeHttpServer::requestsInFlight() const
{
    int n = 0;
    for (const auto &connection : m_connections) {
        if (connection->responding && connection->socket &&
            connection->socket->state() == QAbstractSocket::ConnectedState)
            ++n;
    }
    return n;
}

void FakeHttpServer::holdResponsesUntil(int count)
{
    m_holdUntil = count;
}

void FakeHttpServer::releaseHeld()
{
    m_holdUntil = 0;
    const auto held = std::exchange(m_held, {});
    for (const auto &[connection, response] : held)
        respond(connection, response);
}

void FakeHttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        auto connection = std::make_shared<Connection>();
        connection->socket = socket;
        socket->setParent(this);
        m_connections.append(connection);
        connect(socket, &QTcpSocket::readyRead, this, [this, connection] { onReadyRead(connection); });
        connect(socket, &QTcpSocket::disconnected, this, [this, connection] {
            m_connections.removeAll(connection);
            if (connection->socket)
                connection->socket->deleteLater();
        });
    }
}

void FakeHttpServer::onReadyRead(const std::shared_ptr<Connection> &connection)
{
    if (!connection->socket)
        return;
    connection->buffer.append(connection->socket->readAll());
    if (connection->responding)
        return;
    const qsizetype headerEnd = connection->buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0)
        return;
    const QList<QByteArray> lines = connection->buffer.left(headerEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    RecordedRequest request;
    request.method = requestLine.value(0);
    request.target = requestLine.value(1);
    qsizetype contentLength = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed();
        const QByteArray value = line.mid(colon + 1).trimmed();
        request.headers.append({name, value});
        if (name.compare("content-length", Qt::CaseInsensitive) == 0)
            contentLength = value.toLongLong();
    }
    if (connection->buffer.size() < headerEnd + 4 + contentLength)
        return; // the body is still coming
    request.body = connection->buffer.mid(headerEnd + 4, contentLength);
    connection->buffer.remove(0, headerEnd + 4 + contentLength);
    connection->closeAfter = request.header("connection").compare("close", Qt::CaseInsensitive) == 0;
    m_requests.append(request);
    Q_EMIT requestReceived(request);
    serve(connection, request);
}

FakeResponse FakeHttpServer::responseFor(const RecordedRequest &request)
{
    const QString path = request.path();
    QList<FakeResponse> *best = nullptr;
    qsizetype bestLength = -1;
    for (auto &[prefix, queue] : m_pathQueues) {
        if (!queue.isEmpty() && path.startsWith(prefix) && prefix.size() > bestLength) {
            best = &queue;
            bestLength = prefix.size();
        }
    }
    if (best)
        return best->takeFirst();
    if (!m_queue.isEmpty())
        return m_queue.takeFirst();
    if (m_handler)
        return m_handler(request);
    return FakeResponse::json(
        500, QJsonObject{{QStringLiteral("error"),
                          QJsonObject{{QStringLiteral("message"),
                                       QStringLiteral("fake server: no scripted response for %1 %2")
                                           .arg(QString::fromUtf8(request.method), path)}}}});
}

void FakeHttpServer::serve(const std::shared_ptr<Connection> &connection, const RecordedRequest &request)
{
    const FakeResponse response = responseFor(request);
    QTcpSocket *socket = connection->socket;
    switch (response.action) {
    case FakeResponse::Action::NeverAnswer:
        connection->responding = true; // and stays so: nothing more is read from this connection
        m_mostInFlight = std::max(m_mostInFlight, requestsInFlight());
        return;
    case FakeResponse::Action::CloseWithoutAnswer:
        socket->disconnectFromHost();
        return;
    case FakeResponse::Action::ResetWithoutAnswer:
        resetSocket(socket);
        return;
    case FakeResponse::Action::Respond:
        break;
    }
    connection->responding = true;
    m_mostInFlight = std::max(m_mostInFlight, requestsInFlight());
    if (m_holdUntil > 0) {
        m_held.append({connection, response});
        if (requestsInFlight() >= m_holdUntil)
            releaseHeld();
        return;
    }
    respond(connection, response);
}

void FakeHttpServer::respond(const std::shared_ptr<Connection> &connection, const FakeResponse &response)
{
    QTcpSocket *socket = connection->socket;
    if (!socket)
        return;
    QTimer::singleShot(response.delayMs, socket, [this, connection, response] {
        QTcpSocket *s = connection->socket;
        if (!s)
            return;
        QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + " Fake\r\n";
        for (const auto &[name, value] : response.headers)
            head += name + ": " + value + "\r\n";
        const bool chunked = !response.chunks.isEmpty();
        if (chunked) {
            head += "Transfer-Encoding: chunked\r\n";
        } else {
            // A truncated plain body promises more than it sends.
            const qsizetype promised = response.ending == FakeResponse::Ending::Complete
                                           ? response.body.size()
                                           : response.body.size() * 2 + 16;
            head += "Content-Length: " + QByteArray::number(promised) + "\r\n";
        }
        if (connection->closeAfter)
            head += "Connection: close\r\n";
        s->write(head + "\r\n");
        if (chunked) {
            writeChunks(connection, response, 0);
            return;
        }
        s->write(response.body);
        finishResponse(connection, response);
    });
}

void FakeHttpServer::writeChunks(const std::shared_ptr<Connection> &connection, const FakeResponse &response,
                                 qsizetype index)
{
    QTcpSocket *socket = connection->socket;
    if (!socket)
        return;
    if (index >= response.chunks.size()) {
        if (response.ending == FakeResponse::Ending::Complete)
            socket->write("0\r\n\r\n");
        finishResponse(connection, response);
        return;
    }
    const FakeChunk &chunk = response.chunks.at(index);
    QTimer::singleShot(chunk.delayMs, socket, [this, connection, response, index] {
        QTcpSocket *s = connection->socket;
        if (!s)
            return;
        const QByteArray &data = response.chunks.at(index).data;
        if (!data.isEmpty())
            s->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
        s->flush();
        writeChunks(connection, response, index + 1);
    });
}

void FakeHttpServer::finishResponse(const std::shared_ptr<Connection> &connection,
                                    const FakeResponse &response)
{
    QTcpSocket *socket = connection->socket;
    if (!socket)
        return;
    switch (response.ending) {
    case FakeResponse::Ending::Complete:
        connection->responding = false;
        ++m_completedResponses;
        if (connection->closeAfter) {
            socket->disconnectFromHost();
            return;
        }
        if (!connection->buffer.isEmpty()) // a next request arrived meanwhile
            QTimer::singleShot(0, socket, [this, connection] { onReadyRead(connection); });
        return;
    case FakeResponse::Ending::Close:
        socket->flush();
        socket->disconnectFromHost();
        return;
    case FakeResponse::Ending::Reset:
        resetSocket(socket);
        return;
    case FakeResponse::Ending::Hang:
        return;
    }
}

} // namespace agency::test

#include "connectiongate.h"

#include "core/json.h"
#include "errorbody.h"

#include <algorithm>
#include <utility>

#include <QTcpSocket>
#include <QTimer>
#include <QUuid>

namespace agency::httpserver {

namespace {
constexpr int kDiscardMs = 1000;
constexpr qint64 kMaxDiscardBytes = 256LL * 1024 * 1024;
} // namespace

QByteArray rawErrorResponse(int status, const QByteArray &code, const QString &message)
{
    const QByteArray body = core::toCompactJson(
        QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), QString::fromLatin1(code)},
                                                          {QStringLiteral("message"), message},
                                                          {QStringLiteral("details"), QJsonObject()}}}});
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\nConnection: close\r\nX-Request-Id: " + QUuid::createUuid().toByteArray(QUuid::WithoutBraces) +
           "\r\n\r\n" + body;
}

ConnectionGate::ConnectionGate(const ServerConfig &config, QObject *parent)
    : QTcpServer(parent), m_config(config)
{
    m_clock.start();
}

ConnectionGate::~ConnectionGate() = default;

void ConnectionGate::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    const QHostAddress peer = socket->peerAddress();
    // Checked per address first: one address filling its share must not make the server refuse
    // everyone else, and its excess costs nothing but this answer.
    if (m_perClient.value(peer) >= m_config.maxConnectionsPerClient) {
        refuseConnection(socket, "too_many_client_connections",
                         QStringLiteral("too many open connections from your address; retry later"));
        return;
    }
    if (m_connections.size() >= m_config.maxConnections) {
        refuseConnection(socket, "too_many_connections",
                         QStringLiteral("the server has too many open connections; retry later"));
        return;
    }
    Connection &c = m_connections[socket];
    c.peer = peer;
    c.order = std::make_shared<AnswerOrder>(socket);
    m_perClient[peer] += 1;
    c.timer = new QTimer(socket);
    c.timer->setSingleShot(true);
    connect(c.timer, &QTimer::timeout, this, [this, socket] { onTimer(socket); });
    // Connected before QHttpServer's own handler (added when it takes the pending connection), so
    // this sees every byte first.
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QObject::destroyed, this, [this, socket] { forget(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    armTimer(socket, c);
    addPendingConnection(socket);
}

void ConnectionGate::refuseConnection(QTcpSocket *socket, const QByteArray &code, const QString &message)
{
    socket->write(rawErrorResponse(503, code, message));
    socket->disconnectFromHost();
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(kDiscardMs, socket, &QObject::deleteLater);
    Q_EMIT refused(code, 503);
}

void ConnectionGate::forget(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    const auto client = m_perClient.find(it->peer);
    if (client != m_perClient.end() && --client.value() <= 0)
        m_perClient.erase(client);
    m_connections.erase(it);
    if (m_draining && m_connections.isEmpty())
        Q_EMIT drained();
}

void ConnectionGate::armTimer(QTcpSocket *, Connection &c)
{
    qint64 afterMs = -1;
    switch (c.phase) {
    case Connection::Phase::Idle:
        if (c.fresh) // a connection that never sends a request should not hold a slot for long
            afterMs = qMin(m_config.idleTimeoutMs, m_config.headerTimeoutMs);
        else if (c.pendingAnswers == 0) // else a turn or a stream may legitimately take long
            afterMs = m_config.idleTimeoutMs;
        break;
    case Connection::Phase::ReadingHeaders:
        afterMs = qMin(m_config.headerTimeoutMs, m_config.requestTimeoutMs);
        break;
    case Connection::Phase::ReadingBody:
        afterMs = qMax<qint64>(0, c.requestStart + m_config.requestTimeoutMs - m_clock.elapsed());
        break;
    case Connection::Phase::Discarding:
        afterMs = kDiscardMs;
        break;
    }
    setDeadline(c, afterMs);
}

void ConnectionGate::setDeadline(Connection &c, qint64 afterMs)
{
    // The deadline moves several times per request; restarting a QTimer each time cost more than
    // the rest of a small request's handling (profiled). So the timer may fire early, never late:
    // it is restarted only for a deadline earlier than its own, and when it fires before the
    // deadline it waits for the rest (onTimer). Back-to-back requests then start no timer at all.
    if (afterMs < 0) {
        c.deadline = -1;
        return;
    }
    c.deadline = m_clock.elapsed() + afterMs;
    if (!c.timer->isActive() || c.timerDue > c.deadline) {
        c.timer->start(static_cast<int>(afterMs));
        c.timerDue = c.deadline;
    }
}

void ConnectionGate::onReadyRead(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    Connection &c = it.value();
    if (c.phase == Connection::Phase::Discarding) {
        // Keep draining while the client still sends (it reads our answer once it has sent all),
        // but not forever.
        c.bodyReceived += socket->readAll().size();
        if (c.bodyReceived > kMaxDiscardBytes)
            socket->disconnectFromHost();
        else
            setDeadline(c, kDiscardMs);
        return;
    }
    // The bytes QHttpServer has not read yet are the ones that arrived since the last signal.
    const qint64 available = socket->bytesAvailable();
    if (available <= 0)
        return;
    if (c.phase == Connection::Phase::Idle) {
        c.phase = Connection::Phase::ReadingHeaders;
        c.headerBytes.clear();
        c.bodyExpected = -1;
        c.bodyReceived = 0;
        c.requestStart = m_clock.elapsed();
        c.fresh = false;
        c.head.reset();
        armTimer(socket, c);
    }
    if (c.phase == Connection::Phase::ReadingHeaders) {
        const qsizetype before = c.headerBytes.size();
        const qsizetype searchFrom = qMax<qsizetype>(0, before - 3);
        // Peek straight into the header block, and only as much as the limit needs: no copy of
        // the whole read (a body may follow in the same read), no temporary array per request.
        const qsizetype wanted = qMin<qint64>(available, m_config.maxHeaderBytes + 4 - before);
        c.headerBytes.resize(before + wanted);
        const qint64 peeked = socket->peek(c.headerBytes.data() + before, wanted);
        c.headerBytes.resize(before + qMax<qint64>(0, peeked));
        if (classifyRequestStart(c.headerBytes) == RequestStart::NotHttp) {
            // A TLS hello or other protocol: no answer will ever be understood, so none is awaited.
            refuse(socket, c, 400, "not_http", QStringLiteral("this server speaks HTTP/1.1 only"));
            socket->disconnectFromHost();
            return;
        }
        const qsizetype end = c.headerBytes.indexOf("\r\n\r\n", searchFrom);
        if (end < 0) {
            if (c.headerBytes.size() > m_config.maxHeaderBytes) {
                refuse(socket, c, 431, "headers_too_large",
                       QStringLiteral("the request headers exceed %1 bytes").arg(m_config.maxHeaderBytes));
            }
            return;
        }
        onHeadersComplete(socket, c, end + 4);
        if (c.phase != Connection::Phase::ReadingBody)
            return;
        // The rest of this read belongs to the body.
        c.bodyReceived += available - (end + 4 - before);
    } else if (c.phase == Connection::Phase::ReadingBody) {
        c.bodyReceived += available; // counted, never copied
    }
    if (c.phase == Connection::Phase::ReadingBody && c.bodyReceived > c.bodyLimit) {
        refuse(socket, c, 413, "payload_too_large",
               QStringLiteral("the request body exceeds %1 bytes").arg(c.bodyLimit));
    }
}

void ConnectionGate::onHeadersComplete(QTcpSocket *socket, Connection &c, qsizetype headerEnd)
{
    if (headerEnd > m_config.maxHeaderBytes) {
        refuse(socket, c, 431, "headers_too_large",
               QStringLiteral("the request headers exceed %1 bytes").arg(m_config.maxHeaderBytes));
        return;
    }
    RequestHead head = parseRequestHead(QByteArrayView(c.headerBytes).first(headerEnd));
    if (head.fieldLines > kMaxHeaderLines) {
        refuse(socket, c, 431, "headers_too_large",
               QStringLiteral("the request has %1 header lines; at most %2 are accepted")
                   .arg(head.fieldLines)
                   .arg(kMaxHeaderLines));
        return;
    }
    if (!isServedMethod(head.method)) {
        refuse(socket, c, 501, "not_implemented",
               QStringLiteral("the method %1 is not implemented").arg(QString::fromLatin1(head.method)));
        return;
    }
    c.bodyExpected = head.contentLength;
    c.bodyLimit = bodyLimit(head, QByteArrayView(c.headerBytes).first(headerEnd));
    if (c.bodyExpected > c.bodyLimit) {
        refuse(socket, c, 413, "payload_too_large",
               QStringLiteral("the request body (%1 bytes) exceeds %2 bytes")
                   .arg(c.bodyExpected)
                   .arg(c.bodyLimit));
        return;
    }
    c.head = std::move(head);
    c.phase = Connection::Phase::ReadingBody;
    armTimer(socket, c); // the header deadline is over; the whole request's applies
}

qint64 ConnectionGate::bodyLimit(const RequestHead &head, QByteArrayView block) const
{
    if (m_config.uploadPaths.isEmpty() || head.method != "POST" ||
        m_config.maxUploadBodyBytes <= m_config.maxBodyBytes)
        return m_config.maxBodyBytes;
    // The request line's target, without its query: "POST /documents?tenant_id=a HTTP/1.1".
    const qsizetype lineStart = block.indexOf(' ');
    const qsizetype lineEnd = block.indexOf('\n');
    if (lineStart < 0 || lineEnd < lineStart)
        return m_config.maxBodyBytes;
    QByteArrayView target = block.sliced(lineStart + 1, lineEnd - lineStart - 1).trimmed();
    const qsizetype space = target.indexOf(' ');
    if (space >= 0)
        target = target.first(space);
    const qsizetype query = target.indexOf('?');
    if (query >= 0)
        target = target.first(query);
    for (const QByteArray &path : m_config.uploadPaths) {
        if (target == path)
            return m_config.maxUploadBodyBytes;
    }
    return m_config.maxBodyBytes;
}

void ConnectionGate::refuse(QTcpSocket *socket, Connection &c, int status, const QByteArray &code,
                            const QString &message)
{
    // Take the bytes away from QHttpServer (it reads after us) and answer ourselves, after the
    // answers still owed on this connection.
    socket->readAll();
    c.order->writeWhole(rawErrorResponse(status, code, message));
    c.phase = Connection::Phase::Discarding;
    c.bodyReceived = 0;
    armTimer(socket, c);
    Q_EMIT refused(code, status);
}

ConnectionGate::Dispatched ConnectionGate::requestDispatched(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return {};
    it->pendingAnswers += 1;
    it->phase = Connection::Phase::Idle;
    armTimer(socket, it.value());
    return {std::exchange(it->head, std::nullopt), it->order};
}

void ConnectionGate::answerFinished(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it->pendingAnswers = qMax(0, it->pendingAnswers - 1);
    if (m_draining && isIdle(it.value())) {
        socket->disconnectFromHost(); // after the bytes still queued for the client
        return;
    }
    if (it->phase == Connection::Phase::Idle)
        armTimer(socket, it.value());
}

void ConnectionGate::onTimer(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    Connection &c = it.value();
    if (c.deadline < 0)
        return; // nothing is due (an answer is pending)
    const qint64 now = m_clock.elapsed();
    if (now < c.deadline) { // fired early (see setDeadline): wait for the rest
        c.timer->start(static_cast<int>(c.deadline - now));
        c.timerDue = c.deadline;
        return;
    }
    c.deadline = -1;
    switch (c.phase) {
    case Connection::Phase::Idle:
        socket->disconnectFromHost();
        break;
    case Connection::Phase::ReadingHeaders:
        refuse(socket, c, 408, "request_timeout",
               QStringLiteral("the request headers were not received within %1 ms")
                   .arg(qMin(m_config.headerTimeoutMs, m_config.requestTimeoutMs)));
        break;
    case Connection::Phase::ReadingBody:
        refuse(socket, c, 408, "request_timeout",
               QStringLiteral("the request was not received within %1 ms").arg(m_config.requestTimeoutMs));
        break;
    case Connection::Phase::Discarding:
        socket->disconnectFromHost();
        break;
    }
}

bool ConnectionGate::isIdle(const Connection &c)
{
    return c.phase == Connection::Phase::Idle && c.pendingAnswers == 0;
}

int ConnectionGate::busyConnections() const
{
    return static_cast<int>(std::count_if(m_connections.cbegin(), m_connections.cend(),
                                          [](const Connection &c) { return !isIdle(c); }));
}

void ConnectionGate::drain()
{
    m_draining = true;
    const QList<QTcpSocket *> sockets = m_connections.keys();
    for (QTcpSocket *socket : sockets) {
        if (isIdle(m_connections.value(socket)))
            socket->disconnectFromHost();
    }
    if (m_connections.isEmpty())
        Q_EMIT drained();
}

} // namespace agency::httpserver

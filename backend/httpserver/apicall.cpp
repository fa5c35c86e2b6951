#include "apicall.h"

#include "answerorder.h"
#include "core/json.h"
#include "errorbody.h"
#include "socketwrite.h"

#include <QHttpServerRequest>

namespace agency::httpserver {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QByteArrayLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QByteArrayLiteral("PATCH");
    case QHttpServerRequest::Method::Connect:
        return QByteArrayLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace:
        return QByteArrayLiteral("TRACE");
    default: // the gate names the method when it saw the request (setRequestLine)
        return QByteArrayLiteral("UNKNOWN");
    }
}

} // namespace

ApiCall::ApiCall(const QHttpServerRequest &request, QTcpSocket *socket, QString requestId)
    : m_method(methodName(request.method())), m_path(request.url().path(QUrl::FullyEncoded)),
      m_query(request.query()), m_headers(request.headers()), m_body(request.body()),
      m_peer(request.remoteAddress()), m_requestId(std::move(requestId)), m_socket(socket)
{
    m_timer.start();
    m_renderError = renderAgencyError;
    m_headOnly = request.method() == QHttpServerRequest::Method::Head;
    // HTTP/1.1 keeps the connection unless the client asked otherwise; QHttpServer 6.4 never
    // closes by itself, so the answer honours "Connection: close".
    m_keepAlive =
        header(QByteArrayLiteral("Connection")).trimmed().compare("close", Qt::CaseInsensitive) != 0;
}

void ApiCall::setRequestLine(const QByteArray &method, bool http10, bool keepAlive)
{
    if (!method.isEmpty())
        m_method = method;
    m_http10 = http10;
    m_keepAlive = keepAlive;
}

void ApiCall::setAnswerOrder(std::shared_ptr<AnswerOrder> order, quint64 ticket)
{
    m_order = std::move(order);
    m_ticket = ticket;
}

ApiCall::~ApiCall()
{
    // A handler that dropped the call without answering is a bug; the client still gets JSON.
    if (!answered() && clientConnected())
        sendError(core::ErrorCode::Internal, QStringLiteral("the request was not answered"));
    m_streaming = false; // a stream the client abandoned is finished now
    finish();
}

QString ApiCall::query(const QString &name) const
{
    return m_query.queryItemValue(name, QUrl::FullyDecoded);
}

QByteArray ApiCall::header(const QByteArray &name) const
{
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

core::Result<QJsonObject> ApiCall::jsonBody() const
{
    if (m_body.trimmed().isEmpty()) {
        return core::makeError(core::ErrorCode::BadRequest,
                               QStringLiteral("the request needs a JSON object body"));
    }
    return core::parseJsonObject(m_body);
}

void ApiCall::setRoute(const QString &pattern, QHash<QString, QString> params)
{
    m_routePattern = pattern;
    m_pathParams = std::move(params);
}

QByteArray ApiCall::head(int status, const QByteArray &contentType, qint64 contentLength,
                         const Headers &extra, qsizetype reserveBody) const
{
    // Appended piece by piece into one allocation, with room for the body that follows: this runs
    // for every answer, and chained operator+ built a temporary per piece.
    QByteArray out;
    out.reserve(256 + reserveBody);
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
    if (!contentType.isEmpty()) {
        out += "Content-Type: ";
        out += contentType;
        out += "\r\n";
    }
    if (contentLength >= 0) {
        out += "Content-Length: ";
        out += QByteArray::number(contentLength);
        out += "\r\n";
    } else if (contentLength == kChunked) {
        out += "Transfer-Encoding: chunked\r\n";
    }
    if (!m_keepAlive)
        out += "Connection: close\r\n";
    else if (m_http10) // an HTTP/1.0 client closes unless told the connection stays
        out += "Connection: keep-alive\r\n";
    out += "X-Request-Id: ";
    for (const QChar c : m_requestId) // a sane token or a UUID (apiserver.cpp): ASCII only
        out += char(c.unicode());
    out += "\r\n";
    for (const auto &[name, value] : extra) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

void ApiCall::write(const QByteArray &bytes)
{
    if (!m_socket || !m_socket->isOpen())
        return;
    if (m_order && !m_order->isFront(m_ticket)) {
        m_order->hold(m_ticket, bytes); // an earlier request's answer is not complete yet
        return;
    }
    // A whole answer goes straight to the kernel (socketwrite.h). A stream keeps going through
    // QTcpSocket's buffer: SseWriter's back-pressure reads that buffer (bytesToWrite), and the
    // stream's cost is in the turn, not in the write.
    if (m_streaming)
        m_socket->write(bytes);
    else
        writeToClient(m_socket, bytes);
}

void ApiCall::sendBytes(int status, const QByteArray &contentType, const QByteArray &body,
                        const Headers &extra)
{
    if (answered())
        return;
    m_status = status;
    QByteArray message = head(status, contentType, body.size(), extra, m_headOnly ? 0 : body.size());
    if (!m_headOnly) // HEAD: the headers GET would send, without the body
        message += body;
    write(message);
    if (!m_keepAlive)
        closeAfterAnswer();
    finish();
}

void ApiCall::sendJson(int status, const QJsonDocument &body, const Headers &extra)
{
    sendBytes(status, QByteArrayLiteral("application/json"), body.toJson(QJsonDocument::Compact), extra);
}

void ApiCall::sendEmpty(int status, const Headers &extra)
{
    sendBytes(status, QByteArray(), QByteArray(), extra);
}

void ApiCall::sendError(const core::Error &error)
{
    const RenderedError rendered = m_renderError(error);
    sendBytes(rendered.status, rendered.contentType, rendered.body, rendered.headers);
}

bool ApiCall::beginStream(int status, const QByteArray &contentType, const Headers &extra)
{
    if (answered() || !clientConnected())
        return false;
    m_status = status;
    if (m_headOnly) {
        // The head alone; false tells the producer there is no one to stream to.
        write(head(status, contentType, kChunked, extra));
        if (!m_keepAlive)
            closeAfterAnswer();
        finish();
        return false;
    }
    // HTTP/1.0 has no chunked framing: the body runs until the connection closes.
    if (m_http10)
        m_keepAlive = false;
    m_streaming = true;
    write(head(status, contentType, m_http10 ? kUntilClose : kChunked, extra));
    return true;
}

bool ApiCall::writeChunk(const QByteArray &data)
{
    if (!m_streaming || !clientConnected())
        return false;
    if (data.isEmpty())
        return true; // an empty chunk would end the stream
    if (m_http10)
        write(data);
    else
        write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    return true;
}

void ApiCall::endStream()
{
    if (!m_streaming)
        return;
    m_streaming = false;
    if (!m_http10)
        write(QByteArrayLiteral("0\r\n\r\n"));
    if (!m_keepAlive)
        closeAfterAnswer();
    finish();
}

bool ApiCall::clientConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void ApiCall::closeAfterAnswer()
{
    if (m_order)
        m_order->closeAfter(m_ticket);
    else if (m_socket)
        m_socket->disconnectFromHost();
}

qint64 ApiCall::bytesToWrite() const
{
    if (!m_socket)
        return 0;
    return m_socket->bytesToWrite() + (m_order ? m_order->heldBytes(m_ticket) : 0);
}

void ApiCall::abortConnection()
{
    if (m_socket)
        m_socket->abort();
}

void ApiCall::onClientGone(QObject *context, std::function<void()> callback)
{
    if (!clientConnected()) {
        QMetaObject::invokeMethod(context, std::move(callback), Qt::QueuedConnection);
        return;
    }
    auto once = std::make_shared<std::function<void()>>(std::move(callback));
    QObject::connect(m_socket.data(), &QAbstractSocket::disconnected, context, [once] {
        if (*once) {
            auto run = std::move(*once);
            *once = nullptr;
            run();
        }
    });
}

void ApiCall::finish()
{
    if (m_finishedCalled || m_streaming)
        return;
    m_finishedCalled = true;
    if (m_order)
        m_order->complete(m_ticket); // lets the answers behind this one go
    if (m_finished)
        m_finished(*this);
}

} // namespace agency::httpserver

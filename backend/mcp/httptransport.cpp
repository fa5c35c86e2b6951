#include "httptransport.h"

#include "llm/sseparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <memory>

Q_LOGGING_CATEGORY(lcMcpHttp, "agency.mcp.http")

namespace agency::mcp {

namespace {

const QByteArray kSessionHeader = QByteArrayLiteral("Mcp-Session-Id");

QString idKey(const QJsonValue &id)
{
    return id.isString() ? u's' + id.toString() : QStringLiteral("n%1").arg(id.toInteger());
}

} // namespace

HttpTransport::HttpTransport(QUrl url, QMap<QString, QString> headers, QNetworkAccessManager &network,
                             QObject *parent)
    : Transport(parent), m_url(std::move(url)), m_headers(std::move(headers)), m_network(network)
{
}

HttpTransport::~HttpTransport()
{
    close();
}

void HttpTransport::open()
{
    // Nothing to connect ahead: the initialize request opens the session.
    QTimer::singleShot(0, this, [this] {
        if (!m_closed)
            Q_EMIT opened();
    });
}

QNetworkRequest HttpTransport::request(const QByteArray &accept) const
{
    QNetworkRequest request(m_url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", accept);
    for (auto it = m_headers.constBegin(); it != m_headers.constEnd(); ++it)
        request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
    if (!m_sessionId.isEmpty())
        request.setRawHeader(kSessionHeader, m_sessionId.toUtf8());
    if (!m_protocolVersion.isEmpty())
        request.setRawHeader("MCP-Protocol-Version", m_protocolVersion.toUtf8());
    return request;
}

void HttpTransport::send(const QJsonObject &message)
{
    if (m_closed)
        return;
    const QByteArray body = QJsonDocument(message).toJson(QJsonDocument::Compact);
    QNetworkReply *reply =
        m_network.post(request(QByteArrayLiteral("application/json, text/event-stream")), body);
    const bool isRequest =
        message.contains(QStringLiteral("method")) && message.contains(QStringLiteral("id"));
    watch(reply, isRequest ? message.value(QStringLiteral("id")) : QJsonValue());
}

void HttpTransport::watch(QNetworkReply *reply, const QJsonValue &requestId)
{
    m_replies.insert(reply);
    auto parser = std::make_shared<llm::SseParser>();
    auto answered = std::make_shared<QSet<QString>>();
    auto isStream = std::make_shared<bool>(false);
    auto readEvents = [this, reply, parser, answered, isStream](bool end) {
        if (!*isStream)
            return;
        QList<llm::SseEvent> events = parser->feed(reply->readAll());
        if (end)
            events += parser->finish();
        for (const llm::SseEvent &event : events) {
            if (m_closed)
                return;
            if (!event.data.trimmed().isEmpty())
                deliver(event.data.toUtf8(), answered.get());
        }
    };
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply, isStream] {
        const QString contentType = reply->header(QNetworkRequest::ContentTypeHeader).toString();
        *isStream = contentType.startsWith(QLatin1String("text/event-stream"));
        const QByteArray session = reply->rawHeader(kSessionHeader);
        if (!session.isEmpty() && m_sessionId.isEmpty())
            m_sessionId = QString::fromLatin1(session);
    });
    connect(reply, &QNetworkReply::readyRead, this, [readEvents] { readEvents(false); });
    connect(reply, &QNetworkReply::finished, this, [this, reply, requestId, readEvents, answered, isStream] {
        const std::optional<int> finished = settle(reply);
        if (!finished)
            return;
        const int status = *finished;
        QByteArray body;
        if (status >= 200 && status < 300) {
            if (*isStream)
                readEvents(true);
            else if (status != 202)
                deliver(reply->readAll(), answered.get());
        } else {
            body = reply->readAll();
            // A refusal may carry a JSON-RPC error (e.g. 400 with an unsupported revision).
            const QJsonObject refusal = QJsonDocument::fromJson(body).object();
            if (refusal.contains(QStringLiteral("jsonrpc")) && refusal.contains(QStringLiteral("error")))
                deliver(body, answered.get());
        }
        if (requestId.isUndefined() || requestId.isNull() || answered->contains(idKey(requestId)))
            return;
        QString reason;
        if (status == 0)
            reason = QStringLiteral("cannot reach the server: %1").arg(reply->errorString());
        else if (status < 200 || status >= 300)
            reason = QStringLiteral("the server answered HTTP %1: %2")
                         .arg(status)
                         .arg(QString::fromUtf8(body.left(300)).simplified());
        else
            reason = QStringLiteral("the server closed its answer without a response");
        Q_EMIT requestFailed(requestId, reason);
    });
}

std::optional<int> HttpTransport::settle(QNetworkReply *reply)
{
    m_replies.remove(reply);
    reply->deleteLater();
    if (m_closed)
        return std::nullopt;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 404 && !m_sessionId.isEmpty()) {
        fail(QStringLiteral("the server ended the session (HTTP 404)"));
        return std::nullopt;
    }
    return status;
}

void HttpTransport::deliver(const QByteArray &json, QSet<QString> *answered)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    QJsonArray messages;
    if (document.isObject())
        messages.append(document.object());
    else if (document.isArray())
        messages = document.array();
    if (error.error != QJsonParseError::NoError || messages.isEmpty()) {
        qCWarning(lcMcpHttp).noquote() << m_url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery)
                                       << "sent something that is not a JSON-RPC message";
        return;
    }
    for (const QJsonValue &message : std::as_const(messages)) {
        if (m_closed)
            return;
        const QJsonObject object = message.toObject();
        if (answered && object.contains(QStringLiteral("id")) && !object.contains(QStringLiteral("method")))
            answered->insert(idKey(object.value(QStringLiteral("id"))));
        Q_EMIT received(object);
    }
}

void HttpTransport::initialized()
{
    openStream();
}

void HttpTransport::openStream()
{
    if (m_closed || m_stream)
        return;
    QNetworkRequest get = request(QByteArrayLiteral("text/event-stream"));
    get.setHeader(QNetworkRequest::ContentTypeHeader, QVariant());
    QNetworkReply *reply = m_network.get(get);
    m_stream = reply;
    m_replies.insert(reply);
    auto parser = std::make_shared<llm::SseParser>();
    connect(reply, &QNetworkReply::readyRead, this, [this, reply, parser] {
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            return;
        for (const llm::SseEvent &event : parser->feed(reply->readAll())) {
            if (m_closed)
                return;
            if (!event.data.trimmed().isEmpty())
                deliver(event.data.toUtf8(), nullptr);
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        const std::optional<int> status = settle(reply);
        if (!status)
            return;
        // 405 (or any refusal): the server offers no stream of its own. Otherwise it ended:
        // listen again shortly.
        if (*status >= 400 && *status < 500)
            return;
        QTimer::singleShot(kStreamRetryMs, this, &HttpTransport::openStream);
    });
}

void HttpTransport::close()
{
    if (m_closed)
        return;
    m_closed = true;
    const QSet<QNetworkReply *> replies = m_replies;
    m_replies.clear();
    for (QNetworkReply *reply : replies) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    if (!m_sessionId.isEmpty()) {
        // Tells the server the session is over; its answer does not matter.
        QNetworkRequest end = request(QByteArrayLiteral("application/json"));
        QNetworkReply *reply = m_network.deleteResource(end);
        QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    }
}

void HttpTransport::fail(const QString &reason)
{
    if (m_closed)
        return;
    close();
    Q_EMIT closed(reason);
}

} // namespace agency::mcp

#include "httpfixture.h"

#include "sql/dbexecutor.h"

#include <QNetworkReply>
#include <QTcpSocket>
#include <QTest>

namespace agency::test {

HttpFixture::HttpFixture(sql::DbExecutor &executor, const QString &openAiBaseUrl,
                         const QString &weatherOrigin, httpserver::ServerConfig config,
                         const QHash<QString, QString> &settings,
                         const QList<core::FlowDefinition> &extraFlows,
                         const QList<std::shared_ptr<tools::Tool>> &extraTools)
    : m_config(std::move(config))
{
    m_engine = std::make_unique<EngineFixture>(executor, engineConfig(openAiBaseUrl, weatherOrigin, settings),
                                               extraFlows, EngineFixture::Limiter::Memory, extraTools);
    m_config.accessLog = [this](const QByteArray &line) {
        m_accessLog.append(QJsonDocument::fromJson(line).object());
    };
    m_server = std::make_unique<http::ApiServer>(m_engine->service(), m_config);
}

HttpFixture::~HttpFixture()
{
    m_server.reset();
}

bool HttpFixture::start()
{
    auto bound = await(m_server->listen(QHostAddress::LocalHost, 0));
    if (!bound) {
        m_error = bound.error().toString();
        return false;
    }
    m_port = bound.value();
    return true;
}

QString HttpFixture::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

QString HttpFixture::createKey(const QString &tenantId, core::KeyRole role, int expiresInDays, QString *keyId)
{
    core::NewApiKey spec;
    spec.tenantId = tenantId;
    spec.role = role;
    spec.expiresInDays = expiresInDays;
    spec.name = QStringLiteral("test");
    auto created = await(service().createApiKey(spec));
    if (!created) {
        qWarning("createKey failed: %s", qPrintable(created.error().toString()));
        return {};
    }
    if (keyId)
        *keyId = created->key.keyId;
    return created->secret;
}

QString HttpFixture::createGlobalAdminKey(QString *keyId)
{
    core::NewApiKey spec;
    spec.globalAdmin = true;
    spec.name = QStringLiteral("root");
    auto created = await(service().createApiKey(spec));
    if (!created) {
        qWarning("createGlobalAdminKey failed: %s", qPrintable(created.error().toString()));
        return {};
    }
    if (keyId)
        *keyId = created->key.keyId;
    return created->secret;
}

HttpReply HttpFixture::request(const QByteArray &method, const QString &path, const QString &key,
                               const QByteArray &body,
                               const QList<std::pair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    QNetworkRequest req(QUrl(baseUrl() + path));
    if (!key.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + key.toUtf8());
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &[name, value] : headers)
        req.setRawHeader(name, value);
    QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
    HttpReply out;
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, timeoutMs)) {
        out.transportError = QStringLiteral("timed out");
        reply->abort();
        reply->deleteLater();
        return out;
    }
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    out.status = status.isValid() ? status.toInt() : -1;
    out.body = reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        out.headers.insert(name.toLower(), value);
    if (out.status < 0)
        out.transportError = reply->errorString();
    reply->deleteLater();
    return out;
}

QByteArray HttpFixture::rawExchange(const QByteArray &bytes, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000))
        return QByteArrayLiteral("(could not connect)");
    QByteArray received;
    QObject::connect(&socket, &QTcpSocket::readyRead, [&] { received += socket.readAll(); });
    // Written in slices, as a client would, so the server sees the request arrive over time.
    for (qsizetype offset = 0; offset < bytes.size(); offset += 64 * 1024) {
        socket.write(bytes.mid(offset, 64 * 1024));
        if (!QTest::qWaitFor(
                [&] {
                    return socket.bytesToWrite() == 0 || socket.state() != QAbstractSocket::ConnectedState;
                },
                timeoutMs))
            break;
        if (socket.state() != QAbstractSocket::ConnectedState)
            break;
    }
    // Timing out here is not an error: the caller checks what arrived.
    (void)QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
    received += socket.readAll();
    return received;
}

QByteArray describe(const HttpReply &reply)
{
    if (reply.status < 0)
        return "no answer (" + reply.transportError.toUtf8() + ")";
    return QByteArray::number(reply.status) + ' ' + reply.body.left(400);
}

} // namespace agency::test

#include "serverfixture.h"

#include "sql/dbexecutor.h"

#include <algorithm>

namespace agency::test {

FakeResponse interruptedStream(const QString &text, FakeResponse::Ending how)
{
    FakeResponse response = openai::streamReply({text, QStringLiteral("never sent")}, {}, std::nullopt);
    response.chunks = response.chunks.mid(0, 2);
    response.ending = how;
    return response;
}

ServerFixture::ServerFixture() = default;

ServerFixture::~ServerFixture()
{
    stopServer();
}

bool ServerFixture::startDatabase()
{
    return startPostgresAndWeather(m_pg, m_weather, &m_error);
}

bool ServerFixture::startServer(const QHash<QString, QString> &settings,
                                const httpserver::ServerConfig &config)
{
    if (!freshDatabaseAndProvider(m_pg, m_db, m_llm, &m_error))
        return false;
    QHash<QString, QString> values{{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000000000")},
                                   {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("100000000000")},
                                   {QStringLiteral("LLM_HTTP_CONNECTIONS_PER_HOST"), QStringLiteral("256")}};
    values.insert(settings);
    m_http = std::make_unique<HttpFixture>(*m_db, m_llm->baseUrl(), m_weather.baseUrl().toString(), config,
                                           values);
    if (!m_http->start()) {
        m_error = m_http->error();
        return false;
    }
    m_key = m_http->createKey(QString::fromLatin1(kTenant)).toLatin1();
    if (m_key.isEmpty()) {
        m_error = QStringLiteral("cannot create a key");
        return false;
    }
    return true;
}

void ServerFixture::stopServer()
{
    m_http.reset();
    m_llm.reset();
    m_db.reset();
    m_key.clear();
}

RawResponse ServerFixture::request(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                                   const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    RawHttpClient client;
    if (!client.connectTo(port()))
        return {};
    QList<QPair<QByteArray, QByteArray>> all = headers;
    const bool ownKey = std::none_of(headers.cbegin(), headers.cend(), [](const auto &header) {
        return header.first.compare("Authorization", Qt::CaseInsensitive) == 0;
    });
    if (ownKey)
        all.append(authorization());
    if (!body.isEmpty())
        all.append(qMakePair(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")));
    client.send(method, path, body, all);
    return client.takeResponse(timeoutMs);
}

QList<core::Message> ServerFixture::stored(const QUuid &conversationId)
{
    return engine().stored(QString::fromLatin1(kTenant), conversationId);
}

} // namespace agency::test

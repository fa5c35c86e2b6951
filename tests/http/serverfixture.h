#pragma once

// The chat and OpenAI-compatible route tests' harness: one real PostgreSQL per test executable,
// and per test a fresh database, a FakeOpenAiServer, the server in process (HttpFixture: the
// real backend, keys, 127.0.0.1 port 0) and a member key of tenant kTenant that every request
// carries. Requests go through RawHttpClient, so tests see exactly what is on the wire.

#include "httpfixture.h"
#include "rawhttpclient.h"

#include <QHash>

#include <memory>

namespace agency::test {

/// A streamed provider answer that sends its role chunk and `text`, then ends `how` (Close: the
/// connection breaks; Hang: it stays silent): a stream interrupted after it began.
FakeResponse interruptedStream(const QString &text, FakeResponse::Ending how);

class ServerFixture
{
public:
    static constexpr const char *kTenant = "acme";

    ServerFixture();
    ~ServerFixture();

    /// Once per test executable (initTestCase). False with error() on failure.
    bool startDatabase();
    /// Per test (init). `settings` are added to the engine's test settings; by default the
    /// tenant's token budget is out of the way and the provider gets a network lane per chat.
    /// `config` tweaks the server (limits, turn deadline).
    bool startServer(const QHash<QString, QString> &settings = {},
                     const httpserver::ServerConfig &config = {});
    /// Per test (cleanup).
    void stopServer();
    QString error() const { return m_error; }

    quint16 port() const { return m_http->port(); }
    FakeOpenAiServer &llm() { return *m_llm; }
    HttpFixture &http() { return *m_http; }
    EngineFixture &engine() { return m_http->engine(); }
    /// The tenant member key every request() sends.
    const QByteArray &key() const { return m_key; }
    int turnsInFlight() { return m_http->server().turns().inFlight(); }

    /// The Authorization header of key().
    QPair<QByteArray, QByteArray> authorization() const { return {"Authorization", "Bearer " + m_key}; }
    /// One request on a new connection with key(), waiting for the whole answer (status 0 on timeout).
    RawResponse request(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                        const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 30000);
    /// Everything stored in one of kTenant's conversations, oldest first.
    QList<core::Message> stored(const QUuid &conversationId);

private:
    TestPostgres m_pg;
    FakeWeatherServer m_weather;
    std::unique_ptr<sql::DbExecutor> m_db;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<HttpFixture> m_http;
    QByteArray m_key;
    QString m_error;
};

} // namespace agency::test

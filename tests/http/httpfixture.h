#pragma once

// An in-process ApiServer on 127.0.0.1 port 0 over the program's backend (EngineFixture: the
// composition root on a real PostgreSQL, with API keys, the audit log and runs, the OpenAI adapter
// against a FakeOpenAiServer, get_weather against a FakeWeatherServer), and an HTTP client that waits on
// the event loop (the server runs on this thread too).

#include "core/access.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "http/apiserver.h"
#include "testpostgres.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>

#include <memory>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::test {

/// One HTTP answer. status is -1 when no answer came (the helper also QFAILs-style records why).
struct HttpReply
{
    int status = -1;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; ///< lower-case names
    QString transportError;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    /// error.code of an error body.
    QString errorCode() const
    {
        return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
    }
};

class HttpFixture
{
public:
    /// `config` tweaks the server (limits, auth); the access log is captured into accessLog().
    /// `settings` are added to the engine's test settings (engineConfig()).
    /// `extraFlows` and `extraTools` join the built-in ones (EngineFixture).
    HttpFixture(sql::DbExecutor &executor, const QString &openAiBaseUrl, const QString &weatherOrigin,
                httpserver::ServerConfig config = {}, const QHash<QString, QString> &settings = {},
                const QList<core::FlowDefinition> &extraFlows = {},
                const QList<std::shared_ptr<tools::Tool>> &extraTools = {});
    ~HttpFixture();

    /// Binds 127.0.0.1:0; false (with why in error()) when it cannot.
    bool start();
    QString error() const { return m_error; }
    quint16 port() const { return m_port; }
    QString baseUrl() const;

    http::ApiServer &server() { return *m_server; }
    service::AgencyService &service() { return m_engine->service(); }
    EngineFixture &engine() { return *m_engine; }
    const QList<QJsonObject> &accessLog() const { return m_accessLog; }

    /// A new key's secret (fails the current test through QVERIFY in the caller when empty).
    QString createKey(const QString &tenantId, core::KeyRole role = core::KeyRole::Member,
                      int expiresInDays = 0, QString *keyId = nullptr);
    QString createGlobalAdminKey(QString *keyId = nullptr);

    /// Sends a request and waits (processing events) up to `timeoutMs`.
    HttpReply request(const QByteArray &method, const QString &path, const QString &key = {},
                      const QByteArray &body = {},
                      const QList<std::pair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 20000);
    HttpReply get(const QString &path, const QString &key = {}) { return request("GET", path, key); }
    HttpReply postJson(const QString &path, const QString &key, const QJsonObject &body)
    {
        return request("POST", path, key, QJsonDocument(body).toJson(QJsonDocument::Compact));
    }

    /// Raw bytes over a fresh TCP connection; returns everything the server sent until it closed
    /// the connection or `timeoutMs` passed.
    QByteArray rawExchange(const QByteArray &bytes, int timeoutMs = 10000);

private:
    httpserver::ServerConfig m_config;
    std::unique_ptr<EngineFixture> m_engine;
    std::unique_ptr<http::ApiServer> m_server;
    QNetworkAccessManager m_nam;
    QList<QJsonObject> m_accessLog;
    quint16 m_port = 0;
    QString m_error;
};

/// Status of a reply for QCOMPARE messages: "404 {body…}".
QByteArray describe(const HttpReply &reply);

} // namespace agency::test

/// QCOMPARE of a reply's status that prints the body when it differs.
#define AGENCY_COMPARE_STATUS(reply, expected)                                                               \
    do {                                                                                                     \
        const auto &agencyReply_ = (reply);                                                                  \
        QVERIFY2(agencyReply_.status == (expected),                                                          \
                 QByteArray(QByteArray("expected ") + QByteArray::number(expected) + ", got " +              \
                            agency::test::describe(agencyReply_))                                            \
                     .constData());                                                                          \
    } while (false)

#pragma once

#include "fakehttpserver.h"

#include <QJsonArray>
#include <QJsonObject>

namespace agency::test {

/// A fake Slack Web API over FakeHttpServer, speaking Slack's wire format: every method under
/// /api/<method>, a bot token required as `Authorization: Bearer` (else HTTP 200 with
/// {"ok": false, "error": "invalid_auth"}), reads from the query, chat.postMessage from a JSON
/// body. Channels, threads and users are scripted; posts are kept; a 429 with Retry-After can be
/// scripted per method.
///
/// Thread affinity: the test's thread (it serves through its event loop).
class FakeSlack : public QObject
{
    Q_OBJECT

public:
    explicit FakeSlack(QByteArray botToken, QObject *parent = nullptr);

    bool listen() { return m_server.listen(); }
    /// The SLACK_API_BASE_URL for it: "http://127.0.0.1:<port>/api".
    QString baseUrl() const { return m_server.origin() + QStringLiteral("/api"); }
    FakeHttpServer &server() { return m_server; }

    void addMessage(const QString &channel, const QJsonObject &message); ///< newest last
    void addReply(const QString &channel, const QString &threadTs, const QJsonObject &message);
    void addUser(const QJsonObject &user);
    /// The next `times` calls of `method` get 429 with Retry-After: `retryAfterS`.
    void rateLimit(const QString &method, int retryAfterS, int times = 1);
    /// Calls of `method` fail with Slack's {"ok": false, "error": code} (an empty code: stop).
    void failWith(const QString &method, const QString &code);

    /// Bodies of chat.postMessage, in order.
    QList<QJsonObject> posts() const { return m_posts; }
    /// Requests of `method` (path /api/<method>).
    QList<RecordedRequest> requestsOf(const QString &method) const;

    /// "v0=" + hex HMAC-SHA256 of "v0:{timestamp}:{body}" (computed here with OpenSSL, apart from
    /// the code under test).
    static QByteArray sign(const QByteArray &signingSecret, const QByteArray &timestamp,
                           const QByteArray &body);

private:
    FakeResponse handle(const RecordedRequest &request);

    FakeHttpServer m_server;
    QByteArray m_token;
    QHash<QString, QJsonArray> m_history;
    QHash<QString, QJsonArray> m_threads; ///< "channel/ts"
    QHash<QString, QJsonObject> m_users;
    QHash<QString, QPair<int, int>> m_rateLimits; ///< method → (retry-after s, times left)
    QHash<QString, QString> m_failures;
    QList<QJsonObject> m_posts;
    int m_nextTs = 1;
};

} // namespace agency::test

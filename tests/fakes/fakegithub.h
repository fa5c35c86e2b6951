#pragma once

// A fake GitHub REST API over real HTTP: checks every request's headers and credentials, issues
// GitHub App installation tokens after verifying the App's JWT with its public key, rate-limits on
// demand, and serves a sample repository (acme/shop) in GitHub's own JSON shapes.

#include "fakehttpserver.h"

#include <QHash>
#include <QStringList>

#include <functional>

namespace agency::test {

class FakeGitHub : public FakeHttpServer
{
    Q_OBJECT

public:
    /// `nowSecs` is the fake's clock (Unix seconds) for JWT checks, expiries and rate-limit resets;
    /// default: the system clock.
    explicit FakeGitHub(std::function<qint64()> nowSecs = {}, QObject *parent = nullptr);

    QString apiBaseUrl() const { return origin(); }

    /// A token the API accepts (a fine-grained token).
    void acceptToken(const QByteArray &token) { m_accepted.append(token); }
    /// Enables POST /app/installations/{installationId}/access_tokens for the App `appId` whose
    /// JWT must verify with `publicPem` (alg RS256, iss = appId, iat not in the future, exp after
    /// now and at most 10 minutes after iat). Issued tokens expire `tokenLifetimeSecs` from now.
    void enableApp(const QByteArray &publicPem, const QString &appId, const QString &installationId,
                   qint64 tokenLifetimeSecs = 3600);
    int tokensIssued() const { return m_issued; }
    QByteArray lastIssuedToken() const { return m_lastIssued; }
    QJsonObject lastJwtClaims() const { return m_lastClaims; }
    QString lastRejection() const { return m_lastRejection; }

    /// The next `count` API requests answer 403 with x-ratelimit-remaining 0 and
    /// x-ratelimit-reset `resetSecs` (Unix seconds).
    void rateLimitNext(int count, qint64 resetSecs);
    /// The next API request answers 429 with retry-after `seconds`.
    void retryAfterNext(int seconds) { m_retryAfterNext = seconds; }

    using Route = std::function<FakeResponse(const RecordedRequest &)>;
    /// Answers `method` `path` (query ignored) with `route`, replacing any earlier one.
    void route(const QByteArray &method, const QString &path, Route route);
    void route(const QByteArray &method, const QString &path, const FakeResponse &response);
    /// Serves acme/shop: issue 7 with two comments, pull request 8 with its files, commits,
    /// README.md and src/, workflow runs (run 555 failed in job 9001 whose log ends with
    /// "Error: expected 3, got 4"), search results, and accepts new issues and comments.
    void serveSampleRepository();

    /// What went wrong with the requests (missing or wrong headers, credentials sent to the log
    /// storage); empty when every request was right.
    QStringList problems() const { return m_problems; }
    /// The requests to the API proper (not the token exchange nor the log storage).
    QList<RecordedRequest> apiRequests() const;

private:
    FakeResponse handle(const RecordedRequest &request);
    FakeResponse exchangeToken(const RecordedRequest &request, const QString &installationId);
    qint64 now() const { return m_now(); }

    std::function<qint64()> m_now;
    QList<QByteArray> m_accepted;
    QByteArray m_appPublicPem;
    QString m_appId;
    QString m_installationId;
    qint64 m_tokenLifetime = 3600;
    int m_issued = 0;
    QByteArray m_lastIssued;
    QJsonObject m_lastClaims;
    QString m_lastRejection;
    int m_rateLimited = 0;
    qint64 m_resetSecs = 0;
    int m_retryAfterNext = -1;
    QHash<QString, Route> m_routes;
    QStringList m_problems;
};

} // namespace agency::test

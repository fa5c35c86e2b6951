#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/clock.h"
#include "githubauth.h"
#include "githubconfig.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QString>
#include <QUrlQuery>

#include <memory>

class QNetworkAccessManager;

namespace agency::core {
class TenantSecretSource;
} // namespace agency::core

namespace agency::tools {

/// The GitHub REST API as the tools use it (docs/design.md#flows-and-tools): authenticated per
/// tenant (GitHubAuth), with GitHub's media type and API version, rate limits waited out within
/// a bound, and answers other than 2xx turned into errors a model can act on.
///
/// Retries (llm::RetryPolicy): 429 or 403 with `x-ratelimit-remaining: 0` waits until
/// `x-ratelimit-reset`, `retry-after` is honoured; 5xx, network failures and timeouts back off.
/// A wait beyond GitHubConfig::maxRateLimitWaitMs fails at once (ProviderRateLimited, saying when
/// the limit resets). Errors: NotConfigured (no credentials), ProviderUnauthorized (401),
/// Forbidden (403), NotFound (404), InvalidArgument (422), ProviderRateLimited,
/// ProviderUnavailable, ProviderTimeout, ProviderMalformed, Cancelled. Messages never carry a
/// token.
///
/// Thread affinity: create and use on `nam`'s thread; futures finish there.
class GitHubClient final : public QObject
{
public:
    GitHubClient(GitHubConfig config, QNetworkAccessManager &nam, core::TenantSecretSource *secrets,
                 std::shared_ptr<const core::Clock> clock, QObject *parent = nullptr);
    ~GitHubClient() override;

    /// `method` `path` (below the base URL, e.g. "/repos/o/r/issues") with `query`, and `body`
    /// as JSON when not empty. The parsed JSON answer (an object or an array).
    core::Async<QJsonValue> call(const QString &tenantId, const QByteArray &method, const QString &path,
                                 const QUrlQuery &query, const QJsonObject &body,
                                 const core::CancelTokenPtr &cancel);
    core::Async<QJsonValue> get(const QString &tenantId, const QString &path, const QUrlQuery &query,
                                const core::CancelTokenPtr &cancel)
    {
        return call(tenantId, "GET", path, query, {}, cancel);
    }

    /// The last `maxBytes` of a download GitHub answers with a redirect (a job's log): the API
    /// request is authenticated, the redirect target (a pre-signed URL) gets no credentials.
    core::Async<QByteArray> downloadTail(const QString &tenantId, const QString &path, qint64 maxBytes,
                                         const core::CancelTokenPtr &cancel);

    GitHubAuth &auth() { return *m_auth; }

private:
    struct Exchange;
    void attempt(const std::shared_ptr<Exchange> &exchange);
    void send(const std::shared_ptr<Exchange> &exchange, const QString &token);
    void finishAttempt(const std::shared_ptr<Exchange> &exchange, core::Error error);

    GitHubConfig m_config;
    QNetworkAccessManager &m_nam;
    std::shared_ptr<const core::Clock> m_clock;
    std::unique_ptr<GitHubAuth> m_auth;
};

/// "owner/name" when `text` is one (GitHub's allowed characters), else empty.
QString normalisedRepository(const QString &text);

} // namespace agency::tools

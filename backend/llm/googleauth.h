#pragma once

// OAuth access tokens for Vertex AI: an explicit token, a service-account key (RS256 JWT exchanged
// at the token endpoint), or the GCP metadata server. Tokens are cached and refreshed before they
// expire, measured with the injected Clock.

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/clock.h"
#include "llm/httpcall.h"

#include <QDateTime>
#include <QObject>

#include <functional>
#include <vector>

class QNetworkAccessManager;

namespace agency::llm {

/// The fields of a Google service-account JSON key file that signing needs.
struct ServiceAccountKey
{
    QString clientEmail;
    QByteArray privateKeyPem;
    QString privateKeyId;
    QString tokenUri;
    QString projectId;

    /// Errors: NotConfigured naming what is missing or unreadable (never the key's content).
    static core::Result<ServiceAccountKey> fromJson(const QByteArray &json);
    static core::Result<ServiceAccountKey> fromFile(const QString &path);
};

/// Source of bearer tokens for Vertex AI.
///
/// Thread affinity: lives on the thread owning the QNetworkAccessManager it uses; call it there.
/// Callbacks run on that thread, never inside the call that requested them. Ownership: usually a
/// child of the VertexProvider using it. Errors: ProviderUnauthorized (credentials refused),
/// NotConfigured (unusable key), ProviderUnavailable / ProviderTimeout (endpoint unreachable, after
/// retries), ProviderMalformed, Cancelled.
class AccessTokenSource : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(core::Result<QString>)>;
    using QObject::QObject;
    ~AccessTokenSource() override = default;

    /// Delivers a valid token (from the cache when it is still fresh).
    virtual void requestToken(const core::CancelTokenPtr &cancel, Callback callback) = 0;
    /// Forgets a cached token (the API answered 401 with it).
    virtual void invalidate() {}
    /// "service account x@y", "metadata server", "access token" — for messages and `info`.
    virtual QString describe() const = 0;

    /// Delivers the Google Cloud project these credentials belong to, for a Vertex AI project id
    /// that is not configured. Only the metadata server knows it; the others answer NotConfigured
    /// naming VERTEX_AI_PROJECT_ID.
    virtual void requestProjectId(const core::CancelTokenPtr &cancel, Callback callback);

    /// Future-returning convenience over requestToken().
    core::Async<QString> accessToken(const core::CancelTokenPtr &cancel = {});

protected:
    /// Calls `callback` with `result` from the event loop, after the request has returned.
    void answerLater(Callback callback, core::Result<QString> result);
};

/// A fixed token (VERTEX_AI_ACCESS_TOKEN). It cannot be refreshed.
class StaticTokenSource final : public AccessTokenSource
{
    Q_OBJECT

public:
    explicit StaticTokenSource(QString token, QObject *parent = nullptr);
    void requestToken(const core::CancelTokenPtr &cancel, Callback callback) override;
    QString describe() const override { return QStringLiteral("access token"); }

private:
    QString m_token;
};

/// Caching and request coalescing shared by the fetching sources: a token is reused until
/// `refreshMarginSecs` before it expires (by the Clock); concurrent requests share one fetch.
class CachedTokenSource : public AccessTokenSource
{
    Q_OBJECT

public:
    CachedTokenSource(QNetworkAccessManager *nam, const core::Clock &clock, HttpTimeouts timeouts,
                      RetryPolicy retry, QObject *parent = nullptr);
    void requestToken(const core::CancelTokenPtr &cancel, Callback callback) override;
    void invalidate() override;

    static constexpr qint64 refreshMarginSecs = 300;

protected:
    /// Starts one token fetch; `done` receives the parsed {access_token, expires_in} body.
    virtual void fetch(HttpCall::Done done) = 0;
    /// Sends `request` with the shared timeouts/retry; the answer goes to `done`.
    void send(HttpRequest request, const QString &who, HttpCall::Done done);

    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;

private:
    void onFetched(core::Result<HttpResponse> response);
    void deliver(const core::Result<QString> &result);

    HttpTimeouts m_timeouts;
    RetryPolicy m_retry;
    QString m_token;
    QDateTime m_refreshAt;
    bool m_fetching = false;
    quint64 m_nextWaiter = 0;
    std::vector<std::pair<quint64, Callback>> m_waiters;
};

/// Service-account auth: signs {iss, scope, aud, iat, exp} with the key (RS256) and exchanges it at
/// `tokenUrl` (grant_type urn:ietf:params:oauth:grant-type:jwt-bearer).
class ServiceAccountTokenSource final : public CachedTokenSource
{
    Q_OBJECT

public:
    static inline const QString cloudPlatformScope =
        QStringLiteral("https://www.googleapis.com/auth/cloud-platform");

    ServiceAccountTokenSource(ServiceAccountKey key, QString tokenUrl, QNetworkAccessManager *nam,
                              const core::Clock &clock, HttpTimeouts timeouts, RetryPolicy retry,
                              QObject *parent = nullptr);
    QString describe() const override { return QStringLiteral("service account ") + m_key.clientEmail; }

protected:
    void fetch(HttpCall::Done done) override;

private:
    ServiceAccountKey m_key;
    QString m_tokenUrl;
};

/// The GCP metadata server (on GCE, GKE, Cloud Run): GET
/// http://{host}/computeMetadata/v1/instance/service-accounts/default/token with
/// `Metadata-Flavor: Google`; the project id from /computeMetadata/v1/project/project-id (fetched
/// once, then kept: a machine does not change projects).
class MetadataTokenSource final : public CachedTokenSource
{
    Q_OBJECT

public:
    MetadataTokenSource(QString host, QNetworkAccessManager *nam, const core::Clock &clock,
                        HttpTimeouts timeouts, RetryPolicy retry, QObject *parent = nullptr);
    QString describe() const override { return QStringLiteral("metadata server ") + m_host; }
    void requestProjectId(const core::CancelTokenPtr &cancel, Callback callback) override;

protected:
    void fetch(HttpCall::Done done) override;

private:
    HttpRequest metadataRequest(const QString &path) const;
    void onProjectFetched(const core::Result<HttpResponse> &response);

    QString m_host;
    QString m_projectId;
    bool m_fetchingProject = false;
    std::vector<Callback> m_projectWaiters;
};

} // namespace agency::llm

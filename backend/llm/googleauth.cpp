#include "googleauth.h"

#include "core/async/resultpromise.h"
#include "core/json.h"
#include "llm/jwt.h"
#include "llm/providerconfig.h"

#include <QFile>
#include <QUrl>

#include <algorithm>

namespace agency::llm {

using core::ErrorCode;

core::Result<ServiceAccountKey> ServiceAccountKey::fromJson(const QByteArray &json)
{
    const auto parsed = core::parseJsonObject(json);
    if (!parsed)
        return core::makeError(ErrorCode::NotConfigured,
                               QStringLiteral("the service-account key is not valid JSON: ") +
                                   parsed.error().message);
    const QJsonObject obj = parsed.value();
    const QString type = obj.value(QStringLiteral("type")).toString();
    if (!type.isEmpty() && type != QLatin1String("service_account"))
        return core::makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("the credentials file is of type \"%1\"; a service_account key is "
                           "required")
                .arg(type));
    ServiceAccountKey key;
    key.clientEmail = obj.value(QStringLiteral("client_email")).toString();
    key.privateKeyPem = obj.value(QStringLiteral("private_key")).toString().toUtf8();
    key.privateKeyId = obj.value(QStringLiteral("private_key_id")).toString();
    key.tokenUri = obj.value(QStringLiteral("token_uri")).toString();
    key.projectId = obj.value(QStringLiteral("project_id")).toString();
    if (key.clientEmail.isEmpty())
        return core::makeError(ErrorCode::NotConfigured,
                               QStringLiteral("the service-account key has no client_email"));
    if (key.privateKeyPem.isEmpty())
        return core::makeError(ErrorCode::NotConfigured,
                               QStringLiteral("the service-account key has no private_key"));
    return key;
}

core::Result<ServiceAccountKey> ServiceAccountKey::fromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return core::makeError(ErrorCode::NotConfigured,
                               QStringLiteral("cannot read GOOGLE_APPLICATION_CREDENTIALS file %1: %2")
                                   .arg(path, file.errorString()));
    auto key = fromJson(file.read(1024 * 1024));
    if (!key)
        return core::makeError(ErrorCode::NotConfigured, path + QStringLiteral(": ") + key.error().message);
    return key;
}

core::Async<QString> AccessTokenSource::accessToken(const core::CancelTokenPtr &cancel)
{
    core::ResultPromise<QString> promise;
    requestToken(cancel, [promise](core::Result<QString> token) { promise.finish(std::move(token)); });
    return promise.future();
}

StaticTokenSource::StaticTokenSource(QString token, QObject *parent)
    : AccessTokenSource(parent), m_token(std::move(token))
{
}

void StaticTokenSource::requestToken(const core::CancelTokenPtr &cancel, Callback callback)
{
    core::Result<QString> result =
        cancel && cancel->isCancelled()
            ? core::Result<QString>(core::makeError(ErrorCode::Cancelled, QStringLiteral("cancelled")))
            : core::Result<QString>(m_token);
    answerLater(std::move(callback), std::move(result));
}

CachedTokenSource::CachedTokenSource(QNetworkAccessManager *nam, const core::Clock &clock,
                                     HttpTimeouts timeouts, RetryPolicy retry, QObject *parent)
    : AccessTokenSource(parent), m_nam(nam), m_clock(clock), m_timeouts(timeouts), m_retry(retry)
{
}

void AccessTokenSource::answerLater(Callback callback, core::Result<QString> result)
{
    // Never inside the request: a caller may still be setting up what the callback uses.
    QMetaObject::invokeMethod(
        this, [callback = std::move(callback), result = std::move(result)] { callback(result); },
        Qt::QueuedConnection);
}

void CachedTokenSource::requestToken(const core::CancelTokenPtr &cancel, Callback callback)
{
    if (cancel && cancel->isCancelled()) {
        answerLater(std::move(callback), core::makeError(ErrorCode::Cancelled, QStringLiteral("cancelled")));
        return;
    }
    if (!m_token.isEmpty() && m_clock.now() < m_refreshAt) {
        answerLater(std::move(callback), m_token);
        return;
    }
    const quint64 id = ++m_nextWaiter;
    m_waiters.emplace_back(id, std::move(callback));
    if (cancel) {
        cancel->onCancel(this, [this, id] {
            auto it = std::find_if(m_waiters.begin(), m_waiters.end(),
                                   [id](const auto &w) { return w.first == id; });
            if (it == m_waiters.end())
                return;
            Callback cb = std::move(it->second);
            m_waiters.erase(it);
            cb(core::makeError(ErrorCode::Cancelled, QStringLiteral("cancelled")));
        });
    }
    if (!m_fetching) {
        m_fetching = true;
        fetch([this](core::Result<HttpResponse> response) { onFetched(std::move(response)); });
    }
}

void AccessTokenSource::requestProjectId(const core::CancelTokenPtr &, Callback callback)
{
    answerLater(std::move(callback),
                core::makeError(ErrorCode::NotConfigured, QStringLiteral("VERTEX_AI_PROJECT_ID is not set"),
                                {{QStringLiteral("setting"), QStringLiteral("VERTEX_AI_PROJECT_ID")}}));
}

void CachedTokenSource::invalidate()
{
    m_token.clear();
    m_refreshAt = {};
}

void CachedTokenSource::send(HttpRequest request, const QString &who, HttpCall::Done done)
{
    HttpCall::Options options;
    options.who = who;
    options.timeouts = m_timeouts;
    options.retry = m_retry;
    options.clock = &m_clock;
    HttpCall::start(m_nam, std::move(request), std::move(options), std::move(done), this);
}

void CachedTokenSource::onFetched(core::Result<HttpResponse> response)
{
    m_fetching = false;
    if (!response) {
        core::Error error = response.error();
        // Any 4xx from a token endpoint (invalid_grant, a wrong key…) means: credentials refused.
        if (error.code == ErrorCode::ProviderBadRequest)
            error.code = ErrorCode::ProviderUnauthorized;
        deliver(error);
        return;
    }
    const auto parsed = core::parseJsonObject(response->body);
    const QString token = parsed ? parsed->value(QStringLiteral("access_token")).toString() : QString();
    if (token.isEmpty()) {
        deliver(core::makeError(ErrorCode::ProviderMalformed,
                                describe() + QStringLiteral(": the token answer has no access_token")));
        return;
    }
    const QJsonValue expiresValue = parsed->value(QStringLiteral("expires_in"));
    qint64 expiresIn =
        expiresValue.isString() ? expiresValue.toString().toLongLong() : expiresValue.toInteger();
    if (expiresIn <= 0)
        expiresIn = 3600;
    // Refresh a margin before expiry; for short-lived tokens, halfway through their life.
    const qint64 useFor = std::max(expiresIn - refreshMarginSecs, expiresIn / 2);
    m_token = token;
    m_refreshAt = m_clock.now().addSecs(useFor);
    deliver(token);
}

void CachedTokenSource::deliver(const core::Result<QString> &result)
{
    auto waiters = std::move(m_waiters);
    m_waiters.clear();
    for (auto &[id, callback] : waiters)
        callback(result);
}

ServiceAccountTokenSource::ServiceAccountTokenSource(ServiceAccountKey key, QString tokenUrl,
                                                     QNetworkAccessManager *nam, const core::Clock &clock,
                                                     HttpTimeouts timeouts, RetryPolicy retry,
                                                     QObject *parent)
    : CachedTokenSource(nam, clock, timeouts, retry, parent), m_key(std::move(key)),
      m_tokenUrl(std::move(tokenUrl))
{
}

void ServiceAccountTokenSource::fetch(HttpCall::Done done)
{
    const qint64 now = m_clock.now().toSecsSinceEpoch();
    const QJsonObject claims{{QStringLiteral("iss"), m_key.clientEmail},
                             {QStringLiteral("scope"), cloudPlatformScope},
                             {QStringLiteral("aud"), m_tokenUrl},
                             {QStringLiteral("iat"), now},
                             {QStringLiteral("exp"), now + 3600}};
    auto jwt = makeRs256Jwt(claims, m_key.privateKeyPem, m_key.privateKeyId);
    if (!jwt) {
        QMetaObject::invokeMethod(
            this, [done = std::move(done), error = jwt.error()] { done(error); }, Qt::QueuedConnection);
        return;
    }
    HttpRequest request;
    request.url = QUrl(m_tokenUrl);
    request.allowedOrigin = request.url;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    request.body = "grant_type=" +
                   QUrl::toPercentEncoding(QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer")) +
                   "&assertion=" + jwt.value();
    send(std::move(request), QStringLiteral("Google token endpoint"), std::move(done));
}

MetadataTokenSource::MetadataTokenSource(QString host, QNetworkAccessManager *nam, const core::Clock &clock,
                                         HttpTimeouts timeouts, RetryPolicy retry, QObject *parent)
    : CachedTokenSource(nam, clock, timeouts, retry, parent), m_host(std::move(host))
{
}

HttpRequest MetadataTokenSource::metadataRequest(const QString &path) const
{
    QString base = m_host;
    if (!base.startsWith(QLatin1String("http://")) && !base.startsWith(QLatin1String("https://")))
        base = QStringLiteral("http://") + base;
    HttpRequest request;
    request.method = "GET";
    request.url = QUrl(joinUrl(base, path));
    request.allowedOrigin = request.url;
    request.headers = {{"Metadata-Flavor", "Google"}};
    return request;
}

void MetadataTokenSource::fetch(HttpCall::Done done)
{
    send(metadataRequest(QStringLiteral("/computeMetadata/v1/instance/service-accounts/default/token")),
         QStringLiteral("GCP metadata server"), std::move(done));
}

void MetadataTokenSource::requestProjectId(const core::CancelTokenPtr &cancel, Callback callback)
{
    if (!m_projectId.isEmpty()) {
        answerLater(std::move(callback), m_projectId);
        return;
    }
    if (cancel && cancel->isCancelled()) {
        answerLater(std::move(callback), core::makeError(ErrorCode::Cancelled, QStringLiteral("cancelled")));
        return;
    }
    // A cancelled caller still gets its answer late: the one fetch is shared and short.
    m_projectWaiters.push_back(std::move(callback));
    if (m_fetchingProject)
        return;
    m_fetchingProject = true;
    send(metadataRequest(QStringLiteral("/computeMetadata/v1/project/project-id")),
         QStringLiteral("GCP metadata server"),
         [this](core::Result<HttpResponse> response) { onProjectFetched(response); });
}

void MetadataTokenSource::onProjectFetched(const core::Result<HttpResponse> &response)
{
    m_fetchingProject = false;
    core::Result<QString> project = core::makeError(ErrorCode::Internal, QString());
    if (!response) {
        project =
            core::makeError(response.error().code,
                            QStringLiteral("VERTEX_AI_PROJECT_ID is not set and the metadata server did "
                                           "not tell the project: ") +
                                response.error().message,
                            response.error().details);
    } else {
        const QString id = QString::fromUtf8(response->body).trimmed();
        if (id.isEmpty() || id.contains(u'/') || id.contains(u' '))
            project = core::makeError(ErrorCode::ProviderMalformed,
                                      QStringLiteral("the metadata server answered no usable project id"));
        else
            project = m_projectId = id;
    }
    auto waiters = std::move(m_projectWaiters);
    m_projectWaiters.clear();
    for (auto &callback : waiters)
        callback(project);
}

} // namespace agency::llm

#include "githubclient.h"

#include "githubhttp.h"
#include "llm/retrypolicy.h"
#include "tools/httpexchange.h"

#include "core/async/resultpromise.h"
#include "core/json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTimer>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

const QString kService = QStringLiteral("GitHub");

/// GitHub's own explanation of a refusal, bounded (it never echoes credentials).
QString serverMessage(const QByteArray &body)
{
    const QJsonObject obj = QJsonDocument::fromJson(body).object();
    QString message = obj.value(QLatin1String("message")).toString().simplified();
    const QJsonArray errors = obj.value(QLatin1String("errors")).toArray();
    QStringList details;
    for (const QJsonValue &e : errors) {
        const QJsonObject error = e.toObject();
        const QString text = error.value(QLatin1String("message")).toString();
        if (!text.isEmpty())
            details.append(text);
        else if (error.contains(QLatin1String("field")))
            details.append(QStringLiteral("%1 %2").arg(error.value(QLatin1String("field")).toString(),
                                                       error.value(QLatin1String("code")).toString()));
    }
    if (!details.isEmpty())
        message += QStringLiteral(" (") + details.join(QStringLiteral("; ")) + u')';
    return message.left(400);
}

QString withReason(const QString &sentence, const QByteArray &body)
{
    const QString reason = serverMessage(body);
    return reason.isEmpty() ? sentence : sentence + QStringLiteral(": ") + reason;
}

bool rateLimited(const HttpAnswer &answer)
{
    if (answer.status != 403 && answer.status != 429)
        return false;
    // A secondary limit may come as a 403 with neither header, saying so in its message.
    return answer.status == 429 || answer.header("x-ratelimit-remaining") == "0" ||
           !answer.header("retry-after").isEmpty() ||
           serverMessage(answer.body).contains(QLatin1String("rate limit"), Qt::CaseInsensitive);
}

/// How long GitHub asks us to wait: retry-after, else until x-ratelimit-reset, else a minute
/// (GitHub's advice for a secondary limit without either header).
qint64 rateLimitWaitMs(const HttpAnswer &answer, const QDateTime &now)
{
    if (auto after = llm::RetryPolicy::parseRetryAfter(answer.header("retry-after"), now))
        return *after;
    bool ok = false;
    const qint64 reset = answer.header("x-ratelimit-reset").toLongLong(&ok);
    if (ok && answer.header("x-ratelimit-remaining") == "0")
        return std::max<qint64>(0, reset * 1000 - now.toMSecsSinceEpoch());
    return 60'000;
}

core::Error errorFor(const HttpAnswer &answer)
{
    const int status = answer.status;
    const QJsonObject details{{QStringLiteral("http_status"), status}};
    switch (status) {
    case 401:
        return makeError(
            ErrorCode::ProviderUnauthorized,
            QStringLiteral("GitHub refused the tenant's credentials (HTTP 401): the token may be "
                           "expired or revoked; store a new one (docs/github.md)"),
            details);
    case 403:
        return makeError(ErrorCode::Forbidden,
                         withReason(QStringLiteral("GitHub refused access (HTTP 403); the token may lack the "
                                                   "permission this needs"),
                                    answer.body),
                         details);
    case 404:
        return makeError(
            ErrorCode::NotFound,
            withReason(QStringLiteral("GitHub found nothing there (HTTP 404): check the repository, "
                                      "number or path, and that the token can see it"),
                       answer.body),
            details);
    case 409:
    case 422:
        return makeError(
            ErrorCode::InvalidArgument,
            withReason(QStringLiteral("GitHub refused the request (HTTP %1)").arg(status), answer.body),
            details);
    default:
        break;
    }
    if (status >= 500)
        return makeError(ErrorCode::ProviderUnavailable,
                         QStringLiteral("GitHub failed (HTTP %1)").arg(status), details);
    return makeError(ErrorCode::ProviderBadRequest,
                     withReason(QStringLiteral("GitHub answered HTTP %1").arg(status), answer.body), details);
}

QString waitText(qint64 ms)
{
    const qint64 minutes = (ms + 59'999) / 60'000;
    return minutes <= 1 ? QStringLiteral("about a minute") : QStringLiteral("about %1 minutes").arg(minutes);
}

} // namespace

struct GitHubClient::Exchange
{
    QString tenantId;
    QByteArray method;
    QUrl url;
    QByteArray body;
    core::CancelTokenPtr cancel;
    std::optional<qint64> tailBytes; ///< set: a download behind a redirect
    int attempts = 0;
    qint64 startedMs = 0;
    core::ResultPromise<HttpAnswer> promise;
};

GitHubClient::GitHubClient(GitHubConfig config, QNetworkAccessManager &nam, core::TenantSecretSource *secrets,
                           std::shared_ptr<const core::Clock> clock, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_nam(nam), m_clock(std::move(clock)),
      m_auth(std::make_unique<GitHubAuth>(m_config, nam, secrets, m_clock, this))
{
}

GitHubClient::~GitHubClient() = default;

core::Async<QJsonValue> GitHubClient::call(const QString &tenantId, const QByteArray &method,
                                           const QString &path, const QUrlQuery &query,
                                           const QJsonObject &body, const core::CancelTokenPtr &cancel)
{
    auto exchange = std::make_shared<Exchange>();
    exchange->tenantId = tenantId;
    exchange->method = method;
    exchange->url = gitHubUrl(m_config.apiBaseUrl, path, query);
    if (!body.isEmpty())
        exchange->body = core::toCompactJson(body);
    exchange->cancel = cancel;
    exchange->startedMs = m_clock->monotonicMs();
    core::Async<HttpAnswer> answer = exchange->promise.future();
    attempt(exchange);
    return answer.then(this, [](Result<HttpAnswer> reply) -> Result<QJsonValue> {
        if (!reply)
            return reply.error();
        if (reply.value().status == 204 || reply.value().body.trimmed().isEmpty())
            return QJsonValue(QJsonObject());
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(reply.value().body, &error);
        if (error.error != QJsonParseError::NoError)
            return makeError(ErrorCode::ProviderMalformed, QStringLiteral("GitHub returned malformed JSON"));
        return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    });
}

core::Async<QByteArray> GitHubClient::downloadTail(const QString &tenantId, const QString &path,
                                                   qint64 maxBytes, const core::CancelTokenPtr &cancel)
{
    auto exchange = std::make_shared<Exchange>();
    exchange->tenantId = tenantId;
    exchange->method = "GET";
    exchange->url = gitHubUrl(m_config.apiBaseUrl, path);
    exchange->cancel = cancel;
    exchange->tailBytes = maxBytes;
    exchange->startedMs = m_clock->monotonicMs();
    core::Async<HttpAnswer> answer = exchange->promise.future();
    attempt(exchange);
    return answer.then(this, [](Result<HttpAnswer> reply) -> Result<QByteArray> {
        if (!reply)
            return reply.error();
        return reply.value().body;
    });
}

void GitHubClient::attempt(const std::shared_ptr<Exchange> &exchange)
{
    ++exchange->attempts;
    m_auth->token(exchange->tenantId, exchange->cancel).then(this, [this, exchange](Result<QString> token) {
        if (!token) {
            exchange->promise.finish(token.error());
            return;
        }
        send(exchange, token.value());
    });
}

void GitHubClient::send(const std::shared_ptr<Exchange> &exchange, const QString &token)
{
    QNetworkRequest request(exchange->url);
    setGitHubHeaders(request);
    request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    // A download may come straight from the API rather than through a redirect: keep its tail too.
    const BodyLimit limit = exchange->tailBytes ? BodyLimit{*exchange->tailBytes, true} : BodyLimit{};
    sendHttp(m_nam, request, exchange->method, exchange->body, exchange->cancel, m_config.httpTimeoutMs,
             limit, kService)
        .then(this, [this, exchange](Result<HttpAnswer> reply) {
            if (!reply)
                return finishAttempt(exchange, reply.error());
            const HttpAnswer &answer = reply.value();
            if (answer.status >= 200 && answer.status < 300)
                return exchange->promise.finish(answer);
            const QByteArray location = answer.header("location");
            if (exchange->tailBytes && answer.status >= 300 && answer.status < 400 && !location.isEmpty()) {
                // A pre-signed URL, possibly on another host: it gets no credentials.
                QNetworkRequest download(exchange->url.resolved(QUrl::fromEncoded(location)));
                download.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("aiagency/" AGENCY_VERSION));
                sendHttp(m_nam, download, "GET", {}, exchange->cancel, m_config.httpTimeoutMs,
                         BodyLimit{*exchange->tailBytes, true}, QStringLiteral("GitHub log download"))
                    .then(this, [exchange](Result<HttpAnswer> file) {
                        if (file && (file.value().status < 200 || file.value().status >= 300))
                            return exchange->promise.finish(makeError(
                                ErrorCode::ProviderUnavailable,
                                QStringLiteral("the log download failed (HTTP %1); logs expire after "
                                               "some time")
                                    .arg(file.value().status)));
                        exchange->promise.finish(std::move(file));
                    });
                return;
            }
            if (rateLimited(answer)) {
                const qint64 waitMs = rateLimitWaitMs(answer, m_clock->now());
                const QString when = m_clock->now().addMSecs(waitMs).toString(QStringLiteral("HH:mm 'UTC'"));
                core::Error error = makeError(
                    ErrorCode::ProviderRateLimited,
                    QStringLiteral(
                        "GitHub's rate limit for this tenant is used up until %1 (in %2); try again "
                        "then")
                        .arg(when, waitText(waitMs)),
                    {{QStringLiteral("retry_after_ms"), waitMs},
                     {QStringLiteral("http_status"), answer.status}});
                if (waitMs > m_config.maxRateLimitWaitMs)
                    return exchange->promise.finish(std::move(error));
                return finishAttempt(exchange, std::move(error));
            }
            if (answer.status == 401)
                m_auth->forget(exchange->tenantId);
            finishAttempt(exchange, errorFor(answer));
        });
}

void GitHubClient::finishAttempt(const std::shared_ptr<Exchange> &exchange, core::Error error)
{
    llm::RetryPolicy policy;
    policy.maxAttempts = m_config.maxAttempts;
    policy.maxTotalMs = m_config.maxRateLimitWaitMs + m_config.httpTimeoutMs;
    const std::optional<qint64> delay =
        policy.nextDelayMs(exchange->attempts, error, m_clock->monotonicMs() - exchange->startedMs,
                           QRandomGenerator::global()->generateDouble());
    if (!delay || (exchange->cancel && exchange->cancel->isCancelled())) {
        exchange->promise.finish(std::move(error));
        return;
    }
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, exchange, timer] {
        timer->deleteLater();
        if (!exchange->promise.isDone())
            attempt(exchange);
    });
    if (exchange->cancel) {
        exchange->cancel->onCancel(timer, [exchange, timer] {
            timer->stop();
            timer->deleteLater();
            exchange->promise.finish(
                makeError(ErrorCode::Cancelled, QStringLiteral("GitHub request cancelled")));
        });
    }
    timer->start(static_cast<int>(std::min<qint64>(*delay, std::numeric_limits<int>::max())));
}

QString normalisedRepository(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$"));
    const auto match = re.match(text.trimmed());
    if (!match.hasMatch() || match.captured(2) == QLatin1String(".") ||
        match.captured(2) == QLatin1String(".."))
        return {};
    return match.captured(0);
}

} // namespace agency::tools

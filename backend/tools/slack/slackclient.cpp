#include "slackclient.h"

#include "core/async/resultpromise.h"
#include "core/async/whenfinished.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace agency::tools::slack {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr qint64 kMaxBodyBytes = 4 << 20;

const QString kService = QStringLiteral("Slack");

/// Retry-After in ms: seconds (Slack sends whole seconds); 1 s when absent or unreadable.
qint64 retryAfterMs(QNetworkReply *reply)
{
    bool ok = false;
    const qint64 seconds = reply->rawHeader("Retry-After").trimmed().toLongLong(&ok);
    return ok && seconds >= 0 ? seconds * 1000 : 1000;
}

} // namespace

struct SlackClient::Call
{
    QString tenantId;
    QString method;
    bool isPost = false;
    QUrlQuery query;
    QJsonObject body;
    core::CancelTokenPtr cancel;
    QByteArray token;
    int attempt = 0;
    core::ResultPromise<QJsonObject> promise;
};

SlackClient::SlackClient(SlackConfig config, QNetworkAccessManager &nam, core::TenantSecretSource *secrets,
                         QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_nam(nam), m_secrets(secrets)
{
}

core::Async<QJsonObject> SlackClient::get(const QString &tenantId, const QString &method,
                                          const QUrlQuery &arguments, const core::CancelTokenPtr &cancel)
{
    auto call = std::make_shared<Call>();
    call->tenantId = tenantId;
    call->method = method;
    call->query = arguments;
    call->cancel = cancel;
    return start(std::move(call));
}

core::Async<QJsonObject> SlackClient::post(const QString &tenantId, const QString &method,
                                           const QJsonObject &arguments, const core::CancelTokenPtr &cancel)
{
    auto call = std::make_shared<Call>();
    call->tenantId = tenantId;
    call->method = method;
    call->isPost = true;
    call->body = arguments;
    call->cancel = cancel;
    return start(std::move(call));
}

core::Async<QJsonObject> SlackClient::start(std::shared_ptr<Call> call)
{
    if (!m_secrets)
        return core::failedAsync<QJsonObject>(
            makeError(ErrorCode::NotConfigured, QStringLiteral("Slack is not available: no tenant secrets")));
    if (call->tenantId.isEmpty())
        return core::failedAsync<QJsonObject>(makeError(
            ErrorCode::NotConfigured, QStringLiteral("Slack needs a tenant (its slack_bot_token)")));
    core::Async<QJsonObject> future = call->promise.future();
    core::whenFinished(this, m_secrets->secret(call->tenantId, QStringLiteral("slack_bot_token")),
                       [this, call](const Result<QString> &token) {
                           if (!token) {
                               core::Error error = token.error();
                               if (error.code == ErrorCode::NotFound)
                                   error = makeError(
                                       ErrorCode::NotConfigured,
                                       QStringLiteral("tenant %1 has no slack_bot_token: set it with "
                                                      "`aiagency tenants secret set %1 slack_bot_token`")
                                           .arg(call->tenantId));
                               call->promise.finish(error);
                               return;
                           }
                           call->token = token->toUtf8();
                           send(call);
                       });
    return future;
}

void SlackClient::send(std::shared_ptr<Call> call)
{
    if (call->cancel && call->cancel->isCancelled()) {
        call->promise.finish(makeError(ErrorCode::Cancelled, QStringLiteral("Slack request cancelled")));
        return;
    }
    ++call->attempt;
    QUrl url = m_config.baseUrl;
    url.setPath(url.path() + QLatin1Char('/') + call->method);
    if (!call->isPost)
        url.setQuery(call->query);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + call->token);
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("aiagency/" AGENCY_VERSION));
    // The token must never travel to a host a redirect names.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(m_config.timeoutMs);
    QNetworkReply *reply = nullptr;
    if (call->isPost) {
        request.setRawHeader("Content-Type", "application/json; charset=utf-8");
        reply = m_nam.post(request, QJsonDocument(call->body).toJson(QJsonDocument::Compact));
    } else {
        reply = m_nam.get(request);
    }
    if (call->cancel) {
        call->cancel->onCancel(reply, [reply] {
            if (!reply->isFinished())
                reply->abort();
        });
    }
    connect(reply, &QNetworkReply::finished, this, [this, reply, call] {
        reply->deleteLater();
        if (call->cancel && call->cancel->isCancelled()) {
            call->promise.finish(makeError(ErrorCode::Cancelled, QStringLiteral("Slack request cancelled")));
            return;
        }
        const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!statusAttr.isValid()) {
            const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                                  reply->error() == QNetworkReply::TimeoutError;
            call->promise.finish(
                timedOut
                    ? makeError(ErrorCode::ProviderTimeout,
                                QStringLiteral("Slack did not answer within %1 ms").arg(m_config.timeoutMs))
                    : makeError(ErrorCode::ProviderUnavailable,
                                QStringLiteral("Slack is unreachable (%1)").arg(reply->errorString())));
            return;
        }
        const int status = statusAttr.toInt();
        if (status == 429) {
            const qint64 waitMs = retryAfterMs(reply);
            if (call->attempt >= m_config.maxAttempts || waitMs > m_config.maxRetryWaitMs) {
                call->promise.finish(makeError(ErrorCode::ProviderRateLimited,
                                               QStringLiteral("Slack rate-limited %1 (retry after %2 s)")
                                                   .arg(call->method)
                                                   .arg(waitMs / 1000),
                                               {{QStringLiteral("retry_after_ms"), waitMs}}));
                return;
            }
            QTimer::singleShot(waitMs, this, [this, call] { send(call); });
            return;
        }
        if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
            call->promise.finish(makeError(ErrorCode::ProviderUnavailable,
                                           QStringLiteral("%1 failed: HTTP %2").arg(call->method).arg(status),
                                           {{QStringLiteral("http_status"), status}}));
            return;
        }
        const QByteArray bytes = reply->read(kMaxBodyBytes + 1);
        const QJsonDocument doc = QJsonDocument::fromJson(bytes);
        if (bytes.size() > kMaxBodyBytes || !doc.isObject()) {
            call->promise.finish(makeError(
                ErrorCode::ProviderMalformed,
                QStringLiteral("%1 answered HTTP %2 without a JSON object").arg(call->method).arg(status)));
            return;
        }
        const QJsonObject answer = doc.object();
        if (!answer.value(QStringLiteral("ok")).toBool()) {
            call->promise.finish(mapSlackError(call->method, answer));
            return;
        }
        call->promise.finish(answer);
    });
}

core::Error SlackClient::mapSlackError(const QString &method, const QJsonObject &answer)
{
    const QString code = answer.value(QStringLiteral("error")).toString(QStringLiteral("unknown_error"));
    const QJsonObject details{{QStringLiteral("slack_error"), code}, {QStringLiteral("method"), method}};
    static const QStringList kAuth{QStringLiteral("not_authed"),       QStringLiteral("invalid_auth"),
                                   QStringLiteral("account_inactive"), QStringLiteral("token_revoked"),
                                   QStringLiteral("token_expired"),    QStringLiteral("no_permission")};
    if (kAuth.contains(code))
        return makeError(
            ErrorCode::ProviderUnauthorized,
            QStringLiteral("Slack refused the bot token (%1): set the tenant's slack_bot_token again")
                .arg(code),
            details);
    if (code == QLatin1String("missing_scope")) {
        const QString needed = answer.value(QStringLiteral("needed")).toString();
        return makeError(
            ErrorCode::Forbidden,
            QStringLiteral("the Slack app lacks the scope %1 for %2: add it and reinstall the app")
                .arg(needed.isEmpty() ? QStringLiteral("(unnamed)") : needed, method),
            details);
    }
    if (code == QLatin1String("not_in_channel"))
        return makeError(ErrorCode::Forbidden,
                         QStringLiteral("the bot is not a member of that channel: invite it (/invite @app)"),
                         details);
    if (code.endsWith(QLatin1String("_not_found")))
        return makeError(ErrorCode::NotFound, QStringLiteral("Slack: %1 (%2)").arg(code, method), details);
    if (code == QLatin1String("ratelimited"))
        return makeError(ErrorCode::ProviderRateLimited, QStringLiteral("Slack rate-limited %1").arg(method),
                         details);
    return makeError(ErrorCode::ProviderBadRequest, QStringLiteral("Slack refused %1: %2").arg(method, code),
                     details);
}

} // namespace agency::tools::slack

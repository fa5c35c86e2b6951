#include "httpjson.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPromise>
#include <QTimer>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr qint64 kMaxBodyBytes = 1 << 20;

QString describeNetworkError(QNetworkReply::NetworkError error)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("connection refused");
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("connection closed by the server");
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("host not found");
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("TLS handshake failed");
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
        return QStringLiteral("network unavailable");
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
        return QStringLiteral("proxy failure");
    default:
        return QStringLiteral("network error %1").arg(static_cast<int>(error));
    }
}

struct RequestState
{
    QPromise<Result<JsonReply>> promise;
    bool timedOut = false;
    bool cancelled = false;
    bool tooLarge = false;
};

Result<JsonReply> evaluate(QNetworkReply *reply, const RequestState &state, const QString &service,
                           int timeoutMs)
{
    if (state.cancelled)
        return makeError(ErrorCode::Cancelled, QStringLiteral("%1 request cancelled").arg(service));
    if (state.timedOut)
        return makeError(ErrorCode::ProviderTimeout,
                         QStringLiteral("%1 did not answer within %2 ms").arg(service).arg(timeoutMs));
    if (state.tooLarge)
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 sent an oversized response").arg(service));
    const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttr.isValid()) {
        return makeError(
            ErrorCode::ProviderUnavailable,
            QStringLiteral("%1 is unreachable (%2)").arg(service, describeNetworkError(reply->error())));
    }
    const int status = statusAttr.toInt();
    if (status >= 500)
        return makeError(ErrorCode::ProviderUnavailable,
                         QStringLiteral("%1 failed (HTTP %2)").arg(service).arg(status),
                         {{QStringLiteral("http_status"), status}});
    if (status >= 300 && status < 400)
        return makeError(ErrorCode::ProviderUnavailable,
                         QStringLiteral("%1 answered with a redirect (HTTP %2), which is not followed")
                             .arg(service)
                             .arg(status),
                         {{QStringLiteral("http_status"), status}});
    const QByteArray bytes = reply->readAll();
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    const bool isObject = parseError.error == QJsonParseError::NoError && doc.isObject();
    if (status >= 200 && status < 300 && !isObject)
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 returned malformed JSON").arg(service));
    if (status < 200)
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 answered HTTP %2").arg(service).arg(status));
    return JsonReply{status, isObject ? doc.object() : QJsonObject()};
}

} // namespace

core::Async<JsonReply> getJson(QNetworkAccessManager &nam, const QUrl &url, const QString &service,
                               const core::CancelTokenPtr &cancel, int timeoutMs)
{
    if (cancel && cancel->isCancelled())
        return core::failedAsync<JsonReply>(
            makeError(ErrorCode::Cancelled, QStringLiteral("%1 request cancelled").arg(service)));

    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("aiagency/" AGENCY_VERSION));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);

    auto state = std::make_shared<RequestState>();
    state->promise.start();
    core::Async<JsonReply> future = state->promise.future();

    QNetworkReply *reply = nam.get(request);
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, reply, [reply, state] {
        state->timedOut = true;
        reply->abort();
    });
    timer->start(timeoutMs);
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, state] {
        if (reply->bytesAvailable() > kMaxBodyBytes && !state->tooLarge) {
            state->tooLarge = true;
            reply->abort();
        }
    });
    if (cancel) {
        cancel->onCancel(reply, [reply, state] {
            if (reply->isFinished())
                return;
            state->cancelled = true;
            reply->abort();
        });
    }
    QObject::connect(reply, &QNetworkReply::finished, reply, [reply, state, service, timeoutMs] {
        state->promise.addResult(evaluate(reply, *state, service, timeoutMs));
        state->promise.finish();
        reply->deleteLater();
    });
    return future;
}

} // namespace agency::tools

#include "httpexchange.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPromise>
#include <QTimer>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;

namespace {

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

struct State
{
    QPromise<core::Result<HttpAnswer>> promise;
    QByteArray body;
    bool timedOut = false;
    bool cancelled = false;
    bool tooLarge = false;
};

core::Result<HttpAnswer> evaluate(QNetworkReply *reply, State &state, const QString &service, int timeoutMs)
{
    if (state.cancelled)
        return makeError(ErrorCode::Cancelled, QStringLiteral("%1 request cancelled").arg(service));
    if (state.timedOut)
        return makeError(ErrorCode::ProviderTimeout,
                         QStringLiteral("%1 did not answer within %2 ms").arg(service).arg(timeoutMs));
    if (state.tooLarge)
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 sent an oversized response").arg(service));
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid())
        return makeError(
            ErrorCode::ProviderUnavailable,
            QStringLiteral("%1 is unreachable (%2)").arg(service, describeNetworkError(reply->error())));
    HttpAnswer answer;
    answer.status = status.toInt();
    for (const auto &pair : reply->rawHeaderPairs())
        answer.headers.insert(pair.first.toLower(), pair.second);
    answer.body = std::move(state.body);
    return answer;
}

} // namespace

core::Async<HttpAnswer> sendHttp(QNetworkAccessManager &nam, QNetworkRequest request,
                                 const QByteArray &method, const QByteArray &body,
                                 const core::CancelTokenPtr &cancel, int timeoutMs, BodyLimit limit,
                                 const QString &service)
{
    if (cancel && cancel->isCancelled())
        return core::failedAsync<HttpAnswer>(
            makeError(ErrorCode::Cancelled, QStringLiteral("%1 request cancelled").arg(service)));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));

    auto state = std::make_shared<State>();
    state->promise.start();
    core::Async<HttpAnswer> future = state->promise.future();
    QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, reply, [reply, state] {
        state->timedOut = true;
        reply->abort();
    });
    timer->start(timeoutMs);
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, state, limit] {
        state->body += reply->readAll();
        if (state->body.size() <= limit.maxBytes)
            return;
        if (limit.keepTail) {
            state->body.remove(0, state->body.size() - limit.maxBytes);
        } else if (!state->tooLarge) {
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
    QObject::connect(reply, &QNetworkReply::finished, reply, [reply, state, service, timeoutMs, limit] {
        if (!state->tooLarge)
            state->body += reply->readAll();
        if (state->body.size() > limit.maxBytes) {
            if (limit.keepTail)
                state->body.remove(0, state->body.size() - limit.maxBytes);
            else
                state->tooLarge = true;
        }
        state->promise.addResult(evaluate(reply, *state, service, timeoutMs));
        state->promise.finish();
        reply->deleteLater();
    });
    return future;
}

} // namespace agency::tools

#include "httpcall.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>

namespace agency::llm {

using core::ErrorCode;

namespace {

bool is2xx(int status)
{
    return status >= 200 && status < 300;
}

int defaultPort(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return url.port(scheme == QLatin1String("https") ? 443 : scheme == QLatin1String("http") ? 80 : -1);
}

} // namespace

bool sameOrigin(const QUrl &url, const QUrl &origin)
{
    return url.isValid() && origin.isValid() &&
           url.scheme().compare(origin.scheme(), Qt::CaseInsensitive) == 0 &&
           url.host().compare(origin.host(), Qt::CaseInsensitive) == 0 &&
           defaultPort(url) == defaultPort(origin);
}

HttpCall *HttpCall::start(QNetworkAccessManager *nam, HttpRequest request, Options options, Done done,
                          QObject *parent)
{
    auto *call = new HttpCall(nam, std::move(request), std::move(options), std::move(done), parent);
    // Queued so `done` never runs inside start(): callers finish setting up first.
    QMetaObject::invokeMethod(
        call, [call] { call->startAttempt(); }, Qt::QueuedConnection);
    return call;
}

HttpCall::HttpCall(QNetworkAccessManager *nam, HttpRequest request, Options options, Done done,
                   QObject *parent)
    : QObject(parent), m_nam(nam), m_request(std::move(request)), m_options(std::move(options)),
      m_done(std::move(done))
{
    if (m_request.allowedOrigin.isEmpty())
        m_request.allowedOrigin = m_request.url;
    for (QTimer *timer : {&m_connectTimer, &m_firstByteTimer, &m_totalTimer, &m_backoffTimer})
        timer->setSingleShot(true);
    const HttpTimeouts &t = m_options.timeouts;
    connect(&m_connectTimer, &QTimer::timeout, this,
            [this, ms = t.connectMs] { onTimeout(QStringLiteral("could not connect"), ms); });
    connect(&m_firstByteTimer, &QTimer::timeout, this,
            [this, ms = t.firstByteMs] { onTimeout(QStringLiteral("no response"), ms); });
    connect(&m_totalTimer, &QTimer::timeout, this,
            [this, ms = t.totalMs] { onTimeout(QStringLiteral("answer not complete"), ms); });
    connect(&m_backoffTimer, &QTimer::timeout, this, &HttpCall::startAttempt);
    if (m_options.cancel)
        m_options.cancel->onCancel(this, [this] { onCancelled(); });
}

HttpCall::~HttpCall()
{
    // Destroyed before reporting (its owner went away): abort the transfer; dropping m_done
    // releases the caller's promise, which then finishes as Cancelled.
    dropReply();
}

void HttpCall::startAttempt()
{
    if (m_finished)
        return;
    if (m_options.cancel && m_options.cancel->isCancelled()) {
        finish(core::makeError(ErrorCode::Cancelled, QStringLiteral("cancelled")));
        return;
    }
    if (!sameOrigin(m_request.url, m_request.allowedOrigin)) {
        finish(core::makeError(ErrorCode::Internal,
                               m_options.who +
                                   QStringLiteral(": refusing to send credentials to %1, which is not "
                                                  "the configured base URL")
                                       .arg(m_request.url.host())));
        return;
    }
    ++m_attempt;
    if (!m_elapsed.isValid())
        m_elapsed.start();
    m_headersSeen = false;
    m_body.clear();
    if (m_options.hooks.onAttemptStart)
        m_options.hooks.onAttemptStart();

    QNetworkRequest request(m_request.url);
    for (const auto &[name, value] : m_request.headers)
        request.setRawHeader(name, value);
    // Redirects are checked one by one (onRedirected): credentials must stay on their origin.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::UserVerifiedRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);

    QNetworkReply *reply = m_request.method == "GET"
                               ? m_nam->get(request)
                               : m_nam->sendCustomRequest(request, m_request.method, m_request.body);
    m_reply = reply;
    connect(reply, &QNetworkReply::requestSent, this, [this] {
        m_connectTimer.stop();
        if (!m_headersSeen && m_options.timeouts.firstByteMs > 0)
            m_firstByteTimer.start(static_cast<int>(m_options.timeouts.firstByteMs));
    });
    connect(reply, &QNetworkReply::metaDataChanged, this, &HttpCall::onMetaData);
    connect(reply, &QNetworkReply::readyRead, this, &HttpCall::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &HttpCall::onFinished);
    connect(reply, &QNetworkReply::redirected, this, &HttpCall::onRedirected);

    const HttpTimeouts &t = m_options.timeouts;
    if (t.connectMs > 0)
        m_connectTimer.start(static_cast<int>(t.connectMs));
    if (t.firstByteMs > 0)
        m_firstByteTimer.start(static_cast<int>(t.connectMs + t.firstByteMs));
    if (t.totalMs > 0)
        m_totalTimer.start(static_cast<int>(t.totalMs));
}

void HttpCall::onMetaData()
{
    m_headersSeen = true;
    m_connectTimer.stop();
    m_firstByteTimer.stop();
}

void HttpCall::onReadyRead()
{
    if (!m_reply)
        return;
    onMetaData();
    const QByteArray bytes = m_reply->readAll();
    if (!(m_request.stream && is2xx(replyStatus()))) {
        m_body.append(bytes);
        return;
    }
    if (!m_options.hooks.onData || bytes.isEmpty())
        return;
    const core::Status status = m_options.hooks.onData(bytes);
    if (m_finished || !m_reply)
        return; // the caller cancelled from inside a delta callback
    if (!status) {
        dropReply();
        failAttempt(status.error());
    }
}

void HttpCall::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    const int status = replyStatus();
    const QByteArray rest = reply->readAll();
    const QNetworkReply::NetworkError networkError = reply->error();
    const QString networkErrorText = reply->errorString();
    const RawHeaders headers = replyHeaders();
    dropReply();

    if (status == 0) {
        failAttempt(core::makeError(ErrorCode::ProviderUnavailable,
                                    m_options.who + QStringLiteral(": network error: ") + networkErrorText,
                                    {{QStringLiteral("network_error"), static_cast<int>(networkError)}}));
        return;
    }
    if (!is2xx(status)) {
        m_body.append(rest);
        failAttempt(classifyHttpError(m_options.who, status, headers, m_body, now()));
        return;
    }
    if (!m_request.stream) {
        m_body.append(rest);
    } else if (!rest.isEmpty() && m_options.hooks.onData) {
        const core::Status fed = m_options.hooks.onData(rest);
        if (m_finished)
            return;
        if (!fed) {
            failAttempt(fed.error());
            return;
        }
    }
    if (networkError != QNetworkReply::NoError) {
        failAttempt(core::makeError(ErrorCode::ProviderUnavailable,
                                    m_options.who +
                                        QStringLiteral(": connection lost while receiving the answer: ") +
                                        networkErrorText));
        return;
    }
    if (m_request.stream && m_options.hooks.onEnd) {
        const core::Status ended = m_options.hooks.onEnd();
        if (m_finished)
            return;
        if (!ended) {
            failAttempt(ended.error());
            return;
        }
    }
    finish(HttpResponse{status, headers, m_request.stream ? QByteArray() : m_body, m_attempt});
}

void HttpCall::onRedirected(const QUrl &url)
{
    if (!m_reply)
        return;
    if (sameOrigin(url, m_request.allowedOrigin)) {
        Q_EMIT m_reply->redirectAllowed();
        return;
    }
    dropReply();
    finish(core::makeError(
        ErrorCode::ProviderBadRequest,
        m_options.who + QStringLiteral(": refused to follow a redirect to another host (%1); check the "
                                       "provider's base URL setting")
                            .arg(url.host()),
        {{QStringLiteral("redirect_host"), url.host()}}));
}

void HttpCall::onTimeout(const QString &what, qint64 ms)
{
    if (m_finished || !m_reply)
        return;
    dropReply();
    failAttempt(core::makeError(ErrorCode::ProviderTimeout,
                                m_options.who + QStringLiteral(": %1 within %2 ms").arg(what).arg(ms),
                                {{QStringLiteral("timeout_ms"), static_cast<double>(ms)}}));
}

void HttpCall::onCancelled()
{
    if (m_finished)
        return;
    // Abort at once, report on the next event-loop turn: cancel() may be called from inside a
    // caller's own code (a delta callback) that should not see its future finish re-entrantly.
    dropReply();
    m_backoffTimer.stop();
    m_finished = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_finished = false;
            finish(core::makeError(ErrorCode::Cancelled, m_options.who + QStringLiteral(": cancelled")));
        },
        Qt::QueuedConnection);
}

void HttpCall::failAttempt(core::Error error)
{
    if (m_finished)
        return;
    const bool delivered = m_options.hooks.deliveredToCaller && m_options.hooks.deliveredToCaller();
    const std::optional<qint64> delay =
        delivered ? std::nullopt
                  : m_options.retry.nextDelayMs(m_attempt, error, m_elapsed.elapsed(),
                                                QRandomGenerator::global()->generateDouble());
    if (delay) {
        m_backoffTimer.start(static_cast<int>(*delay));
        return;
    }
    error.details.insert(QStringLiteral("attempts"), m_attempt);
    finish(std::move(error));
}

void HttpCall::finish(core::Result<HttpResponse> result)
{
    if (m_finished)
        return;
    m_finished = true;
    dropReply();
    m_backoffTimer.stop();
    Done done = std::move(m_done);
    m_done = nullptr;
    deleteLater();
    if (done)
        done(std::move(result));
}

void HttpCall::dropReply()
{
    m_connectTimer.stop();
    m_firstByteTimer.stop();
    m_totalTimer.stop();
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    if (reply->isRunning())
        reply->abort();
    reply->deleteLater();
}

int HttpCall::replyStatus() const
{
    return m_reply ? m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() : 0;
}

RawHeaders HttpCall::replyHeaders() const
{
    RawHeaders headers;
    if (!m_reply)
        return headers;
    for (const auto &pair : m_reply->rawHeaderPairs())
        headers.append({pair.first, pair.second});
    return headers;
}

QDateTime HttpCall::now() const
{
    return m_options.clock ? m_options.clock->now() : QDateTime::currentDateTimeUtc();
}

} // namespace agency::llm

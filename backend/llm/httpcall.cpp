#include "httpcall.h"

#include "llm/networklanes.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimerEvent>

#include <algorithm>

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
    // Sent at once (the reply itself is asynchronous); a result known before anything is sent
    // (cancelled, wrong origin) waits for the event loop, so `done` never runs inside start().
    call->m_starting = true;
    call->startAttempt();
    call->m_starting = false;
    return call;
}

HttpCall::HttpCall(QNetworkAccessManager *nam, HttpRequest request, Options options, Done done,
                   QObject *parent)
    : QObject(parent), m_nam(nam), m_request(std::move(request)), m_options(std::move(options)),
      m_done(std::move(done))
{
    if (m_request.allowedOrigin.isEmpty())
        m_request.allowedOrigin = m_request.url;
    m_elapsed.start();
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

    QNetworkAccessManager *nam = m_nam;
    if (auto *lanes = qobject_cast<NetworkLanes *>(m_nam))
        nam = lanes->nextLane();
    QNetworkReply *reply = m_request.method == "GET"
                               ? nam->get(request)
                               : nam->sendCustomRequest(request, m_request.method, m_request.body);
    m_reply = reply;
    connect(reply, &QNetworkReply::requestSent, this, [this] {
        m_connectDeadline = -1;
        if (!m_headersSeen && m_options.timeouts.firstByteMs > 0)
            m_firstByteDeadline = m_elapsed.elapsed() + m_options.timeouts.firstByteMs;
        armTimer();
    });
    connect(reply, &QNetworkReply::metaDataChanged, this, &HttpCall::onMetaData);
    connect(reply, &QNetworkReply::readyRead, this, &HttpCall::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &HttpCall::onFinished);
    connect(reply, &QNetworkReply::redirected, this, &HttpCall::onRedirected);

    const HttpTimeouts &t = m_options.timeouts;
    const qint64 now = m_elapsed.elapsed();
    m_connectDeadline = t.connectMs > 0 ? now + t.connectMs : -1;
    m_firstByteDeadline = t.firstByteMs > 0 ? now + t.connectMs + t.firstByteMs : -1;
    m_totalDeadline = t.totalMs > 0 ? now + t.totalMs : -1;
    armTimer();
}

void HttpCall::armTimer()
{
    qint64 next = -1;
    for (qint64 deadline : {m_connectDeadline, m_firstByteDeadline, m_totalDeadline, m_backoffDeadline}) {
        if (deadline >= 0 && (next < 0 || deadline < next))
            next = deadline;
    }
    if (next < 0) {
        m_timer.stop();
        m_armedFor = -1;
        return;
    }
    // Armed for an earlier moment: timerEvent() re-arms for what is left then, so a deadline that
    // moved later (headers arrived) costs no timer registration now.
    if (m_timer.isActive() && m_armedFor <= next)
        return;
    m_timer.start(static_cast<int>(std::max<qint64>(0, next - m_elapsed.elapsed())), Qt::CoarseTimer, this);
    m_armedFor = next;
}

void HttpCall::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_timer.stop();
    m_armedFor = -1;
    const qint64 now = m_elapsed.elapsed();
    const HttpTimeouts &t = m_options.timeouts;
    if (m_backoffDeadline >= 0 && now >= m_backoffDeadline) {
        m_backoffDeadline = -1;
        startAttempt();
    } else if (m_connectDeadline >= 0 && now >= m_connectDeadline) {
        onTimeout(QStringLiteral("could not connect"), t.connectMs);
    } else if (m_firstByteDeadline >= 0 && now >= m_firstByteDeadline) {
        onTimeout(QStringLiteral("no response"), t.firstByteMs);
    } else if (m_totalDeadline >= 0 && now >= m_totalDeadline) {
        onTimeout(QStringLiteral("answer not complete"), t.totalMs);
    } else {
        armTimer(); // a coarse timer fired early, or the earliest deadline moved later
    }
}

void HttpCall::onMetaData()
{
    m_headersSeen = true;
    m_connectDeadline = -1;
    m_firstByteDeadline = -1;
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
    m_backoffDeadline = -1;
    armTimer();
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
        m_backoffDeadline = m_elapsed.elapsed() + *delay;
        armTimer();
        return;
    }
    error.details.insert(QStringLiteral("attempts"), m_attempt);
    finish(std::move(error));
}

void HttpCall::finish(core::Result<HttpResponse> result)
{
    if (m_finished)
        return;
    if (m_starting) {
        // Decided inside start(): report on the next event-loop turn, as promised.
        QMetaObject::invokeMethod(
            this, [this, r = std::move(result)]() mutable { finish(std::move(r)); }, Qt::QueuedConnection);
        return;
    }
    m_finished = true;
    dropReply();
    m_backoffDeadline = -1;
    m_timer.stop();
    Done done = std::move(m_done);
    m_done = nullptr;
    deleteLater();
    if (done)
        done(std::move(result));
}

void HttpCall::clearAttemptDeadlines()
{
    m_connectDeadline = -1;
    m_firstByteDeadline = -1;
    m_totalDeadline = -1;
}

void HttpCall::dropReply()
{
    clearAttemptDeadlines();
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

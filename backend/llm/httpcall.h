#pragma once

#include "core/async/canceltoken.h"
#include "core/clock.h"
#include "core/result.h"
#include "llm/httperror.h"
#include "llm/retrypolicy.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace agency::llm {

/// Per-attempt time limits. 0 disables a limit.
struct HttpTimeouts
{
    qint64 connectMs = 10'000;   ///< attempt start → request written to the socket
    qint64 firstByteMs = 60'000; ///< request written → response headers
    qint64 totalMs = 300'000;    ///< attempt start → last byte
};

/// What to send. `allowedOrigin` is the configured base URL of the provider the credentials in
/// `headers` belong to: the request is refused unless `url` is on that origin (scheme, host, port),
/// and redirects are followed only within it, so a key never reaches another host.
struct HttpRequest
{
    QByteArray method = "POST";
    QUrl url;
    RawHeaders headers;
    QByteArray body;
    QUrl allowedOrigin;
    bool stream = false; ///< hand 2xx body bytes to HttpCallHooks::onData as they arrive
};

/// A successful (2xx) answer. `body` is empty for streamed answers (the hooks consumed it).
struct HttpResponse
{
    int status = 0;
    RawHeaders headers;
    QByteArray body;
    int attempts = 0;
};

/// Adapter callbacks, all run on the call's thread.
struct HttpCallHooks
{
    /// Before each attempt (reset per-attempt parsing state).
    std::function<void()> onAttemptStart;
    /// Streaming only: 2xx body bytes as they arrive. An error aborts the call with it.
    std::function<core::Status(const QByteArray &)> onData;
    /// Streaming only: the 2xx body ended normally. An error (e.g. a stream without its end marker)
    /// fails the attempt with it.
    std::function<core::Status()> onEnd;
    /// Streaming only: whether anything was already passed to the caller; then no retry is made,
    /// because the caller would see the same text twice.
    std::function<bool()> deliveredToCaller;
};

/// One logical HTTP exchange with a provider: sends the request, applies the per-attempt timeouts,
/// classifies failures into typed errors (classifyHttpError, network errors → ProviderUnavailable,
/// timeouts → ProviderTimeout), retries per the RetryPolicy with timers (never sleeping), honours
/// cancellation at any moment (aborting the reply), and reports exactly once through `done`.
///
/// Thread affinity: lives on, and must be started from, the thread owning `nam`. Ownership: the
/// call deletes itself after reporting; destroying it earlier (e.g. with its parent) aborts the
/// network reply and drops `done` without calling it (a ResultPromise then finishes Cancelled).
class HttpCall final : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(core::Result<HttpResponse>)>;

    struct Options
    {
        QString who; ///< provider name for error messages ("OpenAI")
        HttpTimeouts timeouts;
        RetryPolicy retry;
        core::CancelTokenPtr cancel;
        const core::Clock *clock = nullptr; ///< for Retry-After dates; system time when null
        HttpCallHooks hooks;
    };

    /// Starts the exchange (the first request is handed to `nam` at once); `done` runs later on
    /// the event loop (never from inside start()).
    static HttpCall *start(QNetworkAccessManager *nam, HttpRequest request, Options options, Done done,
                           QObject *parent);
    ~HttpCall() override;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    HttpCall(QNetworkAccessManager *nam, HttpRequest request, Options options, Done done, QObject *parent);

    void startAttempt();
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void onRedirected(const QUrl &url);
    void onTimeout(const QString &what, qint64 ms);
    void onCancelled();
    void failAttempt(core::Error error);
    void finish(core::Result<HttpResponse> result);
    void clearAttemptDeadlines();
    void armTimer();
    void dropReply();
    int replyStatus() const;
    RawHeaders replyHeaders() const;
    QDateTime now() const;

    QNetworkAccessManager *m_nam;
    HttpRequest m_request;
    Options m_options;
    Done m_done;

    QPointer<QNetworkReply> m_reply;
    // The per-attempt limits and the backoff wait are deadlines in ms on m_elapsed (-1: none),
    // served by one timer armed for the earliest: each call used to make four QTimers, their
    // connections and several timer registrations, for limits that almost never fire.
    QElapsedTimer m_elapsed;
    qint64 m_connectDeadline = -1;
    qint64 m_firstByteDeadline = -1;
    qint64 m_totalDeadline = -1;
    qint64 m_backoffDeadline = -1;
    QBasicTimer m_timer;
    qint64 m_armedFor = -1; ///< the deadline m_timer fires at (it may fire before a later one)
    int m_attempt = 0;
    bool m_starting = false; ///< inside start(): a result is reported on the next event-loop turn
    bool m_finished = false;
    bool m_headersSeen = false;
    QByteArray m_body;
};

/// True when `url` has the same scheme, host and port as `origin`.
bool sameOrigin(const QUrl &url, const QUrl &origin);

} // namespace agency::llm

#pragma once

#include "core/access.h"
#include "core/error.h"
#include "core/result.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QTcpSocket>
#include <QUrlQuery>

#include <functional>
#include <memory>

class QHttpServerRequest;

namespace agency::httpserver {

class AnswerOrder;

/// Response headers as name/value pairs (names in canonical case, e.g. "Retry-After").
using Headers = QList<std::pair<QByteArray, QByteArray>>;

/// An error as it goes on the wire: status, body, extra headers.
struct RenderedError
{
    int status = 500;
    QByteArray contentType = QByteArrayLiteral("application/json");
    QByteArray body;
    Headers headers;
};

/// Turns an Error into a response. Routes under /v1 use OpenAI's error shape; everything else the
/// agency's {"error":{"code","message","details"}} (errorbody.h).
using ErrorRenderer = std::function<RenderedError(const core::Error &)>;

/// One HTTP request being answered: everything copied out of the QHttpServerRequest (which dies
/// when the handler returns) plus the channel to answer on, which may be used later, after any
/// number of asynchronous steps. Handlers receive it as a CallPtr and keep the pointer alive in
/// their continuations.
///
/// The answer is written to the socket as whole HTTP/1.1 messages (one write each), not through
/// QHttpServerResponder, so the headers are ours to choose. Writing is safe after the client left:
/// every write checks the socket first (QHttpServer 6.4 deletes it when the client disconnects). Exactly one
/// answer is sent; later attempts are ignored. Answers leave a connection in request order
/// (AnswerOrder). Thread affinity: the server thread (continuations need a
/// context object on it).
class ApiCall
{
public:
    /// Called once when the answer is complete (or the client left): status 0 when nothing was sent.
    using FinishedHook = std::function<void(const ApiCall &call)>;

    /// Copies what the handler needs out of `request`; answers are written to `socket`.
    ApiCall(const QHttpServerRequest &request, QTcpSocket *socket, QString requestId);
    ~ApiCall();
    ApiCall(const ApiCall &) = delete;
    ApiCall &operator=(const ApiCall &) = delete;

    // ---- The request
    const QByteArray &method() const { return m_method; }
    const QString &path() const { return m_path; }
    /// A `{name}` segment of the route's path, percent-decoded.
    QString pathParam(const QString &name) const { return m_pathParams.value(name); }
    /// A query parameter, fully decoded; empty when absent.
    QString query(const QString &name) const;
    bool hasQuery(const QString &name) const { return m_query.hasQueryItem(name); }
    /// A request header (case-insensitive name); empty when absent.
    QByteArray header(const QByteArray &name) const;
    const QByteArray &body() const { return m_body; }
    /// The body as a JSON object: BadRequest (400) for malformed JSON, an empty body or a non-object.
    core::Result<QJsonObject> jsonBody() const;
    const QString &requestId() const { return m_requestId; }
    const QHostAddress &peer() const { return m_peer; }
    const core::Principal &principal() const { return m_principal; }
    /// Milliseconds since the request was dispatched.
    qint64 elapsedMs() const { return m_timer.elapsed(); }
    /// The route's path pattern, e.g. "/conversations/{id}" (for metrics; empty when none matched).
    const QString &routePattern() const { return m_routePattern; }

    // ---- The answer (once)
    void sendJson(int status, const QJsonDocument &body, const Headers &extra = {});
    void sendJson(int status, const QJsonObject &body, const Headers &extra = {})
    {
        sendJson(status, QJsonDocument(body), extra);
    }
    void sendBytes(int status, const QByteArray &contentType, const QByteArray &body,
                   const Headers &extra = {});
    /// A body-less answer (e.g. 204).
    void sendEmpty(int status, const Headers &extra = {});
    /// The error, rendered by the route's ErrorRenderer (status from core::httpStatusFor).
    void sendError(const core::Error &error);
    void sendError(core::ErrorCode code, const QString &message, const QJsonObject &details = {})
    {
        sendError(core::makeError(code, message, details));
    }

    // ---- Streaming (Server-Sent Events): QHttpServer 6.4 has no streaming API, so chunked framing
    // is written by hand.
    /// Writes the status line and headers with Transfer-Encoding: chunked. False when the client left.
    bool beginStream(int status, const QByteArray &contentType, const Headers &extra = {});
    /// One chunk; false when the client left (then stop producing).
    bool writeChunk(const QByteArray &data);
    /// The closing zero-length chunk; the call is then finished.
    void endStream();

    /// True while the client's connection is open.
    bool clientConnected() const;
    /// Bytes written but not yet taken by the client (0 once it left): back-pressure for streams.
    qint64 bytesToWrite() const;
    /// Drops the connection at once (a streaming client that stopped reading).
    void abortConnection();
    /// Runs `callback` (on `context`'s thread) when the client disconnects before the answer ended:
    /// e.g. cancel the turn it started. Runs at most once.
    void onClientGone(QObject *context, std::function<void()> callback);
    bool answered() const { return m_status != 0; }
    /// The status sent (0 before the answer).
    int status() const { return m_status; }
    /// Why a 429 was sent, for metrics: empty for a token budget, else e.g. "failed_authentication".
    const QString &rateLimitReason() const { return m_rateLimitReason; }
    void setRateLimitReason(const QString &reason) { m_rateLimitReason = reason; }
    /// The tenant the call acted in, once known (for the access log).
    void setLogTenant(const QString &tenantId) { m_logTenant = tenantId; }
    const QString &logTenant() const { return m_logTenant; }

    // ---- Used by the server while dispatching
    void setRoute(const QString &pattern, QHash<QString, QString> params);
    void setPrincipal(core::Principal principal) { m_principal = std::move(principal); }
    void setErrorRenderer(ErrorRenderer renderer) { m_renderError = std::move(renderer); }
    void setFinishedHook(FinishedHook hook) { m_finished = std::move(hook); }
    /// What the connection gate read of the request line: `method` as sent, whether it is
    /// HTTP/1.0, and whether the connection stays open after the answer. Without it the request
    /// counts as HTTP/1.1, kept open unless it says "Connection: close".
    void setRequestLine(const QByteArray &method, bool http10, bool keepAlive);
    /// The connection's answer order and this request's place in it: the answer is held until
    /// every earlier request's answer is written (pipelining). Without one, it is written at once.
    void setAnswerOrder(std::shared_ptr<AnswerOrder> order, quint64 ticket);

private:
    static constexpr qint64 kChunked = -1;    ///< head(): Transfer-Encoding: chunked
    static constexpr qint64 kUntilClose = -2; ///< head(): the body ends when the connection closes
    /// Status line and headers; contentLength kChunked or kUntilClose for a stream. `reserveBody`:
    /// room to leave for a body the caller appends.
    QByteArray head(int status, const QByteArray &contentType, qint64 contentLength, const Headers &extra,
                    qsizetype reserveBody = 0) const;
    void write(const QByteArray &bytes);
    /// Closes the connection once this answer is written (after the earlier ones).
    void closeAfterAnswer();
    void finish();

    QByteArray m_method;
    QString m_path;
    QUrlQuery m_query;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QByteArray m_body;
    QHostAddress m_peer;
    QString m_requestId;
    QString m_routePattern;
    QHash<QString, QString> m_pathParams;
    core::Principal m_principal;
    QString m_logTenant;
    QElapsedTimer m_timer;

    QPointer<QTcpSocket> m_socket;
    std::shared_ptr<AnswerOrder> m_order;
    quint64 m_ticket = 0;
    ErrorRenderer m_renderError;
    FinishedHook m_finished;
    QString m_rateLimitReason;
    int m_status = 0;
    bool m_headOnly = false; ///< a HEAD request: every answer without its body
    bool m_http10 = false;   ///< an HTTP/1.0 client: no chunked framing
    bool m_keepAlive = true; ///< the connection stays open after the answer
    bool m_streaming = false;
    bool m_finishedCalled = false;
};

using CallPtr = std::shared_ptr<ApiCall>;

} // namespace agency::httpserver

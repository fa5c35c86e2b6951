#include "httpserver.h"

#include "connectiongate.h"
#include "errorbody.h"
#include "requesthead.h"

#include "core/async/whenfinished.h"

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QJsonObject>
#include <QPromise>
#include <QTcpSocket>
#include <QTimer>

namespace agency::httpserver {

/// QHttpServer's parser with our dispatcher: every request goes to HttpServer::dispatch (no
/// QHttpServer router, no QFuture responses).
class HttpFrontend : public QAbstractHttpServer
{
public:
    explicit HttpFrontend(HttpServer &server) : m_server(server) {}

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        m_server.dispatch(request, socket);
        return true;
    }
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        m_server.dispatch(request, socket);
    }

private:
    HttpServer &m_server;
};

namespace {

/// The client's X-Request-Id when it is a sane token, else a new UUID.
QString requestIdFor(const QHttpServerRequest &request, RequestLogFormat &format)
{
    const QByteArray given = request.value(QByteArrayLiteral("X-Request-Id"));
    if (given.isEmpty() || given.size() > 128)
        return format.newRequestId();
    for (const char c : given) {
        const bool sane = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '.' || c == '_' || c == ':' || c == '-';
        if (!sane)
            return format.newRequestId();
    }
    return QString::fromLatin1(given);
}

/// The agency's error body for answers that are routing facts rather than failures of the service.
QJsonObject errorObject(const QString &code, const QString &message)
{
    return QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code},
                                                             {QStringLiteral("message"), message},
                                                             {QStringLiteral("details"), QJsonObject{}}}}};
}

/// The credentials of an "Authorization: Bearer <key>" header; empty for any other form. The
/// scheme is case-insensitive (RFC 9110 §11.1).
QString bearerSecret(const QByteArray &authorization)
{
    const QByteArray value = authorization.trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space < 0 || QByteArrayView(value).first(space).compare("Bearer", Qt::CaseInsensitive) != 0)
        return {};
    return QString::fromLatin1(value.mid(space + 1).trimmed());
}

bool allowed(Access access, const core::Principal &p)
{
    switch (access) {
    case Access::Public:
    case Access::Member:
        return true;
    case Access::TenantAdmin:
        return p.isTenantAdmin();
    case Access::GlobalAdmin:
        return p.isGlobal();
    }
    return false;
}

} // namespace

HttpServer::HttpServer(ServerConfig config, Authenticator authenticate, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_authenticate(std::move(authenticate)),
      m_turns(m_config.turnDeadlineMs), m_throttle(m_config),
      m_frontend(std::make_unique<HttpFrontend>(*this))
{
}

HttpServer::~HttpServer() = default;

core::Result<quint16> HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_config.authRequired && !address.isLoopback()) {
        return core::makeError(
            core::ErrorCode::Forbidden,
            QStringLiteral("refusing to serve %1 without authentication: --no-auth is accepted only on "
                           "loopback addresses (127.0.0.1, ::1)")
                .arg(address.toString()));
    }
    auto *gate = new ConnectionGate(m_config);
    if (!gate->listen(address, port)) {
        const QString why = gate->errorString();
        delete gate;
        return core::makeError(
            core::ErrorCode::NotConfigured,
            QStringLiteral("cannot listen on %1 port %2: %3").arg(address.toString()).arg(port).arg(why));
    }
    connect(gate, &ConnectionGate::refused, this, [this](const QByteArray &reason, int status) {
        m_metrics.recordRequest(QByteArrayLiteral("-"), QString::fromLatin1(reason), status);
    });
    m_frontend->bind(gate); // reparents the gate to the frontend
    m_gate = gate;
    return gate->serverPort();
}

quint16 HttpServer::port() const
{
    return m_gate ? m_gate->serverPort() : 0;
}

int HttpServer::openConnections() const
{
    return m_gate ? m_gate->openConnections() : 0;
}

int HttpServer::busyConnections() const
{
    return m_gate ? m_gate->busyConnections() : 0;
}

void HttpServer::dispatch(const QHttpServerRequest &request, QTcpSocket *socket)
{
    ConnectionGate::Dispatched dispatched;
    if (m_gate)
        dispatched = m_gate->requestDispatched(socket);
    auto call = std::make_shared<ApiCall>(request, socket, requestIdFor(request, m_logFormat));
    if (dispatched.order) {
        const quint64 ticket = dispatched.order->enqueue();
        call->setAnswerOrder(std::move(dispatched.order), ticket);
    }
    if (const std::optional<RequestHead> &head = dispatched.head)
        call->setRequestLine(head->method, head->http10, head->keepAlive);
    QPointer<HttpServer> self(this);
    QPointer<QTcpSocket> guardedSocket(socket);
    call->setFinishedHook([self, guardedSocket](const ApiCall &c) {
        if (self)
            self->finished(c, guardedSocket);
    });
    if (m_stopping) {
        call->sendError(core::ErrorCode::Cancelled, QStringLiteral("the server is shutting down"));
        return;
    }
    // The gate refuses these already; this catches a request it did not see (several in one read).
    if (!isServedMethod(call->method())) {
        call->sendJson(
            501,
            errorObject(
                QStringLiteral("not_implemented"),
                QStringLiteral("the method %1 is not implemented").arg(QString::fromLatin1(call->method()))));
        return;
    }
    const Router::Match match = m_router.match(call->method(), call->path());
    if (!match.route) {
        call->setErrorRenderer(m_router.rendererForPath(call->path()));
        if (match.allowedMethods.isEmpty()) {
            call->sendError(core::ErrorCode::NotFound,
                            QStringLiteral("no such endpoint: %1").arg(call->path()));
            return;
        }
        // No ErrorCode is "wrong method" (it is a routing fact, not a failure of the service).
        QByteArray allow;
        for (const QByteArray &m : match.allowedMethods)
            allow += (allow.isEmpty() ? "" : ", ") + m;
        const QString message =
            QStringLiteral("%1 is not allowed on %2; allowed: %3")
                .arg(QString::fromLatin1(call->method()), call->path(), QString::fromLatin1(allow));
        call->sendJson(405, errorObject(QStringLiteral("method_not_allowed"), message),
                       {{QByteArrayLiteral("Allow"), allow}});
        return;
    }
    call->setRoute(match.route->path, match.params);
    if (match.route->errorRenderer)
        call->setErrorRenderer(match.route->errorRenderer);
    if (match.route->access == Access::Public) {
        match.route->handler(call);
        return;
    }
    authorize(call, match.route);
}

void HttpServer::authorize(const CallPtr &call, const RouteSpec *route)
{
    if (!m_config.authRequired) {
        core::Principal p;
        p.unauthenticatedAdmin = true;
        call->setPrincipal(p);
        route->handler(call);
        return;
    }
    if (const qint64 wait = m_throttle.refusedForMs(call->peer()); wait > 0) {
        call->setRateLimitReason(QStringLiteral("failed_authentication")); // counted by finished()
        call->sendError(core::ErrorCode::RateLimited,
                        QStringLiteral("too many failed authentications from this address; retry later"),
                        {{QStringLiteral("retry_after_ms"), wait}});
        return;
    }
    const QString secret = bearerSecret(call->header(QByteArrayLiteral("Authorization")));
    if (secret.isEmpty()) {
        call->sendError(core::ErrorCode::Unauthenticated,
                        QStringLiteral("an API key is required: Authorization: Bearer <key>"));
        return;
    }
    core::whenFinished(this, m_authenticate(secret),
                       [this, call, route](const core::Result<core::Principal> &p) {
                           if (!p) {
                               if (p.error().code == core::ErrorCode::Unauthenticated)
                                   m_throttle.recordFailure(call->peer());
                               call->sendError(p.error());
                               return;
                           }
                           // A success clears nothing: one valid key must not buy unlimited guesses.
                           call->setPrincipal(p.value());
                           if (!allowed(route->access, p.value())) {
                               call->sendError(core::ErrorCode::Forbidden,
                                               route->access == Access::GlobalAdmin
                                                   ? QStringLiteral("this needs a global admin key")
                                                   : QStringLiteral("this needs a tenant admin key"));
                               return;
                           }
                           route->handler(call);
                       });
}

void HttpServer::finished(const ApiCall &call, QTcpSocket *socket)
{
    if (m_gate && socket)
        m_gate->answerFinished(socket);
    const int status = call.status();
    m_metrics.recordRequest(call.method(),
                            call.routePattern().isEmpty() ? QStringLiteral("(none)") : call.routePattern(),
                            status);
    if (status == 429) {
        m_metrics.recordRateLimitRefusal(call.rateLimitReason().isEmpty() ? QStringLiteral("tokens")
                                                                          : call.rateLimitReason());
    }
    if (!m_config.accessLog)
        return;
    m_config.accessLog(m_logFormat.line(call, status));
}

QFuture<void> HttpServer::stop()
{
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    QFuture<void> done = promise->future();
    m_stopping = true;
    m_turns.setStopping();
    QPointer<HttpServer> self(this);
    // Done when no turn is left and every connection has been closed after its last answer's
    // bytes went out: a stream's done event or [DONE] (or its "stopping" error) is written before
    // the process may exit, never left in a socket buffer.
    auto finishIfDrained = [self, promise] {
        if (!self || promise->future().isFinished())
            return;
        if (self->m_turns.inFlight() == 0 && self->openConnections() == 0)
            promise->finish();
    };
    connect(&m_turns, &TurnTracker::drained, this, finishIfDrained);
    if (m_gate) {
        connect(m_gate, &ConnectionGate::drained, this, finishIfDrained);
        m_gate->close(); // stop accepting; open connections are served (503) until they close
        m_gate->drain();
    }
    finishIfDrained();
    if (done.isFinished())
        return done;
    QTimer::singleShot(m_config.shutdownGraceMs, this, [self, promise] {
        if (!self || promise->future().isFinished())
            return;
        self->m_turns.cancelAll();
        // A cancelled turn ends at its next step, and its stream says why; if one still hangs, or
        // a client does not read its answer, stop waiting after a while.
        QTimer::singleShot(5000, self, [promise] {
            if (!promise->future().isFinished())
                promise->finish();
        });
    });
    return done;
}

} // namespace agency::httpserver

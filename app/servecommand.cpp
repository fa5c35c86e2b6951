// aiagency serve: the headless server (QCoreApplication only, no display needed).
#include "commands.h"
#include "runtime/backend.h"

#include "accesslog.h"
#include "http/apiserver.h"
#include "signalhandler.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

namespace agency::app {

namespace {

Q_LOGGING_CATEGORY(lcServe, "agency.serve")

/// The server's typed config from the HTTP_* settings (validated against their ranges at start-up).
http::ServerConfig serverConfig(const config::Settings &settings)
{
    http::ServerConfig c;
    c.maxBodyBytes = settings.integer(QStringLiteral("HTTP_MAX_BODY_BYTES"));
    c.maxHeaderBytes = settings.intValue(QStringLiteral("HTTP_MAX_HEADER_BYTES"));
    c.maxConnections = settings.intValue(QStringLiteral("HTTP_MAX_CONNECTIONS"));
    c.idleTimeoutMs = settings.intValue(QStringLiteral("HTTP_IDLE_TIMEOUT_MS"));
    c.requestTimeoutMs = settings.intValue(QStringLiteral("HTTP_REQUEST_TIMEOUT_MS"));
    c.turnDeadlineMs = settings.intValue(QStringLiteral("HTTP_TURN_DEADLINE_MS"));
    c.shutdownGraceMs = settings.intValue(QStringLiteral("HTTP_SHUTDOWN_GRACE_MS"));
    c.authFailLimit = settings.intValue(QStringLiteral("HTTP_AUTH_FAIL_LIMIT"));
    c.authBanMs = settings.intValue(QStringLiteral("HTTP_AUTH_BAN_MS"));
    return c;
}

QString urlFor(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(port);
}

} // namespace

int runServeCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    const QCommandLineOption host(QStringLiteral("host"),
                                  QStringLiteral("Address to bind (default: the HOST setting, 127.0.0.1)."),
                                  QStringLiteral("address"));
    const QCommandLineOption port(
        QStringLiteral("port"), QStringLiteral("Port (default: the PORT setting, 8080; 0 picks a free one)."),
        QStringLiteral("port"));
    const QCommandLineOption noAuth(
        QStringLiteral("no-auth"),
        QStringLiteral("Serve without API keys (loopback addresses only; every caller "
                       "acts as a global admin)."));
    parser.addOptions({host, port, noAuth});
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Run the headless HTTP server."), &exitCode))
        return exitCode;
    const QString hostText =
        parser.isSet(host) ? parser.value(host) : ctx.settings.text(QStringLiteral("HOST"));
    const QString portText =
        parser.isSet(port) ? parser.value(port) : ctx.settings.text(QStringLiteral("PORT"));
    bool portOk = false;
    const uint portNumber = portText.toUInt(&portOk);
    // "localhost" is the name everyone types; any other name would need a DNS lookup.
    const QHostAddress address =
        hostText.trimmed().compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0
            ? QHostAddress(QHostAddress::LocalHost)
            : QHostAddress(hostText.trimmed());
    if (!portOk || portNumber > 65535 || address.isNull()) {
        printErr(QStringLiteral("aiagency serve: --host must be an IP address and --port 0-65535\n"));
        return ExitUsage;
    }
    // The access log goes to stdout, one JSON object per line; diagnostics go to stderr. It outlives
    // the server, so the lines of the last requests are written when the server is gone.
    AccessLog accessLog(stdout);
    http::ServerConfig limits = serverConfig(ctx.settings);
    limits.authRequired = !parser.isSet(noAuth);
    limits.accessLog = [&accessLog](const QByteArray &line) { accessLog.append(line); };

    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    for (const QString &problem : backend.value()->flowProblems())
        printErr(QStringLiteral("warning: flow skipped: %1\n").arg(problem));
    http::ApiServer server(backend.value()->service(), limits);
    runtime::Backend *b = backend.value().get();
    const bool authOff = !limits.authRequired;
    // listen() may first ask the database whether a key exists: continue on the event loop.
    server.listen(address, static_cast<quint16>(portNumber))
        .then(&server, [b, address, authOff](const core::Result<quint16> &bound) {
            if (!bound) {
                // Queued: a refusal decided without the database (--no-auth on a non-loopback
                // address) arrives before exec() has started, and an exit() then would be lost.
                const int code = reportError(bound.error());
                QMetaObject::invokeMethod(
                    qApp, [code] { QCoreApplication::exit(code); }, Qt::QueuedConnection);
                return;
            }
            if (authOff) {
                qCWarning(lcServe).noquote()
                    << "AUTHENTICATION IS OFF (--no-auth): every local caller acts as "
                       "a global admin of every tenant. Use this only for development.";
                printErr(
                    QStringLiteral("aiagency serve: WARNING: authentication is off (--no-auth); every caller "
                                   "on this machine acts as a global admin\n"));
            }
            printErr(QStringLiteral("aiagency serve: listening on %1 (database: %2)\n")
                         .arg(urlFor(address, bound.value()), b->database()->params().describe()));
            b->startRunWorkers();
            b->startPlannerStatistics();
        });
    bool stopping = false;
    handleStopSignals(&server, [b, &server, &stopping](int) {
        if (stopping)
            return;
        stopping = true;
        printErr(
            QStringLiteral("aiagency serve: stopping: no new connections; waiting for turns in flight\n"));
        // 1. stop accepting and let turns finish (then cancel them); 2. hand runs back to the queue;
        // 3. quit, after which the Backend stops the embedded database.
        server.stop().then(
            &server, [b, &server] { b->stopRunWorkers().then(&server, [] { QCoreApplication::quit(); }); });
    });
    const int code = QCoreApplication::exec();
    restoreDefaultSignals();
    return code;
}

} // namespace agency::app

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

/// The settings with serve's --host and --port layered on as the HOST and PORT settings given on
/// the command line (so they win over the environment and are validated like --set), turned into
/// the typed config. InvalidArgument for a value the setting does not allow.
core::Result<runtime::RuntimeConfig> withServeOptions(const CliContext &ctx, const QCommandLineParser &parser,
                                                      const QCommandLineOption &host,
                                                      const QCommandLineOption &port)
{
    if (!parser.isSet(host) && !parser.isSet(port))
        return ctx.config;
    config::Settings settings = ctx.settings;
    const std::pair<const QCommandLineOption *, QString> options[] = {{&host, QStringLiteral("HOST")},
                                                                      {&port, QStringLiteral("PORT")}};
    for (const auto &[option, key] : options) {
        if (!parser.isSet(*option))
            continue;
        auto layered = settings.with(key, parser.value(*option));
        if (!layered)
            return layered.error();
        settings = std::move(layered.value());
    }
    return runtime::RuntimeConfig::fromSettings(settings);
}

/// The first lines of a server no key can call yet: without them, the first request's 401 is
/// all a new user sees. `program` is the command as invoked, so the line can be pasted as is.
QString noKeyNotice(const QString &program)
{
    return QStringLiteral(
               "aiagency serve: no API key exists yet: every route but /, /health, /healthz and "
               "/openapi.json answers 401.\n"
               "aiagency serve: create a key (its secret is printed once) with:\n"
               "    %1 keys create --tenant <tenant> --role admin\n"
               "aiagency serve: or one for every tenant: %1 keys create --global-admin\n"
               "aiagency serve: or, for local development on a loopback address, serve without keys: "
               "%1 serve --no-auth\n")
        .arg(program);
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
    auto config = withServeOptions(ctx, parser, host, port);
    if (!config)
        return reportError(config.error());
    const runtime::ServeConfig &serve = config.value().serve;
    // "localhost" is the name everyone types; any other name would need a DNS lookup.
    const QHostAddress address = serve.host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0
                                     ? QHostAddress(QHostAddress::LocalHost)
                                     : QHostAddress(serve.host);
    if (address.isNull()) {
        printErr(
            QStringLiteral("aiagency serve: --host (the HOST setting) must be an IP address or localhost, "
                           "not \"%1\"\n")
                .arg(serve.host));
        return ExitUsage;
    }
    // The access log goes to stdout, one JSON object per line; diagnostics go to stderr. It outlives
    // the server, so the lines of the last requests are written when the server is gone.
    AccessLog accessLog(stdout);
    httpserver::ServerConfig limits = serve.server;
    limits.authRequired = !parser.isSet(noAuth);
    limits.accessLog = [&accessLog](const QByteArray &line) { accessLog.append(line); };

    auto backend = runtime::Backend::create(config.value());
    if (!backend)
        return reportError(backend.error());
    for (const QString &problem : backend.value()->flowProblems())
        printErr(QStringLiteral("warning: flow skipped: %1\n").arg(problem));
    http::ApiServer server(backend.value()->service(), limits);
    runtime::Backend *b = backend.value().get();
    if (limits.authRequired)
        b->startKeyListener();
    b->startDocumentListener();
    const bool authOff = !limits.authRequired;
    // Say first whether any key exists; listen() may then ask the database too (off loopback):
    // continue on the event loop.
    const QString program = QCoreApplication::arguments().value(0, QStringLiteral("aiagency"));
    auto keysKnown = authOff ? core::readyAsync(core::Result<qint64>(1)) : b->service().countActiveApiKeys();
    keysKnown
        .then(&server,
              [&server, address, port = serve.port, program](const core::Result<qint64> &keys) {
                  if (keys && keys.value() == 0)
                      printErr(noKeyNotice(program));
                  return server.listen(address, port);
              })
        .unwrap()
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

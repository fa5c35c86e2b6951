// aiagency serve: the headless server (QCoreApplication only, no display needed).
#include "backend.h"
#include "commands.h"

#include "http/apiserver.h"
#include "signalhandler.h"

#include <QCoreApplication>
#include <QUrl>

namespace agency::app {

int runServeCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    const QCommandLineOption host(
        QStringLiteral("host"),
        QStringLiteral("IP address or localhost to bind (default 127.0.0.1; IPv6 such as ::1 works)."),
        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("Port (default 8080; 0 picks a free one)."),
                                  QStringLiteral("port"), QStringLiteral("8080"));
    parser.addOptions({host, port});
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Run the headless HTTP server."), &exitCode))
        return exitCode;
    bool portOk = false;
    const uint portNumber = parser.value(port).toUInt(&portOk);
    // "localhost" is the name everyone types; any other name would need a DNS lookup.
    const QString hostText = parser.value(host).trimmed();
    const QHostAddress address = hostText.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0
                                     ? QHostAddress(QHostAddress::LocalHost)
                                     : QHostAddress(hostText);
    if (!portOk || portNumber > 65535 || address.isNull()) {
        printErr(QStringLiteral(
            "aiagency serve: --host must be an IP address or localhost, and --port 0-65535\n"));
        return ExitUsage;
    }

    auto backend = Backend::create(ctx.settings);
    if (!backend)
        return reportError(backend.error());
    for (const QString &problem : backend.value()->flowProblems())
        printErr(QStringLiteral("warning: flow skipped: %1\n").arg(problem));
    http::ApiServer server(backend.value()->service());
    auto bound = server.listen(address, static_cast<quint16>(portNumber));
    if (!bound)
        return reportError(bound.error());
    QUrl url; // brackets an IPv6 address: http://[::1]:8080
    url.setScheme(QStringLiteral("http"));
    url.setHost(address.toString());
    url.setPort(bound.value());
    printErr(QStringLiteral("aiagency serve: listening on %1 (database: %2)\n")
                 .arg(url.toString(), backend.value()->database().params().describe()));

    Backend *b = backend.value().get();
    b->startRunWorkers();
    handleStopSignals(&server, [b, &server](int) {
        printErr(QStringLiteral("aiagency serve: stopping\n"));
        // Running runs are handed back to the queue before the database goes away.
        b->stopRunWorkers().then(&server, [] { QCoreApplication::quit(); });
    });
    const int code = QCoreApplication::exec();
    restoreDefaultSignals();
    return code;
}

} // namespace agency::app

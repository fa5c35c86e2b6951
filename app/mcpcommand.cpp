// aiagency mcp --tenant T: the agency as an MCP server over stdio for one tenant, for desktop MCP
// clients that start a command (docs/design.md#mcp). stdout carries only protocol messages; every
// log line goes to stderr.
#include "commands.h"
#include "runtime/backend.h"
#include "signalhandler.h"

#include "core/async/whenfinished.h"
#include "mcpserver/mcpserver.h"
#include "mcpserver/stdiotransport.h"
#include "service/agencyservice.h"

#include <QCoreApplication>

#include <csignal>
#include <unistd.h>

namespace agency::app {

int runMcpCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    const QCommandLineOption tenant(QStringLiteral("tenant"), QStringLiteral("Tenant id (required)."),
                                    QStringLiteral("id"));
    parser.addOptions({tenant});
    const QString description = QStringLiteral(
        "Serve the agency over MCP (Model Context Protocol) on stdin/stdout for one tenant: the tools\n"
        "ask_<flow> (one per flow), search_conversations and search_documents. For MCP clients that\n"
        "start a command, e.g. Claude Desktop: {\"command\": \"aiagency\", \"args\": [\"mcp\", \"--tenant\", "
        "\"T\"]}.\n"
        "Runs until its input ends. Over HTTP, `aiagency serve` offers the same at /mcp.");
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, description, &exitCode))
        return exitCode;
    if (!parser.isSet(tenant) || !parser.positionalArguments().isEmpty()) {
        printErr(QStringLiteral("aiagency mcp: expected `mcp --tenant T`\n"));
        return ExitUsage;
    }
    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    const QString tenantId = parser.value(tenant);

    // A client that closed its end of stdout must not kill the program with SIGPIPE mid-write:
    // the write fails and is logged instead.
    std::signal(SIGPIPE, SIG_IGN);
    mcpserver::McpServer server(service, tenantId);
    mcpserver::StdioTransport transport(server, STDIN_FILENO, STDOUT_FILENO);
    QObject::connect(&transport, &mcpserver::StdioTransport::closed, &transport,
                     [] { QCoreApplication::exit(ExitOk); });
    // The tenant must exist before a client is told about its tools.
    core::whenFinished(
        &transport, service.getTenant(tenantId),
        [&transport](const core::Result<core::Tenant> &found) {
            if (!found) {
                QCoreApplication::exit(reportError(found.error()));
                return;
            }
            transport.start();
        },
        [] { QCoreApplication::exit(ExitFailure); });
    handleStopSignals(&transport, [&server](int) {
        server.cancelAll();
        QCoreApplication::exit(ExitInterrupted);
    });
    const int code = QCoreApplication::exec();
    restoreDefaultSignals();
    return code;
}

} // namespace agency::app

// aiagency mcp servers [--tenant T] [--json]: starts the MCP servers every flow attaches (and a
// tenant's, with --tenant) and shows each one's state: ready with its tool count, or failed and
// why (docs/mcp.md#using-mcp-servers-in-flows). Goes through AgencyService like every command.
#include "asyncexit.h"
#include "commands.h"
#include "runtime/backend.h"

#include "service/agencyservice.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace agency::app {

namespace {

QString table(const QList<core::McpServerStatus> &servers)
{
    if (servers.isEmpty())
        return QStringLiteral("no MCP servers are configured (a flow's or a tenant's \"mcp_servers\")\n");
    QString out = QStringLiteral("%1  %2  %3  %4  %5  %6\n")
                      .arg(QStringLiteral("SERVER"), -16)
                      .arg(QStringLiteral("SCOPE"), -24)
                      .arg(QStringLiteral("TRANSPORT"), -9)
                      .arg(QStringLiteral("STATE"), -8)
                      .arg(QStringLiteral("TOOLS"), 5)
                      .arg(QStringLiteral("DETAIL"));
    for (const core::McpServerStatus &s : servers) {
        const QString detail =
            s.state == QLatin1String("ready") ? QStringLiteral("MCP ") + s.protocolVersion : s.reason;
        out += QStringLiteral("%1  %2  %3  %4  %5  %6\n")
                   .arg(s.name, -16)
                   .arg(s.scope, -24)
                   .arg(s.transport, -9)
                   .arg(s.state, -8)
                   .arg(s.toolCount, 5)
                   .arg(detail);
    }
    return out;
}

} // namespace

int runMcpServersCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("servers"), QStringLiteral("show the MCP servers' state"));
    const QCommandLineOption tenant(QStringLiteral("tenant"),
                                    QStringLiteral("Also the servers of this tenant's settings."),
                                    QStringLiteral("tenant"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON instead of a table."));
    parser.addOptions({tenant, json});
    int exitCode = ExitOk;
    const QString description = QStringLiteral(
        "Starts the MCP servers of every flow (and of a tenant's settings with --tenant), waits until\n"
        "each is ready or has failed (MCP_START_TIMEOUT_MS), and shows their state, tool count and,\n"
        "for a failure, the reason (with the last lines a stdio server wrote to stderr).\n"
        "Exit code 0 when all are ready, 6 when one is not.");
    if (!parseSubcommand(parser, ctx.args, description, &exitCode))
        return exitCode;
    if (parser.positionalArguments() != QStringList{QStringLiteral("servers")}) {
        printErr(QStringLiteral("aiagency mcp: expected `servers` (or `--tenant T` to serve MCP)\n"));
        return ExitUsage;
    }
    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    const bool asJson = parser.isSet(json);
    return exitWhenDone(backend.value()->service().mcpServers(parser.value(tenant)),
                        [asJson](const core::Result<QList<core::McpServerStatus>> &servers) {
                            if (!servers)
                                return reportError(servers.error());
                            if (asJson) {
                                QJsonArray array;
                                for (const core::McpServerStatus &s : servers.value())
                                    array.append(s.toJson());
                                printOut(
                                    QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented)));
                            } else {
                                printOut(table(servers.value()));
                            }
                            for (const core::McpServerStatus &s : servers.value()) {
                                if (s.state != QLatin1String("ready"))
                                    return int(ExitProvider);
                            }
                            return int(ExitOk);
                        });
}

} // namespace agency::app

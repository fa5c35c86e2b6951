// aiagency tools list|call: the tools a flow may call, with their JSON Schemas, and one tool run
// directly for a tenant, so an admin can check credentials and see what an agent would see.
#include "asyncexit.h"
#include "commands.h"
#include "runtime/backend.h"

#include "service/agencyservice.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace agency::app {

namespace {

QJsonObject toolJson(const core::ToolInfo &info)
{
    return {{QStringLiteral("name"), info.definition.name},
            {QStringLiteral("description"), info.definition.description},
            {QStringLiteral("parameters"), info.definition.parameters},
            {QStringLiteral("requires_approval"), info.requiresApproval},
            {QStringLiteral("origin"), info.origin}};
}

QString toolText(const core::ToolInfo &info)
{
    QString text = info.definition.name;
    if (info.requiresApproval)
        text += QStringLiteral("  (writes: each call needs approval)");
    if (info.origin != QLatin1String("builtin"))
        text += QStringLiteral("  [%1]").arg(info.origin);
    text +=
        QStringLiteral("\n  %1\n  parameters: %2\n")
            .arg(info.definition.description,
                 QString::fromUtf8(QJsonDocument(info.definition.parameters).toJson(QJsonDocument::Compact)));
    return text;
}

int listTools(service::AgencyService &service, const QString &flow, const QString &tenant, bool json)
{
    return exitWhenDone(
        service.flowTools(flow, tenant), [json](const core::Result<QList<core::ToolInfo>> &tools) {
            if (!tools)
                return reportError(tools.error());
            if (json) {
                QJsonArray array;
                for (const core::ToolInfo &info : tools.value())
                    array.append(toolJson(info));
                printOut(QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented)));
            } else if (tools->isEmpty()) {
                printErr(QStringLiteral("this flow calls no tools\n"));
            } else {
                for (const core::ToolInfo &info : tools.value())
                    printOut(toolText(info));
            }
            return int(ExitOk);
        });
}

int callTool(service::AgencyService &service, const QString &tenant, const QString &name,
             const QString &arguments, const QString &flow)
{
    return exitWhenDone(
        service.callTool(tenant, name, arguments, flow),
        [tenant](const core::Result<core::ToolCallOutcome> &outcome) {
            if (!outcome)
                return reportError(outcome.error());
            printOut(QString::fromUtf8(QJsonDocument(outcome->result).toJson(QJsonDocument::Indented)));
            if (!outcome->approvalId.isEmpty()) {
                // Nothing was sent: the call waits for a person, who sees exactly these arguments.
                printErr(QStringLiteral("this tool acts on another system: the call waits for approval %1\n"
                                        "approve it with: aiagency approvals approve %1 --tenant %2\n")
                             .arg(outcome->approvalId, tenant));
                return int(ExitOk);
            }
            // The tool ran, but failed (bad credentials, the other system refused): say so in the
            // exit code too, so a script checking credentials needs no JSON parsing.
            return int(outcome->success ? ExitOk : ExitFailure);
        });
}

} // namespace

int runToolsCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("list | call"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("tool name (call)"),
                                 QStringLiteral("[name]"));
    parser.addPositionalArgument(QStringLiteral("arguments"),
                                 QStringLiteral("the tool's arguments as a JSON object (call; default {})"),
                                 QStringLiteral("['JSON']"));
    parser.addOptions({
        {QStringLiteral("flow"),
         QStringLiteral(
             "List only the tools this flow may call, its MCP servers' included (call: look for an "
             "MCP tool among this flow's servers only)."),
         QStringLiteral("flow")},
        {QStringLiteral("tenant"),
         QStringLiteral("Tenant whose settings and credentials the call uses (list: its MCP servers too)."),
         QStringLiteral("tenant")},
        {QStringLiteral("json"), QStringLiteral("List as a JSON array.")},
    });
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args,
                         QStringLiteral("List the tools agents may call, or run one directly for a tenant."),
                         &exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    if (action == QLatin1String("list")) {
        if (positional.size() != 1) {
            printErr(QStringLiteral("aiagency tools list: takes no arguments (use --flow F)\n"));
            return ExitUsage;
        }
    } else if (action == QLatin1String("call")) {
        if (positional.size() < 2 || positional.size() > 3 || !parser.isSet(QStringLiteral("tenant"))) {
            printErr(QStringLiteral(
                "aiagency tools call: give the tool's name, --tenant T and optionally its "
                "arguments as one JSON object, e.g. "
                "aiagency tools call get_weather --tenant acme '{\"location\": \"Paris\"}'\n"));
            return ExitUsage;
        }
    } else {
        printErr(QStringLiteral("aiagency tools: expected list or call\n"));
        return ExitUsage;
    }
    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    if (action == QLatin1String("list"))
        return listTools(service, parser.value(QStringLiteral("flow")),
                         parser.value(QStringLiteral("tenant")), parser.isSet(QStringLiteral("json")));
    return callTool(service, parser.value(QStringLiteral("tenant")), positional.value(1), positional.value(2),
                    parser.value(QStringLiteral("flow")));
}

} // namespace agency::app

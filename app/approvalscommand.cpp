// aiagency approvals list|show|approve|reject: tool calls that wait for a person's approval
// (docs/flows-and-tools.md#approvals), through AgencyService. Approving runs the call here and
// continues its conversation's turn (the provider is called from this process).
#include "approvalprint.h"
#include "asyncexit.h"
#include "commands.h"
#include "runtime/backend.h"

#include "service/agencyservice.h"

namespace agency::app {

namespace {

int printApproval(const core::Result<core::ToolApproval> &approval)
{
    if (!approval)
        return reportError(approval.error());
    printOut(describeApproval(approval.value()));
    return ExitOk;
}

int printApprovals(const core::Result<QList<core::ToolApproval>> &approvals)
{
    if (!approvals)
        return reportError(approvals.error());
    QString out = QStringLiteral("%1  %2  %3  %4  %5\n")
                      .arg(QStringLiteral("APPROVAL"), -36)
                      .arg(QStringLiteral("STATUS"), -8)
                      .arg(QStringLiteral("TOOL"), -20)
                      .arg(QStringLiteral("CREATED"), -20)
                      .arg(QStringLiteral("ARGUMENTS"));
    for (const core::ToolApproval &a : approvals.value()) {
        out += QStringLiteral("%1  %2  %3  %4  %5\n")
                   .arg(a.approvalId.toString(QUuid::WithoutBraces), -36)
                   .arg(core::approvalStatusName(a.status), -8)
                   .arg(a.toolName, -20)
                   .arg(a.createdAt.toUTC().toString(Qt::ISODate), -20)
                   .arg(compactJson(a.arguments).left(80));
    }
    printOut(out);
    return ExitOk;
}

int printOutcome(const core::Result<core::ApprovalOutcome> &outcome)
{
    if (!outcome)
        return reportError(outcome.error());
    printOut(describeApproval(outcome->approval));
    if (outcome->turn)
        printOut(describeContinuation(outcome->turn.value()));
    if (outcome->turnError) {
        printErr(
            QStringLiteral("the conversation could not continue: %1\n").arg(outcome->turnError->toString()));
        return exitCodeFor(outcome->turnError->code);
    }
    return ExitOk;
}

} // namespace

int runApprovalsCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"),
                                 QStringLiteral("list | show ID | approve ID | reject ID"));
    const QCommandLineOption tenant(QStringLiteral("tenant"), QStringLiteral("Tenant id (required)."),
                                    QStringLiteral("id"));
    const QCommandLineOption status(QStringLiteral("status"),
                                    QStringLiteral("list: only pending, approved, rejected or expired."),
                                    QStringLiteral("status"));
    const QCommandLineOption conversation(QStringLiteral("conversation"),
                                          QStringLiteral("list: only this conversation's."),
                                          QStringLiteral("id"));
    const QCommandLineOption reason(
        QStringLiteral("reason"), QStringLiteral("reject: why (the model is told)."), QStringLiteral("text"));
    parser.addOptions({tenant, status, conversation, reason});
    const QString description =
        QStringLiteral("Tool calls that act on other systems wait for a person's approval.\n\n"
                       "  list    --tenant T [--status S] [--conversation C]   newest first\n"
                       "  show    --tenant T ID\n"
                       "  approve --tenant T ID                  runs the call; its conversation continues\n"
                       "  reject  --tenant T ID [--reason TEXT]  nothing is sent; the model is told why");
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, description, &exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const bool byId = action == QLatin1String("show") || action == QLatin1String("approve") ||
                      action == QLatin1String("reject");
    const bool known =
        (action == QLatin1String("list") && positional.size() == 1) || (byId && positional.size() == 2);
    if (!known || !parser.isSet(tenant)) {
        printErr(QStringLiteral("aiagency approvals: expected `list --tenant T`, `show --tenant T ID`, "
                                "`approve --tenant T ID` or `reject --tenant T ID [--reason TEXT]`\n"));
        return ExitUsage;
    }
    if (parser.isSet(reason) && action != QLatin1String("reject")) {
        printErr(QStringLiteral("aiagency approvals: --reason goes with reject\n"));
        return ExitUsage;
    }

    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    const QString tenantId = parser.value(tenant);
    if (action == QLatin1String("list"))
        return exitWhenDone(service.listApprovals(tenantId, parser.value(status), parser.value(conversation)),
                            printApprovals);
    if (action == QLatin1String("show"))
        return exitWhenDone(service.getApproval(tenantId, positional.at(1)), printApproval);
    core::AuditEntry actor;
    actor.actorName = QStringLiteral("cli");
    if (action == QLatin1String("approve"))
        return exitWhenDone(service.approveToolCall(tenantId, positional.at(1), actor), printOutcome);
    return exitWhenDone(service.rejectToolCall(tenantId, positional.at(1), parser.value(reason), actor),
                        printOutcome);
}

} // namespace agency::app

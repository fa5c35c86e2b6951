// aiagency runs create|list|show|cancel: queue a flow run and watch it, through AgencyService.
// The runs are executed by the run workers of `aiagency serve` (or the console) on the same
// database; this command never executes one itself.
#include "asyncexit.h"
#include "commands.h"
#include "messageinput.h"
#include "runtime/backend.h"

#include "core/limits.h"
#include "core/text.h"
#include "service/agencyservice.h"

namespace agency::app {

namespace {

QString timeText(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QStringLiteral("-");
}

QString describe(const core::Run &run)
{
    QString out;
    auto line = [&out](const char *label, const QString &value) {
        out += QStringLiteral("%1 %2\n").arg(QString(QLatin1String(label) + u':'), -15).arg(value);
    };
    line("run", run.runId.toString(QUuid::WithoutBraces));
    line("tenant", run.tenantId);
    line("flow", run.flowType);
    line("status",
         core::runStatusName(run.status) +
             (run.cancelRequested && !run.isFinished() ? QStringLiteral(" (cancel requested)") : QString()));
    line("provider", run.provider.isEmpty() ? QStringLiteral("(flow, tenant or default)") : run.provider);
    line("model", run.model.isEmpty() ? QStringLiteral("(provider's default)") : run.model);
    line("attempts", QString::number(run.attempts));
    line("created", timeText(run.createdAt));
    line("started", timeText(run.startedAt));
    line("finished", timeText(run.finishedAt));
    line("conversation", run.conversationId.isNull() ? QStringLiteral("-")
                                                     : run.conversationId.toString(QUuid::WithoutBraces));
    if (run.usage.totalTokens > 0)
        line("tokens", QString::number(run.usage.totalTokens));
    line("input", core::truncateGraphemes(run.input.simplified(), 200));
    if (run.error)
        line("error", run.error->toString());
    if (!run.output.isEmpty())
        out += QStringLiteral("output:\n%1\n").arg(run.output);
    return out;
}

int printRun(const core::Result<core::Run> &run)
{
    if (!run)
        return reportError(run.error());
    printOut(describe(run.value()));
    return ExitOk;
}

int printRuns(const core::Result<core::Page<core::Run>> &page)
{
    if (!page)
        return reportError(page.error());
    QString out = QStringLiteral("%1  %2  %3  %4  %5\n")
                      .arg(QStringLiteral("RUN"), -36)
                      .arg(QStringLiteral("STATUS"), -9)
                      .arg(QStringLiteral("FLOW"), -16)
                      .arg(QStringLiteral("CREATED"), -20)
                      .arg(QStringLiteral("INPUT"));
    for (const core::Run &run : page->items) {
        out += QStringLiteral("%1  %2  %3  %4  %5\n")
                   .arg(run.runId.toString(QUuid::WithoutBraces), -36)
                   .arg(core::runStatusName(run.status), -9)
                   .arg(run.flowType, -16)
                   .arg(timeText(run.createdAt), -20)
                   .arg(core::truncateGraphemes(run.input.simplified(), 60));
    }
    if (!page->nextCursor.isEmpty())
        out += QStringLiteral("more: --cursor %1\n").arg(page->nextCursor);
    printOut(out);
    return ExitOk;
}

} // namespace

int runRunsCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"),
                                 QStringLiteral("create MESSAGE | list | show RUN_ID | cancel RUN_ID"));
    const QCommandLineOption tenant(QStringLiteral("tenant"), QStringLiteral("Tenant id (required)."),
                                    QStringLiteral("id"));
    const QCommandLineOption flow(QStringLiteral("flow"), QStringLiteral("create: the flow to run."),
                                  QStringLiteral("flow"));
    const QCommandLineOption provider(
        QStringLiteral("provider"),
        QStringLiteral("create: provider override (else flow, tenant, LLM_PROVIDER)."),
        QStringLiteral("name"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("create: model override."),
                                   QStringLiteral("model"));
    const QCommandLineOption file(QStringLiteral("file"),
                                  QStringLiteral("create: read the input from this file."),
                                  QStringLiteral("path"));
    const QCommandLineOption status(
        QStringLiteral("status"),
        QStringLiteral("list: only queued, running, completed, failed or cancelled."),
        QStringLiteral("status"));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("list: runs per page (1-200)."),
                                   QStringLiteral("n"), QStringLiteral("50"));
    const QCommandLineOption cursor(QStringLiteral("cursor"),
                                    QStringLiteral("list: the next page, as printed."),
                                    QStringLiteral("cursor"));
    parser.addOptions({tenant, flow, provider, model, file, status, limit, cursor});
    const QString description = QStringLiteral(
        "Queue flow runs and watch them. Runs are executed by `aiagency serve` (or the console) on the\n"
        "same database; this command only queues, lists, shows and cancels them.\n\n"
        "  create --tenant T --flow F [--provider P] [--model M] MESSAGE | - | --file PATH\n"
        "  list   --tenant T [--status S] [--limit N] [--cursor C]   newest first\n"
        "  show   --tenant T RUN_ID\n"
        "  cancel --tenant T RUN_ID     a queued run at once; a running one is asked to stop");
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, description, &exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const bool byId = action == QLatin1String("show") || action == QLatin1String("cancel");
    const bool known = (action == QLatin1String("create")) ||
                       (action == QLatin1String("list") && positional.size() == 1) ||
                       (byId && positional.size() == 2);
    if (!known || !parser.isSet(tenant) || (action == QLatin1String("create") && !parser.isSet(flow))) {
        printErr(
            QStringLiteral("aiagency runs: expected `create --tenant T --flow F MESSAGE`, `list --tenant T`, "
                           "`show --tenant T RUN_ID` or `cancel --tenant T RUN_ID`\n"));
        return ExitUsage;
    }
    QString input;
    if (action == QLatin1String("create")) {
        auto message = commandMessage(positional.mid(1), parser.value(file), core::limits::kMaxContentChars);
        if (!message)
            return reportError(message.error());
        if (message->isEmpty()) {
            printErr(QStringLiteral("aiagency runs create: a MESSAGE (or - or --file) is required\n"));
            return ExitUsage;
        }
        input = message.value();
    }
    bool limitOk = false;
    const int pageSize = parser.value(limit).toInt(&limitOk);
    if (!limitOk) {
        printErr(QStringLiteral("aiagency runs: --limit expects a whole number\n"));
        return ExitUsage;
    }

    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    const QString tenantId = parser.value(tenant);
    if (action == QLatin1String("create")) {
        return exitWhenDone(service.createRun(tenantId, parser.value(flow), input, parser.value(provider),
                                              parser.value(model)),
                            printRun);
    }
    if (action == QLatin1String("list"))
        return exitWhenDone(service.listRuns(tenantId, parser.value(status), pageSize, parser.value(cursor)),
                            printRuns);
    if (action == QLatin1String("show"))
        return exitWhenDone(service.getRun(tenantId, positional.at(1)), printRun);
    return exitWhenDone(service.cancelRun(tenantId, positional.at(1)), printRun);
}

} // namespace agency::app

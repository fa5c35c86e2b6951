// aiagency tenants list|show|set|usage: a tenant's settings (provider, model, rate-limit
// overrides, budget) and its usage and cost, without SQL. Everything goes through AgencyService, which
// validates exactly as it does for the HTTP API and the console.
#include "asyncexit.h"
#include "commands.h"
#include "runtime/backend.h"

#include "core/json.h"
#include "service/agencyservice.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace agency::app {

namespace {

const char *const kSetKeys =
    "name, provider, model, rate_limits.<provider>.tpm, rate_limits.<provider>.tph "
    "(<provider> may be *), budget.usd_per_day, budget.usd_per_month, slack_team_id, "
    "mcp_servers";

QString settingText(const QJsonObject &settings, const QString &key, const QString &fallback)
{
    const QString value = settings.value(key).toString();
    return value.isEmpty() ? fallback : value;
}

QString describe(const core::Tenant &t)
{
    QString out;
    out += QStringLiteral("tenant:         %1\n").arg(t.tenantId);
    out += QStringLiteral("name:           %1\n").arg(t.name);
    out += QStringLiteral("conversations:  %1\n").arg(t.conversationCount);
    out += QStringLiteral("created:        %1\n").arg(t.createdAt.toUTC().toString(Qt::ISODate));
    out += QStringLiteral("provider:       %1\n")
               .arg(settingText(t.settings, QStringLiteral("provider"), QStringLiteral("(not set)")));
    out += QStringLiteral("model:          %1\n")
               .arg(settingText(t.settings, QStringLiteral("model"), QStringLiteral("(not set)")));
    const QByteArray json = QJsonDocument(t.settings).toJson(QJsonDocument::Indented);
    out += QStringLiteral("settings:       %1").arg(QString::fromUtf8(json));
    return out;
}

/// Applies one KEY=VALUE of `tenants set` to the tenant's name or settings object. An empty
/// value removes the setting. Values are not judged here: the service validates the result.
core::Status applyAssignment(const QString &assignment, std::optional<QString> &name, QJsonObject &settings)
{
    const qsizetype eq = assignment.indexOf(u'=');
    const QString key = eq > 0 ? assignment.left(eq).trimmed() : QString();
    const QString value = eq > 0 ? assignment.mid(eq + 1) : QString();
    if (key.isEmpty()) {
        return core::makeError(core::ErrorCode::InvalidArgument,
                               QStringLiteral("expected KEY=VALUE, got \"%1\"").arg(assignment));
    }
    if (key == QLatin1String("name")) {
        name = value;
        return {};
    }
    if (key == QLatin1String("provider") || key == QLatin1String("model") ||
        key == QLatin1String("slack_team_id")) {
        if (value.isEmpty())
            settings.remove(key);
        else
            settings.insert(key, value);
        return {};
    }
    if (key == QLatin1String("mcp_servers")) {
        // A JSON array (docs/mcp.md#using-mcp-servers-in-flows); the service validates it.
        if (value.isEmpty()) {
            settings.remove(key);
            return {};
        }
        QJsonParseError error{};
        const QJsonDocument servers = QJsonDocument::fromJson(value.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !servers.isArray())
            return core::makeError(core::ErrorCode::InvalidArgument,
                                   QStringLiteral("mcp_servers: expected a JSON array of servers"),
                                   {{QStringLiteral("field"), key}});
        settings.insert(key, servers.array());
        return {};
    }
    const QStringList path = key.split(u'.');
    if (path.size() == 2 && path.at(0) == QLatin1String("budget") &&
        (path.at(1) == QLatin1String("usd_per_day") || path.at(1) == QLatin1String("usd_per_month"))) {
        QJsonObject budget = settings.value(path.at(0)).toObject();
        bool isNumber = false;
        const double dollars = value.toDouble(&isNumber);
        if (value.isEmpty())
            budget.remove(path.at(1));
        else if (isNumber)
            budget.insert(path.at(1), dollars);
        else
            budget.insert(path.at(1), value); // the service names what is wrong with it
        if (budget.isEmpty())
            settings.remove(path.at(0));
        else
            settings.insert(path.at(0), budget);
        return {};
    }
    if (path.size() == 3 && path.at(0) == QLatin1String("rate_limits") && !path.at(1).isEmpty() &&
        (path.at(2) == QLatin1String("tpm") || path.at(2) == QLatin1String("tph"))) {
        QJsonObject limits = settings.value(path.at(0)).toObject();
        QJsonObject provider = limits.value(path.at(1)).toObject();
        bool isNumber = false;
        const qint64 number = value.toLongLong(&isNumber);
        if (value.isEmpty())
            provider.remove(path.at(2));
        else if (isNumber)
            provider.insert(path.at(2), static_cast<double>(number));
        else
            provider.insert(path.at(2), value); // the service names what is wrong with it
        if (provider.isEmpty())
            limits.remove(path.at(1));
        else
            limits.insert(path.at(1), provider);
        if (limits.isEmpty())
            settings.remove(path.at(0));
        else
            settings.insert(path.at(0), limits);
        return {};
    }
    return core::makeError(
        core::ErrorCode::InvalidArgument,
        QStringLiteral("unknown key \"%1\"; the keys are %2").arg(key, QLatin1String(kSetKeys)),
        {{QStringLiteral("field"), key}});
}

int listTenants(service::AgencyService &service, int limit, const QString &after)
{
    return exitWhenDone(
        service.listTenants(limit, after), [](const core::Result<core::Page<core::Tenant>> &page) {
            if (!page)
                return reportError(page.error());
            QString out = QStringLiteral("%1  %2  %3  %4  %5\n")
                              .arg(QStringLiteral("TENANT"), -20)
                              .arg(QStringLiteral("CONVERSATIONS"), 13)
                              .arg(QStringLiteral("PROVIDER"), -10)
                              .arg(QStringLiteral("MODEL"), -24)
                              .arg(QStringLiteral("NAME"));
            for (const core::Tenant &t : page->items) {
                out += QStringLiteral("%1  %2  %3  %4  %5\n")
                           .arg(t.tenantId, -20)
                           .arg(t.conversationCount, 13)
                           .arg(settingText(t.settings, QStringLiteral("provider"), QStringLiteral("-")), -10)
                           .arg(settingText(t.settings, QStringLiteral("model"), QStringLiteral("-")), -24)
                           .arg(t.name);
            }
            if (!page->nextCursor.isEmpty())
                out += QStringLiteral("more: aiagency tenants list --after %1\n").arg(page->nextCursor);
            printOut(out);
            return int(ExitOk);
        });
}

int showTenant(service::AgencyService &service, const QString &tenantId)
{
    return exitWhenDone(service.getTenant(tenantId), [](const core::Result<core::Tenant> &tenant) {
        if (!tenant)
            return reportError(tenant.error());
        printOut(describe(tenant.value()));
        return int(ExitOk);
    });
}

/// Updates the tenant, or creates it (as `chat` would on first use) when it does not exist yet.
int setTenant(service::AgencyService &service, const QString &tenantId, const QStringList &assignments)
{
    auto updated = service.getTenant(tenantId)
                       .then(&service,
                             [&service, tenantId, assignments](
                                 const core::Result<core::Tenant> &current) -> core::Async<core::Tenant> {
                                 if (!current && current.error().code != core::ErrorCode::NotFound)
                                     return core::failedAsync<core::Tenant>(current.error());
                                 std::optional<QString> name;
                                 QJsonObject settings = current ? current->settings : QJsonObject();
                                 for (const QString &assignment : assignments) {
                                     if (auto ok = applyAssignment(assignment, name, settings); !ok)
                                         return core::failedAsync<core::Tenant>(ok.error());
                                 }
                                 if (!current)
                                     return service.createTenant(tenantId, name.value_or(tenantId), settings);
                                 return service.updateTenant(tenantId, name, settings);
                             })
                       .unwrap();
    return exitWhenDone(updated, [](const core::Result<core::Tenant> &tenant) {
        if (!tenant)
            return reportError(tenant.error());
        printOut(describe(tenant.value()));
        return int(ExitOk);
    });
}

QString dollars(double usd)
{
    return QStringLiteral("$") + QString::number(usd, 'f', 4);
}

/// Usage by day and provider with its cost, and the totals.
int showUsage(service::AgencyService &service, const QString &tenantId, int days)
{
    const QDateTime to = QDateTime::currentDateTimeUtc();
    return exitWhenDone(service.usageSummary(tenantId, to.addDays(-days), to),
                        [](const core::Result<QList<core::UsageSummaryRow>> &rows) {
                            if (!rows)
                                return reportError(rows.error());
                            QString out = QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8\n")
                                              .arg(QStringLiteral("DAY"), -10)
                                              .arg(QStringLiteral("PROVIDER"), -10)
                                              .arg(QStringLiteral("CALLS"), 7)
                                              .arg(QStringLiteral("ERRORS"), 6)
                                              .arg(QStringLiteral("PROMPT"), 10)
                                              .arg(QStringLiteral("COMPLETION"), 10)
                                              .arg(QStringLiteral("TOTAL"), 10)
                                              .arg(QStringLiteral("COST (USD)"), 12);
                            core::UsageSummaryRow sum;
                            for (const core::UsageSummaryRow &r : rows.value()) {
                                out += QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8\n")
                                           .arg(r.day.toString(Qt::ISODate), -10)
                                           .arg(r.provider, -10)
                                           .arg(r.calls, 7)
                                           .arg(r.errors, 6)
                                           .arg(r.promptTokens, 10)
                                           .arg(r.completionTokens, 10)
                                           .arg(r.totalTokens, 10)
                                           .arg(dollars(r.costUsd), 12);
                                sum.calls += r.calls;
                                sum.totalTokens += r.totalTokens;
                                sum.costUsd += r.costUsd;
                                sum.unpricedCalls += r.unpricedCalls;
                            }
                            out += QStringLiteral("total: %1 calls, %2 tokens, %3\n")
                                       .arg(sum.calls)
                                       .arg(sum.totalTokens)
                                       .arg(dollars(sum.costUsd));
                            if (sum.unpricedCalls > 0)
                                out += QStringLiteral(
                                           "%1 calls used models without a price (not counted in the cost; "
                                           "see LLM_PRICES_FILE)\n")
                                           .arg(sum.unpricedCalls);
                            printOut(out);
                            return int(ExitOk);
                        });
}

} // namespace

int runTenantsCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(
        QStringLiteral("action"),
        QStringLiteral(
            "list | show TENANT | set TENANT KEY=VALUE... | usage TENANT | secret set|list|delete ..."));
    const QCommandLineOption limit(QStringLiteral("limit"),
                                   QStringLiteral("list: tenants per page (1-1000)."), QStringLiteral("n"),
                                   QStringLiteral("100"));
    const QCommandLineOption after(QStringLiteral("after"),
                                   QStringLiteral("list: start after this tenant id (the next page)."),
                                   QStringLiteral("tenant"));
    const QCommandLineOption days(QStringLiteral("days"), QStringLiteral("usage: the last n days (1-366)."),
                                  QStringLiteral("n"), QStringLiteral("30"));
    parser.addOptions({limit, after, days});
    int exitCode = ExitOk;
    const QString description = QStringLiteral(
        "See and change tenants and their settings.\n\n"
        "  list                      every tenant, with its provider and model\n"
        "  show TENANT               one tenant and its settings\n"
        "  set TENANT KEY=VALUE...   change settings (creates the tenant if needed);\n"
        "                            an empty VALUE removes the setting. KEY is one of:\n"
        "      name                          the tenant's display name\n"
        "      provider                      the tenant's provider (demo, openai, mistral, vertex, gemini)\n"
        "      model                         the tenant's model\n"
        "      rate_limits.<provider>.tpm    tokens per minute for <provider> (* = every provider)\n"
        "      rate_limits.<provider>.tph    tokens per hour (0 = unlimited)\n"
        "      budget.usd_per_day            US dollars the tenant may spend per UTC day\n"
        "      budget.usd_per_month          US dollars per UTC month\n"
        "      slack_team_id                 the Slack workspace (T...) whose events the tenant answers\n"
        "      mcp_servers                   a JSON array of MCP servers whose tools every turn gets\n"
        "  usage TENANT [--days n]   tokens and cost by day and provider\n"
        "  secret set TENANT NAME    store a credential (slack_bot_token, slack_signing_secret,\n"
        "                            github_token, ...); the value is read from standard input,\n"
        "                            or typed at a prompt that does not show it\n"
        "  secret list TENANT        the names of its secrets, with their dates (never values)\n"
        "  secret delete TENANT NAME remove one\n\n"
        "Example: aiagency tenants set acme provider=openai model=gpt-4o-mini rate_limits.openai.tpm=20000 "
        "budget.usd_per_day=5");
    if (!parseSubcommand(parser, ctx.args, description, &exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    if (action == QLatin1String("secret"))
        return runTenantSecretCommand(ctx, positional);
    const bool known = (action == QLatin1String("list") && positional.size() == 1) ||
                       (action == QLatin1String("show") && positional.size() == 2) ||
                       (action == QLatin1String("set") && positional.size() >= 3) ||
                       (action == QLatin1String("usage") && positional.size() == 2);
    if (!known) {
        printErr(QStringLiteral("aiagency tenants: expected `list`, `show TENANT`, `set TENANT KEY=VALUE...` "
                                "`usage TENANT` or `secret set|list|delete TENANT [NAME]`\n"));
        return ExitUsage;
    }
    bool daysOk = false;
    const int dayCount = parser.value(days).toInt(&daysOk);
    if (!daysOk || dayCount < 1 || dayCount > 366) {
        printErr(QStringLiteral("aiagency tenants: --days expects a whole number from 1 to 366\n"));
        return ExitUsage;
    }
    bool limitOk = false;
    const int pageSize = parser.value(limit).toInt(&limitOk);
    if (!limitOk) {
        printErr(QStringLiteral("aiagency tenants: --limit expects a whole number\n"));
        return ExitUsage;
    }

    if (action == QLatin1String("set")) {
        // A mistyped key fails before the database is touched.
        std::optional<QString> name;
        QJsonObject scratch;
        for (const QString &assignment : positional.mid(2)) {
            if (auto ok = applyAssignment(assignment, name, scratch); !ok)
                return reportError(ok.error());
        }
    }

    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    if (action == QLatin1String("list"))
        return listTenants(service, pageSize, parser.value(after));
    if (action == QLatin1String("show"))
        return showTenant(service, positional.at(1));
    if (action == QLatin1String("usage"))
        return showUsage(service, positional.at(1), dayCount);
    return setTenant(service, positional.at(1), positional.mid(2));
}

} // namespace agency::app

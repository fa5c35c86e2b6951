#include "commands.h"
#include "runtime/databaseruntime.h"

#include "sql/dbconnection.h"
#include "sql/migrator.h"

namespace agency::app {

int runMigrateCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Create or upgrade the database schema."),
                         &exitCode))
        return exitCode;
    std::unique_ptr<sql::EmbeddedPostgres> embedded;
    auto params = runtime::DatabaseRuntime::resolve(ctx.config.database, &embedded);
    if (!params)
        return reportError(params.error());
    sql::DbConnection conn(params.value(), QStringLiteral("aiagency-migrate"));
    if (auto opened = conn.ensureOpen(); !opened)
        return reportError(opened.error());
    auto report = sql::Migrator(sql::Migrator::embedded()).migrate(conn);
    if (!report)
        return reportError(report.error());
    for (const QString &name : report->applied)
        printOut(QStringLiteral("applied %1\n").arg(name));
    printOut(QStringLiteral("schema is at version %1 (%2)\n")
                 .arg(report->version)
                 .arg(report->applied.isEmpty() ? QStringLiteral("already up to date")
                                                : QStringLiteral("%1 applied").arg(report->applied.size())));
    return ExitOk;
}

namespace {

int printStatus(CliContext &ctx)
{
    std::unique_ptr<sql::EmbeddedPostgres> embedded;
    auto params = runtime::DatabaseRuntime::resolve(ctx.config.database, &embedded);
    if (!params)
        return reportError(params.error());
    sql::DbConnection conn(params.value(), QStringLiteral("aiagency-status"));
    if (auto opened = conn.ensureOpen(); !opened)
        return reportError(opened.error());

    QStringList lines;
    lines << QStringLiteral("database:        %1").arg(params->describe());
    if (embedded) {
        lines << QStringLiteral("cluster:         %1").arg(embedded->clusterDir());
        lines << QStringLiteral("server log:      %1").arg(embedded->logFile());
    }
    if (auto version = conn.exec(QStringLiteral("SELECT current_setting('server_version')"), {},
                                 QStringLiteral("status"));
        version && version.value()->next()) {
        lines << QStringLiteral("server version:  PostgreSQL %1").arg(version.value()->value(0).toString());
    }
    auto schema = sql::Migrator(sql::Migrator::embedded()).status(conn);
    if (!schema)
        return reportError(schema.error());
    lines << QStringLiteral("schema version:  %1 (program knows %2%3)")
                 .arg(schema->appliedVersion)
                 .arg(schema->knownVersion)
                 .arg(schema->pending.isEmpty() ? QString()
                                                : QStringLiteral("; pending: %1 — run `aiagency migrate`")
                                                      .arg(schema->pending.join(u' ')));
    for (const char *table : {"tenants", "conversations", "messages"}) {
        const QString name = QLatin1String(table);
        auto exists =
            conn.exec(QStringLiteral("SELECT to_regclass(?) IS NOT NULL"), {name}, QStringLiteral("status"));
        if (!exists || !exists.value()->next() || !exists.value()->value(0).toBool())
            continue;
        auto count = conn.exec(QStringLiteral("SELECT count(*) FROM ") + name, {}, QStringLiteral("status"));
        if (!count)
            return reportError(count.error());
        count.value()->next();
        lines << QStringLiteral("%1 %2").arg(name + u':', -16).arg(count.value()->value(0).toLongLong());
    }
    printOut(lines.join(u'\n') + u'\n');
    return ExitOk;
}

} // namespace

int runDbCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("status"));
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Inspect the database."), &exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    if (positional == QStringList{QStringLiteral("status")})
        return printStatus(ctx);
    printErr(QStringLiteral("aiagency db: expected `status`\n"));
    return ExitUsage;
}

} // namespace agency::app

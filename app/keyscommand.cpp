// aiagency keys create|list|revoke: API keys for the HTTP server. A key's secret is printed once,
// alone on the last line; only its hash is stored.
#include "asyncexit.h"
#include "commands.h"
#include "runtime/backend.h"

#include "service/agencyservice.h"

namespace agency::app {

namespace {

QString dateOrDash(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QStringLiteral("-");
}

int createKey(service::AgencyService &service, const QCommandLineParser &parser)
{
    const bool global = parser.isSet(QStringLiteral("global-admin"));
    const QString tenant = parser.value(QStringLiteral("tenant"));
    if (global == !tenant.isEmpty()) {
        printErr(QStringLiteral("aiagency keys create: give exactly one of --tenant T or --global-admin\n"));
        return ExitUsage;
    }
    core::NewApiKey spec;
    spec.globalAdmin = global;
    spec.tenantId = tenant;
    spec.name = parser.value(QStringLiteral("name"));
    if (parser.isSet(QStringLiteral("role"))) {
        if (global) {
            printErr(QStringLiteral("aiagency keys create: --role applies to tenant keys only\n"));
            return ExitUsage;
        }
        const auto role = core::keyRoleFromName(parser.value(QStringLiteral("role")));
        if (!role) {
            printErr(QStringLiteral("aiagency keys create: --role must be member or admin\n"));
            return ExitUsage;
        }
        spec.role = *role;
    }
    if (parser.isSet(QStringLiteral("expires-in-days"))) {
        bool ok = false;
        spec.expiresInDays = parser.value(QStringLiteral("expires-in-days")).toInt(&ok);
        if (!ok || spec.expiresInDays < 1) {
            printErr(QStringLiteral("aiagency keys create: --expires-in-days must be a positive number\n"));
            return ExitUsage;
        }
    }
    return exitWhenDone(service.createApiKey(spec), [](const core::Result<core::CreatedApiKey> &created) {
        if (!created)
            return reportError(created.error());
        const core::ApiKey &k = created->key;
        if (created->tenantCreated)
            printErr(QStringLiteral("created tenant %1\n").arg(k.tenantId));
        printErr(QStringLiteral("created %1 key %2%3%4%5\n")
                     .arg(k.globalAdmin ? QStringLiteral("global admin") : core::keyRoleName(k.role), k.keyId,
                          k.name.isEmpty() ? QString() : QStringLiteral(" \"%1\"").arg(k.name),
                          k.globalAdmin ? QString() : QStringLiteral(" for tenant %1").arg(k.tenantId),
                          k.expiresAt.isValid() ? QStringLiteral(", expires %1").arg(dateOrDash(k.expiresAt))
                                                : QString()));
        printErr(QStringLiteral("this is the only time the key is shown; store it now:\n"));
        printOut(created->secret + QLatin1Char('\n'));
        return int(ExitOk);
    });
}

int listKeys(service::AgencyService &service, const QString &tenant)
{
    return exitWhenDone(service.listApiKeys(tenant), [](const core::Result<QList<core::ApiKey>> &keys) {
        if (!keys)
            return reportError(keys.error());
        for (const core::ApiKey &k : keys.value()) {
            const QString state = k.revokedAt.isValid()
                                      ? QStringLiteral(" revoked %1").arg(dateOrDash(k.revokedAt))
                                      : QString();
            printOut(QStringLiteral("%1\t%2\t%3\t%4\tcreated %5\tlast used %6\texpires %7%8\n")
                         .arg(k.keyId, k.name.isEmpty() ? QStringLiteral("-") : k.name,
                              k.globalAdmin ? QStringLiteral("(global)") : k.tenantId,
                              k.globalAdmin ? QStringLiteral("global-admin") : core::keyRoleName(k.role),
                              dateOrDash(k.createdAt), dateOrDash(k.lastUsedAt), dateOrDash(k.expiresAt),
                              state));
        }
        return int(ExitOk);
    });
}

int revokeKey(service::AgencyService &service, const QString &keyId)
{
    return exitWhenDone(service.revokeApiKey(keyId), [](const core::Result<core::ApiKey> &key) {
        if (!key)
            return reportError(key.error());
        // Revoking is idempotent: a second revoke keeps the first time, so say "since", which is
        // true whether this call or an earlier one revoked it.
        printOut(
            QStringLiteral("key %1 is revoked (since %2)\n").arg(key->keyId, dateOrDash(key->revokedAt)));
        return int(ExitOk);
    });
}

} // namespace

int runKeysCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("create | list | revoke"));
    parser.addPositionalArgument(QStringLiteral("id"), QStringLiteral("key id (revoke)"),
                                 QStringLiteral("[id]"));
    parser.addOptions({
        {QStringLiteral("tenant"), QStringLiteral("Tenant of the key (create; filter for list)."),
         QStringLiteral("tenant")},
        {QStringLiteral("global-admin"),
         QStringLiteral("Create a global admin key (every tenant, audit log, metrics).")},
        {QStringLiteral("role"),
         QStringLiteral("member (chat and read, default) or admin (also delete, export, settings)."),
         QStringLiteral("role")},
        {QStringLiteral("name"), QStringLiteral("A name to recognise the key by."), QStringLiteral("name")},
        {QStringLiteral("expires-in-days"), QStringLiteral("The key stops working after this many days."),
         QStringLiteral("days")},
    });
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args,
                         QStringLiteral("Create, list and revoke API keys for `aiagency serve`."), &exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    if (action != QLatin1String("create") && action != QLatin1String("list") &&
        action != QLatin1String("revoke")) {
        printErr(QStringLiteral("aiagency keys: expected create, list or revoke\n"));
        return ExitUsage;
    }
    if (action == QLatin1String("revoke") && positional.size() != 2) {
        printErr(QStringLiteral("aiagency keys revoke: give the key id (see `aiagency keys list`)\n"));
        return ExitUsage;
    }
    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    if (action == QLatin1String("create"))
        return createKey(service, parser);
    if (action == QLatin1String("list"))
        return listKeys(service, parser.value(QStringLiteral("tenant")));
    return revokeKey(service, positional.value(1));
}

} // namespace agency::app

// aiagency tenants secret set|list|delete: a tenant's credentials for outside systems
// (docs/secrets.md). A value is read from standard input or typed at a prompt that does not echo
// it, never taken from the command line (where `ps` and shell history would keep it).
#include "asyncexit.h"
#include "commands.h"
#include "runtime/backend.h"

#include "service/agencyservice.h"

#include <QFile>

#include <termios.h>
#include <unistd.h>

namespace agency::app {

namespace {

/// Enough for any accepted value (the store refuses more than 64 KiB and says so).
constexpr qint64 kMaxInputBytes = 65'536 + 2;

/// One line typed at the terminal with echo off.
core::Result<QByteArray> promptHidden(const QString &prompt)
{
    printErr(prompt);
    termios saved{};
    const bool canHide = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (canHide) {
        termios hidden = saved;
        hidden.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden);
    }
    QFile in;
    QByteArray line;
    if (in.open(stdin, QIODevice::ReadOnly))
        line = in.readLine(kMaxInputBytes);
    if (canHide)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    printErr(QStringLiteral("\n"));
    return line;
}

/// The value from standard input (all of it, one final line break dropped) or a hidden prompt.
core::Result<QString> readValue(const QString &tenantId, const QString &name)
{
    QByteArray value;
    if (::isatty(STDIN_FILENO) == 1) {
        auto typed =
            promptHidden(QStringLiteral("Value of %1 for tenant %2 (not shown): ").arg(name, tenantId));
        if (!typed)
            return typed.error();
        value = typed.value();
    } else {
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly))
            return core::makeError(core::ErrorCode::InvalidArgument,
                                   QStringLiteral("cannot read standard input"));
        value = in.read(kMaxInputBytes);
    }
    if (value.endsWith('\n'))
        value.chop(1);
    if (value.endsWith('\r'))
        value.chop(1);
    if (value.isEmpty())
        return core::makeError(
            core::ErrorCode::InvalidArgument,
            QStringLiteral("no value given: pipe it to standard input (e.g. `aiagency tenants "
                           "secret set acme slack_bot_token < token.txt`) or type it at the prompt"));
    return QString::fromUtf8(value);
}

QString date(const QDateTime &at)
{
    return at.toUTC().toString(Qt::ISODate);
}

} // namespace

int runTenantSecretCommand(CliContext &ctx, const QStringList &positional)
{
    // positional: secret ACTION TENANT [NAME]
    const QString action = positional.value(1);
    const QString tenantId = positional.value(2);
    const QString name = positional.value(3);
    const bool known =
        ((action == QLatin1String("set") || action == QLatin1String("delete")) && positional.size() == 4) ||
        (action == QLatin1String("list") && positional.size() == 3);
    if (!known) {
        printErr(QStringLiteral("aiagency tenants secret: expected `set TENANT NAME` (the value on standard "
                                "input or at a prompt), `list TENANT` or `delete TENANT NAME`\n"));
        return ExitUsage;
    }
    QString value;
    if (action == QLatin1String("set")) {
        auto read = readValue(tenantId, name);
        if (!read)
            return reportError(read.error());
        value = read.value();
    }
    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    if (action == QLatin1String("set")) {
        return exitWhenDone(service.setTenantSecret(tenantId, name, value),
                            [](const core::Result<core::TenantSecretInfo> &info) {
                                if (!info)
                                    return reportError(info.error());
                                printOut(QStringLiteral("secret %1 of tenant %2 stored (key %3)\n")
                                             .arg(info->name, info->tenantId, info->keyId));
                                return int(ExitOk);
                            });
    }
    if (action == QLatin1String("delete")) {
        return exitWhenDone(
            service.deleteTenantSecret(tenantId, name), [tenantId, name](const core::Result<bool> &done) {
                if (!done)
                    return reportError(done.error());
                printOut(QStringLiteral("secret %1 of tenant %2 deleted\n").arg(name, tenantId));
                return int(ExitOk);
            });
    }
    return exitWhenDone(service.listTenantSecrets(tenantId),
                        [](const core::Result<QList<core::TenantSecretInfo>> &list) {
                            if (!list)
                                return reportError(list.error());
                            QString out = QStringLiteral("%1  %2  %3  %4\n")
                                              .arg(QStringLiteral("NAME"), -24)
                                              .arg(QStringLiteral("KEY"), -16)
                                              .arg(QStringLiteral("CREATED"), -20)
                                              .arg(QStringLiteral("UPDATED"));
                            for (const core::TenantSecretInfo &info : list.value()) {
                                out += QStringLiteral("%1  %2  %3  %4\n")
                                           .arg(info.name, -24)
                                           .arg(info.keyId, -16)
                                           .arg(date(info.createdAt), -20)
                                           .arg(date(info.updatedAt));
                            }
                            printOut(out);
                            return int(ExitOk);
                        });
}

} // namespace agency::app

// aiagency: the one program. This file is the composition root's front door: it layers the
// settings and hands over to the subcommand.
#include "cli.h"
#include "commands.h"
#include "logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QProcessEnvironment>

#include <memory>

using namespace agency;
using namespace agency::app;

namespace {

const char *const kUsage =
    "Usage: aiagency [GLOBAL OPTIONS] [COMMAND] [ARGS]\n"
    "\n"
    "Commands:\n"
    "  (none)        start the desktop console (needs a display)\n"
    "  serve         run the headless HTTP server (no display needed)\n"
    "  keys          create, list and revoke API keys for the server\n"
    "  migrate       create or upgrade the database schema\n"
    "  db status     show the database: embedded or external, versions, row counts\n"
    "  config show   show the effective settings, their source, secrets masked\n"
    "  complete      send one message to an LLM provider and print the answer\n"
    "  chat          talk to an agent (flow); the conversation is stored\n"
    "  tenants       list tenants, show or set their settings (provider, model, rate limits)\n"
    "  runs          queue flow runs and watch them (create, list, show, cancel)\n"
    "  docs          a tenant's documents (add, list, show, search, rm, reindex)\n"
    "  tools         list the tools agents may call (list), run one for a tenant (call)\n"
    "  mcp servers   start the flows' MCP servers and show their state\n"
    "\n"
    "Global options (anywhere on the line):\n"
    "  --config FILE         settings file (default: $XDG_CONFIG_HOME/aiagency/aiagency.conf)\n"
    "  --env-file FILE       .env file (default: ./.env)\n"
    "  --set KEY=VALUE       override one setting (repeatable)\n"
    "  --database-url URL    same as --set DATABASE_URL=URL\n"
    "  --data-dir DIR        same as --set AGENCY_DATA_DIR=DIR\n"
    "  -h, --help            this help; COMMAND --help for a command's options\n"
    "  -v, --version         print the version\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error, 2 usage or configuration error, 3 not found, 4 conflict,\n"
    "5 rate limited, 6 provider error, 7 database unavailable, 130 interrupted.\n";

struct GlobalOptions
{
    QString configFile = config::Settings::defaultConfigFilePath();
    QString envFile = QDir::current().filePath(QStringLiteral(".env"));
    bool configFileGiven = false; ///< --config: the file must exist
    bool envFileGiven = false;    ///< --env-file: the file must exist
    QHash<QString, QString> overrides;
    QStringList rest; ///< the command and its own arguments
    QString error;
};

GlobalOptions splitGlobalOptions(const QStringList &arguments)
{
    GlobalOptions options;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        auto takeValue = [&](const QString &name) -> QString {
            const QString prefix = name + u'=';
            if (arg.startsWith(prefix))
                return arg.mid(prefix.size());
            if (i + 1 >= arguments.size()) {
                options.error = name + QStringLiteral(" needs a value");
                return {};
            }
            return arguments.at(++i);
        };
        auto is = [&arg](const char *name) {
            const QString n = QLatin1String(name);
            return arg == n || arg.startsWith(n + u'=');
        };
        if (is("--config")) {
            options.configFile = takeValue(QStringLiteral("--config"));
            options.configFileGiven = true;
        } else if (is("--env-file")) {
            options.envFile = takeValue(QStringLiteral("--env-file"));
            options.envFileGiven = true;
        } else if (is("--database-url")) {
            options.overrides.insert(QStringLiteral("DATABASE_URL"),
                                     takeValue(QStringLiteral("--database-url")));
        } else if (is("--data-dir")) {
            options.overrides.insert(QStringLiteral("AGENCY_DATA_DIR"),
                                     takeValue(QStringLiteral("--data-dir")));
        } else if (is("--set")) {
            const QString pair = takeValue(QStringLiteral("--set"));
            const qsizetype eq = pair.indexOf(u'=');
            if (eq <= 0)
                options.error = QStringLiteral("--set expects KEY=VALUE, got \"%1\"").arg(pair);
            else
                options.overrides.insert(pair.left(eq), pair.mid(eq + 1));
        } else {
            options.rest.append(arg);
        }
        if (!options.error.isEmpty())
            break;
    }
    return options;
}

QHash<QString, QString> processEnvironment()
{
    QHash<QString, QString> env;
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const QString &key : system.keys())
        env.insert(key, system.value(key));
    return env;
}

} // namespace

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const GlobalOptions global = splitGlobalOptions(arguments);
    if (!global.error.isEmpty()) {
        printErr(QStringLiteral("aiagency: %1\n\n%2").arg(global.error, QLatin1String(kUsage)));
        return ExitUsage;
    }
    const QString command = global.rest.value(0);
    if (command == QLatin1String("-h") || command == QLatin1String("--help") ||
        command == QLatin1String("help")) {
        printOut(QLatin1String(kUsage));
        return ExitOk;
    }
    if (command == QLatin1String("-v") || command == QLatin1String("--version") ||
        command == QLatin1String("version")) {
        printOut(QStringLiteral("aiagency %1 (Qt %2)\n")
                     .arg(QLatin1String(AGENCY_VERSION), QLatin1String(qVersion())));
        return ExitOk;
    }

    config::Settings::Inputs inputs;
    inputs.configFilePath = global.configFile;
    inputs.dotEnvPath = global.envFile;
    inputs.configFileRequired = global.configFileGiven;
    inputs.dotEnvRequired = global.envFileGiven;
    inputs.environment = processEnvironment();
    inputs.commandLine = global.overrides;
    // Every setting is validated here, once: a bad value stops every command with one error.
    auto settings = config::Settings::load(inputs);
    if (!settings)
        return reportError(settings.error());
    CliContext ctx{global.rest, settings.value(), runtime::RuntimeConfig::fromSettings(settings.value()),
                   global.configFile};

    const LogFormat logFormat = command == QLatin1String("serve") ? LogFormat::JsonLines : LogFormat::Human;
    if (auto logging = installLogging(ctx.config.logLevel, logFormat); !logging)
        return reportError(logging.error());

    if (command.isEmpty())
        return runConsole(ctx, argc, argv);

    // Everything but the console is headless: a QCoreApplication, so no display is needed.
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("aiagency"));
    QCoreApplication::setApplicationVersion(QLatin1String(AGENCY_VERSION));
    ctx.args[0] = QStringLiteral("aiagency ") + command;
    if (command == QLatin1String("config"))
        return runConfigCommand(ctx);
    if (command == QLatin1String("migrate"))
        return runMigrateCommand(ctx);
    if (command == QLatin1String("db"))
        return runDbCommand(ctx);
    if (command == QLatin1String("complete"))
        return runCompleteCommand(ctx);
    if (command == QLatin1String("chat"))
        return runChatCommand(ctx);
    if (command == QLatin1String("serve"))
        return runServeCommand(ctx);
    if (command == QLatin1String("tenants"))
        return runTenantsCommand(ctx);
    if (command == QLatin1String("runs"))
        return runRunsCommand(ctx);
    if (command == QLatin1String("docs"))
        return runDocsCommand(ctx);
    if (command == QLatin1String("keys"))
        return runKeysCommand(ctx);
    if (command == QLatin1String("tools"))
        return runToolsCommand(ctx);
    if (command == QLatin1String("mcp") && ctx.args.value(1) == QLatin1String("servers"))
        return runMcpServersCommand(ctx);
    printErr(QStringLiteral("aiagency: unknown command \"%1\"\n\n%2").arg(command, QLatin1String(kUsage)));
    return ExitUsage;
}

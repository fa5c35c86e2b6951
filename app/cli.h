#pragma once

#include "config/settings.h"
#include "core/error.h"
#include "runtime/runtimeconfig.h"

#include <QCommandLineParser>
#include <QStringList>

namespace agency::app {

/// What every subcommand gets: its own arguments (args[0] is the subcommand name, for
/// QCommandLineParser::process), the layered and validated settings (for `config show`) and the
/// typed config built from them (for everything else).
struct CliContext
{
    QStringList args;
    config::Settings settings;
    runtime::RuntimeConfig config;
    QString configFilePath; ///< the config file the settings were read from (--config or the default)
};

/// The one table of exit codes, shared by every subcommand (README "Exit codes").
enum ExitCode {
    ExitOk = 0,
    ExitFailure = 1,      ///< internal or unexpected failure
    ExitUsage = 2,        ///< bad flag, bad setting, invalid input, missing configuration
    ExitNotFound = 3,     ///< a tenant, flow, provider, conversation or run that does not exist
    ExitConflict = 4,     ///< the state does not allow it (e.g. a reply is still being written)
    ExitRateLimited = 5,  ///< our token budget or the provider's rate limit refused the call
    ExitProvider = 6,     ///< the provider failed: unauthorized, bad request, unavailable, timeout, malformed
    ExitDatabase = 7,     ///< the database cannot be reached or its schema cannot be used
    ExitInterrupted = 130 ///< Ctrl-C, SIGTERM or a cancelled operation
};

/// Maps every error kind to its exit code (the only place that does).
ExitCode exitCodeFor(core::ErrorCode code);

/// Parses a subcommand's arguments; prints --help / errors and returns false when the caller
/// should exit with *exitCode.
bool parseSubcommand(QCommandLineParser &parser, const QStringList &args, const QString &description,
                     int *exitCode);

/// The parser's help text, its usage line naming `command` ("aiagency chat") instead of the
/// program's path.
QString usageText(const QCommandLineParser &parser, const QString &command);

/// Prints "aiagency: <error>" to stderr and returns the exit code for it.
int reportError(const core::Error &error);

void printOut(const QString &text);
void printErr(const QString &text);

} // namespace agency::app

#pragma once

#include "config/settings.h"
#include "core/error.h"

#include <QCommandLineParser>
#include <QStringList>

namespace agency::app {

/// What every subcommand gets: its own arguments (args[0] is the subcommand name, for
/// QCommandLineParser::process) and the layered settings.
struct CliContext
{
    QStringList args;
    config::Settings settings;
};

/// Exit codes shared by all subcommands.
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitUsage = 2 };

/// Parses a subcommand's arguments; prints --help / errors and returns false when the caller
/// should exit with *exitCode.
bool parseSubcommand(QCommandLineParser &parser, const QStringList &args, const QString &description,
                     int *exitCode);

/// Prints "aiagency: <error>" to stderr and returns the exit code for it.
int reportError(const core::Error &error);

void printOut(const QString &text);
void printErr(const QString &text);

} // namespace agency::app

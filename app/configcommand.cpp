#include "commands.h"

namespace agency::app {

int runConfigCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("show"));
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Show the effective settings."), &exitCode))
        return exitCode;
    if (parser.positionalArguments() != QStringList{QStringLiteral("show")}) {
        printErr(QStringLiteral("aiagency config: expected `show`\n"));
        return ExitUsage;
    }
    int width = 0;
    const auto rows = ctx.settings.describe();
    for (const auto &[key, value, source] : rows)
        width = std::max(width, static_cast<int>(key.size()));
    QString out;
    for (const auto &[key, value, source] : rows) {
        out += QStringLiteral("%1  %2  (%3)\n")
                   .arg(key, -width)
                   .arg(value.isEmpty() ? QStringLiteral("<unset>") : value, config::sourceName(source));
    }
    printOut(out);
    return ExitOk;
}

} // namespace agency::app

#include "commands.h"

namespace agency::app {

int runConfigCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("show"));
    const QCommandLineOption markdown(
        QStringLiteral("markdown"),
        QStringLiteral("Print every known setting with its default and meaning as a "
                       "Markdown table (the README's configuration table)."));
    parser.addOption(markdown);
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Show the effective settings."), &exitCode))
        return exitCode;
    if (parser.positionalArguments() != QStringList{QStringLiteral("show")}) {
        printErr(QStringLiteral("aiagency config: expected `show`\n"));
        return ExitUsage;
    }
    if (parser.isSet(markdown)) {
        QString table = QStringLiteral("| Setting | Default | Meaning |\n|---|---|---|\n");
        for (const config::SettingSpec &spec : config::knownSettings()) {
            table += QStringLiteral("| `%1` | %2 | %3%4 |\n")
                         .arg(spec.key,
                              spec.defaultValue.isEmpty() ? QStringLiteral("(empty)")
                                                          : QStringLiteral("`%1`").arg(spec.defaultValue),
                              QString(spec.description).replace(u'|', QStringLiteral("\\|")),
                              spec.secret ? QStringLiteral(" (secret)") : QString());
        }
        printOut(table);
        return ExitOk;
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

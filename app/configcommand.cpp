#include "commands.h"

namespace agency::app {

namespace {

/// One section's settings as a Markdown table: what docs/configuration.md shows (byte for byte).
QString markdownTable(const QString &section)
{
    QString table = QStringLiteral("| Setting | Default | Allowed | Meaning |\n|---|---|---|---|\n");
    for (const config::SettingSpec &spec : config::knownSettings()) {
        if (!section.isEmpty() && spec.section != section)
            continue;
        table += QStringLiteral("| `%1` | %2 | %3 | %4%5 |\n")
                     .arg(spec.key,
                          spec.defaultValue.isEmpty() ? QStringLiteral("(empty)")
                                                      : QStringLiteral("`%1`").arg(spec.defaultValue),
                          spec.allowed(), QString(spec.description).replace(u'|', QStringLiteral("\\|")),
                          spec.secret ? QStringLiteral(" (secret)") : QString());
    }
    return table;
}

/// The route a turn takes when neither its flow nor its tenant names one.
QString effectiveRoute(const config::Settings &settings)
{
    // Interactive turns with no route or provider named by the flow or the tenant.
    const QString route = settings.text(QStringLiteral("LLM_ROUTE"));
    if (!route.isEmpty())
        return route + QStringLiteral(" (LLM_ROUTE)");
    const QString provider = settings.text(QStringLiteral("LLM_PROVIDER"));
    QString model = settings.text(QStringLiteral("LLM_MODEL"));
    static const QHash<QString, QString> modelSettings = {
        {QStringLiteral("openai"), QStringLiteral("OPENAI_MODEL")},
        {QStringLiteral("mistral"), QStringLiteral("MISTRAL_MODEL")},
        {QStringLiteral("vertex"), QStringLiteral("VERTEX_AI_MODEL")},
        {QStringLiteral("gemini"), QStringLiteral("VERTEX_AI_MODEL")}};
    if (model.isEmpty())
        model = modelSettings.contains(provider) ? settings.text(modelSettings.value(provider)) : provider;
    return provider + u':' + model + QStringLiteral(" (LLM_PROVIDER alone: no fallback)");
}

} // namespace

int runConfigCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("show"));
    const QCommandLineOption markdown(
        QStringLiteral("markdown"),
        QStringLiteral("Print every known setting with its default, what it allows and its meaning as "
                       "a Markdown table (the tables of docs/configuration.md)."));
    QStringList slugs;
    for (const config::SettingSection &section : config::settingSections())
        slugs.append(section.slug);
    const QCommandLineOption sectionOption(
        QStringLiteral("section"),
        QStringLiteral("With --markdown: only the settings of one section (%1).")
            .arg(slugs.join(QStringLiteral(", "))),
        QStringLiteral("name"));
    parser.addOption(markdown);
    parser.addOption(sectionOption);
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Show the effective settings."), &exitCode))
        return exitCode;
    if (parser.positionalArguments() != QStringList{QStringLiteral("show")}) {
        printErr(QStringLiteral("aiagency config: expected `show`\n"));
        return ExitUsage;
    }
    const QString section = parser.value(sectionOption);
    if (!section.isEmpty() && !slugs.contains(section)) {
        printErr(QStringLiteral("aiagency config: unknown section \"%1\"; choose one of %2\n")
                     .arg(section, slugs.join(QStringLiteral(", "))));
        return ExitUsage;
    }
    if (parser.isSet(markdown)) {
        printOut(markdownTable(section));
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
    out += QStringLiteral("\neffective route: %1\n").arg(effectiveRoute(ctx.settings));
    printOut(out);
    return ExitOk;
}

} // namespace agency::app

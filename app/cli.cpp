#include "cli.h"

#include <cstdio>

namespace agency::app {

bool parseSubcommand(QCommandLineParser &parser, const QStringList &args, const QString &description,
                     int *exitCode)
{
    parser.setApplicationDescription(description);
    const QCommandLineOption help = parser.addHelpOption();
    if (!parser.parse(args)) {
        printErr(QStringLiteral("aiagency %1: %2\n").arg(args.value(0), parser.errorText()));
        printErr(parser.helpText());
        *exitCode = ExitUsage;
        return false;
    }
    if (parser.isSet(help)) {
        printOut(parser.helpText());
        *exitCode = ExitOk;
        return false;
    }
    return true;
}

int reportError(const core::Error &error)
{
    printErr(QStringLiteral("aiagency: %1\n").arg(error.message));
    return error.code == core::ErrorCode::InvalidArgument ? ExitUsage : ExitFailure;
}

void printOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
    std::fflush(stdout);
}

void printErr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
    std::fflush(stderr);
}

} // namespace agency::app

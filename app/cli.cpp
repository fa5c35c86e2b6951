#include "cli.h"

#include <QCoreApplication>

#include <cstdio>

namespace agency::app {

bool parseSubcommand(QCommandLineParser &parser, const QStringList &args, const QString &description,
                     int *exitCode)
{
    parser.setApplicationDescription(description);
    const QCommandLineOption help = parser.addHelpOption();
    if (!parser.parse(args)) {
        printErr(QStringLiteral("%1: %2\n").arg(args.value(0), parser.errorText()));
        printErr(usageText(parser, args.value(0)));
        *exitCode = ExitUsage;
        return false;
    }
    if (parser.isSet(help)) {
        printOut(usageText(parser, args.value(0)));
        *exitCode = ExitOk;
        return false;
    }
    return true;
}

QString usageText(const QCommandLineParser &parser, const QString &command)
{
    // Qt starts the text with the program path as invoked; users type "aiagency <command>".
    QString text = parser.helpText();
    const QString invoked = QStringLiteral("Usage: ") + QCoreApplication::arguments().value(0);
    if (text.startsWith(invoked))
        text.replace(0, invoked.size(), QStringLiteral("Usage: ") + command);
    return text;
}

int reportError(const core::Error &error)
{
    printErr(QStringLiteral("aiagency: %1\n").arg(error.message));
    return exitCodeFor(error.code);
}

ExitCode exitCodeFor(core::ErrorCode code)
{
    using core::ErrorCode;
    switch (code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::BadRequest:
    case ErrorCode::PayloadTooLarge:
    case ErrorCode::NotConfigured:
    case ErrorCode::Unauthenticated:
    case ErrorCode::Forbidden:
        return ExitUsage;
    case ErrorCode::NotFound:
        return ExitNotFound;
    case ErrorCode::Conflict:
        return ExitConflict;
    case ErrorCode::RateLimited:
    case ErrorCode::ProviderRateLimited:
        return ExitRateLimited;
    case ErrorCode::ProviderUnauthorized:
    case ErrorCode::ProviderBadRequest:
    case ErrorCode::ProviderUnavailable:
    case ErrorCode::ProviderTimeout:
    case ErrorCode::ProviderMalformed:
        return ExitProvider;
    case ErrorCode::DatabaseUnavailable:
    case ErrorCode::SchemaMismatch:
        return ExitDatabase;
    case ErrorCode::Cancelled:
        return ExitInterrupted;
    case ErrorCode::DatabaseError:
    case ErrorCode::Internal:
        return ExitFailure;
    }
    return ExitFailure;
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

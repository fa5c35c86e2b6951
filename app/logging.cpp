#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <cstdio>

namespace agency::app {

namespace {

std::atomic<int> g_minimum{1}; // QtMsgType-ordered rank, see rank()
std::atomic<bool> g_json{false};

int rank(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 4;
    }
    return 2;
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "warning";
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (rank(type) < g_minimum.load() && type != QtFatalMsg)
        return;
    const QString category = QString::fromLatin1(context.category ? context.category : "default");
    QByteArray line;
    if (g_json.load()) {
        line = QJsonDocument(QJsonObject{{QStringLiteral("ts"),
                                          QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                                         {QStringLiteral("level"), QLatin1String(levelName(type))},
                                         {QStringLiteral("category"), category},
                                         {QStringLiteral("message"), message}})
                   .toJson(QJsonDocument::Compact);
    } else {
        line = QByteArray(levelName(type)) + ": " +
               (category == QLatin1String("default") ? QByteArray() : category.toUtf8() + ": ") +
               message.toUtf8();
    }
    line += '\n';
    std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace

core::Status installLogging(const QString &level, LogFormat format)
{
    const QString l = level.trimmed().toLower();
    int minimum = 1;
    if (l == QLatin1String("debug"))
        minimum = 0;
    else if (l == QLatin1String("info") || l.isEmpty())
        minimum = 1;
    else if (l == QLatin1String("warning") || l == QLatin1String("warn"))
        minimum = 2;
    else if (l == QLatin1String("error"))
        minimum = 3;
    else
        return core::makeError(
            core::ErrorCode::InvalidArgument,
            QStringLiteral("LOG_LEVEL must be debug, info, warning or error, got \"%1\"").arg(level));
    g_minimum = minimum;
    g_json = format == LogFormat::JsonLines;
    qInstallMessageHandler(handler);
    return {};
}

} // namespace agency::app

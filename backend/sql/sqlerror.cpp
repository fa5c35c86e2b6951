#include "sqlerror.h"

namespace agency::sql {

using core::ErrorCode;

bool isConnectionLoss(const QSqlError &error)
{
    if (error.type() == QSqlError::ConnectionError)
        return true;
    const QString state = error.nativeErrorCode();
    // Class 08: connection exception; 57P01..57P03: admin/crash shutdown, cannot connect now.
    if (state.startsWith(QLatin1String("08")) || state.startsWith(QLatin1String("57P")))
        return true;
    // libpq reports a dropped socket without a SQLSTATE.
    const QString text = error.databaseText() + error.driverText();
    return state.isEmpty() && (text.contains(QLatin1String("server closed the connection")) ||
                               text.contains(QLatin1String("no connection to the server")) ||
                               text.contains(QLatin1String("connection to server")) ||
                               text.contains(QLatin1String("terminating connection")));
}

bool isServerStarting(const QSqlError &error)
{
    if (error.nativeErrorCode() == QLatin1String("57P03"))
        return true;
    // A refused connection has no SQLSTATE through QPSQL, only libpq's text of the server's message.
    const QString text = error.databaseText() + error.driverText();
    return text.contains(QLatin1String("the database system is starting up")) ||
           text.contains(QLatin1String("the database system is not yet accepting connections"));
}

core::Error fromSqlError(const QSqlError &error, const QString &what)
{
    const QString state = error.nativeErrorCode();
    const QString detail = error.databaseText().isEmpty() ? error.driverText() : error.databaseText();
    QJsonObject details{{QStringLiteral("sqlstate"), state}};
    if (isConnectionLoss(error))
        return core::makeError(ErrorCode::DatabaseUnavailable,
                               QStringLiteral("database unavailable during %1").arg(what), details);
    if (state == QLatin1String("57014")) {
        // statement_timeout (ConnectionParams::statementTimeoutMs): the server is too slow or
        // stuck on a lock; to the caller that is the database being unavailable, and retryable.
        return core::makeError(
            ErrorCode::DatabaseUnavailable,
            QStringLiteral("the database did not finish %1 within the statement timeout").arg(what), details);
    }
    if (state == QLatin1String("23505"))
        return core::makeError(ErrorCode::Conflict, QStringLiteral("%1: already exists").arg(what), details);
    if (state == QLatin1String("23503"))
        return core::makeError(ErrorCode::NotFound, QStringLiteral("%1: referenced row not found").arg(what),
                               details);
    if (state.startsWith(QLatin1String("22")) || state.startsWith(QLatin1String("23")))
        return core::makeError(ErrorCode::InvalidArgument,
                               QStringLiteral("%1: %2").arg(what, detail.trimmed()), details);
    if (state == QLatin1String("40001") || state == QLatin1String("40P01"))
        return core::makeError(ErrorCode::Conflict,
                               QStringLiteral("%1: concurrent update, try again").arg(what), details);
    return core::makeError(ErrorCode::DatabaseError,
                           QStringLiteral("%1 failed: %2").arg(what, detail.trimmed()), details);
}

} // namespace agency::sql

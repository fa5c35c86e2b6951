#pragma once

#include "core/error.h"

#include <QSqlError>

namespace agency::sql {

/// Maps a QtSql error to our closed error set using the SQLSTATE: connection failures become
/// DatabaseUnavailable, constraint violations Conflict/InvalidArgument, the rest DatabaseError.
/// `what` names the operation ("save messages") for the message.
core::Error fromSqlError(const QSqlError &error, const QString &what);

/// True for errors that mean the connection itself is gone (restart, network), as opposed to a
/// statement the server refused.
bool isConnectionLoss(const QSqlError &error);

/// True when a connection attempt was refused because the server is starting up or recovering
/// (SQLSTATE 57P03 "cannot_connect_now"): worth a short wait and another attempt.
bool isServerStarting(const QSqlError &error);

} // namespace agency::sql

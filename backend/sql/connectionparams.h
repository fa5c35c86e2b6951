#pragma once

#include "core/result.h"

#include <QString>

namespace agency::sql {

/// Where and how to connect. Produced from DATABASE_URL or by the embedded cluster.
struct ConnectionParams
{
    QString host; ///< host name, IP, or a Unix socket directory (starts with '/')
    int port = 5432;
    QString database;
    QString user;
    QString password;
    QString connectOptions; ///< libpq key=value pairs separated by ';' (QPSQL's format)
    bool embedded = false;  ///< true when the program runs the cluster itself
    /// How long connecting waits for a server that answers "the database system is starting up"
    /// (SQLSTATE 57P03: starting, or recovering after a crash) before it gives up.
    int startupWaitMs = 15000;
    /// libpq connect_timeout, unless connectOptions names one (AGENCY_DB_CONNECT_TIMEOUT_S).
    int connectTimeoutS = 5;
    /// Server-side statement_timeout of every session; a DbExecutor also cuts a connection whose
    /// statement is this much overdue by 2 s, for a server that hangs (0: neither).
    int statementTimeoutMs = 0;

    /// A one-line description without the password, for status output and logs.
    QString describe() const;
};

/// Parses `postgresql://user:pass@host:port/db?sslmode=require` and
/// `postgresql:///db?host=/socket/dir&user=name` (also the `postgres://` scheme, and libpq's
/// percent-encoded socket host `postgresql://%2Fsocket%2Fdir/db`). Percent-encoding is decoded. Unknown query
/// parameters are passed to libpq as connection options.
core::Result<ConnectionParams> parseDatabaseUrl(const QString &url);

} // namespace agency::sql

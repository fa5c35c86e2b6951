#pragma once

#include "core/result.h"
#include "dbconnection.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace agency::sql {

/// One numbered schema change, from migrations/NNNN_name.sql.
struct Migration
{
    int version = 0;
    QString name; ///< file name, e.g. "0001_conversations.sql"
    QByteArray sql;
    QString checksum; ///< SHA-256 hex of sql
};

/// What the database looks like compared with the program.
struct SchemaStatus
{
    int appliedVersion = 0; ///< highest applied version (0: empty database)
    int knownVersion = 0;   ///< highest version this program ships
    QStringList pending;    ///< names of migrations not yet applied
};

struct MigrationReport
{
    QStringList applied; ///< names applied by this run, in order
    int version = 0;     ///< schema version afterwards
};

/// Applies migrations in order, each in its own transaction, recording version and checksum in
/// schema_migrations. A session advisory lock serialises concurrent migrators (several servers
/// starting at once). Applied versions must be a prefix of the shipped ones; anything else is
/// refused (SchemaMismatch) before any change: a database newer than the program, a recorded
/// version the program does not ship (another branch or build), a migration edited after it was
/// applied, or a shipped migration skipped below the database's highest version (it would run out
/// of order). Runs synchronously on the calling thread's connection: call it inside a DbExecutor
/// job.
class Migrator
{
public:
    explicit Migrator(QList<Migration> migrations);

    /// The migrations compiled into the program (resources :/migrations/*.sql).
    static QList<Migration> embedded();
    /// Reads NNNN_*.sql files from a directory (tests, development).
    static core::Result<QList<Migration>> fromDirectory(const QString &dir);
    static core::Result<Migration> makeMigration(const QString &fileName, QByteArray sql);

    core::Result<MigrationReport> migrate(DbConnection &conn) const;
    /// Checks without changing anything; fails like migrate() on an incompatible schema.
    core::Result<SchemaStatus> status(DbConnection &conn) const;

private:
    struct Applied
    {
        int version;
        QString name; ///< as recorded, to name migrations this program does not ship
        QString checksum;
    };
    core::Result<QList<Applied>> readApplied(DbConnection &conn) const;
    core::Status verify(const QList<Applied> &applied) const;

    QList<Migration> m_migrations;
};

} // namespace agency::sql

#include "migrator.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>

namespace agency::sql {

using core::ErrorCode;
using core::makeError;

namespace {
// Arbitrary but fixed: every aiagency process takes this lock before touching the schema.
constexpr qint64 kMigrationLockKey = 0x61696167656e6379; // "aiagency"

} // namespace

Migrator::Migrator(QList<Migration> migrations) : m_migrations(std::move(migrations))
{
    std::sort(m_migrations.begin(), m_migrations.end(),
              [](const Migration &a, const Migration &b) { return a.version < b.version; });
}

core::Result<Migration> Migrator::makeMigration(const QString &fileName, QByteArray sql)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{4})_[a-z0-9_]+\\.sql$"));
    const auto match = pattern.match(fileName);
    if (!match.hasMatch())
        return makeError(ErrorCode::Internal,
                         QStringLiteral("bad migration file name %1 (want NNNN_name.sql)").arg(fileName));
    Migration migration;
    migration.version = match.captured(1).toInt();
    migration.name = fileName;
    migration.checksum =
        QString::fromLatin1(QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex());
    migration.sql = std::move(sql);
    return migration;
}

core::Result<QList<Migration>> Migrator::fromDirectory(const QString &dirPath)
{
    QList<Migration> migrations;
    const QDir dir(dirPath);
    for (const QString &fileName : dir.entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name)) {
        QFile file(dir.filePath(fileName));
        if (!file.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::Internal, QStringLiteral("cannot read %1").arg(file.fileName()));
        auto migration = makeMigration(fileName, file.readAll());
        if (!migration)
            return migration.error();
        migrations.append(migration.value());
    }
    return migrations;
}

QList<Migration> Migrator::embedded()
{
    auto migrations = fromDirectory(QStringLiteral(":/migrations"));
    // The resource is built from migrations/; a bad name there fails the migrator test, not users.
    return migrations ? migrations.value() : QList<Migration>{};
}

core::Result<QList<Migrator::Applied>> Migrator::readApplied(DbConnection &conn) const
{
    auto exists = conn.exec(QStringLiteral("SELECT to_regclass('schema_migrations') IS NOT NULL"), {},
                            QStringLiteral("read schema version"));
    if (!exists)
        return exists.error();
    QList<Applied> applied;
    if (!exists.value()->next() || !exists.value()->value(0).toBool())
        return applied;
    auto rows =
        conn.exec(QStringLiteral("SELECT version, name, checksum FROM schema_migrations ORDER BY version"),
                  {}, QStringLiteral("read schema version"));
    if (!rows)
        return rows.error();
    while (rows.value()->next())
        applied.append(Applied{rows.value()->value(0).toInt(), rows.value()->value(1).toString(),
                               rows.value()->value(2).toString()});
    return applied;
}

core::Status Migrator::verify(const QList<Applied> &applied) const
{
    // Everything below enforces one rule: the applied versions are exactly a prefix of the shipped
    // ones. Then the only work left is appending the newer shipped migrations, in order.
    const int known = m_migrations.isEmpty() ? 0 : m_migrations.constLast().version;
    int highest = 0;
    for (const Applied &a : applied)
        highest = std::max(highest, a.version);
    if (highest > known) {
        return makeError(
            ErrorCode::SchemaMismatch,
            QStringLiteral("the database schema (version %1) is newer than this program "
                           "(knows up to %2): upgrade aiagency")
                .arg(highest)
                .arg(known),
            {{QStringLiteral("applied_version"), highest}, {QStringLiteral("known_version"), known}});
    }
    QHash<int, const Migration *> shipped;
    for (const Migration &m : m_migrations)
        shipped.insert(m.version, &m);

    // A recorded version we do not ship (or ship under another name: two branches both took the
    // number) was applied by another branch or build. Its changes are in the schema and ours were
    // never written against them, so going on could break either; a checksum message would
    // wrongly suggest an edit.
    QStringList foreign;
    QJsonArray foreignVersions;
    for (const Applied &a : applied) {
        const Migration *m = shipped.value(a.version);
        if (!m || m->name != a.name) {
            foreign.append(QStringLiteral("%1 (%2)").arg(QString::number(a.version), a.name));
            foreignVersions.append(a.version);
        }
    }
    if (!foreign.isEmpty()) {
        return makeError(
            ErrorCode::SchemaMismatch,
            QStringLiteral("the database has migration version(s) %1 applied, which this program does not "
                           "ship (another branch or build migrated it): use that build, or restore the "
                           "database from a backup taken before them; a change meant for this program "
                           "must be a new migration numbered after %2")
                .arg(foreign.join(QStringLiteral(", ")), QString::number(known)),
            {{QStringLiteral("unknown_versions"), foreignVersions},
             {QStringLiteral("known_version"), known}});
    }

    QSet<int> recorded;
    for (const Applied &a : applied) {
        recorded.insert(a.version);
        const Migration *m = shipped.value(a.version); // not null: no foreign versions
        if (m->checksum != a.checksum) {
            return makeError(
                ErrorCode::SchemaMismatch,
                QStringLiteral("migration %1 was changed after it was applied (checksum %2 in the "
                               "database, %3 in the program); add a new migration instead")
                    .arg(m->name, a.checksum.left(12), m->checksum.left(12)),
                {{QStringLiteral("migration"), m->name}});
        }
    }

    // A shipped migration missing below the highest applied one (a "gap") was written for the
    // schema before the newer ones; running it after them is not what was tested, so refuse
    // rather than apply it out of order.
    QStringList skipped;
    for (const Migration &m : m_migrations) {
        if (m.version < highest && !recorded.contains(m.version))
            skipped.append(m.name);
    }
    if (!skipped.isEmpty()) {
        return makeError(
            ErrorCode::SchemaMismatch,
            QStringLiteral("migration(s) %1 were never applied but the database is already at version %2, "
                           "so they would run out of order: restore the database from a backup taken "
                           "before version %2, or renumber them after the latest migration")
                .arg(skipped.join(QStringLiteral(", ")), QString::number(highest)),
            {{QStringLiteral("skipped"), QJsonArray::fromStringList(skipped)},
             {QStringLiteral("applied_version"), highest}});
    }
    return {};
}

core::Result<SchemaStatus> Migrator::status(DbConnection &conn) const
{
    auto applied = readApplied(conn);
    if (!applied)
        return applied.error();
    if (auto ok = verify(applied.value()); !ok)
        return ok.error();
    SchemaStatus status;
    status.knownVersion = m_migrations.isEmpty() ? 0 : m_migrations.constLast().version;
    for (const Applied &a : applied.value())
        status.appliedVersion = std::max(status.appliedVersion, a.version);
    for (const Migration &m : m_migrations) {
        const bool done = std::any_of(applied.value().cbegin(), applied.value().cend(),
                                      [&m](const Applied &a) { return a.version == m.version; });
        if (!done)
            status.pending.append(m.name);
    }
    return status;
}

core::Result<MigrationReport> Migrator::migrate(DbConnection &conn) const
{
    const QString what = QStringLiteral("migrate");
    auto locked = conn.exec(QStringLiteral("SELECT pg_advisory_lock(?)"), {kMigrationLockKey}, what);
    if (!locked)
        return locked.error();
    auto unlock = qScopeGuard([&conn, &what] {
        (void)conn.exec(QStringLiteral("SELECT pg_advisory_unlock(?)"), {kMigrationLockKey}, what);
    });

    // Under the lock, so a concurrent migrator's work is visible before we decide what is pending.
    if (auto created = conn.execScript(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                                      " version integer PRIMARY KEY,"
                                                      " name text NOT NULL,"
                                                      " checksum text NOT NULL,"
                                                      " applied_at timestamptz NOT NULL DEFAULT now())"),
                                       what);
        !created) {
        return created.error();
    }
    auto current = status(conn);
    if (!current)
        return current.error();

    MigrationReport report;
    report.version = current->appliedVersion;
    for (const Migration &m : m_migrations) {
        if (!current->pending.contains(m.name))
            continue;
        auto applied = conn.transaction([&]() -> core::Status {
            if (auto ran = conn.execScript(QString::fromUtf8(m.sql), QStringLiteral("migration ") + m.name);
                !ran)
                return ran;
            auto recorded = conn.exec(
                QStringLiteral("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)"),
                {m.version, m.name, m.checksum}, QStringLiteral("record migration"));
            if (!recorded)
                return recorded.error();
            return {};
        });
        if (!applied)
            return applied.error();
        report.applied.append(m.name);
        report.version = m.version;
    }
    return report;
}

} // namespace agency::sql

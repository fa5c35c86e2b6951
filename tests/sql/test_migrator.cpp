// The migrator (docs/design.md#persistence): fresh apply of the shipped schema, idempotent re-runs, two
// migrating processes at once, edited migrations, a database newer than the program, versions
// applied by another build, shipped migrations skipped below the applied ones, and a failing
// migration rolling back entirely.
#include "sql/dbconnection.h"
#include "sql/migrator.h"
#include "testpostgres.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <array>

using agency::core::ErrorCode;
using agency::core::Result;
using agency::sql::ConnectionParams;
using agency::sql::DbConnection;
using agency::sql::Migration;
using agency::sql::Migrator;
using agency::test::TestPostgres;

namespace {

constexpr qint64 kLockKey = 0x61696167656e6379; // Migrator's advisory lock key ("aiagency")

/// The socket-directory URL form, as an operator would write it for this database.
QString urlFor(const ConnectionParams &params)
{
    return QStringLiteral("postgresql:///%1?host=%2&user=%3").arg(params.database, params.host, params.user);
}

} // namespace

class TestMigrator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void shippedMigrationsAreWellFormed();
    void makeMigrationValidatesNames();
    void statusOfEmptyDatabaseChangesNothing();
    void freshApplyCreatesSchema();
    void schemaEnforcesTheDataModel();
    void rerunAppliesNothing();
    void appliesInVersionOrder();
    void concurrentProcessesMigrateOnce();
    void editedMigrationIsRefused();
    void newerSchemaIsRefused();
    void newerSchemaRefusedByCli();
    void unknownAppliedVersionIsRefused();
    void skippedMigrationIsRefused();
    void failingMigrationRollsBackEntirely();

private:
    /// A connection to a new database (migrated or not) that lives as long as the test object.
    DbConnection *connect(bool migrated);
    Result<QVariant> scalar(DbConnection &conn, const QString &sql, const QVariantList &binds = {});
    QStringList indexDefinitions(DbConnection &conn, const QString &table);
    /// Small in-memory migrations: version N creates table tN (named NNNN_<label>.sql).
    static QList<Migration> tables(const QList<std::pair<int, const char *>> &versions);

    TestPostgres m_pg;
    std::vector<std::unique_ptr<DbConnection>> m_connections;
};

void TestMigrator::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
}

DbConnection *TestMigrator::connect(bool migrated)
{
    auto params = m_pg.freshDatabase(migrated);
    if (!params) {
        qWarning("freshDatabase: %s", qPrintable(params.error().toString()));
        return nullptr;
    }
    auto conn = std::make_unique<DbConnection>(params.value(),
                                               QStringLiteral("migrator-test-%1").arg(m_connections.size()));
    if (auto opened = conn->ensureOpen(); !opened) {
        qWarning("connect: %s", qPrintable(opened.error().toString()));
        return nullptr;
    }
    m_connections.push_back(std::move(conn));
    return m_connections.back().get();
}

Result<QVariant> TestMigrator::scalar(DbConnection &conn, const QString &sql, const QVariantList &binds)
{
    auto query = conn.exec(sql, binds, QStringLiteral("test query"));
    if (!query)
        return query.error();
    if (!query.value()->next())
        return QVariant();
    return query.value()->value(0);
}

QStringList TestMigrator::indexDefinitions(DbConnection &conn, const QString &table)
{
    QStringList defs;
    auto query = conn.exec(QStringLiteral("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
                                          "tablename = ? ORDER BY indexname"),
                           {table}, QStringLiteral("list indexes"));
    if (!query)
        return {query.error().toString()};
    while (query.value()->next())
        defs.append(query.value()->value(0).toString());
    return defs;
}

QList<Migration> TestMigrator::tables(const QList<std::pair<int, const char *>> &versions)
{
    QList<Migration> migrations;
    for (const auto &[version, label] : versions) {
        auto made = Migrator::makeMigration(
            QStringLiteral("%1_%2.sql").arg(version, 4, 10, QLatin1Char('0')).arg(QLatin1String(label)),
            QStringLiteral("CREATE TABLE t%1 (x int)").arg(version).toUtf8());
        if (made)
            migrations.append(made.value());
    }
    return migrations;
}

void TestMigrator::shippedMigrationsAreWellFormed()
{
    const QList<Migration> embedded = Migrator::embedded();
    QVERIFY(!embedded.isEmpty());
    QCOMPARE(embedded.first().name, QStringLiteral("0001_conversations.sql"));
    // Versions are unique and contiguous from 1: a gap or a duplicate is a merge accident.
    for (qsizetype i = 0; i < embedded.size(); ++i)
        QCOMPARE(embedded.at(i).version, static_cast<int>(i + 1));
    // The compiled-in copies are exactly the files in migrations/ (no stale resources).
    auto onDisk = Migrator::fromDirectory(QStringLiteral(AGENCY_SOURCE_DIR "/migrations"));
    AGENCY_VERIFY_OK(onDisk);
    QCOMPARE(onDisk->size(), embedded.size());
    for (qsizetype i = 0; i < embedded.size(); ++i) {
        QCOMPARE(embedded.at(i).name, onDisk->at(i).name);
        QCOMPARE(embedded.at(i).checksum, onDisk->at(i).checksum);
        QCOMPARE(embedded.at(i).checksum,
                 QString::fromLatin1(
                     QCryptographicHash::hash(embedded.at(i).sql, QCryptographicHash::Sha256).toHex()));
    }
}

void TestMigrator::makeMigrationValidatesNames()
{
    auto good = Migrator::makeMigration(QStringLiteral("0042_add_runs_table.sql"), "SELECT 1;");
    AGENCY_VERIFY_OK(good);
    QCOMPARE(good->version, 42);
    QCOMPARE(good->name, QStringLiteral("0042_add_runs_table.sql"));
    QCOMPARE(good->checksum,
             QString::fromLatin1(QCryptographicHash::hash("SELECT 1;", QCryptographicHash::Sha256).toHex()));
    for (const char *bad :
         {"42_runs.sql", "0042-runs.sql", "0042_Runs.sql", "0042_runs.txt", "runs.sql", "0042_.sql"}) {
        auto made = Migrator::makeMigration(QLatin1String(bad), "SELECT 1;");
        QVERIFY2(!made.ok(), bad);
        QVERIFY(made.error().message.contains(QLatin1String(bad)));
    }
}

void TestMigrator::statusOfEmptyDatabaseChangesNothing()
{
    DbConnection *conn = connect(false);
    QVERIFY(conn);
    const Migrator migrator(Migrator::embedded());
    auto status = migrator.status(*conn);
    AGENCY_VERIFY_OK(status);
    QCOMPARE(status->appliedVersion, 0);
    QCOMPARE(status->knownVersion, Migrator::embedded().constLast().version);
    QCOMPARE(status->pending.first(), QStringLiteral("0001_conversations.sql"));
    QCOMPARE(status->pending.size(), Migrator::embedded().size());
    auto table = scalar(*conn, QStringLiteral("SELECT to_regclass('schema_migrations') IS NULL"));
    AGENCY_VERIFY_OK(table);
    QVERIFY(table->toBool());
}

void TestMigrator::freshApplyCreatesSchema()
{
    DbConnection *conn = connect(false);
    QVERIFY(conn);
    const QList<Migration> shipped = Migrator::embedded();
    auto report = Migrator(shipped).migrate(*conn);
    AGENCY_VERIFY_OK(report);
    QCOMPARE(report->applied.size(), shipped.size());
    QCOMPARE(report->applied.first(), QStringLiteral("0001_conversations.sql"));
    QCOMPARE(report->version, shipped.constLast().version);

    // Every migration is recorded once, with its checksum.
    auto rows = conn->exec(QStringLiteral("SELECT version, name, checksum, applied_at IS NOT NULL FROM "
                                          "schema_migrations ORDER BY version"),
                           {}, QStringLiteral("read"));
    AGENCY_VERIFY_OK(rows);
    for (const Migration &m : shipped) {
        QVERIFY(rows.value()->next());
        QCOMPARE(rows.value()->value(0).toInt(), m.version);
        QCOMPARE(rows.value()->value(1).toString(), m.name);
        QCOMPARE(rows.value()->value(2).toString(), m.checksum);
        QVERIFY(rows.value()->value(3).toBool());
    }
    QVERIFY(!rows.value()->next());

    for (const char *table : {"tenants", "conversations", "messages"}) {
        auto exists = scalar(*conn,
                             QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE "
                                            "table_schema = 'public' AND table_name = ?"),
                             {QLatin1String(table)});
        AGENCY_VERIFY_OK(exists);
        QVERIFY2(exists->toInt() == 1, table);
    }

    // Column types (docs/design.md#persistence): uuid ids, timestamptz everywhere, jsonb metadata.
    auto columns = conn->exec(QStringLiteral("SELECT table_name || '.' || column_name, data_type FROM "
                                             "information_schema.columns WHERE table_schema = 'public'"),
                              {}, QStringLiteral("columns"));
    AGENCY_VERIFY_OK(columns);
    QHash<QString, QString> types;
    while (columns.value()->next())
        types.insert(columns.value()->value(0).toString(), columns.value()->value(1).toString());
    QCOMPARE(types.value(QStringLiteral("conversations.conversation_id")), QStringLiteral("uuid"));
    QCOMPARE(types.value(QStringLiteral("messages.conversation_id")), QStringLiteral("uuid"));
    QCOMPARE(types.value(QStringLiteral("messages.id")), QStringLiteral("bigint"));
    for (const QString &column : types.keys()) {
        if (column.endsWith(QLatin1String("_at")))
            QVERIFY2(types.value(column) == QLatin1String("timestamp with time zone"), qPrintable(column));
    }
    for (const char *column : {"tenants.settings", "conversations.flow_metadata", "messages.tool_calls",
                               "messages.message_metadata"})
        QVERIFY2(types.value(QLatin1String(column)) == QLatin1String("jsonb"), column);

    // The seed's composite indexes, whatever their names.
    const QStringList conversationIndexes = indexDefinitions(*conn, QStringLiteral("conversations"));
    const QStringList messageIndexes = indexDefinitions(*conn, QStringLiteral("messages"));
    auto hasIndex = [](const QStringList &defs, const QString &columnsText) {
        return std::any_of(defs.cbegin(), defs.cend(),
                           [&columnsText](const QString &def) { return def.endsWith(columnsText); });
    };
    QVERIFY2(hasIndex(conversationIndexes, QStringLiteral("(tenant_id, flow_type, created_at)")),
             qPrintable(conversationIndexes.join(u'\n')));
    QVERIFY2(hasIndex(conversationIndexes, QStringLiteral("(flow_type)")),
             qPrintable(conversationIndexes.join(u'\n')));
    // "Most recently active first" browsing (either sort direction serves a keyset scan).
    static const QRegularExpression activity(
        QStringLiteral("\\(tenant_id, updated_at( DESC)?, id( DESC)?\\)$"));
    QVERIFY2(std::any_of(conversationIndexes.cbegin(), conversationIndexes.cend(),
                         [](const QString &def) { return activity.match(def).hasMatch(); }),
             qPrintable(conversationIndexes.join(u'\n')));
    QVERIFY2(hasIndex(messageIndexes, QStringLiteral("(conversation_id, created_at, id)")),
             qPrintable(messageIndexes.join(u'\n')));
    QVERIFY2(hasIndex(messageIndexes, QStringLiteral("(tenant_id, flow_type, created_at)")),
             qPrintable(messageIndexes.join(u'\n')));
    QVERIFY2(std::any_of(messageIndexes.cbegin(), messageIndexes.cend(),
                         [](const QString &def) {
                             return def.contains(QLatin1String("USING gin")) &&
                                    def.contains(QLatin1String("tenant_id"));
                         }),
             qPrintable(messageIndexes.join(u'\n')));

    // Messages go away with their conversation.
    auto cascade = scalar(
        *conn, QStringLiteral("SELECT delete_rule FROM information_schema.referential_constraints rc "
                              "JOIN information_schema.table_constraints tc USING (constraint_name) "
                              "WHERE tc.table_name = 'messages' AND tc.constraint_type = 'FOREIGN KEY'"));
    AGENCY_VERIFY_OK(cascade);
    QCOMPARE(cascade->toString(), QStringLiteral("CASCADE"));
}

void TestMigrator::schemaEnforcesTheDataModel()
{
    DbConnection *conn = connect(true);
    QVERIFY(conn);
    AGENCY_VERIFY_OK(conn->execScript(
        QStringLiteral("INSERT INTO tenants (tenant_id, name) VALUES ('acme', 'Acme');"
                       "INSERT INTO conversations (conversation_id, tenant_id, flow_type) VALUES "
                       "('7d1d5f8e-3a4b-4c2d-9e8f-0a1b2c3d4e5f', 'acme', 'weather')"),
        QStringLiteral("seed")));
    const QString insertMessage = QStringLiteral("INSERT INTO messages (conversation_id, tenant_id, "
                                                 "flow_type, role, content) VALUES (?::uuid, ?, ?, ?, ?)");
    const QString conversation = QStringLiteral("7d1d5f8e-3a4b-4c2d-9e8f-0a1b2c3d4e5f");
    AGENCY_VERIFY_OK(conn->exec(insertMessage,
                                {conversation, QStringLiteral("acme"), QStringLiteral("weather"),
                                 QStringLiteral("user"), QStringLiteral("Will it rain in Lyon tomorrow?")},
                                QStringLiteral("insert")));
    // Role outside the four known ones.
    auto badRole = conn->exec(insertMessage,
                              {conversation, QStringLiteral("acme"), QStringLiteral("weather"),
                               QStringLiteral("robot"), QStringLiteral("x")},
                              QStringLiteral("insert"));
    QVERIFY(!badRole.ok());
    QCOMPARE(badRole.error().details.value(QStringLiteral("sqlstate")).toString(), QStringLiteral("23514"));
    // A message cannot claim another tenant than its conversation's.
    AGENCY_VERIFY_OK(conn->execScript(QStringLiteral("INSERT INTO tenants (tenant_id) VALUES ('globex')"),
                                      QStringLiteral("seed")));
    auto otherTenant = conn->exec(insertMessage,
                                  {conversation, QStringLiteral("globex"), QStringLiteral("weather"),
                                   QStringLiteral("user"), QStringLiteral("x")},
                                  QStringLiteral("insert"));
    QVERIFY(!otherTenant.ok());
    QCOMPARE(otherTenant.error().details.value(QStringLiteral("sqlstate")).toString(),
             QStringLiteral("23503"));
    // Full-text search support within a tenant.
    auto found = scalar(*conn, QStringLiteral("SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND "
                                              "search_vector @@ plainto_tsquery('simple', 'rain lyon')"));
    AGENCY_VERIFY_OK(found);
    QCOMPARE(found->toInt(), 1);
    // Deleting the conversation deletes its messages.
    AGENCY_VERIFY_OK(conn->execScript(QStringLiteral("DELETE FROM conversations"), QStringLiteral("delete")));
    auto left = scalar(*conn, QStringLiteral("SELECT count(*) FROM messages"));
    AGENCY_VERIFY_OK(left);
    QCOMPARE(left->toInt(), 0);
}

void TestMigrator::rerunAppliesNothing()
{
    DbConnection *conn = connect(false);
    QVERIFY(conn);
    const Migrator migrator(Migrator::embedded());
    AGENCY_VERIFY_OK(migrator.migrate(*conn));
    auto again = migrator.migrate(*conn);
    AGENCY_VERIFY_OK(again);
    QVERIFY(again->applied.isEmpty());
    QCOMPARE(again->version, Migrator::embedded().constLast().version);
    auto count = scalar(*conn, QStringLiteral("SELECT count(*) FROM schema_migrations"));
    AGENCY_VERIFY_OK(count);
    QCOMPARE(count->toInt(), Migrator::embedded().size());
    auto status = migrator.status(*conn);
    AGENCY_VERIFY_OK(status);
    QVERIFY(status->pending.isEmpty());
    QCOMPARE(status->appliedVersion, status->knownVersion);
}

void TestMigrator::appliesInVersionOrder()
{
    DbConnection *conn = connect(false);
    QVERIFY(conn);
    auto second = Migrator::makeMigration(QStringLiteral("0002_second.sql"), "CREATE TABLE second (x int)");
    auto third =
        Migrator::makeMigration(QStringLiteral("0003_third.sql"), "ALTER TABLE second ADD COLUMN y int");
    AGENCY_VERIFY_OK(second);
    AGENCY_VERIFY_OK(third);
    auto first = Migrator::makeMigration(QStringLiteral("0001_first.sql"), "CREATE TABLE first (x int)");
    AGENCY_VERIFY_OK(first);
    // Given out of order; 0003 needs 0002's table.
    auto report = Migrator({third.value(), first.value(), second.value()}).migrate(*conn);
    AGENCY_VERIFY_OK(report);
    QCOMPARE(report->applied,
             QStringList({QStringLiteral("0001_first.sql"), QStringLiteral("0002_second.sql"),
                          QStringLiteral("0003_third.sql")}));
    QCOMPARE(report->version, 3);

    // A later program version with one more migration applies only that one.
    auto fourth = Migrator::makeMigration(QStringLiteral("0004_fourth.sql"), "CREATE TABLE fourth (x int)");
    AGENCY_VERIFY_OK(fourth);
    auto upgrade = Migrator({first.value(), second.value(), third.value(), fourth.value()}).migrate(*conn);
    AGENCY_VERIFY_OK(upgrade);
    QCOMPARE(upgrade->applied, QStringList{QStringLiteral("0004_fourth.sql")});
    QCOMPARE(upgrade->version, 4);
}

void TestMigrator::concurrentProcessesMigrateOnce()
{
    DbConnection *holder = connect(false);
    QVERIFY(holder);
    const QString url = urlFor(holder->params());
    // Hold the migration lock so both processes are certainly waiting on it, then let them race.
    AGENCY_VERIFY_OK(scalar(*holder, QStringLiteral("SELECT pg_advisory_lock(?)"), {kLockKey}));

    QTemporaryDir workDir;
    QVERIFY(workDir.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DATABASE_URL"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), workDir.path());
    std::array<QProcess, 2> processes;
    for (QProcess &process : processes) {
        process.setProcessEnvironment(env);
        process.setWorkingDirectory(workDir.path());
        process.start(QStringLiteral(AGENCY_CLI),
                      {QStringLiteral("--database-url"), url, QStringLiteral("migrate")});
    }
    for (QProcess &process : processes)
        QVERIFY(process.waitForStarted(10000));

    const QString waiting =
        QStringLiteral("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                       "WHERE l.locktype = 'advisory' AND NOT l.granted AND "
                       "d.datname = current_database()");
    QTRY_VERIFY_WITH_TIMEOUT(scalar(*holder, waiting).valueOr(-1).toInt() == 2, 30000);
    auto tableBeforeRelease = scalar(*holder, QStringLiteral("SELECT to_regclass('tenants') IS NULL"));
    AGENCY_VERIFY_OK(tableBeforeRelease);
    QVERIFY(tableBeforeRelease->toBool()); // nobody migrated while we held the lock
    AGENCY_VERIFY_OK(scalar(*holder, QStringLiteral("SELECT pg_advisory_unlock(?)"), {kLockKey}));

    for (QProcess &process : processes)
        QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 60000);
    QStringList outputs;
    for (QProcess &process : processes) {
        const QString out = QString::fromUtf8(process.readAllStandardOutput());
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                 qPrintable(out + err));
        outputs.append(out);
    }
    // Exactly one of them applied the schema; the other found it up to date.
    const int appliers =
        static_cast<int>(std::count_if(outputs.cbegin(), outputs.cend(), [](const QString &out) {
            return out.contains(QStringLiteral("applied 0001_conversations.sql"));
        }));
    QCOMPARE(appliers, 1);
    QVERIFY(outputs.join(QString()).contains(QStringLiteral("already up to date")));

    auto duplicates =
        scalar(*holder, QStringLiteral("SELECT count(*) - count(DISTINCT version) FROM schema_migrations"));
    AGENCY_VERIFY_OK(duplicates);
    QCOMPARE(duplicates->toInt(), 0);
    auto count = scalar(*holder, QStringLiteral("SELECT count(*) FROM schema_migrations"));
    AGENCY_VERIFY_OK(count);
    QCOMPARE(count->toInt(), Migrator::embedded().size());
}

void TestMigrator::editedMigrationIsRefused()
{
    DbConnection *conn = connect(true);
    QVERIFY(conn);
    QList<Migration> edited = Migrator::embedded();
    auto changed =
        Migrator::makeMigration(edited.first().name, edited.first().sql + "\n-- a harmless-looking edit\n");
    AGENCY_VERIFY_OK(changed);
    edited.first() = changed.value();
    const Migrator migrator(edited);

    auto migrated = migrator.migrate(*conn);
    QVERIFY(!migrated.ok());
    QCOMPARE(migrated.error().code, ErrorCode::SchemaMismatch);
    QVERIFY2(migrated.error().message.contains(QStringLiteral("0001_conversations.sql")),
             qPrintable(migrated.error().message));
    QCOMPARE(migrated.error().details.value(QStringLiteral("migration")).toString(),
             QStringLiteral("0001_conversations.sql"));
    auto status = migrator.status(*conn);
    QVERIFY(!status.ok());
    QCOMPARE(status.error().code, ErrorCode::SchemaMismatch);
    // The lock was released: another session can take it at once.
    auto params = conn->params();
    DbConnection other(params, QStringLiteral("migrator-test-other"));
    AGENCY_VERIFY_OK(other.ensureOpen());
    auto tried = scalar(other, QStringLiteral("SELECT pg_try_advisory_lock(?)"), {kLockKey});
    AGENCY_VERIFY_OK(tried);
    QVERIFY(tried->toBool());
}

void TestMigrator::newerSchemaIsRefused()
{
    DbConnection *conn = connect(true);
    QVERIFY(conn);
    AGENCY_VERIFY_OK(conn->execScript(
        QStringLiteral(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future.sql', 'x')"),
        QStringLiteral("seed")));
    const Migrator migrator(Migrator::embedded());
    auto migrated = migrator.migrate(*conn);
    auto status = migrator.status(*conn);
    QVERIFY(!migrated.ok());
    QVERIFY(!status.ok());
    for (const auto &error : {migrated.error(), status.error()}) {
        QCOMPARE(error.code, ErrorCode::SchemaMismatch);
        QVERIFY2(error.message.contains(QStringLiteral("9999")) &&
                     error.message.contains(QStringLiteral("newer")),
                 qPrintable(error.message));
        QCOMPARE(error.details.value(QStringLiteral("applied_version")).toInt(), 9999);
    }
    auto count = scalar(*conn, QStringLiteral("SELECT count(*) FROM schema_migrations"));
    AGENCY_VERIFY_OK(count);
    QCOMPARE(count->toInt(), Migrator::embedded().size() + 1); // nothing touched
}

void TestMigrator::newerSchemaRefusedByCli()
{
    DbConnection *conn = connect(true);
    QVERIFY(conn);
    AGENCY_VERIFY_OK(conn->execScript(
        QStringLiteral(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future.sql', 'x')"),
        QStringLiteral("seed")));
    QTemporaryDir workDir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), workDir.path());
    env.insert(QStringLiteral("DATABASE_URL"), urlFor(conn->params())); // from the environment this time
    for (const QStringList &args : {QStringList{QStringLiteral("db"), QStringLiteral("status")},
                                    QStringList{QStringLiteral("migrate")}}) {
        QProcess process;
        process.setProcessEnvironment(env);
        process.setWorkingDirectory(workDir.path());
        process.start(QStringLiteral(AGENCY_CLI), args);
        QVERIFY(process.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 30000);
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() != 0,
                 qPrintable(args.join(u' ')));
        QVERIFY2(err.contains(QStringLiteral("newer than this program")), qPrintable(err));
    }
}

void TestMigrator::unknownAppliedVersionIsRefused()
{
    // Another build shipped 1,2,3,5 and migrated the database; this one ships 1,2,4,5.
    DbConnection *conn = connect(false);
    QVERIFY(conn);
    AGENCY_VERIFY_OK(
        Migrator(tables({{1, "base"}, {2, "base"}, {3, "other_branch"}, {5, "base"}})).migrate(*conn));
    const Migrator migrator(tables({{1, "base"}, {2, "base"}, {4, "ours"}, {5, "base"}}));
    auto migrated = migrator.migrate(*conn);
    auto status = migrator.status(*conn);
    QVERIFY(!migrated.ok());
    QVERIFY(!status.ok());
    for (const auto &error : {migrated.error(), status.error()}) {
        QCOMPARE(error.code, ErrorCode::SchemaMismatch);
        QVERIFY2(error.message.contains(QStringLiteral("3 (0003_other_branch.sql)")) &&
                     error.message.contains(QStringLiteral("does not ship")),
                 qPrintable(error.message));
        QCOMPARE(error.details.value(QStringLiteral("unknown_versions")).toArray(), QJsonArray({3}));
    }
    // Nothing applied: 0004 did not run and nothing new was recorded.
    auto t4 = scalar(*conn, QStringLiteral("SELECT to_regclass('t4') IS NULL"));
    AGENCY_VERIFY_OK(t4);
    QVERIFY(t4->toBool());
    auto count = scalar(*conn, QStringLiteral("SELECT count(*) FROM schema_migrations"));
    AGENCY_VERIFY_OK(count);
    QCOMPARE(count->toInt(), 4);
    // The lock was released.
    DbConnection other(conn->params(), QStringLiteral("migrator-test-unknown"));
    AGENCY_VERIFY_OK(other.ensureOpen());
    auto tried = scalar(other, QStringLiteral("SELECT pg_try_advisory_lock(?)"), {kLockKey});
    AGENCY_VERIFY_OK(tried);
    QVERIFY(tried->toBool());
    AGENCY_VERIFY_OK(scalar(other, QStringLiteral("SELECT pg_advisory_unlock(?)"), {kLockKey}));

    // Two branches that both numbered their migration 0003: a different migration, not an edit.
    DbConnection *clash = connect(false);
    QVERIFY(clash);
    AGENCY_VERIFY_OK(Migrator(tables({{1, "base"}, {2, "base"}, {3, "theirs"}})).migrate(*clash));
    auto clashed = Migrator(tables({{1, "base"}, {2, "base"}, {3, "ours"}})).migrate(*clash);
    QVERIFY(!clashed.ok());
    QCOMPARE(clashed.error().code, ErrorCode::SchemaMismatch);
    QVERIFY2(clashed.error().message.contains(QStringLiteral("3 (0003_theirs.sql)")),
             qPrintable(clashed.error().message));
}

void TestMigrator::skippedMigrationIsRefused()
{
    // The database has 1 and 3; this program ships 1,2,3. Running 0002 now would run it after 0003.
    DbConnection *conn = connect(false);
    QVERIFY(conn);
    AGENCY_VERIFY_OK(Migrator(tables({{1, "base"}, {3, "base"}})).migrate(*conn));
    const Migrator migrator(tables({{1, "base"}, {2, "base"}, {3, "base"}}));
    auto migrated = migrator.migrate(*conn);
    auto status = migrator.status(*conn);
    QVERIFY(!migrated.ok());
    QVERIFY(!status.ok());
    for (const auto &error : {migrated.error(), status.error()}) {
        QCOMPARE(error.code, ErrorCode::SchemaMismatch);
        QVERIFY2(error.message.contains(QStringLiteral("0002_base.sql")) &&
                     error.message.contains(QStringLiteral("out of order")),
                 qPrintable(error.message));
        QCOMPARE(error.details.value(QStringLiteral("skipped")).toArray(),
                 QJsonArray({QStringLiteral("0002_base.sql")}));
        QCOMPARE(error.details.value(QStringLiteral("applied_version")).toInt(), 3);
    }
    auto t2 = scalar(*conn, QStringLiteral("SELECT to_regclass('t2') IS NULL"));
    AGENCY_VERIFY_OK(t2);
    QVERIFY(t2->toBool());
    auto count = scalar(*conn, QStringLiteral("SELECT count(*) FROM schema_migrations"));
    AGENCY_VERIFY_OK(count);
    QCOMPARE(count->toInt(), 2);

    // Missing migrations above the applied ones are the normal upgrade and still apply.
    auto upgraded = Migrator(tables({{1, "base"}, {3, "base"}, {4, "base"}, {5, "base"}})).migrate(*conn);
    AGENCY_VERIFY_OK(upgraded);
    QCOMPARE(upgraded->applied,
             QStringList({QStringLiteral("0004_base.sql"), QStringLiteral("0005_base.sql")}));
}

void TestMigrator::failingMigrationRollsBackEntirely()
{
    DbConnection *conn = connect(false);
    QVERIFY(conn);
    QList<Migration> migrations = Migrator::embedded();
    const int next = migrations.constLast().version + 1;
    const QString brokenName = QStringLiteral("%1_broken.sql").arg(next, 4, 10, QLatin1Char('0'));
    auto broken = Migrator::makeMigration(brokenName, "CREATE TABLE half_done (x int);\n"
                                                      "INSERT INTO half_done VALUES (1);\n"
                                                      "ALTER TABLE tenants ADD COLUMN doomed int;\n"
                                                      "SELECT * FROM no_such_table;\n");
    AGENCY_VERIFY_OK(broken);
    migrations.append(broken.value());

    auto report = Migrator(migrations).migrate(*conn);
    QVERIFY(!report.ok());
    QVERIFY2(report.error().message.contains(brokenName), qPrintable(report.error().message));
    QVERIFY2(report.error().message.contains(QStringLiteral("no_such_table")),
             qPrintable(report.error().message));

    // Nothing of the broken migration is left; the good ones before it stay applied.
    auto halfDone = scalar(*conn, QStringLiteral("SELECT to_regclass('half_done') IS NULL"));
    AGENCY_VERIFY_OK(halfDone);
    QVERIFY(halfDone->toBool());
    auto doomed = scalar(*conn, QStringLiteral("SELECT count(*) FROM information_schema.columns WHERE "
                                               "table_name = 'tenants' AND column_name = 'doomed'"));
    AGENCY_VERIFY_OK(doomed);
    QCOMPARE(doomed->toInt(), 0);
    auto recorded = scalar(*conn, QStringLiteral("SELECT max(version) FROM schema_migrations"));
    AGENCY_VERIFY_OK(recorded);
    QCOMPARE(recorded->toInt(), next - 1);
    auto tenants = scalar(*conn, QStringLiteral("SELECT to_regclass('tenants') IS NOT NULL"));
    AGENCY_VERIFY_OK(tenants);
    QVERIFY(tenants->toBool());

    // The lock is free again and the same connection can apply a corrected migration.
    DbConnection other(conn->params(), QStringLiteral("migrator-test-lock"));
    AGENCY_VERIFY_OK(other.ensureOpen());
    auto tried = scalar(other, QStringLiteral("SELECT pg_try_advisory_lock(?)"), {kLockKey});
    AGENCY_VERIFY_OK(tried);
    QVERIFY(tried->toBool());
    AGENCY_VERIFY_OK(scalar(other, QStringLiteral("SELECT pg_advisory_unlock(?)"), {kLockKey}));

    auto fixed = Migrator::makeMigration(brokenName, "CREATE TABLE half_done (x int);");
    AGENCY_VERIFY_OK(fixed);
    migrations.last() = fixed.value();
    auto retried = Migrator(migrations).migrate(*conn);
    AGENCY_VERIFY_OK(retried);
    QCOMPARE(retried->applied, QStringList{brokenName});
}

QTEST_GUILESS_MAIN(TestMigrator)
#include "test_migrator.moc"

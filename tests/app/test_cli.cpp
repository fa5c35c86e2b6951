// The `aiagency` program's database and configuration commands, run as a separate process the
// way an operator runs them: migrate/db status against an external DATABASE_URL and against the
// embedded cluster, config show with its sources and masking, help and usage errors.
#include "config/settings.h"
#include "sql/dbconnection.h"
#include "testpostgres.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using agency::sql::ConnectionParams;
using agency::sql::DbConnection;
using agency::test::TestPostgres;

namespace {

struct Run
{
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
    QString all() const { return out + err; }
};

QString urlFor(const ConnectionParams &params)
{
    return QStringLiteral("postgresql:///%1?host=%2&user=%3").arg(params.database, params.host, params.user);
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(content) == content.size();
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void helpAndVersion();
    void usageErrorsExitTwo_data();
    void usageErrorsExitTwo();
    void migrateExternalDatabase();
    void dbStatusExternal();
    void dbStatusShowsPendingMigrations();
    void configShowSourcesAndMasking();
    void configFileDefaultsToXdgConfigHome();
    void badOrUnreachableDatabaseUrl();
    void embeddedDatabaseByDefault();
    void missingPostgresBinaries();

private:
    /// Runs the program in a clean environment (no settings inherited from the developer's shell,
    /// XDG_CONFIG_HOME and the working directory in a scratch dir, so no stray config or .env).
    Run run(const QStringList &args, const QHash<QString, QString> &env = {});

    TestPostgres m_pg;
    QTemporaryDir m_home;
    QString m_work;
};

void TestCli::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    QVERIFY(m_home.isValid());
    agency::test::makeSharedTempDir(m_home);
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
}

void TestCli::init()
{
    // A fresh, empty working directory and config home for every test.
    static int serial = 0;
    m_work = m_home.filePath(QStringLiteral("work-%1").arg(++serial));
    QVERIFY(QDir().mkpath(m_work + QStringLiteral("/config")));
}

Run TestCli::run(const QStringList &args, const QHash<QString, QString> &env)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &spec : agency::config::knownSettings())
        environment.remove(spec.key);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_work + QStringLiteral("/config"));
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        environment.insert(it.key(), it.value());
    QProcess process;
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(m_work);
    process.start(QStringLiteral(AGENCY_CLI), args);
    Run result;
    if (!process.waitForStarted(10000)) {
        result.err = process.errorString();
        return result;
    }
    if (!QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, 60000)) {
        process.kill();
        process.waitForFinished(5000);
        result.err = QStringLiteral("timed out");
        return result;
    }
    result.crashed = process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

void TestCli::helpAndVersion()
{
    for (const QStringList &args : {QStringList{QStringLiteral("--help")}, QStringList{QStringLiteral("-h")},
                                    QStringList{QStringLiteral("help")}}) {
        const Run r = run(args);
        QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
        QVERIFY2(r.out.contains(QStringLiteral("Usage: aiagency")), qPrintable(r.out));
        for (const char *command : {"migrate", "db status", "config show", "tenants", "runs",
                                    "--database-url", "--set KEY=VALUE", "Exit codes: 0 ok"})
            QVERIFY2(r.out.contains(QLatin1String(command)), command);
    }
    const struct
    {
        QStringList args;
        const char *expected;
    } subcommands[] = {
        {{QStringLiteral("migrate"), QStringLiteral("--help")}, "Create or upgrade the database schema"},
        {{QStringLiteral("db"), QStringLiteral("--help")}, "status"},
        {{QStringLiteral("db"), QStringLiteral("status"), QStringLiteral("--help")}, "Inspect the database"},
        {{QStringLiteral("config"), QStringLiteral("--help")}, "Show the effective settings"},
        {{QStringLiteral("tenants"), QStringLiteral("--help")}, "rate_limits.<provider>.tpm"},
        {{QStringLiteral("runs"), QStringLiteral("--help")}, "cancel --tenant T RUN_ID"},
        {{QStringLiteral("chat"), QStringLiteral("--help")}, "--file"},
        // Global options may come before the command; --help still wins over connecting.
        {{QStringLiteral("--database-url"), QStringLiteral("postgresql:///nowhere?host=/nonexistent"),
          QStringLiteral("migrate"), QStringLiteral("-h")},
         "Create or upgrade"},
    };
    for (const auto &sub : subcommands) {
        const Run r = run(sub.args);
        QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(sub.args.join(u' ') + u'\n' + r.all()));
        QVERIFY2(r.out.contains(QLatin1String(sub.expected)), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("--help")), qPrintable(r.out));
    }
    const Run version = run({QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QVERIFY2(version.out.startsWith(QStringLiteral("aiagency " AGENCY_VERSION)), qPrintable(version.out));
}

void TestCli::usageErrorsExitTwo_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")}
                                     << QStringLiteral("unknown command \"frobnicate\"");
    QTest::newRow("--set without =") << QStringList{QStringLiteral("--set"), QStringLiteral("NOEQUALS"),
                                                    QStringLiteral("config"), QStringLiteral("show")}
                                     << QStringLiteral("KEY=VALUE");
    QTest::newRow("--database-url without value")
        << QStringList{QStringLiteral("--database-url")} << QStringLiteral("needs a value");
    QTest::newRow("config without action") << QStringList{QStringLiteral("config")} << QStringLiteral("show");
    QTest::newRow("db bad action") << QStringList{QStringLiteral("db"), QStringLiteral("drop")}
                                   << QStringLiteral("status");
    QTest::newRow("migrate unknown option")
        << QStringList{QStringLiteral("migrate"), QStringLiteral("--bogus")} << QStringLiteral("bogus");
}

void TestCli::usageErrorsExitTwo()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run r = run(args);
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
}

void TestCli::migrateExternalDatabase()
{
    auto params = m_pg.freshDatabase(false);
    AGENCY_VERIFY_OK(params);
    const QString url = urlFor(params.value());

    const Run first = run({QStringLiteral("migrate"), QStringLiteral("--database-url"), url});
    QVERIFY2(first.exitCode == 0 && !first.crashed, qPrintable(first.all()));
    QVERIFY2(first.out.contains(QStringLiteral("applied 0001_conversations.sql")), qPrintable(first.out));
    QVERIFY2(first.out.contains(QStringLiteral("schema is at version")), qPrintable(first.out));

    DbConnection conn(params.value(), QStringLiteral("cli-check"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    auto tables =
        conn.exec(QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                                 "'public' AND table_name IN ('tenants', 'conversations', 'messages')"),
                  {}, QStringLiteral("check"));
    AGENCY_VERIFY_OK(tables);
    QVERIFY(tables.value()->next());
    QCOMPARE(tables.value()->value(0).toInt(), 3);

    // The same through --set and the environment: nothing left to do.
    const Run again =
        run({QStringLiteral("--set"), QStringLiteral("DATABASE_URL=") + url, QStringLiteral("migrate")});
    QVERIFY2(again.exitCode == 0, qPrintable(again.all()));
    QVERIFY2(again.out.contains(QStringLiteral("already up to date")), qPrintable(again.out));
    const Run viaEnv = run({QStringLiteral("migrate")}, {{QStringLiteral("DATABASE_URL"), url}});
    QVERIFY2(viaEnv.exitCode == 0 && viaEnv.out.contains(QStringLiteral("already up to date")),
             qPrintable(viaEnv.all()));
    // External means external: no embedded cluster was created anywhere near us.
    QVERIFY(!QFileInfo::exists(m_work + QStringLiteral("/pgdata")));
}

void TestCli::dbStatusExternal()
{
    auto params = m_pg.freshDatabase(true);
    AGENCY_VERIFY_OK(params);
    {
        DbConnection conn(params.value(), QStringLiteral("cli-seed"));
        AGENCY_VERIFY_OK(conn.ensureOpen());
        AGENCY_VERIFY_OK(conn.execScript(
            QStringLiteral("INSERT INTO tenants (tenant_id) VALUES ('acme'), ('globex');"
                           "INSERT INTO conversations (conversation_id, tenant_id, flow_type) VALUES "
                           "('7d1d5f8e-3a4b-4c2d-9e8f-0a1b2c3d4e5f', 'acme', 'weather')"),
            QStringLiteral("seed")));
    }
    // DATABASE_URL from a .env file in the working directory this time.
    QVERIFY(writeFile(m_work + QStringLiteral("/.env"),
                      "DATABASE_URL=" + urlFor(params.value()).toUtf8() + '\n'));
    const Run r = run({QStringLiteral("db"), QStringLiteral("status")});
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
    QVERIFY2(r.out.contains(QStringLiteral("external database \"%1\"").arg(params->database)),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("socket %1").arg(params->host)), qPrintable(r.out));
    QVERIFY2(QRegularExpression(QStringLiteral("server version: +PostgreSQL 1\\d")).match(r.out).hasMatch(),
             qPrintable(r.out));
    QVERIFY2(QRegularExpression(QStringLiteral("schema version: +(\\d+) \\(program knows \\1\\)\n"))
                 .match(r.out)
                 .hasMatch(),
             qPrintable(r.out));
    QVERIFY2(QRegularExpression(QStringLiteral("tenants: +2\n")).match(r.out).hasMatch(), qPrintable(r.out));
    QVERIFY2(QRegularExpression(QStringLiteral("conversations: +1\n")).match(r.out).hasMatch(),
             qPrintable(r.out));
    QVERIFY2(QRegularExpression(QStringLiteral("messages: +0\n")).match(r.out).hasMatch(), qPrintable(r.out));
    QVERIFY2(!r.out.contains(QStringLiteral("embedded")), qPrintable(r.out));
}

void TestCli::dbStatusShowsPendingMigrations()
{
    auto params = m_pg.freshDatabase(false);
    AGENCY_VERIFY_OK(params);
    const Run r = run({QStringLiteral("--database-url"), urlFor(params.value()), QStringLiteral("db"),
                       QStringLiteral("status")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.all()));
    QVERIFY2(QRegularExpression(QStringLiteral("schema version: +0 ")).match(r.out).hasMatch(),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("pending: 0001_conversations.sql")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("aiagency migrate")), qPrintable(r.out));
    QVERIFY2(!r.out.contains(QStringLiteral("tenants:")), qPrintable(r.out)); // no tables yet, no counts
    // Looking is read-only: still nothing there.
    DbConnection conn(params.value(), QStringLiteral("cli-pending"));
    AGENCY_VERIFY_OK(conn.ensureOpen());
    auto exists = conn.exec(QStringLiteral("SELECT to_regclass('schema_migrations') IS NULL"), {},
                            QStringLiteral("check"));
    AGENCY_VERIFY_OK(exists);
    QVERIFY(exists.value()->next() && exists.value()->value(0).toBool());
}

void TestCli::configShowSourcesAndMasking()
{
    const QString configFile = m_work + QStringLiteral("/settings.conf");
    const QString envFile = m_work + QStringLiteral("/custom.env");
    QVERIFY(writeFile(configFile, "LOG_LEVEL=debug\nOPENAI_MODEL=from-config\n"));
    QVERIFY(writeFile(envFile, "OPENAI_MODEL=from-dotenv\nMISTRAL_API_KEY='mistral-secret-0123456789'\n"));
    const QString openAiKey = QStringLiteral("sk-test-abcdefghijklmnopqrstuvwxyz0123");
    const Run r = run({QStringLiteral("--config"), configFile, QStringLiteral("--env-file"), envFile,
                       QStringLiteral("--set"), QStringLiteral("LLM_PROVIDER=openai"),
                       QStringLiteral("config"), QStringLiteral("show")},
                      {{QStringLiteral("OPENAI_API_KEY"), openAiKey},
                       {QStringLiteral("DATABASE_URL"),
                        QStringLiteral("postgresql://agency:pw-0123-secret@db.example/agency")}});
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));

    QHash<QString, QString> lines;
    for (const QString &line : r.out.split(u'\n', Qt::SkipEmptyParts))
        lines.insert(line.section(u' ', 0, 0), line);
    auto check = [&lines](const char *key, const QString &value, const char *source) {
        const QString line = lines.value(QLatin1String(key));
        return line.contains(value) && line.endsWith(QStringLiteral("(%1)").arg(QLatin1String(source)));
    };
    QVERIFY2(check("LOG_LEVEL", QStringLiteral("debug"), "config file"), qPrintable(r.out));
    QVERIFY2(check("OPENAI_MODEL", QStringLiteral("from-dotenv"), ".env"), qPrintable(r.out));
    QVERIFY2(check("LLM_PROVIDER", QStringLiteral("openai"), "command line"), qPrintable(r.out));
    QVERIFY2(check("OPENAI_API_KEY", QStringLiteral("sk-t"), "environment"), qPrintable(r.out));
    QVERIFY2(check("MISTRAL_API_KEY", QStringLiteral("****"), ".env"), qPrintable(r.out));
    QVERIFY2(
        check("DATABASE_URL", QStringLiteral("postgresql://agency:****@db.example/agency"), "environment"),
        qPrintable(r.out));
    QVERIFY2(check("AGENCY_DB_POOL_SIZE", QStringLiteral("4"), "default"), qPrintable(r.out));
    QVERIFY2(check("GEMINI_API_KEY", QStringLiteral("<unset>"), "default"), qPrintable(r.out));
    // No secret appears anywhere in the output.
    QVERIFY2(!r.all().contains(QStringLiteral("abcdefgh")), qPrintable(r.out));
    QVERIFY2(!r.all().contains(QStringLiteral("mistral-secret")), qPrintable(r.out));
    QVERIFY2(!r.all().contains(QStringLiteral("pw-0123")), qPrintable(r.out));
    // Unrelated environment variables are not settings.
    QVERIFY2(!lines.contains(QStringLiteral("PATH")) && !lines.contains(QStringLiteral("HOME")),
             qPrintable(r.out));
}

void TestCli::configFileDefaultsToXdgConfigHome()
{
    QVERIFY(writeFile(m_work + QStringLiteral("/config/aiagency/aiagency.conf"), "LOG_LEVEL=warning\n"));
    QVERIFY(writeFile(m_work + QStringLiteral("/.env"), "OPENAI_MODEL=local-dotenv\n"));
    const Run r = run({QStringLiteral("config"), QStringLiteral("show")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.all()));
    QVERIFY2(QRegularExpression(QStringLiteral("\nLOG_LEVEL +warning +\\(config file\\)\n"))
                 .match(r.out)
                 .hasMatch(),
             qPrintable(r.out));
    QVERIFY2(QRegularExpression(QStringLiteral("\nOPENAI_MODEL +local-dotenv +\\(\\.env\\)\n"))
                 .match(r.out)
                 .hasMatch(),
             qPrintable(r.out));

    // A malformed settings file stops the program with file and line.
    QVERIFY(writeFile(m_work + QStringLiteral("/.env"), "OPENAI_MODEL=x\nthis is not a setting\n"));
    const Run bad = run({QStringLiteral("config"), QStringLiteral("show")});
    QCOMPARE(bad.exitCode, 2); // a configuration error
    QVERIFY2(bad.err.contains(QStringLiteral(".env:2")), qPrintable(bad.err));
}

void TestCli::badOrUnreachableDatabaseUrl()
{
    const Run scheme = run({QStringLiteral("--database-url"),
                            QStringLiteral("mysql://agency:sekrit-pw@db/agency"), QStringLiteral("migrate")});
    QCOMPARE(scheme.exitCode, 2); // a configuration error
    QVERIFY2(scheme.err.contains(QStringLiteral("postgresql://")), qPrintable(scheme.err));
    QVERIFY2(!scheme.all().contains(QStringLiteral("sekrit")), qPrintable(scheme.all()));

    const Run port =
        run({QStringLiteral("--database-url"), QStringLiteral("postgresql://agency:sekrit-pw@db:99999/a"),
             QStringLiteral("db"), QStringLiteral("status")});
    QCOMPARE(port.exitCode, 2);
    QVERIFY2(!port.all().contains(QStringLiteral("sekrit")), qPrintable(port.all()));

    QTemporaryDir noServer;
    const Run unreachable = run(
        {QStringLiteral("--database-url"),
         QStringLiteral("postgresql:///agency?host=%1&user=agency&password=sekrit-pw").arg(noServer.path()),
         QStringLiteral("migrate")});
    QCOMPARE(unreachable.exitCode, 7); // database unavailable
    QVERIFY2(unreachable.err.contains(QStringLiteral("cannot connect")), qPrintable(unreachable.err));
    QVERIFY2(unreachable.err.contains(noServer.path()), qPrintable(unreachable.err));
    QVERIFY2(!unreachable.all().contains(QStringLiteral("sekrit")), qPrintable(unreachable.all()));
}

void TestCli::embeddedDatabaseByDefault()
{
    // No DATABASE_URL: the program runs (and afterwards stops) its own cluster in the data dir.
    const QString dataDir = m_work + QStringLiteral("/data");
    const Run migrate = run({QStringLiteral("--data-dir"), dataDir, QStringLiteral("migrate")});
    QVERIFY2(migrate.exitCode == 0 && !migrate.crashed, qPrintable(migrate.all()));
    QVERIFY2(migrate.out.contains(QStringLiteral("applied 0001_conversations.sql")), qPrintable(migrate.out));
    QVERIFY(QFile::exists(dataDir + QStringLiteral("/pgdata/PG_VERSION")));
    QVERIFY2(!QFile::exists(dataDir + QStringLiteral("/pgdata/postmaster.pid")),
             "the server was left running");

    // AGENCY_DATA_DIR from the environment names the same cluster, which is reused.
    const Run status =
        run({QStringLiteral("db"), QStringLiteral("status")}, {{QStringLiteral("AGENCY_DATA_DIR"), dataDir}});
    QVERIFY2(status.exitCode == 0, qPrintable(status.all()));
    QVERIFY2(status.out.contains(QStringLiteral("embedded database \"aiagency\"")), qPrintable(status.out));
    QVERIFY2(status.out.contains(QStringLiteral("cluster:         ") + dataDir + QStringLiteral("/pgdata")),
             qPrintable(status.out));
    QVERIFY2(QRegularExpression(QStringLiteral("schema version: +(\\d+) \\(program knows \\1\\)\n"))
                 .match(status.out)
                 .hasMatch(),
             qPrintable(status.out));
    QVERIFY2(QRegularExpression(QStringLiteral("tenants: +0\n")).match(status.out).hasMatch(),
             qPrintable(status.out));
    QVERIFY(!QFile::exists(dataDir + QStringLiteral("/pgdata/postmaster.pid")));
}

void TestCli::missingPostgresBinaries()
{
    QTemporaryDir emptyBin;
    const Run r = run({QStringLiteral("--set"), QStringLiteral("AGENCY_PG_BINDIR=") + emptyBin.path(),
                       QStringLiteral("--data-dir"), m_work + QStringLiteral("/data"), QStringLiteral("db"),
                       QStringLiteral("status")});
    QCOMPARE(r.exitCode, 2); // missing configuration: what to install or set
    QVERIFY2(r.err.contains(QStringLiteral("postgresql-15")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("AGENCY_PG_BINDIR")), qPrintable(r.err));
    QVERIFY(!QFileInfo::exists(m_work + QStringLiteral("/data/pgdata")));
}

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"

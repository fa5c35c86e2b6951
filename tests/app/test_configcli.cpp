// Configuration errors as the operator meets them, running the built program: every bad setting,
// unknown --set key, missing --config / --env-file and unknown provider stops every command with
// one message and exit code 2, before anything starts. And the settings tables of docs/configuration.md are
// the program's own output (`config show --markdown --section …`), byte for byte.
#include "config/settingspec.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
};

} // namespace

class TestConfigCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void badSettingsExitTwo_data();
    void badSettingsExitTwo();
    void settingsTablesAreGenerated();

private:
    /// Runs the program with no inherited settings, config home and working directory in a scratch dir.
    Run run(const QStringList &args, const QHash<QString, QString> &env = {});

    QTemporaryDir m_home;
};

void TestConfigCli::initTestCase()
{
    QVERIFY(m_home.isValid());
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
}

Run TestConfigCli::run(const QStringList &args, const QHash<QString, QString> &env)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &spec : agency::config::knownSettings())
        environment.remove(spec.key);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
    // Should a bad setting slip through, the embedded cluster would go here, not to the user's.
    environment.insert(QStringLiteral("AGENCY_DATA_DIR"), m_home.filePath(QStringLiteral("data")));
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        environment.insert(it.key(), it.value());
    QProcess process;
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(m_home.path());
    process.start(QStringLiteral(AGENCY_CLI), args);
    Run result;
    if (!process.waitForStarted(10'000) || !process.waitForFinished(60'000)) {
        process.kill();
        process.waitForFinished(5'000);
        result.err = QStringLiteral("did not start or finish: ") + process.errorString();
        return result;
    }
    result.crashed = process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

void TestConfigCli::badSettingsExitTwo_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("variable"); // NAME=value in the environment, or empty
    QTest::addColumn<QString>("message");
    const QStringList commands[] = {{QStringLiteral("config"), QStringLiteral("show")},
                                    {QStringLiteral("migrate")},
                                    {QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")},
                                    {QStringLiteral("chat"), QStringLiteral("hello")}};
    for (const QStringList &command : commands) {
        const QByteArray name = command.first().toUtf8();
        QTest::addRow("%s: unknown --set key", name.constData())
            << (QStringList{QStringLiteral("--set"), QStringLiteral("OPENAI_MODLE=gpt-x")} + command)
            << QString() << QStringLiteral("aiagency: unknown setting OPENAI_MODLE on the command line");
        QTest::addRow("%s: bad --set value", name.constData())
            << (QStringList{QStringLiteral("--set"), QStringLiteral("AGENCY_DB_POOL_SIZE=0")} + command)
            << QString()
            << QStringLiteral(
                   "aiagency: AGENCY_DB_POOL_SIZE=\"0\" (from the command line) is not valid; allowed: "
                   "whole number 1–256");
        QTest::addRow("%s: unknown provider", name.constData())
            << command << QStringLiteral("LLM_PROVIDER=claude")
            << QStringLiteral("aiagency: LLM_PROVIDER=\"claude\" (from the environment) is not valid");
        QTest::addRow("%s: missing --config", name.constData())
            << (QStringList{QStringLiteral("--config"), QStringLiteral("/no/such/aiagency.conf")} + command)
            << QString() << QStringLiteral("aiagency: --config /no/such/aiagency.conf: no such file");
        QTest::addRow("%s: bad server limit", name.constData())
            << command << QStringLiteral("HTTP_MAX_BODY_BYTES=12")
            << QStringLiteral("aiagency: HTTP_MAX_BODY_BYTES=\"12\" (from the environment) is not valid; "
                              "allowed: whole number 1,024–1,073,741,824");
        QTest::addRow("%s: missing --env-file", name.constData())
            << (QStringList{QStringLiteral("--env-file"), QStringLiteral("/no/such/.env")} + command)
            << QString() << QStringLiteral("aiagency: --env-file /no/such/.env: no such file");
    }
}

void TestConfigCli::badSettingsExitTwo()
{
    QFETCH(QStringList, args);
    QFETCH(QString, variable);
    QFETCH(QString, message);
    QHash<QString, QString> env;
    if (!variable.isEmpty())
        env.insert(variable.section(u'=', 0, 0), variable.section(u'=', 1));
    const Run r = run(args, env);
    QVERIFY2(!r.crashed, qPrintable(r.err));
    QVERIFY2(r.exitCode == 2, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err)));
    QVERIFY2(r.err.startsWith(message), qPrintable(r.err));
    // One error line and nothing started: no output, no database directory.
    QCOMPARE(r.err.count(u'\n'), 1);
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QVERIFY(!QFileInfo::exists(m_home.filePath(QStringLiteral("data"))));
}

void TestConfigCli::settingsTablesAreGenerated()
{
    QFile file(QStringLiteral(AGENCY_SOURCE_DIR "/docs/configuration.md"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString manual = QString::fromUtf8(file.readAll());
    // Each table follows its marker; it ends at the first line that is not a table row.
    static const QRegularExpression block(QStringLiteral(
        "<!-- generated with: aiagency config show --markdown --section ([a-z]+) -->\n((?:\\|[^\n]*\n)+)"));
    QStringList seen;
    for (auto it = block.globalMatch(manual); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        const QString section = match.captured(1);
        const Run r = run({QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("--markdown"),
                           QStringLiteral("--section"), section});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(
            match.captured(2) == r.out,
            qPrintable(
                QStringLiteral(
                    "docs/configuration.md table of section %1 differs from the program's; regenerate it "
                    "with `aiagency config show --markdown --section %1`")
                    .arg(section)));
        seen.append(section);
    }
    // Every setting is documented: each section has its table, once.
    for (const auto &section : agency::config::settingSections())
        QVERIFY2(seen.count(section.slug) == 1, qPrintable(section.slug));
    QCOMPARE(seen.size(), agency::config::settingSections().size());
    // No hand-written settings table is left beside them.
    QVERIFY(!manual.contains(QStringLiteral("| Setting | Default | Meaning |")));
    QVERIFY(!manual.contains(QStringLiteral("| setting ")));
}

QTEST_GUILESS_MAIN(TestConfigCli)
#include "test_configcli.moc"

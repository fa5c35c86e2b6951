// The embedded server shared by real processes: ten `aiagency chat` at once on a fresh
// data directory all succeed, run initdb once and leave no server behind; processes killed with
// -9 at every step (initdb, start, the turn, stop) leave no scratch directory, and the next
// process adopts or stops what they left; SIGTERM ends a chat promptly while the database hangs.

#include "config/settings.h"
#include "futurewait.h"
#include "testpostgres.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <vector>

using namespace agency;

namespace {

/// Whether a statement sits unread at the server behind `socketDir`: a connection accepted on its
/// Unix socket with bytes in the server side's receive queue (read from the kernel by `ss`). While
/// the server is stopped with SIGSTOP, that is a client blocked inside a statement.
bool statementWaitingAtServer(const QString &socketDir)
{
    QProcess ss;
    ss.start(QStringLiteral("ss"), {QStringLiteral("-x"), QStringLiteral("-n"), QStringLiteral("-H")});
    if (!ss.waitForFinished(5000))
        return false;
    // Netid State Recv-Q Send-Q Local-Address Port Peer-Address Port
    const QStringList lines = QString::fromUtf8(ss.readAllStandardOutput()).split(u'\n');
    for (const QString &line : lines) {
        const QStringList fields = line.simplified().split(u' ');
        if (fields.size() >= 5 && fields[1] == QLatin1String("ESTAB") && fields[2].toLongLong() > 0 &&
            fields[4].startsWith(socketDir + u'/'))
            return true;
    }
    return false;
}

/// The postmaster recorded in a data directory's cluster, if it is alive.
qint64 livePostmaster(const QString &dataDir)
{
    QFile file(dataDir + QStringLiteral("/pgdata/postmaster.pid"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const qint64 pid = file.readLine().trimmed().toLongLong();
    return test::processAlive(pid) ? pid : 0;
}

int countLines(const QString &path, const QString &needle)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    return static_cast<int>(QString::fromUtf8(file.readAll()).count(needle));
}

} // namespace

class TestProcessLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tenChatsAtOnceOnAFreshDataDirectory();
    void killedAtEveryStepLeavesNothingBehind();
    void sigtermEndsAChatWhileTheDatabaseHangs();

private:
    /// `aiagency chat` in a clean environment; `settings` are passed as --set KEY=VALUE.
    std::unique_ptr<QProcess> startChat(const QStringList &chatArgs, const QHash<QString, QString> &settings);
    bool waitFinished(QProcess &process, int timeoutMs);

    QTemporaryDir m_home;
};

void TestProcessLifecycle::initTestCase()
{
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
    QVERIFY(m_home.isValid());
    test::makeSharedTempDir(m_home);
    QVERIFY(QDir().mkpath(m_home.filePath(QStringLiteral("config"))));
}

std::unique_ptr<QProcess> TestProcessLifecycle::startChat(const QStringList &chatArgs,
                                                          const QHash<QString, QString> &settings)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &spec : config::knownSettings())
        environment.remove(spec.key);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
    QStringList args;
    for (auto it = settings.cbegin(); it != settings.cend(); ++it)
        args << QStringLiteral("--set") << it.key() + u'=' + it.value();
    args << QStringLiteral("chat") << chatArgs;
    auto process = std::make_unique<QProcess>();
    process->setProcessEnvironment(environment);
    process->setWorkingDirectory(m_home.path());
    process->start(QStringLiteral(AGENCY_CLI), args);
    return process;
}

bool TestProcessLifecycle::waitFinished(QProcess &process, int timeoutMs)
{
    return QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, timeoutMs);
}

void TestProcessLifecycle::tenChatsAtOnceOnAFreshDataDirectory()
{
    const QString dataDir = m_home.filePath(QStringLiteral("ten"));
    const QHash<QString, QString> settings{{QStringLiteral("AGENCY_DATA_DIR"), dataDir},
                                           {QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")}};
    std::vector<std::unique_ptr<QProcess>> chats;
    for (int i = 0; i < 10; ++i) {
        chats.push_back(
            startChat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                       QStringLiteral("consulting"), QStringLiteral("hello %1").arg(i)},
                      settings));
    }
    for (auto &chat : chats) {
        QVERIFY(waitFinished(*chat, 180000));
        QVERIFY2(chat->exitStatus() == QProcess::NormalExit && chat->exitCode() == 0,
                 qPrintable(QString::fromUtf8(chat->readAllStandardError())));
    }
    const QString log = dataDir + QStringLiteral("/lifecycle.log");
    QCOMPARE(countLines(log, QStringLiteral(" initdb")), 1);
    QVERIFY(countLines(log, QStringLiteral("started the server")) >= 1);
    // The last one out stopped it: nobody is left running a server nobody uses.
    QCOMPARE(livePostmaster(dataDir), 0);
    QCOMPARE(QDir(dataDir).entryList({QStringLiteral("pgdata.init-*")}, QDir::Dirs), QStringList());
}

void TestProcessLifecycle::killedAtEveryStepLeavesNothingBehind()
{
    // Kills spread over the first seconds of ten processes on a fresh directory land in initdb,
    // in a server start, in an attach, during a turn and in a stop.
    const QString dataDir = m_home.filePath(QStringLiteral("killed"));
    const QHash<QString, QString> settings{{QStringLiteral("AGENCY_DATA_DIR"), dataDir},
                                           {QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")}};
    std::vector<std::unique_ptr<QProcess>> chats;
    for (int i = 0; i < 10; ++i) {
        chats.push_back(
            startChat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                       QStringLiteral("consulting"), QStringLiteral("hello %1").arg(i)},
                      settings));
        QTest::qWait(150);
        if (i % 2 == 0)
            chats.at(static_cast<size_t>(i / 2))->kill(); // SIGKILL
    }
    for (auto &chat : chats)
        QVERIFY(waitFinished(*chat, 180000));

    // The next process adopts whatever was left (or starts afresh) and, being the last one out,
    // stops the server.
    auto after = startChat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                            QStringLiteral("consulting"), QStringLiteral("after the kills")},
                           settings);
    QVERIFY(waitFinished(*after, 180000));
    QVERIFY2(after->exitStatus() == QProcess::NormalExit && after->exitCode() == 0,
             qPrintable(QString::fromUtf8(after->readAllStandardError())));
    QCOMPARE(livePostmaster(dataDir), 0);
    QCOMPARE(QDir(dataDir).entryList({QStringLiteral("pgdata.init-*")}, QDir::Dirs), QStringList());
    QVERIFY(QFile::exists(dataDir + QStringLiteral("/pgdata/PG_VERSION")));
}

void TestProcessLifecycle::sigtermEndsAChatWhileTheDatabaseHangs()
{
    test::TestPostgres pg;
    QVERIFY2(pg.start(), qPrintable(pg.error()));
    auto params = pg.freshDatabase(false); // the program migrates it
    AGENCY_VERIFY_OK(params);
    const QString url =
        QStringLiteral("postgresql:///%1?host=%2&user=%3").arg(params->database, params->host, params->user);
    // No statement timeout: only the shutdown path itself may end the process.
    auto chat = startChat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                           QStringLiteral("consulting"), QStringLiteral("--interactive")},
                          {{QStringLiteral("DATABASE_URL"), url},
                           {QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")},
                           {QStringLiteral("AGENCY_DB_STATEMENT_TIMEOUT_MS"), QStringLiteral("0")}});
    QByteArray out;
    QVERIFY(QTest::qWaitFor(
        [&] {
            out += chat->readAllStandardOutput();
            return out.contains("you> ") || chat->state() == QProcess::NotRunning;
        },
        60000));
    QVERIFY2(out.contains("you> "), chat->readAllStandardError().constData());

    // A first turn connects the database workers (they connect on first use).
    chat->write("warm up\n");
    QVERIFY(QTest::qWaitFor(
        [&] {
            out += chat->readAllStandardOutput();
            return out.count("you> ") == 2;
        },
        60000));

    // The database freezes; a message goes in and its turn blocks on the database, inside a
    // statement on an open connection (where a server-side timeout can do nothing).
    QVERIFY(pg.signalServer(SIGSTOP) > 0);
    chat->write("hello\n");
    QVERIFY(QTest::qWaitFor(
        [&] {
            out += chat->readAllStandardOutput();
            return out.count("agent> ") == 2;
        },
        20000));
    // Wait until a statement is on the wire, unread by the frozen server: a SIGTERM before that
    // would only test the easy case (nothing blocked yet).
    QVERIFY2(QTest::qWaitFor([&] { return statementWaitingAtServer(params->host); }, 20000),
             "no statement reached the frozen server");
    ::kill(static_cast<pid_t>(chat->processId()), SIGTERM);
    const bool ended = waitFinished(*chat, 20000);
    pg.signalServer(SIGCONT);
    QVERIFY2(ended, "SIGTERM did not end the chat while the database hung");
}

QTEST_GUILESS_MAIN(TestProcessLifecycle)
#include "test_processlifecycle.moc"

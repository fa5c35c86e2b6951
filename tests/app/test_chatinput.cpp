// The edges of what `aiagency chat` reads, run as a user runs it (the built program, a fresh
// PostgreSQL database): a message from stdin (`-`) or a file (`--file`), the 1,000,000-character
// limit, and the REPL's rules: one line is one message whatever its length, lines that arrive
// together are one message, a bad line is refused and the session goes on, and a cancelled turn
// keeps its conversation for the next message.

#include "clirunner.h"
#include "core/limits.h"
#include "db/conversationrepository.h"
#include "db/records.h"
#include "fakeopenai.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace agency;
using test::CliRun;

class TestChatInput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void messageFromStdin();
    void messageFromFileBeyondArgvLimits();
    void fileOverTheLimitIsOneClearError();
    void missingFileIsAUsageError();
    void titleNeverSplitsAnEmoji();
    void replLongLineIsOneMessage();
    void replLineOverTheLimitIsRefusedAndTheSessionGoesOn();
    void replNulLineIsRefusedAndTheSessionGoesOn();
    void replPasteIsOneMessage();
    void replCancelledTurnKeepsTheConversation();
    void sigtermDuringAReplyCancelsItThenExits();

private:
    test::CliRunner cli(const QStringList &extra = {}) const;
    QStringList chatArgs(const QString &tenant) const;
    QList<core::Message> stored(const QString &tenant, const QUuid &conversation);
    /// Reads what the process printed so far into `err`; true once `err` contains `text`.
    static bool printed(QProcess &process, QString &err, const QString &text);

    test::CliDatabase m_db;
    std::unique_ptr<db::ConversationRepository> m_repo;
    QTemporaryDir m_home;
    QString m_work;
};

void TestChatInput::initTestCase()
{
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    m_repo = std::make_unique<db::ConversationRepository>(m_db.executor());
    QVERIFY(m_home.isValid());
}

void TestChatInput::init()
{
    static int serial = 0;
    m_work = m_home.filePath(QStringLiteral("work-%1").arg(++serial));
    QVERIFY(QDir().mkpath(m_work));
}

void TestChatInput::cleanupTestCase()
{
    m_repo.reset();
    m_db.stop();
}

test::CliRunner TestChatInput::cli(const QStringList &extra) const
{
    return test::CliRunner(QStringLiteral(AGENCY_CLI), m_work,
                           QStringList{QStringLiteral("--database-url"), m_db.url()} + extra);
}

QStringList TestChatInput::chatArgs(const QString &tenant) const
{
    return {QStringLiteral("chat"), QStringLiteral("--tenant"), tenant, QStringLiteral("--flow"),
            QStringLiteral("consulting")};
}

QList<core::Message> TestChatInput::stored(const QString &tenant, const QUuid &conversation)
{
    auto history = test::await(m_repo->history(tenant, conversation, 1000));
    if (!history)
        QTest::qFail(qPrintable(history.error().toString()), __FILE__, __LINE__);
    return history ? history.value() : QList<core::Message>();
}

bool TestChatInput::printed(QProcess &process, QString &err, const QString &text)
{
    err += QString::fromUtf8(process.readAllStandardError());
    return err.contains(text);
}

void TestChatInput::messageFromStdin()
{
    const QString message = QStringLiteral("Plan for ünïcode 🎉\nsecond line");
    const CliRun r = cli().run(chatArgs(QStringLiteral("stdin")) << QStringLiteral("-"),
                               QByteArray(message.toUtf8()).append('\n'));
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
    const auto messages = stored(QStringLiteral("stdin"), r.conversation());
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).content, message);
}

void TestChatInput::messageFromFileBeyondArgvLimits()
{
    // 300,000 characters: more than one argument may hold (128 KiB), with multi-byte characters.
    const QString message = QStringLiteral("Résumé: ") + QString(300'000 - 8, QChar(0x00E9));
    const QString path = m_work + QStringLiteral("/message.txt");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(message.toUtf8());
    file.close();
    const CliRun r = cli().run(chatArgs(QStringLiteral("file")) << QStringLiteral("--file") << path);
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all().left(2000)));
    const auto messages = stored(QStringLiteral("file"), r.conversation());
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).content.size(), message.size());
    QVERIFY(messages.at(0).content == message);
}

void TestChatInput::fileOverTheLimitIsOneClearError()
{
    const QString path = m_work + QStringLiteral("/big.txt");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(core::limits::kMaxContentChars + 1, 'a'));
    file.close();
    const CliRun r = cli().run(chatArgs(QStringLiteral("toolong")) << QStringLiteral("--file") << path);
    QVERIFY2(r.exitCode == 2 && !r.crashed, qPrintable(r.all().left(2000)));
    QVERIFY2(r.err.contains(QStringLiteral("1,000,000 characters")), qPrintable(r.err.left(2000)));
    QVERIFY(r.conversation().isNull());
    auto list = test::await(m_repo->listConversations({QStringLiteral("toolong"), {}, 10, {}}));
    AGENCY_VERIFY_OK(list);
    QVERIFY(list->items.isEmpty());
}

void TestChatInput::missingFileIsAUsageError()
{
    const CliRun r = cli().run(chatArgs(QStringLiteral("nofile"))
                               << QStringLiteral("--file") << m_work + QStringLiteral("/absent.txt"));
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("absent.txt")), qPrintable(r.all()));
}

void TestChatInput::titleNeverSplitsAnEmoji()
{
    // 78 letters, then an emoji whose surrogate pair straddles the 79-unit cut of an 80-unit title.
    const QString smile = QString::fromUtf8("\xF0\x9F\x98\x80");
    const QString message = QString(78, u'a') + smile + QStringLiteral(" and more words after it");
    const CliRun r = cli().run(chatArgs(QStringLiteral("title")) << message);
    QVERIFY2(r.exitCode == 0, qPrintable(r.all()));
    auto conversation = test::await(m_repo->getConversation(QStringLiteral("title"), r.conversation()));
    AGENCY_VERIFY_OK(conversation);
    QCOMPARE(conversation->title, QString(78, u'a') + QChar(0x2026));
}

void TestChatInput::replLongLineIsOneMessage()
{
    // 150,000 two-byte characters after one ASCII letter: the 64 KiB pieces a pipe delivers end
    // in the middle of a character. The line is one message, stored exactly.
    const QString line = QStringLiteral("x") + QString(150'000, QChar(0x00E9));
    const CliRun r = cli().run(chatArgs(QStringLiteral("longline")) << QStringLiteral("--interactive"),
                               QByteArray(line.toUtf8()).append('\n'));
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all().left(2000)));
    QCOMPARE(r.err.count(QStringLiteral("conversation: ")), 1);
    const auto messages = stored(QStringLiteral("longline"), r.conversation());
    QCOMPARE(messages.size(), 2);
    QVERIFY(messages.at(0).content == line);
}

void TestChatInput::replLineOverTheLimitIsRefusedAndTheSessionGoesOn()
{
    QProcess process;
    QVERIFY(cli().start(process, chatArgs(QStringLiteral("replbig")) << QStringLiteral("--interactive")));
    QByteArray tooLong(core::limits::kMaxContentChars + 10, 'a');
    tooLong.append('\n');
    process.write(tooLong);
    QString err;
    QTRY_VERIFY_WITH_TIMEOUT(printed(process, err, QStringLiteral("1,000,000 characters")), 30000);
    process.write("Hello after the long one\n");
    QTRY_VERIFY_WITH_TIMEOUT(printed(process, err, QStringLiteral("conversation: ")), 30000);
    process.closeWriteChannel();
    CliRun r = test::CliRunner::finish(process);
    r.err.prepend(err);
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all().left(2000)));
    const auto messages = stored(QStringLiteral("replbig"), r.conversation());
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).content, QStringLiteral("Hello after the long one"));
}

void TestChatInput::replNulLineIsRefusedAndTheSessionGoesOn()
{
    QProcess process;
    QVERIFY(cli().start(process, chatArgs(QStringLiteral("replnul")) << QStringLiteral("--interactive")));
    process.write(QByteArray("Hello\0there\n", 12));
    QString err;
    QTRY_VERIFY_WITH_TIMEOUT(printed(process, err, QStringLiteral("NUL")), 30000);
    process.write("Still there?\n");
    QTRY_VERIFY_WITH_TIMEOUT(printed(process, err, QStringLiteral("conversation: ")), 30000);
    process.closeWriteChannel();
    CliRun r = test::CliRunner::finish(process);
    r.err.prepend(err);
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
    const auto messages = stored(QStringLiteral("replnul"), r.conversation());
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).content, QStringLiteral("Still there?"));
}

void TestChatInput::replPasteIsOneMessage()
{
    // Written at once, as a terminal delivers a paste: one message, line breaks kept.
    const CliRun r = cli().run(chatArgs(QStringLiteral("paste")) << QStringLiteral("--interactive"),
                               "First line\nSecond line\n\nAfter a blank line\n");
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
    QCOMPARE(r.err.count(QStringLiteral("conversation: ")), 1);
    const auto messages = stored(QStringLiteral("paste"), r.conversation());
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).content, QStringLiteral("First line\nSecond line\n\nAfter a blank line"));
}

void TestChatInput::sigtermDuringAReplyCancelsItThenExits()
{
    test::FakeOpenAiServer server;
    QVERIFY(server.listen());
    server.enqueue(test::FakeResponse::neverAnswer());
    QProcess process;
    QVERIFY(cli({QStringLiteral("--set"), QStringLiteral("OPENAI_BASE_URL=") + server.baseUrl()})
                .start(process, chatArgs(QStringLiteral("sigterm"))
                                    << QStringLiteral("--provider") << QStringLiteral("openai")
                                    << QStringLiteral("--interactive")));
    process.write("A question left unanswered\n");
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() == 1, 30000);
    // With the provider call in flight: the turn is cancelled and ends before anything is torn
    // down (tearing down under it aborted on a destroyed continuation context).
    ::kill(static_cast<pid_t>(process.processId()), SIGTERM);
    const CliRun r = test::CliRunner::finish(process);
    QVERIFY2(!r.crashed, qPrintable(r.all()));
    QCOMPARE(r.exitCode, 130);
    QVERIFY2(r.err.contains(QStringLiteral("(kept)")), qPrintable(r.all()));
    const auto messages = stored(QStringLiteral("sigterm"), r.conversation());
    QVERIFY(!messages.isEmpty());
    QCOMPARE(messages.at(0).content, QStringLiteral("A question left unanswered"));
}

void TestChatInput::replCancelledTurnKeepsTheConversation()
{
    test::FakeOpenAiServer server;
    QVERIFY(server.listen());
    server.enqueue(test::FakeResponse::neverAnswer());
    server.enqueueText(QStringLiteral("Second answer"));
    QProcess process;
    QVERIFY(cli({QStringLiteral("--set"), QStringLiteral("OPENAI_BASE_URL=") + server.baseUrl()})
                .start(process, chatArgs(QStringLiteral("cancel"))
                                    << QStringLiteral("--provider") << QStringLiteral("openai")
                                    << QStringLiteral("--interactive")));
    process.write("First question\n");
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() == 1, 30000);
    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QString err;
    QTRY_VERIFY_WITH_TIMEOUT(printed(process, err, QStringLiteral("(kept)")), 30000);
    QVERIFY2(err.contains(QStringLiteral("cancelled")), qPrintable(err));
    process.write("Second question\n");
    QTRY_VERIFY_WITH_TIMEOUT(printed(process, err, QStringLiteral("tokens)")), 30000);
    process.closeWriteChannel();
    CliRun r = test::CliRunner::finish(process);
    r.err.prepend(err);
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
    QVERIFY2(r.out.contains(QStringLiteral("Second answer")), qPrintable(r.all()));

    // The second turn continued the first one's conversation: the provider saw the first question.
    QCOMPARE(server.requestCount(), 2);
    const QString sent = QString::fromUtf8(server.requests().at(1).body);
    QVERIFY2(sent.contains(QStringLiteral("First question")), qPrintable(sent));
    const auto messages = stored(QStringLiteral("cancel"), r.conversation());
    QStringList contents;
    for (const core::Message &m : messages)
        contents.append(m.content);
    QCOMPARE(contents, (QStringList{QStringLiteral("First question"), QStringLiteral("Second question"),
                                    QStringLiteral("Second answer")}));
}

QTEST_GUILESS_MAIN(TestChatInput)
#include "test_chatinput.moc"

// `aiagency complete` end to end: the built binary against the demo provider and against the fake
// OpenAI-compatible server (served by this process while the CLI runs).
#include "fakeopenai.h"

#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace agency;
using namespace agency::test;

namespace {

struct CliRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class TestCompleteCli : public QObject
{
    Q_OBJECT

private:
    /// Runs the CLI in an empty directory with a clean environment (no .env, no config file, no keys).
    CliRun run(const QStringList &args)
    {
        QProcess process;
        process.setProgram(QStringLiteral(AIAGENCY_BINARY));
        process.setArguments(args);
        process.setWorkingDirectory(m_home.path());
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), m_home.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
        process.setProcessEnvironment(env);
        process.start();
        CliRun result;
        // Wait with the event loop running: the fake server lives on this thread.
        if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 30000)) {
            process.kill();
            process.waitForFinished();
            result.err = QStringLiteral("timed out");
            return result;
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
        result.out = QString::fromUtf8(process.readAllStandardOutput());
        result.err = QString::fromUtf8(process.readAllStandardError());
        return result;
    }

    /// The same clean environment as run(), for a process the test drives itself.
    void prepare(QProcess &process, const QStringList &args)
    {
        process.setProgram(QStringLiteral(AIAGENCY_BINARY));
        process.setArguments(args);
        process.setWorkingDirectory(m_home.path());
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), m_home.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
        process.setProcessEnvironment(env);
    }

    QTemporaryDir m_home;

private Q_SLOTS:
    void demoWorksOffline()
    {
        const CliRun r = run({QStringLiteral("complete"), QStringLiteral("--provider"),
                              QStringLiteral("demo"), QStringLiteral("hello")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("demo provider")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("\"hello\"")));
    }

    void demoStreams()
    {
        const CliRun r = run({QStringLiteral("complete"), QStringLiteral("--stream"),
                              QStringLiteral("--verbose"), QStringLiteral("hello"), QStringLiteral("there")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("\"hello there\"")));
        QVERIFY2(r.err.contains(QStringLiteral("provider: demo")), qPrintable(r.err));
    }

    void openAiCompatibleServer()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueText(QStringLiteral("Hi from the fake server"));
        const CliRun r =
            run({QStringLiteral("--set"), QStringLiteral("OPENAI_BASE_URL=") + server.baseUrl(),
                 QStringLiteral("--set"), QStringLiteral("OPENAI_API_KEY=sk-cli-test"),
                 QStringLiteral("complete"), QStringLiteral("--provider"), QStringLiteral("openai"),
                 QStringLiteral("--model"), QStringLiteral("local-model"), QStringLiteral("Say hi")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(r.out, QStringLiteral("Hi from the fake server\n"));
        QCOMPARE(server.requestCount(), 1);
        const RecordedRequest sent = server.lastRequest();
        QCOMPARE(sent.header("authorization"), QByteArray("Bearer sk-cli-test"));
        QCOMPARE(sent.json().value(QStringLiteral("model")).toString(), QStringLiteral("local-model"));
        QCOMPARE(sent.json()
                     .value(QStringLiteral("messages"))
                     .toArray()
                     .last()
                     .toObject()
                     .value(QStringLiteral("content"))
                     .toString(),
                 QStringLiteral("Say hi"));
        QVERIFY(!r.err.contains(QStringLiteral("sk-cli-test"))); // keys are never printed
    }

    void openAiCompatibleServerStreaming()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueStream({QStringLiteral("Streamed "), QStringLiteral("answer")}, {}, 10);
        const CliRun r = run({QStringLiteral("--set"), QStringLiteral("OPENAI_BASE_URL=") + server.baseUrl(),
                              QStringLiteral("--set"), QStringLiteral("LLM_PROVIDER=openai"),
                              QStringLiteral("complete"), QStringLiteral("--stream"), QStringLiteral("hi")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(r.out, QStringLiteral("Streamed answer\n"));
        QCOMPARE(server.lastRequest().json().value(QStringLiteral("stream")).toBool(), true);
    }

    void missingKeyIsAnError()
    {
        const CliRun r = run({QStringLiteral("complete"), QStringLiteral("--provider"),
                              QStringLiteral("openai"), QStringLiteral("hello")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains(QStringLiteral("OPENAI_API_KEY is not set")), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void providerErrorIsAnError()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(openai::errorReply(401, QStringLiteral("Incorrect API key provided")));
        const CliRun r = run({QStringLiteral("--set"), QStringLiteral("OPENAI_BASE_URL=") + server.baseUrl(),
                              QStringLiteral("--set"), QStringLiteral("OPENAI_API_KEY=sk-wrong"),
                              QStringLiteral("complete"), QStringLiteral("--provider"),
                              QStringLiteral("openai"), QStringLiteral("hello")});
        QCOMPARE(r.exitCode, 6); // provider error
        QVERIFY2(r.err.contains(QStringLiteral("Incorrect API key provided")), qPrintable(r.err));
    }

    void ctrlCCancelsTheCallAndExits130()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::neverAnswer());
        QProcess process;
        prepare(process, {QStringLiteral("--set"), QStringLiteral("OPENAI_BASE_URL=") + server.baseUrl(),
                          QStringLiteral("complete"), QStringLiteral("--provider"), QStringLiteral("openai"),
                          QStringLiteral("--stream"), QStringLiteral("take your time")});
        process.start();
        // Interrupt only once the call is in flight: the server holds the request.
        QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() == 1, 30000);
        QCOMPARE(server.openConnections(), 1);
        ::kill(static_cast<pid_t>(process.processId()), SIGINT);
        QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 10000);
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit); // not killed by the signal
        QCOMPARE(process.exitCode(), 130);
        QVERIFY2(err.contains(QStringLiteral("cancel")), qPrintable(err));
        // The HTTP request was aborted, not left hanging.
        QTRY_COMPARE(server.openConnections(), 0);
    }

    void exitCodesFollowTheTable()
    {
        // Unknown provider: not found (3), as an unknown flow in `chat`.
        const CliRun unknown = run({QStringLiteral("complete"), QStringLiteral("--provider"),
                                    QStringLiteral("nope"), QStringLiteral("x")});
        QCOMPARE(unknown.exitCode, 3);
        QVERIFY2(unknown.err.contains(QStringLiteral("unknown provider \"nope\"")), qPrintable(unknown.err));
        // Missing key: a configuration error (2).
        QCOMPARE(run({QStringLiteral("complete"), QStringLiteral("--provider"), QStringLiteral("openai"),
                      QStringLiteral("x")})
                     .exitCode,
                 2);
        // The provider refused: provider error (6); the provider rate-limited us: 5.
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(openai::errorReply(400, QStringLiteral("bad model")));
        server.enqueue(openai::errorReply(429, QStringLiteral("slow down")).header("retry-after", "3600"));
        const QStringList openai = {
            QStringLiteral("--set"),    QStringLiteral("OPENAI_BASE_URL=") + server.baseUrl(),
            QStringLiteral("--set"),    QStringLiteral("LLM_RETRY_MAX_TOTAL_MS=0"),
            QStringLiteral("complete"), QStringLiteral("--provider"),
            QStringLiteral("openai"),   QStringLiteral("x")};
        const CliRun badRequest = run(openai);
        QCOMPARE(badRequest.exitCode, 6);
        QVERIFY2(badRequest.err.contains(QStringLiteral("bad model")), qPrintable(badRequest.err));
        const CliRun limited = run(openai);
        QCOMPARE(limited.exitCode, 5);
        QVERIFY2(limited.err.contains(QStringLiteral("slow down")), qPrintable(limited.err));
    }

    void messageFromStdinIsValidated()
    {
        QProcess process;
        prepare(process, {QStringLiteral("complete"), QStringLiteral("-")});
        process.start();
        QVERIFY(process.waitForStarted(10000));
        process.write(QByteArray("Hello\0there\n", 13));
        process.closeWriteChannel();
        QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 30000);
        QCOMPARE(process.exitCode(), 2);
        QVERIFY(QString::fromUtf8(process.readAllStandardError()).contains(QStringLiteral("NUL")));
    }

    void usageErrors()
    {
        QCOMPARE(run({QStringLiteral("complete")}).exitCode, 2);
        const CliRun list = run({QStringLiteral("complete"), QStringLiteral("--list")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY(list.out.contains(QStringLiteral("needs OPENAI_API_KEY")));
    }
};

QTEST_GUILESS_MAIN(TestCompleteCli)
#include "test_completecli.moc"

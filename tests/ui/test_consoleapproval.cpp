// Approval before writes in the console: a turn that pauses on a write tool shows the call with
// exactly its arguments and Approve / Reject buttons above the thread; the conversation shows it
// again when reopened; Approve runs the call and the thread continues with the agent's answer;
// Reject runs nothing.

#include "uifixture.h"
#include "writetool.h"

#include "ui/approvalpanel.h"
#include "ui/chatsession.h"
#include "ui/threadmodel.h"

#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTest>

using namespace agency;

namespace {

core::ToolCall noteCall(const QString &text)
{
    return test::call(QStringLiteral("call_note"), QStringLiteral("post_note"),
                      QStringLiteral("{\"text\":\"%1\"}").arg(text));
}

} // namespace

class TestConsoleApproval : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init()
    {
        m_tool = std::make_shared<test::RecordingWriteTool>();
        // The console's default flow, with the write tool.
        QVERIFY2(m_fx.reset({},
                            {test::testFlow(QStringLiteral("weather"), 4, 50,
                                            {QStringLiteral("get_weather"), QStringLiteral("post_note")})},
                            {m_tool}),
                 qPrintable(m_fx.error()));
    }
    void cleanup() { m_fx.tearDown(); }

    void approveFromTheThread();
    void rejectFromTheThread();

private:
    /// Sends a message whose answer calls post_note; returns the panel once it shows the call.
    ui::ApprovalPanel *pauseOn(ui::MainWindow &window, const QString &text);

    test::UiFixture m_fx;
    std::shared_ptr<test::RecordingWriteTool> m_tool;
};

ui::ApprovalPanel *TestConsoleApproval::pauseOn(ui::MainWindow &window, const QString &text)
{
    m_fx.llm().enqueue(test::openai::streamReply({}, {noteCall(text)}));
    window.newChat();
    test::typeAndSend(window, QStringLiteral("Post it"));
    ui::ApprovalPanel *panel = window.approvalPanel();
    if (!QTest::qWaitFor([&] { return !window.chatSession()->isBusy() && panel->isVisible(); }, 20000))
        return nullptr;
    return panel;
}

void TestConsoleApproval::approveFromTheThread()
{
    ui::MainWindow *window = m_fx.openWindow();
    QVERIFY(window);
    ui::ApprovalPanel *panel = pauseOn(*window, QStringLiteral("Ship on Monday"));
    QVERIFY(panel);
    // Exactly what would be sent, default included.
    auto *arguments = panel->findChild<QPlainTextEdit *>(QStringLiteral("approvalArguments"));
    QVERIFY(arguments);
    QVERIFY(arguments->toPlainText().contains(QStringLiteral("\"text\": \"Ship on Monday\"")));
    QVERIFY(arguments->toPlainText().contains(QStringLiteral("\"board\": \"team\"")));
    QVERIFY(m_tool->calls().isEmpty());
    const QUuid conversation = window->currentConversation();
    QVERIFY(!conversation.isNull());

    // Reopened, the conversation shows the waiting call again.
    window->newChat();
    QVERIFY(QTest::qWaitFor([panel] { return !panel->isVisible(); }, 5000));
    window->openConversation(conversation);
    QVERIFY(QTest::qWaitFor([panel] { return panel->isVisible(); }, 5000));

    m_fx.llm().enqueue(test::openai::streamReply({QStringLiteral("Posted it for Monday.")}));
    auto *approve = panel->findChild<QPushButton *>(QStringLiteral("approveButton"));
    QVERIFY(approve);
    QTest::mouseClick(approve, Qt::LeftButton);
    QVERIFY(QTest::qWaitFor([this] { return m_tool->calls().size() == 1; }, 10000));
    QCOMPARE(m_tool->calls().first().arguments.value(QStringLiteral("text")).toString(),
             QStringLiteral("Ship on Monday"));
    // The thread continues with the agent's answer; the panel is gone.
    QVERIFY2(QTest::qWaitFor(
                 [window] {
                     const ui::ThreadModel *thread = window->threadModel();
                     return !window->threadModel()->isLoading() && thread->rowCount() > 0 &&
                            thread->item(thread->rowCount() - 1).content ==
                                QLatin1String("Posted it for Monday.");
                 },
                 10000),
             qPrintable(test::threadDump(*window)));
    QVERIFY(QTest::qWaitFor([panel] { return !panel->isVisible(); }, 5000));
}

void TestConsoleApproval::rejectFromTheThread()
{
    ui::MainWindow *window = m_fx.openWindow();
    QVERIFY(window);
    ui::ApprovalPanel *panel = pauseOn(*window, QStringLiteral("Wipe the board"));
    QVERIFY(panel);
    m_fx.llm().enqueue(test::openai::streamReply({QStringLiteral("Fine, nothing posted.")}));
    auto *reason = panel->findChild<QLineEdit *>(QStringLiteral("rejectReason"));
    QVERIFY(reason);
    reason->setText(QStringLiteral("too risky"));
    QTest::mouseClick(panel->findChild<QPushButton *>(QStringLiteral("rejectButton")), Qt::LeftButton);
    QVERIFY2(QTest::qWaitFor(
                 [window] {
                     const ui::ThreadModel *thread = window->threadModel();
                     return !thread->isLoading() && thread->rowCount() > 0 &&
                            thread->item(thread->rowCount() - 1).content ==
                                QLatin1String("Fine, nothing posted.");
                 },
                 10000),
             qPrintable(test::threadDump(*window)));
    QVERIFY(m_tool->calls().isEmpty());
    const QJsonArray sent = test::requestMessages(m_fx.llm().chatRequests().last());
    QVERIFY(sent.last()
                .toObject()
                .value(QStringLiteral("content"))
                .toString()
                .contains(QStringLiteral("too risky")));
}

QTEST_MAIN(TestConsoleApproval)
#include "test_consoleapproval.moc"

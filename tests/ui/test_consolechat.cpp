// The console's chat, driven like a user: keys into the real main window, a streamed reply from
// the fake provider, the weather tool against the fake weather service, Stop, errors that keep
// the typed text (with a Settings button when Settings fix them, whole in the status bar), and
// the demo provider's pointer to Settings.

#include "ui/chatbox.h"
#include "ui/chatsession.h"
#include "ui/conversationmodel.h"
#include "ui/settingsdialog.h"
#include "ui/statusbar.h"
#include "ui/tenantmodel.h"
#include "ui/threadmodel.h"
#include "ui/threadview.h"
#include "uifixture.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTest>

using namespace agency;
using test::UiFixture;
namespace openai = test::openai;

class TestConsoleChat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init();
    void cleanup() { m_fx.tearDown(); }

    void firstStartSelectsDefaultTenantWithWeatherChat();
    void demoProviderNoticeOpensSettings();
    void demoNoticeFollowsTheColourScheme();
    void fullChatByKeys();
    void stopKeepsThePartialAnswer();
    void draftsStayWithTheirConversation();
    void windowFitsTheScreen();
    void messageTextCanBeSelectedAndCopied();
    void enterSendsShiftEnterAddsALine();
    void failedTextJoinsWhatWasTypedMeanwhile();
    void providerErrorKeepsTypedText();
    void busyConversationIsExplainedInPlace();
    void continuingMovesConversationToTop();
    void chatChoicesShowTheirWholeText();
    void continuingShowsTheConversationsFlow();
    void demoReplyPointsToSettings();
    void configurationErrorsOfferSettings();
    void longStatusMessagesWrapWhole();

private:
    UiFixture m_fx;
};

namespace {

/// Why the chat box's choices are not shown whole at the window's current size (empty: they are).
QString clippedChoices(ui::MainWindow &window)
{
    ui::ChatBox *box = window.chatBox();
    QStringList problems;
    for (const char *name : {"flowCombo", "providerCombo", "modelEdit"}) {
        auto *w = box->findChild<QWidget *>(QLatin1String(name));
        if (!w)
            return QStringLiteral("no %1").arg(QLatin1String(name));
        const QRect inBox(w->mapTo(box, QPoint(0, 0)), w->size());
        // A combo box needs its size hint (its longest entry); the model box its placeholder.
        const auto *edit = qobject_cast<QLineEdit *>(w);
        const int needed =
            edit ? edit->fontMetrics().horizontalAdvance(edit->placeholderText()) + 8 : w->sizeHint().width();
        if (w->width() < needed)
            problems.append(QStringLiteral("%1 is %2 px wide, its text needs %3")
                                .arg(QLatin1String(name))
                                .arg(w->width())
                                .arg(needed));
        if (!w->isVisible() || !box->rect().contains(inBox))
            problems.append(QStringLiteral("%1 is outside the box").arg(QLatin1String(name)));
    }
    return problems.join(QStringLiteral("; "));
}

} // namespace

void TestConsoleChat::init()
{
    QHash<QString, QString> settings;
    if (QByteArray(QTest::currentTestFunction()) == "demoProviderNoticeOpensSettings" ||
        QByteArray(QTest::currentTestFunction()) == "demoNoticeFollowsTheColourScheme" ||
        QByteArray(QTest::currentTestFunction()) == "demoReplyPointsToSettings")
        settings.insert(QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo"));
    // A busy conversation is refused at once instead of after the default wait for it.
    if (QByteArray(QTest::currentTestFunction()) == "busyConversationIsExplainedInPlace")
        settings.insert(QStringLiteral("AGENCY_TURN_WAIT_MS"), QStringLiteral("0"));
    QVERIFY2(m_fx.reset(settings), qPrintable(m_fx.error()));
}

void TestConsoleChat::firstStartSelectsDefaultTenantWithWeatherChat()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QCOMPARE(w->currentTenant(), QStringLiteral("default"));
    QVERIFY(w->currentConversation().isNull());
    QCOMPARE(w->chatBox()->flowType(), QStringLiteral("weather"));
    QTRY_COMPARE(QApplication::focusWidget(), w->chatBox()->editor());
    QCOMPARE(w->tenantModel()->rowCount(), 1);
    // No demo notice with a real provider configured.
    QVERIFY(!w->demoNotice()->isVisible());
}

void TestConsoleChat::demoProviderNoticeOpensSettings()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QTRY_VERIFY(w->demoNotice()->isVisible());
    bool opened = false;
    connect(w, &ui::MainWindow::settingsRequested, this, [&opened] { opened = true; });
    auto *button = w->demoNotice()->findChild<QPushButton *>(QStringLiteral("noticeSettingsButton"));
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(opened);
}

void TestConsoleChat::demoNoticeFollowsTheColourScheme()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QTRY_VERIFY(w->demoNotice()->isVisible());
    ui::applyColorScheme(QStringLiteral("dark"));
    QTest::qWait(50);
    const QImage shot = w->demoNotice()->grab().toImage();
    ui::applyColorScheme(QStringLiteral("system"));
    const QColor corner = shot.pixelColor(shot.width() / 2, 3);
    QVERIFY2(corner.lightness() < 100, qPrintable(corner.name()));
}

void TestConsoleChat::fullChatByKeys()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({}, {test::weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))});
    m_fx.llm().enqueueStream(
        {QStringLiteral("It is "), QStringLiteral("sunny "), QStringLiteral("in Paris.")});

    test::typeAndSend(*w, QStringLiteral("What's the weather in Paris?"));
    QVERIFY(w->chatSession()->isBusy());
    QCOMPARE(w->chatBox()->text(), QString()); // sent: the box is ready for the next message

    // The streamed reply appears, after the tool call and its result.
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 20000);
    ui::ThreadModel *thread = w->threadModel();
    QCOMPARE(thread->rowCount(), 3); // you, assistant with the tool call, the answer
    QCOMPARE(thread->item(0).role, core::Role::User);
    QCOMPARE(thread->item(0).content, QStringLiteral("What's the weather in Paris?"));
    const ui::ThreadItem &call = thread->item(1);
    QCOMPARE(call.tools.size(), 1);
    QCOMPARE(call.tools.first().call.name, QStringLiteral("get_weather"));
    QVERIFY2(call.tools.first().done && call.tools.first().success, qPrintable(test::threadDump(*w)));
    QVERIFY(call.tools.first().result.contains(QStringLiteral("Paris")));
    QCOMPARE(call.messageIds.size(), 2); // the call and its stored result share one row
    QCOMPARE(thread->item(2).content, QStringLiteral("It is sunny in Paris."));
    QVERIFY(thread->item(2).metadata.contains(QStringLiteral("turn_usage")));

    // The conversation is at the top of the list, selected, and the box continues it.
    ui::ConversationModel *list = w->conversationModel();
    QTRY_COMPARE(list->rowCount(), 1);
    QCOMPARE(list->conversationAt(0).conversationId, w->currentConversation());
    QCOMPARE(list->conversationAt(0).messageCount, qint64(4));
    QCOMPARE(w->conversationView()->currentIndex().row(), 0);
    QTRY_COMPARE(w->tenantModel()->index(0).data(ui::TenantModel::CountRole).toLongLong(), qint64(1));
}

void TestConsoleChat::stopKeepsThePartialAnswer()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QStringList pieces;
    for (int i = 0; i < 200; ++i)
        pieces.append(QStringLiteral("word%1 ").arg(i));
    m_fx.llm().enqueueStream(pieces, {}, 50);
    test::typeAndSend(*w, QStringLiteral("Tell me a long story"));
    ui::ThreadModel *thread = w->threadModel();
    QTRY_VERIFY_WITH_TIMEOUT(
        thread->rowCount() == 2 && thread->item(1).content.contains(QStringLiteral("word3 ")), 10000);

    QTest::keyClick(w->chatBox()->editor(), Qt::Key_Escape);
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    // The partial answer stays on screen, marked stopped, with no error notice under it.
    QCOMPARE(thread->rowCount(), 2);
    QCOMPARE(thread->item(0).content, QStringLiteral("Tell me a long story"));
    const ui::ThreadItem &answer = thread->item(1);
    QCOMPARE(answer.kind, ui::ThreadItem::Kind::Text);
    QCOMPARE(answer.role, core::Role::Assistant);
    QVERIFY2(answer.content.startsWith(QStringLiteral("word0 word1 word2 word3 ")),
             qPrintable(test::threadDump(*w)));
    QVERIFY(!answer.streaming);
    QVERIFY(answer.metadata.value(QStringLiteral("stopped")).toBool());
    QCOMPARE(answer.messageIds.size(), 1); // it is the stored message
    // The message box is not refilled with the question.
    QCOMPARE(w->chatBox()->text(), QString());
    // Stored: the question and the partial answer, marked stopped in its metadata.
    auto stored = test::await(m_fx.service().listMessages(
        QStringLiteral("default"), w->currentConversation().toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(stored);
    QCOMPARE(stored->items.size(), 2);
    QCOMPARE(stored->items.at(1).role, core::Role::Assistant);
    QCOMPARE(stored->items.at(1).content, answer.content);
    QVERIFY(stored->items.at(1).metadata.value(QStringLiteral("stopped")).toBool());
    // Opened again, it still shows the partial answer marked stopped.
    w->newChat();
    w->openConversation(stored->items.at(0).conversationId);
    QTRY_COMPARE(thread->rowCount(), 2);
    QVERIFY(thread->item(1).metadata.value(QStringLiteral("stopped")).toBool());
}

void TestConsoleChat::draftsStayWithTheirConversation()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({QStringLiteral("ok")});
    test::typeAndSend(*w, QStringLiteral("first"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    const QUuid first = w->currentConversation();
    QVERIFY(!first.isNull());

    // A failed send in the first conversation gives its text back there, and only there.
    m_fx.llm().enqueue(openai::errorReply(401, QStringLiteral("Incorrect API key provided")));
    test::typeAndSend(*w, QStringLiteral("unsent question"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 20000);
    QCOMPARE(w->chatBox()->text(), QStringLiteral("unsent question"));

    // A new chat, another conversation, another tenant: none carries it.
    w->newChat();
    QCOMPARE(w->chatBox()->text(), QString());
    QTest::keyClicks(w->chatBox()->editor(), QStringLiteral("new chat draft"));
    bool created = false;
    w->tenantModel()->create(QStringLiteral("other"), QStringLiteral("Other"),
                             [&created](const QString &error) { created = error.isEmpty(); });
    QTRY_VERIFY(created);
    w->selectTenant(QStringLiteral("other"));
    QTRY_COMPARE(w->currentTenant(), QStringLiteral("other"));
    QCOMPARE(w->chatBox()->text(), QString());
    // Ctrl+Enter with the box empty sends nothing to the other tenant.
    QTest::keyClick(w->chatBox()->editor(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(!w->chatSession()->isBusy());

    // Back: each conversation has its own draft again.
    w->selectTenant(QStringLiteral("default"));
    QTRY_COMPARE(w->currentTenant(), QStringLiteral("default"));
    QCOMPARE(w->chatBox()->text(), QStringLiteral("new chat draft"));
    w->openConversation(first);
    QCOMPARE(w->chatBox()->text(), QStringLiteral("unsent question"));
}

void TestConsoleChat::windowFitsTheScreen()
{
    // A geometry saved on a larger screen (1982 px wide) is not restored where it does not fit.
    {
        QWidget big;
        big.setGeometry(0, 0, 1982, 1300);
        m_fx.settings().setValue(QStringLiteral("window/geometry"), big.saveGeometry());
    }
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    const QRect available = w->screen()->availableGeometry();
    auto fits = [&] {
        return QStringLiteral("window %1x%2+%3+%4 on a %5x%6 screen")
            .arg(w->frameGeometry().width())
            .arg(w->frameGeometry().height())
            .arg(w->frameGeometry().x())
            .arg(w->frameGeometry().y())
            .arg(available.width())
            .arg(available.height());
    };
    QTRY_VERIFY2(available.contains(w->frameGeometry()), qPrintable(fits()));
    // Send, the message box and the status bar are on the screen.
    for (QWidget *part :
         {static_cast<QWidget *>(w->chatBox()->findChild<QPushButton *>(QStringLiteral("sendButton"))),
          static_cast<QWidget *>(w->chatBox()->editor()), static_cast<QWidget *>(w->statusBar())}) {
        const QRect onScreen(part->mapToGlobal(QPoint(0, 0)), part->size());
        QVERIFY2(part->isVisible() && available.contains(onScreen), qPrintable(fits()));
    }
    // A geometry that fits is restored.
    w->setGeometry(available.x() + 20, available.y() + 20, available.width() / 2 + 100,
                   available.height() - 60);
    const QSize kept = w->size();
    w->close();
    m_fx.tearDown();
    QVERIFY2(m_fx.reset(), qPrintable(m_fx.error()));
    w = m_fx.openWindow();
    QVERIFY(w);
    QCOMPARE(w->size(), kept);
}

void TestConsoleChat::messageTextCanBeSelectedAndCopied()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({QStringLiteral("Alpha bravo charlie delta echo foxtrot.")});
    test::typeAndSend(*w, QStringLiteral("spell"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(w->threadModel()->rowCount(), 2);
    ui::ThreadView *view = w->threadView();
    const QModelIndex answer = w->threadModel()->index(1);
    QTRY_VERIFY(view->visualRect(answer).isValid());
    QTest::qWait(50);
    // Drag across the answer's text line, as a user would, from its left to its right.
    const QRect row = view->visualRect(answer);
    const int y = row.bottom() - 22; // the text line, under the header
    auto mouse = [view](QEvent::Type type, QPoint at, Qt::MouseButtons buttons) {
        QMouseEvent event(type, at, view->viewport()->mapToGlobal(at), Qt::LeftButton, buttons,
                          Qt::NoModifier);
        QApplication::sendEvent(view->viewport(), &event);
    };
    mouse(QEvent::MouseButtonPress, QPoint(row.left() + 20, y), Qt::LeftButton);
    for (int x = row.left() + 40; x < row.right() - 20; x += 40)
        mouse(QEvent::MouseMove, QPoint(x, y), Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, QPoint(row.right() - 20, y), Qt::NoButton);
    const QString selected = view->selectedText();
    QVERIFY2(selected.contains(QStringLiteral("bravo charlie delta")), qPrintable(selected));
    // Ctrl+C copies it.
    QApplication::clipboard()->clear();
    view->setFocus();
    QTest::keyClick(view, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QApplication::clipboard()->text(), selected);
}

void TestConsoleChat::enterSendsShiftEnterAddsALine()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QPlainTextEdit *edit = w->chatBox()->editor();
    edit->setFocus();
    const int oneLine = edit->height();
    QTest::keyClicks(edit, QStringLiteral("line one"));
    for (int i = 0; i < 5; ++i) {
        QTest::keyClick(edit, Qt::Key_Return, Qt::ShiftModifier);
        QTest::keyClicks(edit, QStringLiteral("more"));
    }
    QVERIFY(!w->chatSession()->isBusy());
    QCOMPARE(w->chatBox()->text().count(QLatin1Char('\n')), 5);
    // The box grew with its text.
    QTRY_VERIFY2(edit->height() > oneLine,
                 qPrintable(QStringLiteral("%1 -> %2").arg(oneLine).arg(edit->height())));
    m_fx.llm().enqueueStream({QStringLiteral("ok")});
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY(w->chatSession()->isBusy());
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QCOMPARE(w->threadModel()->item(0).content.count(QLatin1Char('\n')), 5);
    // With the setting off, Enter starts a line and Ctrl+Enter sends.
    w->chatBox()->setEnterSends(false);
    QTest::keyClicks(edit, QStringLiteral("a"));
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY(!w->chatSession()->isBusy());
    QCOMPARE(w->chatBox()->text(), QStringLiteral("a\n"));
}

void TestConsoleChat::failedTextJoinsWhatWasTypedMeanwhile()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    test::FakeResponse slow = openai::errorReply(401, QStringLiteral("Incorrect API key provided"));
    slow.delayMs = 500;
    m_fx.llm().enqueue(slow);
    test::typeAndSend(*w, QStringLiteral("the question"));
    QVERIFY(w->chatSession()->isBusy());
    QTest::keyClicks(w->chatBox()->editor(), QStringLiteral("typed while waiting"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    const QString box = w->chatBox()->text();
    QVERIFY2(box.contains(QStringLiteral("the question")) &&
                 box.contains(QStringLiteral("typed while waiting")),
             qPrintable(box));
}

void TestConsoleChat::busyConversationIsExplainedInPlace()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({QStringLiteral("Hello.")});
    test::typeAndSend(*w, QStringLiteral("first"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(w->threadModel()->rowCount(), 2);
    const QUuid conversation = w->currentConversation();
    QVERIFY(!conversation.isNull());

    // Another process is writing a reply in this conversation: it holds the turn lease.
    QVERIFY(m_fx.exec(QStringLiteral("UPDATE conversations SET turn_holder = gen_random_uuid(), "
                                     "turn_expires_at = clock_timestamp() + interval '10 minutes' "
                                     "WHERE conversation_id = '%1'")
                          .arg(conversation.toString(QUuid::WithoutBraces))));

    // The user's message is refused: the notice in the thread says why and that the text is
    // kept (not "something went wrong"), and the text is still in the chat box to send again.
    test::typeAndSend(*w, QStringLiteral("second"));
    ui::ThreadModel *thread = w->threadModel();
    QTRY_VERIFY_WITH_TIMEOUT(thread->rowCount() > 2 &&
                                 thread->item(thread->rowCount() - 1).kind == ui::ThreadItem::Kind::Notice,
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    const QString notice = thread->item(thread->rowCount() - 1).content;
    QVERIFY2(notice.startsWith(QStringLiteral("Another reply to this conversation is still being written")),
             qPrintable(test::threadDump(*w)));
    QVERIFY2(notice.contains(QStringLiteral("Your text is kept")), qPrintable(test::threadDump(*w)));
    QCOMPARE(w->chatBox()->text(), QStringLiteral("second"));
    QCOMPARE(w->currentConversation(), conversation);
    auto stored = test::await(
        m_fx.service().listMessages(QStringLiteral("default"), conversation.toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(stored);
    QCOMPARE(stored->items.size(), 2);
}

void TestConsoleChat::providerErrorKeepsTypedText()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueue(openai::errorReply(401, QStringLiteral("Incorrect API key provided")));
    test::typeAndSend(*w, QStringLiteral("Weather in Oslo?"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QCOMPARE(w->chatBox()->text(), QStringLiteral("Weather in Oslo?"));
    ui::ThreadModel *thread = w->threadModel();
    QTRY_VERIFY(thread->rowCount() > 0 &&
                thread->item(thread->rowCount() - 1).kind == ui::ThreadItem::Kind::Notice);
    QVERIFY2(thread->item(thread->rowCount() - 1).content.contains(QStringLiteral("rejected the API key")),
             qPrintable(test::threadDump(*w)));
}

void TestConsoleChat::continuingMovesConversationToTop()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    for (const QString &text : {QStringLiteral("first"), QStringLiteral("second")}) {
        m_fx.llm().enqueueStream({QStringLiteral("ok ") + text});
        w->newChat();
        test::typeAndSend(*w, text);
        QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
        QTRY_COMPARE(test::conversationRow(*w, 0).title, text);
    }
    // Open the older one (row 1) and continue it: it moves to the top.
    const QUuid older = w->conversationModel()->conversationAt(1).conversationId;
    w->conversationView()->setCurrentIndex(w->conversationModel()->index(1, 0));
    QCOMPARE(w->currentConversation(), older);
    QTRY_COMPARE(w->threadModel()->rowCount(), 2);
    m_fx.llm().enqueueStream({QStringLiteral("again")});
    test::typeAndSend(*w, QStringLiteral("more"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(test::conversationRow(*w, 0).conversationId, older);
    QCOMPARE(w->conversationModel()->rowCount(), 2);
    QCOMPARE(w->threadModel()->rowCount(), 4);
}

void TestConsoleChat::chatChoicesShowTheirWholeText()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    // The providers arrive after the window is shown; the longest names a provider not configured.
    auto *providers = w->chatBox()->findChild<QComboBox *>(QStringLiteral("providerCombo"));
    QTRY_VERIFY(providers->count() > 1);
    for (const QSize size : {QSize(1400, 860), QSize(1024, 700)}) {
        w->resize(size);
        QTRY_VERIFY2(
            clippedChoices(*w).isEmpty(),
            qPrintable(
                QStringLiteral("%1x%2: %3").arg(size.width()).arg(size.height()).arg(clippedChoices(*w))));
    }
    // A long title is elided, not allowed to push the choices out.
    w->chatBox()->setContinuing(true, QString(300, QLatin1Char('x')));
    QTRY_VERIFY2(clippedChoices(*w).isEmpty(), qPrintable(clippedChoices(*w)));
}

void TestConsoleChat::continuingShowsTheConversationsFlow()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    auto *flows = w->chatBox()->findChild<QComboBox *>(QStringLiteral("flowCombo"));
    QVERIFY(flows);
    // A consulting conversation, then a new chat chosen with another flow.
    w->newChat();
    w->chatBox()->setFlowType(QStringLiteral("consulting"));
    m_fx.llm().enqueueStream({QStringLiteral("a plan")});
    test::typeAndSend(*w, QStringLiteral("plan something"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(test::conversationRow(*w, 0).flowType, QStringLiteral("consulting"));
    w->newChat();
    w->chatBox()->setFlowType(QStringLiteral("weather"));
    // Opening it shows its flow (fixed), not the one chosen for new chats.
    w->conversationView()->setCurrentIndex(w->conversationModel()->index(0, 0));
    QCOMPARE(w->chatBox()->flowType(), QStringLiteral("consulting"));
    QVERIFY(!flows->isEnabled());
    // Back to a new chat: the choice made for new chats is shown again.
    w->newChat();
    QCOMPARE(w->chatBox()->flowType(), QStringLiteral("weather"));
    QVERIFY(flows->isEnabled());
}

void TestConsoleChat::demoReplyPointsToSettings()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    test::typeAndSend(*w, QStringLiteral("hello"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 20000);
    ui::ThreadModel *thread = w->threadModel();
    QTRY_COMPARE(thread->rowCount(), 2);
    const QString reply = thread->item(1).content;
    // The console's user is told where to go in the console, not to set variables or run commands.
    QVERIFY2(reply.contains(QStringLiteral("open Settings (Ctrl+,)")), qPrintable(reply));
    QVERIFY2(!reply.contains(QStringLiteral("LLM_PROVIDER")), qPrintable(reply));
    QVERIFY2(!reply.contains(QStringLiteral("aiagency complete")), qPrintable(reply));
}

void TestConsoleChat::configurationErrorsOfferSettings()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::ThreadModel *thread = w->threadModel();
    ui::ThreadView *view = w->threadView();
    auto lastNotice = [thread] {
        return thread->rowCount() > 0 &&
               thread->item(thread->rowCount() - 1).kind == ui::ThreadItem::Kind::Notice;
    };
    // A rejected key is fixed in Settings: its notice has a button that opens them.
    m_fx.llm().enqueue(openai::errorReply(401, QStringLiteral("Incorrect API key provided")));
    test::typeAndSend(*w, QStringLiteral("Weather in Oslo?"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_VERIFY(lastNotice());
    const int keyRow = thread->rowCount() - 1;
    view->scrollToBottom();
    QTRY_VERIFY(!view->settingsButtonRect(keyRow).isEmpty());
    const QRect button = view->settingsButtonRect(keyRow);
    QVERIFY2(view->viewport()->rect().contains(button),
             qPrintable(QStringLiteral("button at %1,%2").arg(button.x()).arg(button.y())));
    // Below the notice's text, inside its row.
    QVERIFY(view->visualRect(thread->index(keyRow)).contains(button));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, button.center());
    // Settings open on the provider keys.
    ui::SettingsDialog *dialog = w->findChild<ui::SettingsDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QTRY_VERIFY(dialog->field(QStringLiteral("OPENAI_API_KEY"))->isVisible());
    dialog->reject();
    QTRY_VERIFY(!w->findChild<ui::SettingsDialog *>());
    // A click on the notice's text opens nothing.
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, button.topLeft() - QPoint(0, 12));
    QTest::qWait(50);
    QVERIFY(!w->findChild<ui::SettingsDialog *>());

    // A request the provider could not handle is not a Settings matter: no button.
    w->chatBox()->editor()->clear();
    m_fx.llm().enqueue(openai::errorReply(400, QStringLiteral("This model does not support tools")));
    test::typeAndSend(*w, QStringLiteral("again"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_VERIFY(lastNotice() && thread->rowCount() - 1 != keyRow);
    QVERIFY2(thread->item(thread->rowCount() - 1).content.contains(QStringLiteral("could not handle")),
             qPrintable(test::threadDump(*w)));
    QVERIFY(view->settingsButtonRect(thread->rowCount() - 1).isEmpty());
}

void TestConsoleChat::longStatusMessagesWrapWhole()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    w->resize(1024, 700);
    QTRY_COMPARE(w->width(), 1024);
    const QString detail =
        QStringLiteral("Incorrect API key provided: sk-wro****. You can find your API key at "
                       "https://platform.openai.com/account/api-keys. (tenant default, "
                       "request 7f3a) END-OF-DETAIL");
    m_fx.llm().enqueue(openai::errorReply(401, detail));
    test::typeAndSend(*w, QStringLiteral("Weather in Oslo?"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    auto *message = w->statusPanel()->findChild<QLabel *>(QStringLiteral("statusMessage"));
    QVERIFY2(message, "the status bar has no message label");
    QTRY_VERIFY(message->isVisible());
    QVERIFY2(message->text().contains(QStringLiteral("END-OF-DETAIL")), qPrintable(message->text()));
    QCOMPARE(w->statusPanel()->currentMessage(), message->text());
    // Longer than the room left of the status fields: it wraps onto more lines, all shown…
    QTRY_VERIFY(message->height() >= message->heightForWidth(message->width()));
    QVERIFY2(message->fontMetrics().horizontalAdvance(message->text()) > message->width(),
             qPrintable(QString::number(message->width())));
    QVERIFY(message->height() >= 2 * message->fontMetrics().lineSpacing());
    // …left of the database field, inside the window, which keeps its width.
    auto *database = w->statusPanel()->findChild<QLabel *>(QStringLiteral("statusDatabase"));
    QVERIFY(message->geometry().right() < database->geometry().left());
    QCOMPARE(w->width(), 1024);
    QVERIFY(w->rect().contains(QRect(message->mapTo(w, QPoint(0, 0)), message->size())));
}

QTEST_MAIN(TestConsoleChat)
#include "test_consolechat.moc"

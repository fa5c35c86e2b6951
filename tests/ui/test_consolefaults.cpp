// The console while the database fails under it: what is shown stays, long errors wrap, and
// lists that failed to load come back.

#include "ui/chatbox.h"
#include "ui/chatsession.h"
#include "ui/conversationmodel.h"
#include "ui/searchpanel.h"
#include "ui/threadmodel.h"
#include "uifixture.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTest>

using namespace agency;
using test::UiFixture;

class TestConsoleFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.reset(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.tearDown(); }

    void failedTurnKeepsTheTranscript();
    void longSearchErrorDoesNotWidenTheWindow();

private:
    UiFixture m_fx;
};

// The messages table cannot be read or written: what every database fault looks like to a turn.
static const QString kBreakMessages = QStringLiteral("ALTER TABLE messages RENAME TO messages_away");

void TestConsoleFaults::failedTurnKeepsTheTranscript()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({QStringLiteral("The first answer.")});
    test::typeAndSend(*w, QStringLiteral("first question"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(w->threadModel()->rowCount(), 2);

    QVERIFY2(m_fx.exec(kBreakMessages), qPrintable(m_fx.error()));
    m_fx.llm().enqueueStream({QStringLiteral("never")});
    test::typeAndSend(*w, QStringLiteral("second question"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 30000);
    ui::ThreadModel *thread = w->threadModel();
    // The earlier exchange is still shown, the unanswered question too, and the error under them.
    QTRY_VERIFY2(thread->rowCount() >= 4, qPrintable(test::threadDump(*w)));
    QCOMPARE(thread->item(0).content, QStringLiteral("first question"));
    QCOMPARE(thread->item(1).content, QStringLiteral("The first answer."));
    QCOMPARE(thread->item(2).content, QStringLiteral("second question"));
    QCOMPARE(thread->item(thread->rowCount() - 1).kind, ui::ThreadItem::Kind::Notice);
    // And it stays so: the reload that follows cannot read the database and changes nothing.
    QTest::qWait(500);
    QCOMPARE(thread->item(0).content, QStringLiteral("first question"));
    QCOMPARE(w->chatBox()->text(), QStringLiteral("second question"));
}

void TestConsoleFaults::longSearchErrorDoesNotWidenTheWindow()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    w->resize(1024, 660);
    QTRY_COMPARE(w->width(), 1024);
    QVERIFY2(m_fx.exec(kBreakMessages), qPrintable(m_fx.error()));
    QLineEdit *box = w->searchPanel()->searchBox();
    box->setFocus();
    QTest::keyClicks(box, QStringLiteral("weather"));
    QTest::keyClick(box, Qt::Key_Return);
    auto *summary = w->searchPanel()->findChild<QLabel *>();
    QVERIFY(summary);
    QTRY_VERIFY_WITH_TIMEOUT(summary->isVisible() && summary->text() != QStringLiteral("Searching…"), 10000);
    QTest::qWait(100);
    QVERIFY2(w->width() == 1024,
             qPrintable(QStringLiteral("%1 px wide after \"%2\"").arg(w->width()).arg(summary->text())));
}

QTEST_MAIN(TestConsoleFaults)
#include "test_consolefaults.moc"

// The console while the database fails under it: what is shown stays, long errors wrap, old
// errors do not come back, lists that failed to load come back with the database, and a frozen
// database is shown as such (the status bar counts its silence, a conversation opening says so).

#include "ui/chatbox.h"
#include "ui/chatsession.h"
#include "ui/conversationmodel.h"
#include "ui/searchpanel.h"
#include "ui/statusbar.h"
#include "ui/tenantmodel.h"
#include "ui/threadmodel.h"
#include "ui/threadview.h"
#include "uifixture.h"

#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTest>

#include <csignal>

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
    void oldErrorsDoNotComeBackOnNewChat();
    void listThatFailedComesBackWithTheDatabase();
    void frozenDatabaseIsShown();

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

namespace {

/// Resumes a frozen server however the test ends.
struct Thaw
{
    test::TestPostgres &pg;
    ~Thaw() { pg.signalServer(SIGCONT); }
};

int noticeRows(const ui::ThreadModel &thread)
{
    int notices = 0;
    for (int row = 0; row < thread.rowCount(); ++row)
        notices += thread.item(row).kind == ui::ThreadItem::Kind::Notice ? 1 : 0;
    return notices;
}

} // namespace

void TestConsoleFaults::oldErrorsDoNotComeBackOnNewChat()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({QStringLiteral("The first answer.")});
    test::typeAndSend(*w, QStringLiteral("first question"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QVERIFY2(m_fx.exec(kBreakMessages), qPrintable(m_fx.error()));
    // Two failed sends, with their errors in the thread.
    for (const QString &text : {QStringLiteral("second"), QStringLiteral("third")}) {
        w->chatBox()->setText({});
        test::typeAndSend(*w, text);
        QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 30000);
        QTRY_VERIFY(noticeRows(*w->threadModel()) >= 1);
    }
    // A new chat is empty, and stays empty: no error of before turns up in it.
    QTest::keyClick(w, Qt::Key_N, Qt::ControlModifier);
    QTRY_VERIFY(w->currentConversation().isNull());
    QTest::qWait(1000);
    QVERIFY2(w->threadModel()->rowCount() == 0, qPrintable(test::threadDump(*w)));
    // Nor once the database is whole again and the conversation is opened anew.
    QVERIFY(m_fx.exec(QStringLiteral("ALTER TABLE messages_away RENAME TO messages")));
    QTest::keyClick(w, Qt::Key_N, Qt::ControlModifier);
    QTest::qWait(500);
    QVERIFY2(w->threadModel()->rowCount() == 0, qPrintable(test::threadDump(*w)));
}

void TestConsoleFaults::listThatFailedComesBackWithTheDatabase()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QVERIFY(m_fx.exec(QStringLiteral("INSERT INTO tenants (tenant_id, name) VALUES ('acme', 'Acme')")));
    QVERIFY(
        m_fx.exec(QStringLiteral("INSERT INTO conversations (conversation_id, tenant_id, flow_type, title) "
                                 "VALUES (gen_random_uuid(), 'acme', 'weather', 'Acme plans')")));
    QTest::keyClick(w, Qt::Key_F5);
    QTRY_VERIFY_WITH_TIMEOUT(w->tenantModel()->rowOf(QStringLiteral("acme")) >= 0, 10000);
    // The database goes away; the other tenant is chosen meanwhile: its list cannot be read.
    test::TestPostgres &pg = m_fx.postgres();
    QVERIFY(pg.stopServer());
    w->selectTenant(QStringLiteral("acme"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->statusPanel()->currentMessage().isEmpty(), 30000);
    const QString error = w->statusPanel()->currentMessage();
    QCOMPARE(w->conversationModel()->rowCount(), 0);
    // A read is not a send: nothing says to send again.
    QVERIFY2(!error.contains(QStringLiteral("send again")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("read again once it is back")), qPrintable(error));
    // Back soon, before a periodic health check may have seen it down: the list comes by itself.
    QVERIFY(pg.startServer());
    QTRY_COMPARE_WITH_TIMEOUT(test::conversationRow(*w, 0).title, QStringLiteral("Acme plans"), 30000);
    QTRY_VERIFY(w->statusPanel()->databaseText().endsWith(QStringLiteral(", reachable")));
}

void TestConsoleFaults::frozenDatabaseIsShown()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({QStringLiteral("The answer.")});
    test::typeAndSend(*w, QStringLiteral("a question"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(w->conversationModel()->rowCount(), 1);
    QTest::keyClick(w, Qt::Key_N, Qt::ControlModifier);
    QTRY_COMPARE(w->threadModel()->rowCount(), 0);
    QTRY_VERIFY(w->statusPanel()->databaseText().endsWith(QStringLiteral(", reachable")));

    test::TestPostgres &pg = m_fx.postgres();
    Thaw thaw{pg};
    QVERIFY(pg.signalServer(SIGSTOP) > 0);
    // Opening a conversation shows that it is opening, then how long the database has been silent.
    w->conversationView()->setCurrentIndex(w->conversationModel()->index(0, 0));
    QLabel *sign = w->threadView()->loadingSign();
    QTRY_VERIFY_WITH_TIMEOUT(sign->isVisible(), 5000);
    QVERIFY2(sign->text().startsWith(QStringLiteral("Opening the conversation")), qPrintable(sign->text()));
    QTRY_VERIFY_WITH_TIMEOUT(sign->text().contains(QStringLiteral("has not answered for")), 10000);
    // The status bar no longer says "reachable": it counts the silence.
    QTRY_VERIFY_WITH_TIMEOUT(w->statusPanel()->databaseText().contains(QStringLiteral("not answering for")),
                             10000);
    QVERIFY(!w->statusPanel()->databaseAnswering());

    pg.signalServer(SIGCONT);
    QTRY_COMPARE_WITH_TIMEOUT(w->threadModel()->rowCount(), 2, 30000);
    QVERIFY(!sign->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(w->statusPanel()->databaseText().endsWith(QStringLiteral(", reachable")), 30000);
    QVERIFY(w->statusPanel()->databaseAnswering());
}

QTEST_MAIN(TestConsoleFaults)
#include "test_consolefaults.moc"

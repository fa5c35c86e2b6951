// The console's send path and turn ids (docs/design.md#turn): sending the text of a failed turn
// again continues that turn instead of storing the question twice, a different message is a new
// turn, and a turn whose process died shows as interrupted when its conversation is opened.

#include "db/conversationrepository.h"
#include "futurewait.h"
#include "ui/chatbox.h"
#include "ui/chatsession.h"
#include "ui/threadmodel.h"
#include "uifixture.h"

#include <QPlainTextEdit>
#include <QTest>

using namespace agency;
using test::UiFixture;
namespace openai = test::openai;

class TestConsoleTurnId : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.reset(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.tearDown(); }

    void resendAfterAFailureStoresTheQuestionOnce();
    void interruptedTurnIsShownAsSuch();

private:
    UiFixture m_fx;
};

void TestConsoleTurnId::resendAfterAFailureStoresTheQuestionOnce()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    // The question is stored, then the provider fails: the text comes back to the box.
    m_fx.llm().enqueue(openai::errorReply(400, QStringLiteral("try later")));
    test::typeAndSend(*w, QStringLiteral("resend me"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(w->chatBox()->text(), QStringLiteral("resend me"));
    const QUuid failedTurn = w->chatSession()->lastTurnId();
    QVERIFY(!failedTurn.isNull());
    const QUuid conversation = w->chatSession()->activeConversation();
    QVERIFY(!conversation.isNull());

    // Sent again as the error advises: the same turn, continued.
    m_fx.llm().enqueueStream({QStringLiteral("Here it is.")});
    QPlainTextEdit *edit = w->chatBox()->editor();
    edit->setFocus();
    QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QCOMPARE(w->chatSession()->lastTurnId(), failedTurn);
    const QList<core::Message> stored = m_fx.backend().stored(QStringLiteral("default"), conversation);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant"));
    QCOMPARE(stored.last().content, QStringLiteral("Here it is."));

    // Another message is another turn.
    m_fx.llm().enqueueStream({QStringLiteral("Fine.")});
    test::typeAndSend(*w, QStringLiteral("and another"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QVERIFY(w->chatSession()->lastTurnId() != failedTurn);
    QCOMPARE(test::roles(m_fx.backend().stored(QStringLiteral("default"), conversation)),
             QStringLiteral("user,assistant,user,assistant"));
}

void TestConsoleTurnId::interruptedTurnIsShownAsSuch()
{
    // A turn whose process died: its question stored under a lease that has expired.
    db::TurnOpenRequest open;
    open.tenantId = QStringLiteral("default");
    open.flowType = QStringLiteral("weather");
    open.create = true;
    open.conversationId = QUuid::createUuid();
    open.title = QStringLiteral("cut off");
    open.userMessage = QStringLiteral("cut off");
    open.lease.turnId = QUuid::createUuid();
    open.lease.leaseMs = 1;
    AGENCY_VERIFY_OK(test::await(m_fx.backend().conversations().openTurn(open)));
    QTest::qWait(20);

    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    w->openConversation(open.conversationId);
    ui::ThreadModel *thread = w->threadModel();
    QTRY_COMPARE_WITH_TIMEOUT(thread->rowCount(), 1, 10000);
    QCOMPARE(thread->item(0).content, QStringLiteral("cut off"));
    QCOMPARE(thread->item(0).metadata.value(QStringLiteral("turn_status")).toString(),
             QStringLiteral("interrupted"));
}

QTEST_MAIN(TestConsoleTurnId)
#include "test_consoleturnid.moc"

// The console's item models: each under QAbstractItemModelTester while real data flows through
// it, and lazy loading of a tenant with 10,000 conversations (first pages only until scrolling).

#include "ui/chatsession.h"
#include "ui/conversationdelegate.h"
#include "ui/conversationmodel.h"
#include "ui/tenantmodel.h"
#include "ui/threadmodel.h"
#include "uifixture.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace agency;
using test::UiFixture;
using Tester = QAbstractItemModelTester;

class TestConsoleModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.reset(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.tearDown(); }

    void modelsPassTheTesterThroughAChat();
    void lazyLoadingFetchesOnlyFirstPagesUntilScrolled();
    void flowFilterShowsOneFlow();
    void columnsFitRowsThatArriveLater();

private:
    UiFixture m_fx;
};

void TestConsoleModels::modelsPassTheTesterThroughAChat()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    Tester tenants(w->tenantModel(), Tester::FailureReportingMode::QtTest);
    Tester conversations(w->conversationModel(), Tester::FailureReportingMode::QtTest);
    Tester thread(w->threadModel(), Tester::FailureReportingMode::QtTest);
    for (int i = 0; i < 3; ++i) {
        m_fx.llm().enqueueStream({},
                                 {test::weatherCall(QStringLiteral("c%1").arg(i), QStringLiteral("Paris"))});
        m_fx.llm().enqueueStream({QStringLiteral("Sunny "), QStringLiteral("and mild.")});
        w->newChat();
        test::typeAndSend(*w, QStringLiteral("Weather in Paris? #%1").arg(i));
        QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 20000);
        QTRY_COMPARE(w->conversationModel()->rowCount(), i + 1);
    }
    // Reopen the oldest (rows move, thread reloads), expand its tool results, reload tenants.
    w->openConversation(w->conversationModel()->conversationAt(2).conversationId);
    QTRY_COMPARE(w->threadModel()->rowCount(), 3);
    QVERIFY(w->threadModel()->setData(w->threadModel()->index(1), true, ui::ThreadModel::ExpandedRole));
    w->tenantModel()->reload();
    QTRY_COMPARE(w->tenantModel()->index(0).data(ui::TenantModel::CountRole).toLongLong(), qint64(3));
}

void TestConsoleModels::lazyLoadingFetchesOnlyFirstPagesUntilScrolled()
{
    QVERIFY2(m_fx.exec(QStringLiteral("INSERT INTO tenants (tenant_id, name) VALUES ('big', 'Big')")),
             qPrintable(m_fx.error()));
    QVERIFY2(m_fx.exec(QStringLiteral(
                 "INSERT INTO conversations (conversation_id, tenant_id, flow_type, title, updated_at) "
                 "SELECT gen_random_uuid(), 'big', 'weather', 'conversation ' || g, "
                 "now() - g * interval '1 minute' FROM generate_series(1, 10000) g")),
             qPrintable(m_fx.error()));
    QVERIFY2(
        m_fx.exec(QStringLiteral("UPDATE tenants SET conversation_count = 10000 WHERE tenant_id = 'big'")),
        qPrintable(m_fx.error()));
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    // No QAbstractItemModelTester here: it calls fetchMore() itself (the previous test covers it).
    ui::ConversationModel *model = w->conversationModel();
    QSignalSpy pages(model, &ui::ConversationModel::pageLoaded);
    w->selectTenant(QStringLiteral("big"));
    QVERIFY(pages.wait(10000));
    // The view asks for pages while the last row is visible; settle, then check it stopped early.
    // Every fetch is started from the event loop (the view's zero timer), so processing events
    // after each page is enough to see the next request.
    for (int round = 0; round < 5; ++round) {
        QTRY_VERIFY(!model->isFetching());
        QCoreApplication::processEvents();
        if (!model->isFetching())
            break;
    }
    QVERIFY(!model->isFetching());
    const int firstPages = model->pagesRequested();
    QVERIFY2(firstPages <= 2, qPrintable(QString::number(firstPages)));
    QCOMPARE(model->rowCount(), ui::MainWindow::kConversationPageSize * firstPages);
    // Newest activity first.
    QCOMPARE(model->conversationAt(0).title, QStringLiteral("conversation 1"));
    QCOMPARE(model->conversationAt(model->rowCount() - 1).title,
             QStringLiteral("conversation %1").arg(model->rowCount()));

    // Scrolling to the end asks for the next page, and only that one.
    QTableView *view = w->conversationView();
    view->verticalScrollBar()->setValue(view->verticalScrollBar()->maximum());
    QTRY_COMPARE(model->rowCount(), ui::MainWindow::kConversationPageSize * (firstPages + 1));
    QTRY_VERIFY(!model->isFetching());
    QCOMPARE(model->pagesRequested(), firstPages + 1);
    const int last = model->rowCount() - 1;
    QCOMPARE(model->conversationAt(last).title, QStringLiteral("conversation %1").arg(last + 1));
}

void TestConsoleModels::flowFilterShowsOneFlow()
{
    QVERIFY2(m_fx.exec(QStringLiteral("INSERT INTO tenants (tenant_id, name) VALUES ('default', 'Default')")),
             qPrintable(m_fx.error()));
    QVERIFY2(
        m_fx.exec(QStringLiteral(
            "INSERT INTO conversations (conversation_id, tenant_id, flow_type, title) "
            "SELECT gen_random_uuid(), 'default', CASE WHEN g % 2 = 0 THEN 'weather' ELSE 'consulting' END, "
            "'c' || g FROM generate_series(1, 10) g")),
        qPrintable(m_fx.error()));
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::ConversationModel *model = w->conversationModel();
    QTRY_COMPARE(model->rowCount(), 10);
    auto *filter = w->findChild<QComboBox *>(QStringLiteral("flowFilter"));
    QVERIFY(filter);
    const int weather = filter->findData(QStringLiteral("consulting"));
    QVERIFY(weather > 0);
    filter->setCurrentIndex(weather);
    QTRY_COMPARE(model->rowCount(), 5);
    for (int row = 0; row < 5; ++row)
        QCOMPARE(model->conversationAt(row).flowType, QStringLiteral("consulting"));
}

void TestConsoleModels::columnsFitRowsThatArriveLater()
{
    // The window opens on an empty list; the row arrives afterwards, as after a first chat.
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QTableView *view = w->conversationView();
    QTRY_VERIFY(view->isVisible());
    QVERIFY2(
        m_fx.exec(QStringLiteral("INSERT INTO tenants (tenant_id, name) VALUES ('default', 'Default') "
                                 "ON CONFLICT DO NOTHING; "
                                 "INSERT INTO conversations (conversation_id, tenant_id, flow_type, title) "
                                 "VALUES (gen_random_uuid(), 'default', 'consulting', 'A first question')")),
        qPrintable(m_fx.error()));
    w->conversationModel()->setQuery(QStringLiteral("default"), QString());
    QTRY_COMPARE(w->conversationModel()->rowCount(), 1);
    // The row's second line holds the flow's name whole, not "co…" (the rows are painted by
    // ConversationDelegate; it is the text it draws).
    const QModelIndex row = w->conversationModel()->index(0, 0);
    QTRY_VERIFY(view->visualRect(row).isValid());
    const QString detail = ui::ConversationDelegate::shown(row, view->visualRect(row), view->font()).detail;
    QVERIFY2(detail.startsWith(QStringLiteral("consulting · ")), qPrintable(detail));
}

QTEST_MAIN(TestConsoleModels)
#include "test_consolemodels.moc"

// The console's admin side: search and jump to a hit far back in a long thread, fork ("edit and
// resend") leaving the original unchanged, rename, delete with confirmation, export in every
// format (read like the conversation: its title, local times, no ids but in JSON), and a list that
// tabbing into opens nothing. (Settings: test_consolesettings.)

#include "runtime/backend.h"
#include "ui/chatbox.h"
#include "ui/chatsession.h"
#include "ui/conversationmodel.h"
#include "ui/searchpanel.h"
#include "ui/statusbar.h"
#include "ui/tenantmodel.h"
#include "ui/threadmodel.h"
#include "ui/threadview.h"
#include "ui/usagedialog.h"
#include "uifixture.h"

#include <QApplication>
#include <QBarSet>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace agency;
using test::UiFixture;

class TestConsoleAdmin : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.reset(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.tearDown(); }

    void searchThenJumpToHitFarBack();
    void forkLeavesOriginalUnchanged();
    void renameAndDelete();
    void exportAllFormats();
    void usageChartGetsItsData();
    void changesByAnotherProcessAppear();
    void f5ReadsTheListsAgain();
    void searchRunsAsYouTypeAndEscCloses();
    void exportsReadLikeTheConversation();
    void tabbingIntoTheListOpensNothing();

private:
    /// One finished chat in a new conversation; returns its id.
    QUuid chat(ui::MainWindow &w, const QString &text, const QString &answer);
    UiFixture m_fx;
    QTemporaryDir m_out;
};

QUuid TestConsoleAdmin::chat(ui::MainWindow &w, const QString &text, const QString &answer)
{
    return test::chatInNewConversation(m_fx, w, text, answer);
}

void TestConsoleAdmin::searchThenJumpToHitFarBack()
{
    QVERIFY(m_fx.exec(QStringLiteral(
        "INSERT INTO tenants (tenant_id, name, conversation_count) VALUES ('default', 'Default', 1)")));
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QVERIFY(m_fx.exec(
        QStringLiteral(
            "INSERT INTO conversations (conversation_id, tenant_id, flow_type, title, message_count) "
            "VALUES ('%1', 'default', 'consulting', 'Long thread', 1500)")
            .arg(id)));
    // 1,500 messages; the only one mentioning a zeppelin is the 3rd.
    QVERIFY(m_fx.exec(
        QStringLiteral(
            "INSERT INTO messages (conversation_id, tenant_id, flow_type, role, content, created_at) "
            "SELECT '%1', 'default', 'consulting', CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END, "
            "CASE WHEN g = 3 THEN 'We could deliver it by zeppelin.' ELSE 'filler message ' || g END, "
            "now() - (2000 - g) * interval '1 second' FROM generate_series(1, 1500) g")
            .arg(id)));
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QTest::keyClick(w->chatBox()->editor(), Qt::Key_F, Qt::ControlModifier);
    QLineEdit *box = w->searchPanel()->searchBox();
    QTRY_VERIFY(box->hasFocus());
    QSignalSpy searched(w->searchPanel(), &ui::SearchPanel::searched);
    QTest::keyClicks(box, QStringLiteral("zeppelin"));
    QTest::keyClick(box, Qt::Key_Return);
    QVERIFY(searched.wait(10000));
    QCOMPARE(searched.first().first().toInt(), 1);
    QVERIFY(w->searchPanel()
                ->hits()
                ->index(0)
                .data(ui::SearchHitModel::SnippetHtmlRole)
                .toString()
                .contains(QStringLiteral("<b>zeppelin</b>")));

    QSignalSpy shown(w, &ui::MainWindow::conversationShown);
    QListView *hits = w->searchPanel()->hitView();
    hits->setFocus();
    hits->setCurrentIndex(w->searchPanel()->hits()->index(0));
    QTest::keyClick(hits, Qt::Key_Return);
    QVERIFY(shown.wait(20000));
    QCOMPARE(w->currentConversation().toString(QUuid::WithoutBraces), id);
    ui::ThreadModel *thread = w->threadModel();
    QCOMPARE(thread->rowCount(), 1500);
    const int row = thread->rowOfMessage(thread->item(2).messageIds.first());
    QCOMPARE(row, 2);
    QVERIFY(thread->item(2).highlighted);
    QVERIFY(thread->item(2).content.contains(QStringLiteral("zeppelin")));

    // The hit is on screen once the long thread is laid out, and stays there: the view does not
    // jump back to the end it was following while the pages arrived.
    ui::ThreadView *view = w->threadView();
    const QModelIndex target = thread->index(2);
    QTRY_VERIFY_WITH_TIMEOUT(view->visualRect(thread->index(thread->rowCount() - 1)).isValid(), 20000);
    QTRY_VERIFY(view->viewport()->rect().intersects(view->visualRect(target)));
    QVERIFY(view->verticalScrollBar()->value() < view->verticalScrollBar()->maximum());
    QCoreApplication::processEvents();
    QVERIFY2(view->viewport()->rect().intersects(view->visualRect(target)),
             qPrintable(QStringLiteral("scrolled to %1 of %2")
                            .arg(view->verticalScrollBar()->value())
                            .arg(view->verticalScrollBar()->maximum())));
}

void TestConsoleAdmin::forkLeavesOriginalUnchanged()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({}, {test::weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))});
    m_fx.llm().enqueueStream({QStringLiteral("Sunny in Paris.")});
    test::typeAndSend(*w, QStringLiteral("Weather in Paris?"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 20000);
    m_fx.llm().enqueueStream({QStringLiteral("Take an umbrella.")});
    test::typeAndSend(*w, QStringLiteral("Should I take an umbrella?"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 20000);
    const QUuid original = w->currentConversation();
    QTRY_COMPARE(w->threadModel()->rowCount(), 5); // user, call+result, answer, user, answer
    QCOMPARE(w->threadModel()->item(3).content, QStringLiteral("Should I take an umbrella?"));

    ui::MainWindow::Prompts prompts;
    prompts.askText = [](const QString &, const QString &, const QString &, bool) -> std::optional<QString> {
        return QStringLiteral("Should I take sunglasses?");
    };
    w->setPrompts(prompts);
    QSignalSpy forked(w, &ui::MainWindow::forked);
    // The fork's turn can start and finish between two polls: wait for its finish signal, not
    // for a busy state that may already be over.
    QSignalSpy finished(w->chatSession(), &ui::ChatSession::turnFinished);
    m_fx.llm().enqueueStream({QStringLiteral("Yes, sunglasses.")});
    w->editAndResend(3);
    QVERIFY(forked.wait(10000));
    const QUuid fork = forked.first().first().toUuid();
    QVERIFY(fork != original);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QCOMPARE(finished.first().at(1).toUuid(), fork);

    // The fork: the first turn copied (tool call with its result), then the edited question.
    auto forkMessages = test::await(
        m_fx.service().listMessages(QStringLiteral("default"), fork.toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(forkMessages);
    QStringList roles;
    for (const auto &m : forkMessages->items)
        roles << core::roleName(m.role);
    QCOMPARE(roles.join(QLatin1Char(',')), QStringLiteral("user,assistant,tool,assistant,user,assistant"));
    QCOMPARE(forkMessages->items.at(4).content, QStringLiteral("Should I take sunglasses?"));
    auto forkConversation = test::await(
        m_fx.service().getConversation(QStringLiteral("default"), fork.toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(forkConversation);
    const QJsonObject from = forkConversation->metadata.value(QStringLiteral("forked_from")).toObject();
    QCOMPARE(from.value(QStringLiteral("conversation_id")).toString(),
             original.toString(QUuid::WithoutBraces));
    QVERIFY(from.value(QStringLiteral("message_id")).toInteger() > 0);

    // The original is untouched.
    auto originalMessages = test::await(
        m_fx.service().listMessages(QStringLiteral("default"), original.toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(originalMessages);
    QCOMPARE(originalMessages->items.size(), 6);
    QCOMPARE(originalMessages->items.at(4).content, QStringLiteral("Should I take an umbrella?"));
    QCOMPARE(originalMessages->items.at(5).content, QStringLiteral("Take an umbrella."));
    QCOMPARE(w->currentConversation(), fork);
    QTRY_COMPARE(test::conversationRow(*w, 0).conversationId, fork);

    // Only a user message can be the edit point.
    auto refused = test::await(m_fx.service().forkConversation(QStringLiteral("default"),
                                                               original.toString(QUuid::WithoutBraces),
                                                               originalMessages->items.at(1).id));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, core::ErrorCode::InvalidArgument);
}

void TestConsoleAdmin::renameAndDelete()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    const QUuid keep = chat(*w, QStringLiteral("keep me"), QStringLiteral("ok"));
    const QUuid doomed = chat(*w, QStringLiteral("delete me"), QStringLiteral("ok"));
    QVERIFY(!keep.isNull() && !doomed.isNull());

    ui::MainWindow::Prompts prompts;
    prompts.askText = [](const QString &, const QString &, const QString &, bool) -> std::optional<QString> {
        return QStringLiteral("Renamed by F2");
    };
    QStringList questions;
    bool answer = false;
    prompts.confirm = [&questions, &answer](const QString &q) {
        questions << q;
        return answer;
    };
    w->setPrompts(prompts);
    // The keys act on the selected conversation, from the conversation list.
    QTableView *list = w->conversationView();
    list->setFocus();
    QTRY_VERIFY(list->hasFocus());
    QTest::keyClick(list, Qt::Key_F2);
    QTRY_COMPARE(test::conversationRow(*w, 0).title, QStringLiteral("Renamed by F2"));
    auto stored = test::await(
        m_fx.service().getConversation(QStringLiteral("default"), doomed.toString(QUuid::WithoutBraces)));
    AGENCY_VERIFY_OK(stored);
    QCOMPARE(stored->title, QStringLiteral("Renamed by F2"));

    // Delete asks first; "no" keeps it.
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(questions.size(), 1);
    QVERIFY(questions.first().contains(QStringLiteral("Renamed by F2")));
    QCOMPARE(w->conversationModel()->rowCount(), 2);
    // Delete typed in the message box edits the text; it never deletes a conversation.
    w->chatBox()->editor()->setFocus();
    QTest::keyClick(w->chatBox()->editor(), Qt::Key_Delete);
    QCOMPARE(questions.size(), 1);
    answer = true;
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(questions.size(), 2);
    QTRY_COMPARE(w->conversationModel()->rowCount(), 1);
    QCOMPARE(w->conversationModel()->conversationAt(0).conversationId, keep);
    QVERIFY(w->currentConversation() != doomed); // the list selects its neighbour
    auto gone = test::await(
        m_fx.service().getConversation(QStringLiteral("default"), doomed.toString(QUuid::WithoutBraces)));
    QVERIFY(!gone);
    QCOMPARE(gone.error().code, core::ErrorCode::NotFound);
    QTRY_COMPARE(w->tenantModel()->index(0).data(ui::TenantModel::CountRole).toLongLong(), qint64(1));
}

void TestConsoleAdmin::exportAllFormats()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({}, {test::weatherCall(QStringLiteral("call_9"), QStringLiteral("Paris"))});
    m_fx.llm().enqueueStream({QStringLiteral("Mild in Paris.")});
    test::typeAndSend(*w, QStringLiteral("Weather in Paris?"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 20000);
    QTRY_COMPARE(w->conversationModel()->rowCount(), 1);

    struct Case
    {
        ui::MainWindow::ExportKind kind;
        QString file;
    };
    for (const Case &c : {Case{ui::MainWindow::ExportKind::Markdown, QStringLiteral("out.md")},
                          Case{ui::MainWindow::ExportKind::Json, QStringLiteral("out.json")},
                          Case{ui::MainWindow::ExportKind::Pdf, QStringLiteral("out.pdf")}}) {
        const QString path = m_out.filePath(c.file);
        ui::MainWindow::Prompts prompts;
        prompts.saveFileName = [path](const QString &, const QString &) { return path; };
        w->setPrompts(prompts);
        QSignalSpy exported(w, &ui::MainWindow::exported);
        w->exportCurrent(c.kind);
        QVERIFY(exported.wait(10000));
        QCOMPARE(exported.first().at(1).toString(), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray data = file.readAll();
        switch (c.kind) {
        case ui::MainWindow::ExportKind::Markdown:
            QVERIFY(data.contains("Weather in Paris?"));
            QVERIFY(data.contains("get_weather"));
            QVERIFY(data.contains("Mild in Paris."));
            break;
        case ui::MainWindow::ExportKind::Json: {
            const QJsonObject doc = QJsonDocument::fromJson(data).object();
            QVERIFY(!doc.isEmpty());
            QVERIFY(QString::fromUtf8(data).contains(QStringLiteral("get_weather")));
            break;
        }
        case ui::MainWindow::ExportKind::Pdf:
            QVERIFY(data.startsWith("%PDF-"));
            QVERIFY(data.size() > 1000);
            break;
        }
    }
}

void TestConsoleAdmin::usageChartGetsItsData()
{
    QVERIFY(m_fx.exec(QStringLiteral(
        "INSERT INTO tenants (tenant_id, name) VALUES ('default', 'Default'), ('other', 'Other')")));
    // Today: openai 1,000 + 200 and mistral 500; yesterday: openai 300; another tenant's row is not shown.
    QVERIFY(m_fx.exec(QStringLiteral("INSERT INTO llm_usage (tenant_id, provider, prompt_tokens, "
                                     "completion_tokens, total_tokens, created_at) "
                                     "VALUES ('default', 'openai', 600, 400, 1000, (date_trunc('day', now() "
                                     "AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') + interval '1 minute'), "
                                     "('default', 'openai', 150, 50, 200, (date_trunc('day', now() AT TIME "
                                     "ZONE 'UTC') AT TIME ZONE 'UTC') + interval '2 minutes'), "
                                     "('default', 'mistral', 300, 200, 500, (date_trunc('day', now() AT TIME "
                                     "ZONE 'UTC') AT TIME ZONE 'UTC') + interval '3 minutes'), "
                                     "('default', 'openai', 200, 100, 300, (date_trunc('day', now() AT TIME "
                                     "ZONE 'UTC') AT TIME ZONE 'UTC') - interval '12 hours'), "
                                     "('other', 'openai', 1, 1, 9999, (date_trunc('day', now() AT TIME ZONE "
                                     "'UTC') AT TIME ZONE 'UTC') + interval '1 minute')")));
    // Mistral's call was priced; the three openai calls were of a model without a price.
    QVERIFY(m_fx.exec(QStringLiteral(
        "UPDATE llm_usage SET cost_usd = 0.0125 WHERE tenant_id = 'default' AND provider = 'mistral'")));
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::UsageDialog *usage = w->openUsage();
    QVERIFY(usage);
    QSignalSpy loaded(usage, &ui::UsageDialog::usageLoaded);
    QVERIFY(loaded.wait(10000));
    QHash<QString, QList<qreal>> sets;
    for (QBarSet *set : usage->series()->barSets()) {
        QList<qreal> values;
        for (int i = 0; i < set->count(); ++i)
            values.append(set->at(i));
        sets.insert(set->label(), values);
    }
    QCOMPARE(sets.size(), 2);
    const QList<qreal> openai = sets.value(QStringLiteral("openai"));
    const QList<qreal> mistral = sets.value(QStringLiteral("mistral"));
    QVERIFY(openai.size() >= 2 && mistral.size() == openai.size());
    QCOMPARE(openai.last(), 1200.0); // stacked per day: two calls today
    QCOMPARE(openai.at(openai.size() - 2), 300.0);
    QCOMPARE(mistral.last(), 500.0);
    QCOMPARE(mistral.at(mistral.size() - 2), 0.0);
    QCOMPARE(usage->usageTable()->rowCount(), 3); // one row per day and provider
    QStringList costs;
    for (int row = 0; row < usage->usageTable()->rowCount(); ++row)
        costs.append(usage->usageTable()->item(row, 7)->text());
    QVERIFY2(costs.contains(QLocale().toString(0.0125, 'f', 4).prepend(u'$')), qPrintable(costs.join(u' ')));
    const QString total = usage->costLabel()->text();
    QVERIFY2(total.contains(QLocale().toString(0.0125, 'f', 4)) && total.contains(QStringLiteral("3 calls")),
             qPrintable(total));
    usage->close();
}

namespace {
/// A tenant and a conversation written straight to the database: another process's writes.
bool otherProcessWrites(UiFixture &fx, const QString &tenant, const QString &title)
{
    return fx.exec(QStringLiteral(
                       "INSERT INTO tenants (tenant_id, name) VALUES ('%1', '%1') ON CONFLICT DO NOTHING")
                       .arg(tenant)) &&
           fx.exec(QStringLiteral(
                       "WITH c AS (INSERT INTO conversations (conversation_id, tenant_id, flow_type, title) "
                       "VALUES (gen_random_uuid(), '%1', 'weather', '%2') RETURNING tenant_id) "
                       "UPDATE tenants SET conversation_count = conversation_count + 1 "
                       "WHERE tenant_id IN (SELECT tenant_id FROM c)")
                       .arg(tenant, title));
}
} // namespace

void TestConsoleAdmin::changesByAnotherProcessAppear()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.backend().backend().startChangeListener();
    // Wait until the listener hears the database (its connection opens in the background).
    QSignalSpy heard(&m_fx.service(), &service::AgencyService::dataChanged);
    QTRY_VERIFY_WITH_TIMEOUT(
        (m_fx.exec(QStringLiteral("SELECT pg_notify('agency_changes', 'probe')")), !heard.isEmpty()), 10000);
    // Another process adds a conversation to the tenant shown, and a new tenant.
    QVERIFY2(otherProcessWrites(m_fx, QStringLiteral("default"), QStringLiteral("From the CLI")),
             qPrintable(m_fx.error()));
    QVERIFY2(otherProcessWrites(m_fx, QStringLiteral("acme"), QStringLiteral("Acme plans")),
             qPrintable(m_fx.error()));
    QTRY_COMPARE_WITH_TIMEOUT(test::conversationRow(*w, 0).title, QStringLiteral("From the CLI"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w->tenantModel()->rowOf(QStringLiteral("acme")) >= 0, 10000);
    QTRY_COMPARE(w->tenantModel()
                     ->index(w->tenantModel()->rowOf(QStringLiteral("default")))
                     .data(ui::TenantModel::CountRole)
                     .toLongLong(),
                 qint64(1));
    QCOMPARE(w->currentTenant(), QStringLiteral("default"));
}

void TestConsoleAdmin::f5ReadsTheListsAgain()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    // No listener here: only F5 can show what another process wrote.
    QVERIFY2(otherProcessWrites(m_fx, QStringLiteral("default"), QStringLiteral("Written elsewhere")),
             qPrintable(m_fx.error()));
    QTest::qWait(300);
    QCOMPARE(w->conversationModel()->rowCount(), 0);
    QTest::keyClick(w, Qt::Key_F5);
    QTRY_COMPARE_WITH_TIMEOUT(test::conversationRow(*w, 0).title, QStringLiteral("Written elsewhere"), 10000);
}

void TestConsoleAdmin::searchRunsAsYouTypeAndEscCloses()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    m_fx.llm().enqueueStream({QStringLiteral("Noted.")});
    test::typeAndSend(*w, QStringLiteral("remember the zeppelin"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    ui::SearchPanel *search = w->searchPanel();
    search->searchBox()->setFocus();
    QTest::keyClicks(search->searchBox(), QStringLiteral("zeppelin")); // no Enter
    auto *summary = search->findChild<QLabel *>();
    QTRY_VERIFY_WITH_TIMEOUT(search->hitView()->isVisible(), 5000);
    QTRY_COMPARE(summary->text(), QStringLiteral("1 matching message — Enter or click opens it"));
    QVERIFY(!w->conversationView()->isVisible());
    search->hitView()->setFocus();
    QTest::keyClick(search->hitView(), Qt::Key_Escape);
    QTRY_VERIFY(!search->hitView()->isVisible());
    QVERIFY(search->searchBox()->text().isEmpty());
    QVERIFY(w->conversationView()->isVisible());
}

namespace {

/// `text` as QPdfWriter writes a PDF text string (UTF-16BE after a byte order mark, with
/// parentheses and backslashes escaped).
QByteArray pdfTextString(const QString &text)
{
    QByteArray bytes("(\xfe\xff");
    for (const QChar c : text) {
        for (const char part : {char(c.unicode() >> 8), char(c.unicode() & 0xff)}) {
            if (part == '(' || part == ')' || part == '\\')
                bytes.append('\\');
            bytes.append(part);
        }
    }
    return bytes + ')';
}

} // namespace

void TestConsoleAdmin::exportsReadLikeTheConversation()
{
    // Local time five and a half hours off UTC: a UTC time cannot pass for it.
    const QByteArray zone = qgetenv("TZ");
    qputenv("TZ", "Asia/Kolkata");
    auto restoreZone = qScopeGuard([zone] {
        if (zone.isNull())
            qunsetenv("TZ");
        else
            qputenv("TZ", zone);
    });
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    const QUuid id = chat(*w, QStringLiteral("Plan the Lyon offsite"), QStringLiteral("Here is a plan."));
    QVERIFY(!id.isNull());
    const core::Conversation conversation = test::conversationRow(*w, 0);
    QVERIFY(!conversation.title.isEmpty());
    QTRY_COMPARE(w->threadModel()->rowCount(), 2);
    const QDateTime asked = w->threadModel()->item(0).createdAt.toLocalTime();
    QCOMPARE(asked.offsetFromUtc(), 5 * 3600 + 1800);

    auto exportTo = [&](ui::MainWindow::ExportKind kind, const QString &name) -> QByteArray {
        const QString path = m_out.filePath(name);
        ui::MainWindow::Prompts prompts;
        prompts.saveFileName = [path](const QString &, const QString &) { return path; };
        w->setPrompts(prompts);
        QSignalSpy exported(w, &ui::MainWindow::exported);
        w->exportCurrent(kind);
        if (!exported.wait(10000) || !exported.first().at(1).toString().isEmpty())
            return {};
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    const QString idText = id.toString(QUuid::WithoutBraces);
    const QString md =
        QString::fromUtf8(exportTo(ui::MainWindow::ExportKind::Markdown, QStringLiteral("r.md")));
    QVERIFY2(md.startsWith(QStringLiteral("# ") + conversation.title + u'\n'), qPrintable(md));
    QVERIFY2(!md.contains(idText), qPrintable(md));
    const QRegularExpression isoTime(QStringLiteral("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d"));
    QVERIFY2(!md.contains(isoTime), qPrintable(md));
    // Local times, the day in words: "Started: 7 December 2026, 21:32", the question at "21:32".
    const QString day = QLocale().toString(asked, QStringLiteral("d MMMM yyyy"));
    const QString time = QLocale().toString(asked, QStringLiteral("HH:mm"));
    QVERIFY2(md.contains(QStringLiteral("Started: %1, %2").arg(day, time)), qPrintable(md));
    QVERIFY2(md.contains(QStringLiteral("UTC+05:30")), qPrintable(md));
    QVERIFY2(md.contains(QStringLiteral("## User — %1, %2\n\nPlan the Lyon offsite").arg(day, time)),
             qPrintable(md));

    // JSON is for programs: the ids and UTC times stay.
    const QString json =
        QString::fromUtf8(exportTo(ui::MainWindow::ExportKind::Json, QStringLiteral("r.json")));
    QVERIFY2(json.contains(idText), qPrintable(json));
    QVERIFY(json.contains(isoTime));

    // The PDF's title is the conversation's, not the file's name.
    const QByteArray pdf = exportTo(ui::MainWindow::ExportKind::Pdf, QStringLiteral("file-name.pdf"));
    QVERIFY(pdf.startsWith("%PDF-"));
    const QByteArray title = "/Title " + pdfTextString(conversation.title);
    const QByteArray fileName = "/Title " + pdfTextString(QStringLiteral("file-name"));
    QVERIFY(pdf.contains(title));
    QVERIFY(!pdf.contains(fileName));
}

void TestConsoleAdmin::tabbingIntoTheListOpensNothing()
{
    ui::MainWindow *first = m_fx.openWindow();
    QVERIFY(first);
    QVERIFY(!chat(*first, QStringLiteral("one"), QStringLiteral("First.")).isNull());
    QVERIFY(!chat(*first, QStringLiteral("two"), QStringLiteral("Second.")).isNull());
    // The console starts again: the list is loaded, no conversation is open.
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    QTRY_COMPARE(w->conversationModel()->rowCount(), 2);
    QVERIFY(w->currentConversation().isNull());
    QTableView *list = w->conversationView();
    list->setFocus(Qt::TabFocusReason);
    QTRY_VERIFY(list->hasFocus());
    QTest::qWait(50);
    // The keyboard is in the list; nothing was opened for it, nor by Tab on its way out.
    QVERIFY(w->currentConversation().isNull());
    QTest::keyClick(list, Qt::Key_Tab);
    QTest::qWait(50);
    QVERIFY(!list->hasFocus());
    QVERIFY(w->currentConversation().isNull());
    QCOMPARE(w->threadModel()->rowCount(), 0);
    // Arrow keys open the row moved to.
    list->setFocus(Qt::BacktabFocusReason);
    QTRY_VERIFY(list->hasFocus());
    QTest::keyClick(list, Qt::Key_Down);
    QTRY_COMPARE(w->currentConversation(), test::conversationRow(*w, 0).conversationId);
    QTest::keyClick(list, Qt::Key_Down);
    QTRY_COMPARE(w->currentConversation(), test::conversationRow(*w, 1).conversationId);
}

QTEST_MAIN(TestConsoleAdmin)
#include "test_consoleadmin.moc"

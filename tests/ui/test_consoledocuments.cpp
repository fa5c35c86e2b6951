// The console's Documents view and citation links, driven like a user over the real backend
// (knowledge base with the demo embedding, ingestion running, a real PostgreSQL): files and
// folders added (also by a drop) become ready with their progress shown, refused and failed files
// say why in place, search shows the passage with the words highlighted, delete asks and removes,
// and a "[1]" in a cited answer opens the document at the cited page and span.

#include "knowledge/knowledgebase.h"
#include "runtime/backend.h"
#include "testdocuments.h"
#include "ui/chatbox.h"
#include "ui/documents/citationlinks.h"
#include "ui/documents/documentlistmodel.h"
#include "ui/documents/documentswindow.h"
#include "ui/documents/documentviewer.h"
#include "ui/messagedelegate.h"
#include "ui/threadmodel.h"
#include "ui/threadview.h"
#include "uifixture.h"

#include "core/citationjson.h"
#include "futurewait.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextEdit>

using namespace agency;
using test::UiFixture;

namespace {

const QByteArray kBudget = "The steering committee approved a migration budget of 480000 euros for 2027.";

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &bytes)
{
    const QString path = dir.filePath(name);
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

/// The status text of the row of file `fileName` ("" while there is none).
QString statusOf(const ui::DocumentsWindow &w, const QString &fileName)
{
    const ui::DocumentListModel *m = w.model();
    for (int row = 0; row < m->rowCount(); ++row) {
        if (m->entry(row).document.fileName == fileName)
            return m->index(row, ui::DocumentListModel::StatusColumn).data().toString();
    }
    return {};
}

/// A plain-text file of tenant "default", as a service is given it.
core::NewDocument textDocument(const QString &fileName, const QByteArray &bytes)
{
    core::NewDocument doc;
    doc.tenantId = QStringLiteral("default");
    doc.fileName = fileName;
    doc.mimeType = QStringLiteral("text/plain");
    doc.bytes = bytes;
    return doc;
}

QString rowsDump(const ui::DocumentsWindow &w)
{
    QStringList lines;
    for (int row = 0; row < w.model()->rowCount(); ++row)
        lines.append(w.model()->entry(row).document.title + QStringLiteral(": ") +
                     w.model()->index(row, ui::DocumentListModel::StatusColumn).data().toString());
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class TestConsoleDocuments : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init();
    void cleanup() { m_fx.tearDown(); }

    void addedFileShowsProgressAndBecomesReady();
    void refusedAndFailedFilesSayWhy();
    void droppedFolderGoesIntoTheChosenCollection();
    void searchShowsThePassageHighlighted();
    void deleteAsksThenRemoves();
    void citationLinkOpensThePdfPage();
    void citationLinkOpensTheTextSpan();
    void changesByAnotherServiceAppear();
    void progressNotifiesInTenths();

private:
    /// Starts the backend's change listener and waits until it hears the database.
    bool listen();
    ui::DocumentsWindow *openDocuments();
    /// Adds `paths` through the window and waits until every row is final.
    bool addAndWait(ui::DocumentsWindow &w, const QStringList &paths, int rows);
    /// Asks the consulting flow (demo provider) `question` in the chat and clicks the first
    /// citation link of the answer; returns the viewer it opened, shown.
    ui::DocumentViewer *askAndClickCitation(const QString &question, core::Citation *cited);
    /// The cited span of its document's extracted text, as the service has it.
    QString citedSpan(const core::Citation &cited);

    UiFixture m_fx;
    QTemporaryDir m_files;
};

void TestConsoleDocuments::init()
{
    QVERIFY2(m_fx.reset({{QStringLiteral("EMBEDDING_PROVIDER"), QStringLiteral("demo")},
                         {QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")}}),
             qPrintable(m_fx.error()));
    m_fx.backend().backend().knowledge().startIngestion();
    QVERIFY(m_fx.openWindow());
}

ui::DocumentsWindow *TestConsoleDocuments::openDocuments()
{
    ui::DocumentsWindow *w = m_fx.window()->openDocuments();
    if (!w)
        return nullptr;
    QSignalSpy listed(w, &ui::DocumentsWindow::refreshed);
    if (!listed.wait(10000))
        return nullptr;
    // Opening it again raises the same window rather than a second one.
    return m_fx.window()->openDocuments() == w ? w : nullptr;
}

bool TestConsoleDocuments::addAndWait(ui::DocumentsWindow &w, const QStringList &paths, int rows)
{
    w.addPaths(paths);
    return QTest::qWaitFor(
        [&] {
            if (w.model()->rowCount() != rows)
                return false;
            for (int r = 0; r < rows; ++r) {
                if (!w.model()->entry(r).isFinal())
                    return false;
            }
            return true;
        },
        60000);
}

void TestConsoleDocuments::addedFileShowsProgressAndBecomesReady()
{
    ui::DocumentsWindow *w = openDocuments();
    QVERIFY(w);
    QVERIFY(w->isVisible());
    QCOMPARE(w->model()->rowCount(), 0);
    QVERIFY(w->summaryLabel()->text().contains(QStringLiteral("Drop files")));
    QVERIFY(!w->isPolling()); // nothing to wait for: no polling

    const QString path = writeFile(m_files, QStringLiteral("plan.txt"), "Project plan.\n\n" + kBudget);
    w->addPaths({path});
    // At once: the file is listed and the overall bar shows while it is indexed.
    QCOMPARE(w->model()->rowCount(), 1);
    QVERIFY(w->overallBar()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(w->isPolling(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*w, QStringLiteral("plan.txt")).left(5), QStringLiteral("Ready"),
                              60000);
    const ui::DocumentEntry &e = w->model()->entry(0);
    QCOMPARE(e.document.fileName, QStringLiteral("plan.txt"));
    QCOMPARE(e.document.collection, QStringLiteral("default"));
    QCOMPARE(w->model()->index(0, ui::DocumentListModel::ProgressColumn).data().toInt(), 100);
    QVERIFY(statusOf(*w, QStringLiteral("plan.txt")).contains(QStringLiteral("passage")));
    QTRY_VERIFY(!w->overallBar()->isVisible());
    QTRY_VERIFY(!w->isPolling()); // everything final: the view stops asking
    QVERIFY2(w->summaryLabel()->text().contains(QStringLiteral("1 document · 1 ready")),
             qPrintable(w->summaryLabel()->text()));
}

void TestConsoleDocuments::refusedAndFailedFilesSayWhy()
{
    ui::DocumentsWindow *w = openDocuments();
    QVERIFY(w);
    const QString empty = writeFile(m_files, QStringLiteral("empty.txt"), {});
    const QString image = writeFile(m_files, QStringLiteral("photo.txt"),
                                    QByteArray("\x89PNG\r\n\x1a\n", 8) + QByteArray(200, '\x07'));
    const QString good = writeFile(m_files, QStringLiteral("notes.md"), "# Notes\n\n" + kBudget);
    QVERIFY2(addAndWait(*w, {empty, image, good}, 3), qPrintable(rowsDump(*w)));
    // Refused by the service (never stored): the reason in place, in the status column.
    const QString refused = statusOf(*w, QStringLiteral("empty.txt"));
    QVERIFY2(refused.startsWith(QStringLiteral("Not added:")) && refused.contains(QStringLiteral("empty")),
             qPrintable(rowsDump(*w)));
    // Stored, then failed while extracting: its reason from the service.
    const QString failed = statusOf(*w, QStringLiteral("photo.txt"));
    QVERIFY2(failed.startsWith(QStringLiteral("Failed:")) && failed.contains(QStringLiteral("PNG image")),
             qPrintable(rowsDump(*w)));
    for (int r = 0; r < 3; ++r) {
        const bool bad = w->model()->entry(r).document.fileName != QStringLiteral("notes.md");
        QCOMPARE(w->model()->index(r, 0).data(ui::DocumentListModel::FailedRole).toBool(), bad);
    }
    // The other file is not held up by them.
    QVERIFY(statusOf(*w, QStringLiteral("notes.md")).startsWith(QStringLiteral("Ready")));
    QVERIFY(w->summaryLabel()->text().contains(QStringLiteral("failed")));
}

void TestConsoleDocuments::droppedFolderGoesIntoTheChosenCollection()
{
    ui::DocumentsWindow *w = openDocuments();
    QVERIFY(w);
    writeFile(m_files, QStringLiteral("brief/a.txt"), "Alpha brief. " + kBudget);
    writeFile(m_files, QStringLiteral("brief/deeper/b.md"), "# Beta\n\nThe beta report covers logistics.");
    w->setCollection(QStringLiteral("clients"));
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(m_files.filePath(QStringLiteral("brief")))});
    QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, {});
    QApplication::sendEvent(w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, {});
    QApplication::sendEvent(w, &drop);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 2, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w->model()->entry(0).isFinal() && w->model()->entry(1).isFinal(), 60000);
    for (int r = 0; r < 2; ++r)
        QCOMPARE(w->model()->entry(r).document.collection, QStringLiteral("clients"));
    QCOMPARE(w->collectionPicker()->currentData().toString(), QStringLiteral("clients"));
    // "All collections" shows them too; another collection does not.
    w->setCollection({});
    QCOMPARE(w->model()->rowCount(), 2);
    w->setCollection(QStringLiteral("other"));
    QCOMPARE(w->model()->rowCount(), 0);
    core::DocumentQuery query;
    query.tenantId = QStringLiteral("default");
    query.collection = QStringLiteral("clients");
    const auto stored = test::await(m_fx.service().listDocuments(query));
    QVERIFY(stored);
    QCOMPARE(stored->items.size(), 2);
}

void TestConsoleDocuments::searchShowsThePassageHighlighted()
{
    ui::DocumentsWindow *w = openDocuments();
    QVERIFY(w);
    const QString plan = writeFile(m_files, QStringLiteral("plan.txt"),
                                   "Project plan.\n\nThe kickoff is in March.\n\n" + kBudget);
    const QString other = writeFile(m_files, QStringLiteral("menu.txt"), "Lunch menu: soup, bread, apples.");
    QVERIFY2(addAndWait(*w, {plan, other}, 2), qPrintable(rowsDump(*w)));
    QSignalSpy searched(w, &ui::DocumentsWindow::searched);
    w->searchBox()->setText(QStringLiteral("migration budget"));
    QTest::keyClick(w->searchBox(), Qt::Key_Return);
    QVERIFY(searched.wait(15000));
    QVERIFY(!w->hits().isEmpty());
    const core::DocumentHit top = w->hits().first();
    QCOMPARE(top.title, QStringLiteral("plan"));
    QVERIFY(top.text.contains(QStringLiteral("480000 euros")));
    const QString html = w->searchResults()->toHtml();
    QVERIFY(w->searchResults()->toPlainText().contains(QStringLiteral("480000 euros")));
    // The query's words are bold in the passage; the rest is not.
    QTextDocument shown;
    shown.setHtml(html);
    QStringList bold;
    for (QTextBlock b = shown.begin(); b.isValid(); b = b.next()) {
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            if (it.fragment().charFormat().fontWeight() >= QFont::Bold)
                bold.append(it.fragment().text().toLower());
        }
    }
    QVERIFY2(bold.contains(QStringLiteral("budget")) && bold.contains(QStringLiteral("migration")),
             qPrintable(bold.join(QLatin1Char('|'))));
    QVERIFY(!bold.contains(QStringLiteral("euros")));

    // A hit opens the document at that passage.
    ui::DocumentViewer *viewer = w->openHit(0);
    QVERIFY(viewer);
    QSignalSpy shownSpy(viewer, &ui::DocumentViewer::shown);
    QVERIFY(shownSpy.wait(15000));
    QCOMPARE(viewer->highlightedText(), top.text);
}

void TestConsoleDocuments::deleteAsksThenRemoves()
{
    ui::DocumentsWindow *w = openDocuments();
    QVERIFY(w);
    const QString path = writeFile(m_files, QStringLiteral("plan.txt"), "Project plan.\n\n" + kBudget);
    QVERIFY2(addAndWait(*w, {path}, 1), qPrintable(rowsDump(*w)));
    QStringList asked;
    bool answer = false;
    w->setConfirm([&](const QString &q) {
        asked.append(q);
        return answer;
    });
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w));
    w->table()->setFocus();
    w->table()->selectRow(0);
    QTest::keyClick(w->table(), Qt::Key_Delete);
    QCOMPARE(asked.size(), 1);
    QVERIFY(asked.first().contains(QStringLiteral("plan")));
    QTest::qWait(300);
    QCOMPARE(w->model()->rowCount(), 1); // declined: kept

    answer = true;
    w->table()->selectRow(0);
    w->deleteSelected();
    QCOMPARE(asked.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 0, 10000);
    core::DocumentQuery query;
    query.tenantId = QStringLiteral("default");
    const auto stored = test::await(m_fx.service().listDocuments(query));
    QVERIFY(stored);
    QVERIFY(stored->items.isEmpty());
}

ui::DocumentViewer *TestConsoleDocuments::askAndClickCitation(const QString &question, core::Citation *cited)
{
    ui::MainWindow &window = *m_fx.window();
    window.chatBox()->setFlowType(QStringLiteral("consulting"));
    test::typeAndSend(window, question);
    ui::ThreadModel *thread = window.threadModel();
    int row = -1;
    const bool answered = QTest::qWaitFor(
        [&] {
            for (int r = 0; r < thread->rowCount(); ++r) {
                const ui::ThreadItem &item = thread->item(r);
                if (item.role == core::Role::Assistant && !item.streaming &&
                    !core::citationsOfMetadata(item.metadata).isEmpty())
                    row = r;
            }
            return row >= 0;
        },
        30000);
    if (!answered) {
        qWarning("no cited answer: %s", qPrintable(test::threadDump(window)));
        return nullptr;
    }
    *cited = core::citationsOfMetadata(thread->item(row).metadata).first();
    // Find the link on screen: hit-test the row's area until a point lands on "[n]".
    ui::ThreadView *view = window.threadView();
    view->scrollTo(thread->index(row));
    QTest::qWait(50);
    const QRect rect = view->visualRect(thread->index(row));
    QStyleOptionViewItem option;
    option.rect = rect;
    option.palette = view->palette();
    option.font = view->font();
    option.widget = view;
    for (int y = rect.top(); y < rect.bottom(); y += 3) {
        for (int x = rect.left(); x < rect.right(); x += 3) {
            const QTextDocument *doc = nullptr;
            const int pos = view->messageDelegate()->hitTest(option, thread->index(row), QPoint(x, y), &doc);
            if (!doc || pos < 0 || ui::citationAt(*doc, pos) != cited->number)
                continue;
            QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, QPoint(x, y));
            auto *viewer = window.findChild<ui::DocumentViewer *>();
            if (!viewer)
                return nullptr;
            QSignalSpy shown(viewer, &ui::DocumentViewer::shown);
            if (!shown.wait(15000))
                return nullptr;
            return viewer;
        }
    }
    qWarning("no citation link in: %s", qPrintable(thread->item(row).content));
    return nullptr;
}

QString TestConsoleDocuments::citedSpan(const core::Citation &cited)
{
    const auto text = test::await(m_fx.service().documentText(
        QStringLiteral("default"), cited.documentId.toString(QUuid::WithoutBraces)));
    return text ? text->text.mid(cited.start, cited.end - cited.start) : QString();
}

void TestConsoleDocuments::citationLinkOpensThePdfPage()
{
    // Pages long enough to be chunks of their own; the answer is on page 2 only.
    QStringList pages = test::generatedPages(3);
    pages[1].insert(
        pages[1].indexOf(QLatin1Char('.')) + 1,
        QStringLiteral("\nThe steering committee approved a migration budget of 480000 euros for 2027.\n"));
    const QByteArray pdf = test::makePdf(pages, QStringLiteral("Board minutes"));
    ui::DocumentsWindow *w = openDocuments();
    QVERIFY(w);
    QVERIFY2(addAndWait(*w, {writeFile(m_files, QStringLiteral("minutes.pdf"), pdf)}, 1),
             qPrintable(rowsDump(*w)));
    QVERIFY2(statusOf(*w, QStringLiteral("minutes.pdf")).startsWith(QStringLiteral("Ready")),
             qPrintable(rowsDump(*w)));
    w->close();

    core::Citation cited;
    ui::DocumentViewer *viewer = askAndClickCitation(
        QStringLiteral("What migration budget did the steering committee approve?"), &cited);
    QVERIFY(viewer);
    QCOMPARE(cited.page, 2);
    QVERIFY2(viewer->errorText().isEmpty(), qPrintable(viewer->errorText()));
    QCOMPARE(viewer->passage().documentId, cited.documentId);
    // The cited page is rendered…
    QCOMPARE(viewer->renderedPage(), 2);
    QVERIFY(!viewer->pageImage().isNull());
    QVERIFY(viewer->pageImage().height() > viewer->pageImage().width());
    QVERIFY(viewer->isPassageMarkedOnPage());
    // …and the highlighted text is exactly the cited span of the document's text.
    const QString span = citedSpan(cited);
    QVERIFY2(span.contains(QStringLiteral("480000")), qPrintable(span));
    QCOMPARE(viewer->highlightedText(), span);
    QVERIFY(viewer->textView()->toPlainText().startsWith(QStringLiteral("Page 2.")));
}

void TestConsoleDocuments::citationLinkOpensTheTextSpan()
{
    QByteArray long_;
    for (int i = 0; i < 60; ++i)
        long_ += "Section " + QByteArray::number(i) + ". Routine notes about the weekly meeting.\n\n";
    long_ += kBudget + "\n\n";
    for (int i = 0; i < 60; ++i)
        long_ += "Appendix " + QByteArray::number(i) + ". More routine notes.\n\n";
    core::NewDocument doc;
    doc.tenantId = QStringLiteral("default");
    doc.fileName = QStringLiteral("notes.txt");
    doc.mimeType = QStringLiteral("text/plain");
    doc.bytes = long_;
    const auto added = test::await(m_fx.service().addDocument(doc));
    QVERIFY(added);
    QTRY_VERIFY_WITH_TIMEOUT(
        test::await(m_fx.service().getDocument(QStringLiteral("default"),
                                               added->document.documentId.toString(QUuid::WithoutBraces)))
                ->status == core::DocumentStatus::Ready,
        60000);
    core::Citation cited;
    ui::DocumentViewer *viewer = askAndClickCitation(
        QStringLiteral("What migration budget did the steering committee approve?"), &cited);
    QVERIFY(viewer);
    QCOMPARE(cited.page, 0);
    QCOMPARE(viewer->renderedPage(), 0);
    const QString span = citedSpan(cited);
    QVERIFY2(span.contains(QStringLiteral("480000")), qPrintable(span));
    QCOMPARE(viewer->highlightedText(), span);
    // Scrolled into view: the highlight's start is inside the visible area.
    QTextCursor at(viewer->textView()->document());
    at.setPosition(int(cited.start));
    QTRY_VERIFY(
        viewer->textView()->viewport()->rect().contains(viewer->textView()->cursorRect(at).topLeft()));
}

bool TestConsoleDocuments::listen()
{
    m_fx.backend().backend().startChangeListener();
    QSignalSpy heard(&m_fx.service(), &service::AgencyService::documentsChanged);
    return QTest::qWaitFor(
        [&] {
            m_fx.exec(QStringLiteral("SELECT pg_notify('agency_changes', 'documents/probe')"));
            return !heard.isEmpty() || heard.wait(200);
        },
        20000);
}

void TestConsoleDocuments::changesByAnotherServiceAppear()
{
    ui::DocumentsWindow *w = openDocuments();
    QVERIFY(w);
    QCOMPARE(w->model()->rowCount(), 0);
    QVERIFY(!w->isPolling());
    QVERIFY(listen());
    // Another service on the same database (as `aiagency docs add` in another shell) adds one.
    std::unique_ptr<test::EngineFixture> other =
        m_fx.otherBackend({{QStringLiteral("EMBEDDING_PROVIDER"), QStringLiteral("demo")}});
    const auto added = test::await(other->service().addDocument(textDocument(QStringLiteral("brief.txt"),
                                                                             "Client brief.\n\n" + kBudget)),
                                   20000);
    QVERIFY2(added, qPrintable(added ? QString() : added.error().toString()));
    QTRY_VERIFY2_WITH_TIMEOUT(!statusOf(*w, QStringLiteral("brief.txt")).isEmpty(), qPrintable(rowsDump(*w)),
                              10000);
    QVERIFY2(!w->summaryLabel()->text().contains(QStringLiteral("No documents")),
             qPrintable(w->summaryLabel()->text()));
    // Its indexing (by this backend's worker) is followed to the end.
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(*w, QStringLiteral("brief.txt")).left(5), QStringLiteral("Ready"),
                              60000);
    QTRY_VERIFY(!w->isPolling());
    // Deleted over there: gone here, with nothing polling.
    const auto deleted = test::await(other->service().deleteDocument(
        QStringLiteral("default"), added->document.documentId.toString(QUuid::WithoutBraces)));
    QVERIFY(deleted);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 0, 10000);
    QVERIFY(w->summaryLabel()->text().contains(QStringLiteral("No documents")));
}

void TestConsoleDocuments::progressNotifiesInTenths()
{
    QVERIFY(listen());
    const auto added =
        test::await(m_fx.service().addDocument(textDocument(QStringLiteral("long.txt"), kBudget)));
    QVERIFY(added);
    const QString id = added->document.documentId.toString(QUuid::WithoutBraces);
    QTRY_VERIFY_WITH_TIMEOUT(test::await(m_fx.service().getDocument(QStringLiteral("default"), id))->status ==
                                 core::DocumentStatus::Ready,
                             60000);
    // What indexing notified may still be on its way: everything before a marker has arrived
    // once the marker has (one connection delivers in order).
    QSignalSpy heard(&m_fx.service(), &service::AgencyService::documentsChanged);
    QVERIFY(m_fx.exec(QStringLiteral("SELECT pg_notify('agency_changes', 'documents/start')")));
    QTRY_VERIFY_WITH_TIMEOUT(!heard.isEmpty() && heard.last().at(0).toString() == QStringLiteral("start"),
                             10000);
    heard.clear();
    // A long document's indexing writes its progress often: 100 steps, each its own transaction.
    for (int step = 0; step <= 100; ++step)
        QVERIFY2(m_fx.exec(QStringLiteral("UPDATE documents SET progress = %1 WHERE document_id = '%2'")
                               .arg(step / 100.0)
                               .arg(id)),
                 qPrintable(m_fx.error()));
    QVERIFY(m_fx.exec(QStringLiteral("SELECT pg_notify('agency_changes', 'documents/end')")));
    QTRY_VERIFY_WITH_TIMEOUT(!heard.isEmpty() && heard.last().at(0).toString() == QStringLiteral("end"),
                             10000);
    const auto forTenant = std::count_if(heard.cbegin(), heard.cend(), [](const QList<QVariant> &args) {
        return args.at(0).toString() == QStringLiteral("default");
    });
    // From 1 back to 0, then one per tenth up to 1 again.
    QVERIFY2(forTenant >= 10 && forTenant <= 12, qPrintable(QString::number(forTenant)));
}

QTEST_MAIN(TestConsoleDocuments)
#include "test_consoledocuments.moc"

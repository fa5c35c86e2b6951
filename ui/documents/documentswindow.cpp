#include "documentswindow.h"

#include "citationlinks.h"
#include "core/async/whenfinished.h"
#include "documentlistmodel.h"
#include "documentviewer.h"
#include "passagehtml.h"
#include "ui/errortext.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDirIterator>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QMimeDatabase>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QSplitter>
#include <QStyleOption>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace agency::ui {

namespace {

const QString kNewCollection = QStringLiteral("\x01new");
constexpr int kPollMs = 1000;
constexpr int kSearchHits = 10;
/// Files larger than this are not read into memory at all (the service's own limit is lower).
constexpr qint64 kMaxReadBytes = qint64(1) << 30;

/// Draws the Progress column as a progress bar (full and "100%" once a document is final).
class ProgressDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyleOptionProgressBar bar;
        bar.rect = option.rect.adjusted(4, 5, -4, -5);
        bar.minimum = 0;
        bar.maximum = 100;
        bar.progress = index.data(Qt::DisplayRole).toInt();
        const bool failed = index.data(DocumentListModel::FailedRole).toBool();
        bar.text = failed ? QStringLiteral("—") : QStringLiteral("%1%").arg(bar.progress);
        if (failed)
            bar.progress = 0;
        bar.textVisible = true;
        bar.state = option.state | QStyle::State_Horizontal;
        bar.palette = option.palette;
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
    }
};

/// Why the service refused a file, as the row shows it: its own words for a bad file ("file is
/// empty", over the size limit), the console's usual text for anything else.
QString refusalText(const core::Error &error)
{
    if (error.code != core::ErrorCode::InvalidArgument && error.code != core::ErrorCode::PayloadTooLarge)
        return readableError(error);
    QString text = error.message;
    if (text.startsWith(QStringLiteral("file: ")))
        text.replace(0, 6, QStringLiteral("file "));
    return text;
}

QStringList filesUnder(const QStringList &paths)
{
    QStringList files;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (!info.isDir()) {
            files.append(path);
            continue;
        }
        QStringList inside;
        QDirIterator it(path, QDir::Files | QDir::Readable, QDirIterator::Subdirectories);
        while (it.hasNext())
            inside.append(it.next());
        inside.sort();
        files += inside;
    }
    return files;
}

} // namespace

DocumentsWindow::DocumentsWindow(service::AgencyService &service, const QString &tenantId, QWidget *parent)
    : QDialog(parent), m_service(service), m_tenantId(tenantId), m_model(new DocumentListModel(this))
{
    setObjectName(QStringLiteral("documentsWindow"));
    setWindowTitle(QStringLiteral("Documents — %1").arg(tenantId));
    setAcceptDrops(true);
    m_confirm = [this](const QString &question) {
        return QMessageBox::question(this, windowTitle(), question, QMessageBox::Yes | QMessageBox::Cancel,
                                     QMessageBox::Cancel) == QMessageBox::Yes;
    };
    buildLayout();
    m_poll.setSingleShot(true);
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &DocumentsWindow::refresh);
    m_changed.setSingleShot(true);
    m_changed.setInterval(kChangeDelayMs);
    connect(&m_changed, &QTimer::timeout, this, [this] {
        if (m_listing)
            m_listAgain = true; // read again once the running listing ends, not in parallel
        else
            refresh();
    });
    connect(&m_service, &service::AgencyService::documentsChanged, this,
            &DocumentsWindow::onDocumentsChanged);
    QSize size(940, 640);
    if (const QScreen *screen = parent ? parent->screen() : QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableGeometry().size() - QSize(40, 60));
    resize(size);
    refresh();
}

DocumentsWindow::~DocumentsWindow() = default;

void DocumentsWindow::buildLayout()
{
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(QStringLiteral("Collection:"), this));
    m_collections = new QComboBox(this);
    m_collections->setObjectName(QStringLiteral("collectionPicker"));
    m_collections->setToolTip(QStringLiteral("The collection shown; added files go into it"));
    m_collections->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_collections->addItem(QStringLiteral("All collections"), QString());
    m_collections->addItem(QStringLiteral("New collection…"), kNewCollection);
    connect(m_collections, &QComboBox::activated, this, [this](int index) {
        if (m_collections->itemData(index).toString() != kNewCollection)
            return setCollection(m_collections->itemData(index).toString());
        bool ok = false;
        const QString name = QInputDialog::getText(this, QStringLiteral("New collection"),
                                                   QStringLiteral("Name (letters, digits, _, . and -):"),
                                                   QLineEdit::Normal, {}, &ok)
                                 .trimmed();
        static const QRegularExpression kRule(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
        if (ok && !kRule.match(name).hasMatch())
            showMessage(QStringLiteral("“%1” is not a collection name: use 1-64 letters, digits, '_', '.' or "
                                       "'-', starting with a letter or digit.")
                            .arg(name),
                        true);
        setCollection(ok && kRule.match(name).hasMatch() ? name : m_model->collectionFilter());
    });
    bar->addWidget(m_collections);
    bar->addStretch(1);
    auto button = [this, bar](const QString &text, const QString &name, const QString &tip, auto slot) {
        auto *b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setToolTip(tip);
        b->setAutoDefault(false);
        connect(b, &QPushButton::clicked, this, slot);
        bar->addWidget(b);
        return b;
    };
    button(QStringLiteral("Add files…"), QStringLiteral("addFilesButton"),
           QStringLiteral("Add documents (or drop files and folders on this window)"),
           [this] { chooseFiles(false); });
    button(QStringLiteral("Add folder…"), QStringLiteral("addFolderButton"),
           QStringLiteral("Add every file of a folder and its subfolders"), [this] { chooseFiles(true); });
    button(QStringLiteral("Re-index"), QStringLiteral("reindexButton"),
           QStringLiteral("Index the shown documents again with the tenant's current embedding model"),
           [this] { reindex(); });
    m_delete = button(QStringLiteral("Delete…"), QStringLiteral("deleteButton"),
                      QStringLiteral("Delete the selected documents (Del)"), [this] { deleteSelected(); });
    m_delete->setEnabled(false);
    layout->addLayout(bar);

    auto *progress = new QHBoxLayout;
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("documentsSummary"));
    progress->addWidget(m_summary, 1);
    m_overall = new QProgressBar(this);
    m_overall->setObjectName(QStringLiteral("overallProgress"));
    m_overall->setRange(0, 100);
    m_overall->setMaximumWidth(260);
    QSizePolicy keepRoom = m_overall->sizePolicy();
    keepRoom.setRetainSizeWhenHidden(true); // the list does not jump when the bar comes and goes
    m_overall->setSizePolicy(keepRoom);
    m_overall->hide();
    progress->addWidget(m_overall);
    layout->addLayout(progress);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_table = new QTableView(split);
    m_table->setObjectName(QStringLiteral("documentTable"));
    m_table->setModel(m_model);
    m_table->setItemDelegateForColumn(DocumentListModel::ProgressColumn, new ProgressDelegate(m_table));
    m_table->verticalHeader()->hide();
    m_table->setShowGrid(false);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // A failure's reason is read whole in its row: rows grow to their wrapped status text.
    m_table->setWordWrap(true);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->verticalHeader()->setMinimumSectionSize(m_table->fontMetrics().height() + 14);
    m_table->setAlternatingRowColors(true);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(DocumentListModel::TitleColumn, QHeaderView::Interactive);
    header->setSectionResizeMode(DocumentListModel::CollectionColumn, QHeaderView::Interactive);
    header->setSectionResizeMode(DocumentListModel::StatusColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(DocumentListModel::ProgressColumn, QHeaderView::Fixed);
    header->resizeSection(DocumentListModel::TitleColumn, 250);
    header->resizeSection(DocumentListModel::CollectionColumn, 110);
    header->resizeSection(DocumentListModel::ProgressColumn, 130);
    auto *deleteKey = new QAction(QStringLiteral("Delete"), m_table);
    deleteKey->setShortcut(QKeySequence::Delete);
    deleteKey->setShortcutContext(Qt::WidgetShortcut);
    connect(deleteKey, &QAction::triggered, this, &DocumentsWindow::deleteSelected);
    m_table->addAction(deleteKey);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_delete->setEnabled(m_table->selectionModel()->hasSelection()); });
    connect(m_model, &QAbstractItemModel::modelReset, this,
            [this] { m_delete->setEnabled(m_table->selectionModel()->hasSelection()); });
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const DocumentEntry &e = m_model->entry(index.row());
        if (e.upload != DocumentEntry::Upload::None || e.document.status != core::DocumentStatus::Ready)
            return;
        core::Citation whole;
        whole.documentId = e.document.documentId;
        whole.title = e.document.title;
        auto *viewer = new DocumentViewer(m_service, m_tenantId, whole, this);
        viewer->setAttribute(Qt::WA_DeleteOnClose);
        viewer->show();
    });

    auto *searchPane = new QWidget(split);
    auto *searchLayout = new QVBoxLayout(searchPane);
    searchLayout->setContentsMargins(0, 6, 0, 0);
    m_searchBox = new QLineEdit(searchPane);
    m_searchBox->setObjectName(QStringLiteral("documentSearchBox"));
    m_searchBox->setPlaceholderText(QStringLiteral("Search these documents by words or meaning (Enter)"));
    m_searchBox->setClearButtonEnabled(true);
    connect(m_searchBox, &QLineEdit::returnPressed, this, [this] { search(m_searchBox->text()); });
    searchLayout->addWidget(m_searchBox);
    m_searchNote = new QLabel(searchPane);
    m_searchNote->setObjectName(QStringLiteral("searchNote"));
    m_searchNote->setWordWrap(true);
    m_searchNote->hide();
    searchLayout->addWidget(m_searchNote);
    m_results = new QTextBrowser(searchPane);
    m_results->setObjectName(QStringLiteral("documentSearchResults"));
    m_results->setOpenLinks(false);
    m_results->setPlaceholderText(
        QStringLiteral("Passages that match your search appear here; click a title to open it there."));
    connect(m_results, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == QStringLiteral("hit"))
            openHit(url.path().toInt());
    });
    searchLayout->addWidget(m_results, 1);
    split->addWidget(m_table);
    split->addWidget(searchPane);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({360, 240}); // scaled to the window: the hits get about two fifths
    split->setChildrenCollapsible(false);
    layout->addWidget(split, 1);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("documentsMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();
    layout->addWidget(m_message);
}

void DocumentsWindow::showMessage(const QString &text, bool error)
{
    m_showsListError = false;
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #e04f4f") : QString());
    m_message->setVisible(!text.isEmpty());
}

QString DocumentsWindow::targetCollection() const
{
    return m_model->collectionFilter(); // empty: the service's "default"
}

void DocumentsWindow::setCollection(const QString &collection)
{
    m_model->setCollectionFilter(collection);
    updateCollections();
    updateSummary();
}

void DocumentsWindow::chooseFiles(bool folder)
{
    QStringList paths;
    if (folder) {
        const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Add a folder"));
        if (!dir.isEmpty())
            paths.append(dir);
    } else {
        paths = QFileDialog::getOpenFileNames(
            this, QStringLiteral("Add documents"), {},
            QStringLiteral(
                "Documents (*.pdf *.txt *.md *.markdown *.html *.htm *.csv *.docx *.odt);;All files (*)"));
    }
    addPaths(paths);
}

void DocumentsWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void DocumentsWindow::dropEvent(QDropEvent *event)
{
    QStringList paths;
    for (const QUrl &url : event->mimeData()->urls()) {
        if (url.isLocalFile())
            paths.append(url.toLocalFile());
    }
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    addPaths(paths);
}

void DocumentsWindow::addPaths(const QStringList &paths)
{
    const QStringList files = filesUnder(paths);
    if (files.isEmpty())
        return;
    showMessage({});
    m_queue += files;
    sendNext();
}

void DocumentsWindow::sendNext()
{
    // One file at a time: a folder of large files is never all in memory at once.
    if (m_sending)
        return;
    if (m_queue.isEmpty()) {
        Q_EMIT uploadsSent();
        return;
    }
    const QString path = m_queue.takeFirst();
    const QFileInfo info(path);
    const QString collection = targetCollection();
    const quint64 key = m_model->addUpload(info.fileName(), collection);
    updateSummary();
    QFile file(path);
    QString error;
    if (info.size() > kMaxReadBytes)
        error = QStringLiteral("the file is %1 MB, too large to add").arg(info.size() >> 20);
    else if (!file.open(QIODevice::ReadOnly))
        error = QStringLiteral("cannot read it: %1").arg(file.errorString());
    core::NewDocument doc;
    if (error.isEmpty()) {
        doc.bytes = file.readAll();
        if (file.error() != QFileDevice::NoError)
            error = QStringLiteral("cannot read it: %1").arg(file.errorString());
    }
    if (!error.isEmpty()) {
        m_model->uploadFinished(key, nullptr, error);
        QMetaObject::invokeMethod(this, &DocumentsWindow::sendNext, Qt::QueuedConnection);
        return;
    }
    doc.tenantId = m_tenantId;
    doc.collection = collection;
    doc.fileName = info.fileName();
    doc.mimeType = QMimeDatabase().mimeTypeForFile(info).name();
    m_sending = true;
    core::whenFinished(
        this, m_service.addDocument(doc),
        [this, key](const core::Result<core::AddedDocument> &added) {
            m_sending = false;
            if (added) {
                m_model->uploadFinished(key, &added->document, {});
                if (added->duplicate)
                    showMessage(QStringLiteral("“%1” is already in collection “%2”: it was not added twice.")
                                    .arg(added->document.fileName, added->document.collection));
            } else {
                m_model->uploadFinished(key, nullptr, refusalText(added.error()));
            }
            updateCollections();
            updateSummary();
            if (!m_poll.isActive())
                m_poll.start();
            sendNext();
        },
        [this, key] {
            m_sending = false;
            m_model->uploadFinished(key, nullptr, QStringLiteral("the upload was interrupted"));
            sendNext();
        });
}

void DocumentsWindow::refresh()
{
    m_poll.stop();
    m_listing = true;
    m_listAgain = false;
    loadPage({}, {}, ++m_generation);
}

void DocumentsWindow::onDocumentsChanged(const QString &tenantId)
{
    // A burst (a folder added elsewhere, a long document's progress) is read once: the timer is
    // not restarted, so a steady stream still refreshes every kChangeDelayMs.
    if ((tenantId.isEmpty() || tenantId == m_tenantId) && !m_changed.isActive())
        m_changed.start();
}

void DocumentsWindow::listingEnded()
{
    m_listing = false;
    if (m_listAgain && !m_changed.isActive())
        m_changed.start();
    m_listAgain = false;
}

void DocumentsWindow::loadPage(const QString &cursor, QList<core::Document> sofar, int generation)
{
    core::DocumentQuery query;
    query.tenantId = m_tenantId;
    query.limit = 200;
    query.cursor = cursor;
    core::whenFinished(this, m_service.listDocuments(query),
                       [this, sofar = std::move(sofar),
                        generation](const core::Result<core::Page<core::Document>> &page) mutable {
                           if (generation != m_generation)
                               return;
                           if (!page) {
                               showMessage(browsingError(page.error()), true);
                               m_showsListError = true;
                               m_poll.start(); // a passing database hiccup must not stop the live view
                               listingEnded();
                               return;
                           }
                           sofar += page->items;
                           if (!page->nextCursor.isEmpty())
                               return loadPage(page->nextCursor, std::move(sofar), generation);
                           onListed(sofar);
                       });
}

void DocumentsWindow::onListed(const QList<core::Document> &documents)
{
    // Selection is kept by document id across a reset (a document added or removed meanwhile).
    QList<QUuid> selected;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows())
        selected.append(i.data(DocumentListModel::DocumentIdRole).toUuid());
    m_model->setDocuments(documents);
    if (!selected.isEmpty() && !m_table->selectionModel()->hasSelection()) {
        for (const QUuid &id : selected) {
            const int row = m_model->rowOfDocument(id);
            if (row >= 0)
                m_table->selectionModel()->select(m_model->index(row, 0),
                                                  QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
    }
    updateCollections();
    updateSummary();
    if (m_showsListError) {
        m_showsListError = false;
        showMessage({});
    }
    if (m_model->anyPending())
        m_poll.start();
    listingEnded();
    Q_EMIT refreshed();
}

void DocumentsWindow::updateCollections()
{
    const QString current = m_model->collectionFilter();
    QStringList names = m_model->collections();
    if (!current.isEmpty() && !names.contains(current))
        names.append(current); // a new, still empty collection
    QStringList shown;
    for (int i = 1; i < m_collections->count() - 1; ++i)
        shown.append(m_collections->itemData(i).toString());
    if (shown != names) {
        const QSignalBlocker block(m_collections);
        while (m_collections->count() > 2)
            m_collections->removeItem(1);
        for (int i = 0; i < names.size(); ++i)
            m_collections->insertItem(1 + i, names.at(i), names.at(i));
    }
    const QSignalBlocker block(m_collections);
    m_collections->setCurrentIndex(std::max(0, m_collections->findData(current)));
}

void DocumentsWindow::updateSummary()
{
    const int rows = m_model->rowCount();
    const int ready = m_model->countWith(core::DocumentStatus::Ready);
    const int failed = m_model->countWith(core::DocumentStatus::Failed);
    const QString where = m_model->collectionFilter().isEmpty()
                              ? QString()
                              : QStringLiteral(" in “%1”").arg(m_model->collectionFilter());
    if (rows == 0) {
        m_summary->setText(
            QStringLiteral("No documents%1 yet. Drop files or folders here, or use Add files…").arg(where));
    } else {
        QString text = QStringLiteral("%1 document%2%3 · %4 ready")
                           .arg(rows)
                           .arg(rows == 1 ? QString() : QStringLiteral("s"), where)
                           .arg(ready);
        if (failed > 0)
            text += QStringLiteral(" · %1 failed").arg(failed);
        const int pending = rows - ready - failed;
        if (pending > 0)
            text += QStringLiteral(" · %1 indexing").arg(pending);
        m_summary->setText(text);
    }
    const bool busy = m_model->anyPending();
    m_overall->setVisible(busy);
    m_overall->setValue(int(m_model->overallProgress() * 100));
}

void DocumentsWindow::deleteSelected()
{
    QList<int> rows;
    QList<core::Document> doomed;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows()) {
        rows.append(i.row());
        const DocumentEntry &e = m_model->entry(i.row());
        if (e.upload == DocumentEntry::Upload::None)
            doomed.append(e.document);
    }
    m_model->removeRefused(rows); // refused files were never stored: nothing to confirm
    if (doomed.isEmpty())
        return;
    const QString question =
        doomed.size() == 1
            ? QStringLiteral("Delete “%1” and its index? This cannot be undone.").arg(doomed.first().title)
            : QStringLiteral("Delete these %1 documents and their index? This cannot be "
                             "undone.")
                  .arg(doomed.size());
    if (!m_confirm(question))
        return;
    auto remaining = std::make_shared<int>(int(doomed.size()));
    for (const core::Document &d : doomed) {
        core::whenFinished(
            this, m_service.deleteDocument(m_tenantId, d.documentId.toString(QUuid::WithoutBraces)),
            [this, remaining, title = d.title](const core::Result<bool> &done) {
                if (!done)
                    showMessage(
                        QStringLiteral("Could not delete “%1”: %2").arg(title, readableError(done.error())),
                        true);
                if (--*remaining == 0)
                    refresh();
            });
    }
}

void DocumentsWindow::reindex()
{
    const QString collection = m_model->collectionFilter();
    core::whenFinished(
        this, m_service.reindexDocuments(m_tenantId, collection), [this](const core::Result<int> &queued) {
            if (!queued)
                return showMessage(readableError(queued.error()), true);
            showMessage(queued.value() == 1
                            ? QStringLiteral("1 document queued for indexing.")
                            : QStringLiteral("%1 documents queued for indexing.").arg(queued.value()));
            refresh();
        });
}

void DocumentsWindow::search(const QString &query)
{
    const QString text = query.trimmed();
    const int generation = ++m_searchGeneration;
    if (text.isEmpty()) {
        m_hits.clear();
        m_results->clear();
        m_searchNote->hide();
        return;
    }
    core::DocumentSearchQuery q;
    q.tenantId = m_tenantId;
    q.query = text;
    q.collection = m_model->collectionFilter();
    q.k = kSearchHits;
    core::whenFinished(
        this, m_service.searchDocuments(q),
        [this, text, generation](const core::Result<core::DocumentSearchResult> &found) {
            if (generation != m_searchGeneration)
                return;
            m_hits.clear();
            m_lastQuery = text;
            QString note;
            if (!found) {
                note = searchError(found.error());
            } else {
                m_hits = found->hits;
                if (m_hits.isEmpty())
                    note = QStringLiteral("No passage matches “%1”.").arg(text);
                if (found->documentsIndexing > 0)
                    note += (note.isEmpty() ? QString() : QStringLiteral(" ")) +
                            QStringLiteral("%1 document%2 still indexing: results may be incomplete.")
                                .arg(found->documentsIndexing)
                                .arg(found->documentsIndexing == 1 ? QString() : QStringLiteral("s"));
            }
            m_searchNote->setText(note);
            m_searchNote->setVisible(!note.isEmpty());
            QString html;
            const QString link = readableLinkColor(palette()).name();
            for (int i = 0; i < m_hits.size(); ++i) {
                const core::DocumentHit &h = m_hits.at(i);
                const QString where = h.page > 0 ? QStringLiteral(" · page %1").arg(h.page) : QString();
                html += QStringLiteral("<p><a href=\"hit:%1\" style=\"color:%6\"><b>%2</b></a>"
                                       "<span style=\"color:gray\">%3 · %4</span><br>%5</p>")
                            .arg(i)
                            .arg(h.title.toHtmlEscaped(), where, h.collection.toHtmlEscaped(),
                                 passageHtml(h.text.simplified(), text), link);
            }
            m_results->setHtml(html);
            Q_EMIT searched(int(m_hits.size()));
        });
}

DocumentViewer *DocumentsWindow::openHit(int index)
{
    if (index < 0 || index >= m_hits.size())
        return nullptr;
    const core::DocumentHit &h = m_hits.at(index);
    core::Citation passage;
    passage.documentId = h.documentId;
    passage.chunkId = h.chunkId;
    passage.title = h.title;
    passage.page = h.page;
    passage.start = h.start;
    passage.end = h.end;
    auto *viewer = new DocumentViewer(m_service, m_tenantId, passage, this);
    viewer->setAttribute(Qt::WA_DeleteOnClose);
    viewer->show();
    return viewer;
}

} // namespace agency::ui

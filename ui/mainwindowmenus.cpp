// MainWindow's menus (File, Conversation, View, Tools, Help), the conversation list's context
// menu and rows, About and the console guide.

#include "chatsession.h"
#include "conversationdelegate.h"
#include "conversationmodel.h"
#include "mainwindow.h"
#include "searchpanel.h"
#include "threadmodel.h"
#include "threadview.h"

#include <QAction>
#include <QCoreApplication>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QRegularExpression>
#include <QScreen>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace agency::ui {

void MainWindow::buildActions()
{
    auto add = [this](QMenu *menu, const QString &text, const QKeySequence &key, auto slot) {
        auto *action = menu->addAction(text);
        action->setShortcut(key);
        action->setShortcutContext(Qt::WindowShortcut);
        connect(action, &QAction::triggered, this, slot);
        addAction(action);
        return action;
    };
    QMenu *file = menuBar()->addMenu(QStringLiteral("&File"));
    add(file, QStringLiteral("&New chat"), QKeySequence(Qt::CTRL | Qt::Key_N), [this] { newChat(); });
    add(file, QStringLiteral("New &tenant…"), QKeySequence(), [this] { createTenant(); });
    file->addSeparator();
    QMenu *exportMenu = file->addMenu(QStringLiteral("&Export conversation"));
    add(exportMenu, QStringLiteral("as &Markdown…"), QKeySequence(),
        [this] { exportCurrent(ExportKind::Markdown); });
    add(exportMenu, QStringLiteral("as &JSON…"), QKeySequence(), [this] { exportCurrent(ExportKind::Json); });
    add(exportMenu, QStringLiteral("as &PDF…"), QKeySequence(), [this] { exportCurrent(ExportKind::Pdf); });
    file->addSeparator();
    add(file, QStringLiteral("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q), [this] { close(); });

    QMenu *conversation = menuBar()->addMenu(QStringLiteral("&Conversation"));
    add(conversation, QStringLiteral("&Rename…"), QKeySequence(Qt::Key_F2), [this] { renameCurrent(); });
    add(conversation, QStringLiteral("&Delete…"), QKeySequence(Qt::Key_Delete), [this] {
        deleteCurrent();
    })->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    conversation->addSeparator();
    m_regenerateAction = add(conversation, QStringLiteral("Re&generate answer"),
                             QKeySequence(Qt::CTRL | Qt::Key_R), [this] { regenerateLast(); });
    m_regenerateAction->setToolTip(QStringLiteral(
        "Ask the last question again in a copy of this conversation; this one stays as it is"));
    // Enabled only while a reply streams, so Esc stays free for the search box otherwise.
    m_stopAction = add(conversation, QStringLiteral("&Stop reply"), QKeySequence(Qt::Key_Escape),
                       [this] { m_session->stop(); });
    m_stopAction->setEnabled(false);
    connect(m_session, &ChatSession::busyChanged, m_stopAction, &QAction::setEnabled);
    // Regenerate needs an answered question in the shown conversation and no reply streaming.
    auto updateRegenerate = [this] {
        bool asked = false;
        for (int row = m_thread->rowCount() - 1; row >= 0 && !asked; --row) {
            const ThreadItem &item = m_thread->item(row);
            asked = item.role == core::Role::User && !item.messageIds.isEmpty();
        }
        m_regenerateAction->setEnabled(asked && !m_conversationId.isNull() && !m_session->isBusy());
    };
    connect(m_threadView, &ThreadView::regenerateRequested, this, &MainWindow::regenerateLast);
    connect(m_session, &ChatSession::busyChanged, this, updateRegenerate);
    connect(m_thread, &QAbstractItemModel::modelReset, this, updateRegenerate);
    connect(m_thread, &QAbstractItemModel::rowsInserted, this, updateRegenerate);
    connect(m_thread, &QAbstractItemModel::dataChanged, this, updateRegenerate);
    updateRegenerate();

    QMenu *view = menuBar()->addMenu(QStringLiteral("&View"));
    add(view, QStringLiteral("&Find in messages…"), QKeySequence(Qt::CTRL | Qt::Key_F), [this] {
        m_search->searchBox()->setFocus();
        m_search->searchBox()->selectAll();
    });
    add(view, QStringLiteral("&Jump to the latest message"), QKeySequence(Qt::CTRL | Qt::Key_End),
        [this] { m_threadView->jumpToEnd(); });
    add(view, QStringLiteral("&Refresh"), QKeySequence(Qt::Key_F5), [this] { refresh(); });

    QMenu *tools = menuBar()->addMenu(QStringLiteral("&Tools"));
    add(tools, QStringLiteral("&Documents…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
        [this] { openDocuments(); });
    add(tools, QStringLiteral("&Usage…"), QKeySequence(Qt::CTRL | Qt::Key_U), [this] { openUsage(); });
    add(tools, QStringLiteral("&Settings…"), QKeySequence(Qt::CTRL | Qt::Key_Comma),
        [this] { Q_EMIT settingsRequested(); });

    QMenu *help = menuBar()->addMenu(QStringLiteral("&Help"));
    add(help, QStringLiteral("Console &guide"), QKeySequence(Qt::Key_F1), [this] { openGuide(); });
    add(help, QStringLiteral("&About Agency Console"), QKeySequence(), [this] { openAbout(); });

    // Delete acts on the conversation list only, never on text being edited.
    for (QAction *a : actions()) {
        if (a->shortcut() == QKeySequence(Qt::Key_Delete)) {
            removeAction(a);
            m_conversationView->addAction(a);
        }
    }
}

void MainWindow::setUpConversationView()
{
    // One column painted as two lines (title; fork badge, flow, messages, last activity) by a
    // delegate from the model's roles: no widget per row, and one fixed row height, so a long
    // list costs what its visible rows do.
    auto *view = m_conversationView;
    view->setItemDelegate(new ConversationDelegate(view));
    view->horizontalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    for (int c = ConversationModel::TitleColumn + 1; c < ConversationModel::ColumnCount; ++c)
        view->setColumnHidden(c, true);
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(ConversationDelegate::rowHeight(view->font()));
    view->setShowGrid(false);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setWordWrap(false);
    view->setAlternatingRowColors(true);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view, &QWidget::customContextMenuRequested, this, &MainWindow::showConversationMenu);
}

void MainWindow::showConversationMenu(const QPoint &pos)
{
    const QModelIndex index = m_conversationView->indexAt(pos);
    if (!index.isValid())
        return;
    // The menu acts on the conversation under the pointer: it is opened first, as a click would.
    const QUuid id = index.data(ConversationModel::ConversationIdRole).toUuid();
    if (id != m_conversationId)
        m_conversationView->setCurrentIndex(index);
    auto *menu = new QMenu(m_conversationView);
    menu->setObjectName(QStringLiteral("conversationMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(QStringLiteral("Rename…"), this, [this] { renameCurrent(); })->setShortcut(Qt::Key_F2);
    QMenu *exportMenu = menu->addMenu(QStringLiteral("Export"));
    exportMenu->addAction(QStringLiteral("as Markdown…"), this,
                          [this] { exportCurrent(ExportKind::Markdown); });
    exportMenu->addAction(QStringLiteral("as JSON…"), this, [this] { exportCurrent(ExportKind::Json); });
    exportMenu->addAction(QStringLiteral("as PDF…"), this, [this] { exportCurrent(ExportKind::Pdf); });
    menu->addSeparator();
    menu->addAction(QStringLiteral("Delete…"), this, [this] { deleteCurrent(); })
        ->setShortcut(Qt::Key_Delete);
    menu->popup(m_conversationView->viewport()->mapToGlobal(pos));
}

QDialog *MainWindow::openAbout()
{
    auto *about = new QMessageBox(
        QMessageBox::Information, QStringLiteral("About Agency Console"),
        QStringLiteral("<b>Agency Console %1</b><p>A multi-tenant, multi-LLM "
                       "agent console and headless server (<code>aiagency "
                       "serve</code>), on Qt %2.</p><p>Help → Console guide "
                       "(F1) explains the window; <code>aiagency --help</code> "
                       "the command line.</p>")
            .arg(QCoreApplication::applicationVersion().toHtmlEscaped(), QString::fromLatin1(qVersion())),
        QMessageBox::Close, this);
    about->setObjectName(QStringLiteral("aboutDialog"));
    about->setAttribute(Qt::WA_DeleteOnClose);
    about->open();
    return about;
}

QDialog *MainWindow::openGuide()
{
    if (auto *open = findChild<QDialog *>(QStringLiteral("consoleGuide"))) {
        open->raise();
        open->activateWindow();
        return open;
    }
    auto *guide = new QDialog(this);
    guide->setObjectName(QStringLiteral("consoleGuide"));
    guide->setAttribute(Qt::WA_DeleteOnClose);
    guide->setWindowTitle(QStringLiteral("Agency Console guide"));
    auto *browser = new QTextBrowser(guide);
    browser->setObjectName(QStringLiteral("guideText"));
    // Web links open in the browser; the manual's links to its sibling pages lead nowhere here.
    browser->setOpenLinks(false);
    connect(browser, &QTextBrowser::anchorClicked, guide, [browser](const QUrl &url) {
        if (url.scheme().startsWith(QStringLiteral("http")))
            QDesktopServices::openUrl(url);
        else if (url.hasFragment() && url.path().isEmpty())
            browser->scrollToAnchor(url.fragment());
    });
    // The guide is this version's docs/console.md, built into the program; its screenshot is not.
    QFile file(QStringLiteral(":/docs/console.md"));
    QString markdown = file.open(QIODevice::ReadOnly)
                           ? QString::fromUtf8(file.readAll())
                           : QStringLiteral("The guide is missing from this build.");
    markdown.remove(
        QRegularExpression(QStringLiteral("^!\\[[^\\n]*\\n"), QRegularExpression::MultilineOption));
    browser->setMarkdown(markdown);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, guide);
    connect(buttons, &QDialogButtonBox::rejected, guide, &QDialog::reject);
    auto *layout = new QVBoxLayout(guide);
    layout->addWidget(browser, 1);
    layout->addWidget(buttons);
    guide->resize(QSize(820, 760).boundedTo(screen()->availableGeometry().size() - QSize(60, 80)));
    guide->show();
    return guide;
}

} // namespace agency::ui

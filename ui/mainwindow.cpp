#include "mainwindow.h"
#include "core/async/whenfinished.h"

#include "approvalpanel.h"
#include "chatbox.h"
#include "chatsession.h"
#include "conversationmodel.h"
#include "documents/citationlinks.h"
#include "documents/documentswindow.h"
#include "searchpanel.h"
#include "settingsdialog.h"
#include "statusbar.h"
#include "tenantmodel.h"
#include "threadmodel.h"
#include "threadview.h"
#include "usagedialog.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace agency::ui {

namespace {
const QString kDefaultTenant = QStringLiteral("default");
const QString kDefaultFlow = QStringLiteral("weather");

QLabel *paneTitle(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont f = label->font();
    f.setWeight(QFont::DemiBold);
    label->setFont(f);
    return label;
}

/// Whether a view is taking the keyboard focus right now: an item view makes its first row
/// current when tabbed into, which marks a row but is no choice of the user's.
class FocusInWatch : public QObject
{
public:
    using QObject::QObject;
    bool active = false;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() != QEvent::FocusIn || active)
            return false;
        // The view handles its focus-in here, inside the flag, and not again.
        active = true;
        QCoreApplication::sendEvent(watched, event);
        active = false;
        return true;
    }
};
} // namespace

MainWindow::MainWindow(service::AgencyService &service, QSettings &settings, SettingsStore *store,
                       QWidget *parent)
    : QMainWindow(parent), m_service(service), m_settings(settings), m_store(store),
      m_tenants(new TenantModel(service, this)),
      m_conversations(new ConversationModel(service, kConversationPageSize, this)),
      m_thread(new ThreadModel(service, this)), m_session(new ChatSession(service, *m_thread, this))
{
    setWindowTitle(QStringLiteral("Agency Console"));
    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(buildTenantPane());
    m_splitter->addWidget(buildConversationPane());
    m_splitter->addWidget(buildThreadPane());
    m_splitter->setStretchFactor(2, 1);
    m_splitter->setChildrenCollapsible(false);
    // The lists may be narrower than their headers want: the window then fits an 800 px screen.
    m_splitter->widget(0)->setMinimumWidth(80);
    m_splitter->widget(1)->setMinimumWidth(150);
    setCentralWidget(m_splitter);
    m_status = new StatusPanel(service, this);
    setStatusBar(m_status);
    applyColorScheme(m_settings.value(QStringLiteral("appearance/scheme")).toString());
    buildActions();
    installDefaultPrompts();
    restoreLayout();

    connect(m_tenants, &TenantModel::loaded, this, &MainWindow::onTenantsLoaded);
    // A list or thread that cannot be read because the database is down is read again once it
    // is back (StatusPanel::databaseBack()).
    auto readFailed = [this](core::ErrorCode code) {
        if (code == core::ErrorCode::DatabaseUnavailable)
            m_status->databaseFailed();
    };
    connect(m_tenants, &TenantModel::failed, this,
            [this, readFailed](const QString &m, core::ErrorCode code) {
                m_status->showMessage(m, 10000);
                readFailed(code);
            });
    connect(m_conversations, &ConversationModel::failed, this,
            [this, readFailed](const QString &m, core::ErrorCode code) {
                m_status->showMessage(m, 10000);
                readFailed(code);
            });
    connect(m_thread, &ThreadModel::failed, this, [this, readFailed](const QString &m, core::ErrorCode code) {
        m_thread->appendNotice(m);
        readFailed(code);
    });
    connect(m_status, &StatusPanel::healthChanged, this, [this] {
        // With LLM_ROUTE the default is the route: the chat bar names it.
        const QString route = m_status->health().routing.defaultRoute;
        m_chatBox->setProviders(m_status->health().providers, route.isEmpty()
                                                                  ? m_status->health().defaultProvider
                                                                  : QStringLiteral("route %1").arg(route));
        updateDemoNotice();
    });
    connect(m_session, &ChatSession::busyChanged, m_chatBox, &ChatBox::setBusy);
    connect(&m_service, &service::AgencyService::providersChanged, m_status, &StatusPanel::refresh);
    // Changes by any process (the database notifies them) refresh the lists, a burst at once.
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(kRefreshDelayMs);
    connect(m_refreshTimer, &QTimer::timeout, this, &MainWindow::refresh);
    connect(&m_service, &service::AgencyService::dataChanged, m_refreshTimer, qOverload<>(&QTimer::start));
    // What failed to load comes back with the database: the lists, and the thread if it was
    // the one that could not be read (unless a reply is being written into it).
    connect(m_status, &StatusPanel::databaseBack, this, [this] {
        m_refreshTimer->start();
        if (m_thread->loadFailed() && !m_conversationId.isNull() &&
            !(m_session->isBusy() && m_session->activeConversation() == m_conversationId))
            openConversation(m_conversationId);
    });
    connect(m_session, &ChatSession::conversationStarted, this, [this](const QUuid &id) {
        if (m_conversationId.isNull()) {
            m_conversationId = id;
            m_conversationFlow = m_chatBox->flowType();
            m_draftKey = draftKey(m_tenantId, id); // what is typed now belongs to the new conversation
        }
    });
    connect(m_session, &ChatSession::turnFinished, this, &MainWindow::onTurnFinished);
    connect(m_session, &ChatSession::turnFailed, this,
            [this](const QString &message, const QString &typed, core::ErrorCode, const QString &tenantId,
                   const QUuid &conversationId) {
                giveBackDraft(tenantId, conversationId, typed); // the typed text is never lost
                m_status->showMessage(message, 15000);
            });
    connect(m_chatBox, &ChatBox::sendRequested, this, &MainWindow::send);
    connect(this, &MainWindow::settingsRequested, this, &MainWindow::openSettings);
    connect(m_chatBox, &ChatBox::stopRequested, m_session, &ChatSession::stop);

    m_chatBox->setEnterSends(m_settings.value(QStringLiteral("chat/enterSends"), true).toBool());
    m_chatBox->setFlows(m_service.flows());
    m_chatBox->setFlowType(kDefaultFlow);
    m_status->refresh();
    m_tenants->reload();
}

MainWindow::~MainWindow() = default;

QWidget *MainWindow::buildTenantPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(8, 8, 4, 8);
    auto *header = new QHBoxLayout;
    header->addWidget(paneTitle(QStringLiteral("Tenants"), pane), 1);
    auto *add = new QToolButton(pane);
    add->setText(QStringLiteral("+"));
    add->setToolTip(QStringLiteral("Create a tenant"));
    add->setObjectName(QStringLiteral("newTenantButton"));
    connect(add, &QToolButton::clicked, this, &MainWindow::createTenant);
    header->addWidget(add);
    layout->addLayout(header);
    m_tenantView = new QListView(pane);
    m_tenantView->setObjectName(QStringLiteral("tenantView"));
    m_tenantView->setModel(m_tenants);
    m_tenantView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_tenantView);
    connect(m_tenantView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                const QString id = current.data(TenantModel::TenantIdRole).toString();
                if (id.isEmpty() || id == m_tenantId)
                    return;
                m_tenantId = id;
                m_conversations->setQuery(id, m_flowFilter->currentData().toString());
                m_status->setTenant(id);
                m_search->setScope(id, m_flowFilter->currentData().toString());
                newChat();
            });
    return pane;
}

QWidget *MainWindow::buildConversationPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(4, 8, 4, 8);
    auto *header = new QHBoxLayout;
    header->addWidget(paneTitle(QStringLiteral("Conversations"), pane), 1);
    m_flowFilter = new QComboBox(pane);
    m_flowFilter->setObjectName(QStringLiteral("flowFilter"));
    // Narrow enough for the three panes to fit a small screen; the open list shows names whole.
    m_flowFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_flowFilter->setMinimumContentsLength(7);
    m_flowFilter->addItem(QStringLiteral("All flows"), QString());
    for (const FlowDefinition &f : m_service.flows())
        m_flowFilter->addItem(f.flowType, f.flowType);
    connect(m_flowFilter, &QComboBox::currentIndexChanged, this,
            [this] { m_conversations->setQuery(m_tenantId, m_flowFilter->currentData().toString()); });
    header->addWidget(m_flowFilter);
    layout->addLayout(header);
    m_search = new SearchPanel(m_service, pane);
    layout->addWidget(m_search);
    connect(m_search, &SearchPanel::activeChanged, this, [this](bool active) {
        m_conversationView->setVisible(!active);
        auto *box = static_cast<QVBoxLayout *>(m_search->parentWidget()->layout());
        box->setStretchFactor(m_search, active ? 1 : 0);
    });
    connect(m_search, &SearchPanel::hitActivated, this,
            [this](const QUuid &conversationId, qint64 messageId) {
                openConversation(conversationId, messageId);
            });
    m_conversationView = new QTableView(pane);
    m_conversationView->setObjectName(QStringLiteral("conversationView"));
    m_conversationView->setModel(m_conversations);
    // A table, not a tree: QTreeView fetches another page on every relayout, QTableView only
    // when the last row becomes visible.
    setUpConversationView();
    layout->addWidget(m_conversationView, 1);
    // Moving through the list (arrow keys, a click) opens what it moves to; tabbing into it or
    // out of it does not. Enter opens the row the keyboard marks.
    m_conversationView->setTabKeyNavigation(false); // Tab leaves the list, it does not move in it
    auto *focusIn = new FocusInWatch(m_conversationView);
    m_conversationView->installEventFilter(focusIn);
    auto open = [this](const QModelIndex &index) {
        const QUuid id = index.data(ConversationModel::ConversationIdRole).toUuid();
        if (!id.isNull() && id != m_conversationId)
            openConversation(id);
    };
    connect(m_conversationView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this, focusIn, open](const QModelIndex &current) {
                if (!m_syncingSelection && !focusIn->active && current.isValid())
                    open(current);
            });
    connect(m_conversationView, &QAbstractItemView::activated, this, open);
    connect(m_conversationView, &QAbstractItemView::clicked, this, open);
    return pane;
}

QWidget *MainWindow::buildThreadPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_notice = new QFrame(pane);
    m_notice->setObjectName(QStringLiteral("demoNotice"));
    // Painted from the palette (not a style sheet, which keeps the colours of the moment it is
    // set): the notice follows a colour scheme changed later, dark included.
    m_notice->setAutoFillBackground(true);
    m_notice->setBackgroundRole(QPalette::AlternateBase);
    m_notice->setFrameShape(QFrame::StyledPanel);
    auto *noticeLayout = new QHBoxLayout(m_notice);
    noticeLayout->setContentsMargins(12, 8, 8, 8);
    auto *noticeText = new QLabel(
        QStringLiteral(
            "<b>Demo provider.</b> Answers come from the built-in offline model: it calls the flows' "
            "tools and replies without any API key. Add a provider key to chat with a real model."),
        m_notice);
    noticeText->setWordWrap(true);
    noticeLayout->addWidget(noticeText, 1);
    auto *settingsButton = new QPushButton(QStringLiteral("Open Settings…"), m_notice);
    settingsButton->setObjectName(QStringLiteral("noticeSettingsButton"));
    connect(settingsButton, &QPushButton::clicked, this, &MainWindow::settingsRequested);
    noticeLayout->addWidget(settingsButton);
    auto *dismiss = new QToolButton(m_notice);
    dismiss->setText(QStringLiteral("✕"));
    dismiss->setAutoRaise(true);
    dismiss->setToolTip(QStringLiteral("Hide this notice"));
    connect(dismiss, &QToolButton::clicked, this, [this] {
        m_noticeDismissed = true;
        m_notice->hide();
    });
    noticeLayout->addWidget(dismiss);
    m_notice->hide();
    layout->addWidget(m_notice);

    m_approvalPanel = new ApprovalPanel(m_service, pane);
    connect(m_approvalPanel, &ApprovalPanel::decided, this,
            [this](const QString &tenantId, const QUuid &conversationId, const QString &error) {
                // The turn went on in the service: show what it stored.
                if (tenantId == m_tenantId && conversationId == m_conversationId)
                    m_thread->load(tenantId, conversationId);
                if (!error.isEmpty())
                    m_status->showMessage(error, 15000);
                onTurnFinished(tenantId, conversationId);
            });
    layout->addWidget(m_approvalPanel);

    auto *vertical = new QSplitter(Qt::Vertical, pane);
    vertical->setObjectName(QStringLiteral("threadSplitter"));
    m_threadView = new ThreadView(vertical);
    m_threadView->setObjectName(QStringLiteral("threadView"));
    m_threadView->setThreadModel(m_thread);
    connect(m_threadView, &ThreadView::editAndResendRequested, this, &MainWindow::editAndResend);
    connect(m_threadView, &ThreadView::settingsRequested, this, [this] {
        if (SettingsDialog *dialog = openSettings())
            dialog->showProviders(); // what the error asks for: a key or a base URL
    });
    // A conversation slow to open: the status bar asks the database at once how it is.
    connect(m_threadView, &ThreadView::slowLoad, this, [this] { m_status->refresh(); });
    connect(m_threadView, &ThreadView::citationActivated, this, [this](int row, int number) {
        openCitation(m_service, m_tenantId, m_thread->item(row).metadata, number, this);
    });
    m_chatBox = new ChatBox(vertical);
    vertical->addWidget(m_threadView);
    vertical->addWidget(m_chatBox);
    vertical->setStretchFactor(0, 1);
    vertical->setSizes({620, 150});
    vertical->setChildrenCollapsible(false);
    layout->addWidget(vertical, 1);
    return pane;
}

SettingsDialog *MainWindow::openSettings()
{
    if (!m_store)
        return nullptr;
    auto *dialog = new SettingsDialog(*m_store, m_service, m_settings, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::saved, this,
            [this](const QString &error, const QStringList &changedKeys) {
                if (!error.isEmpty())
                    return;
                m_chatBox->setEnterSends(m_settings.value(QStringLiteral("chat/enterSends"), true).toBool());
                // Providers, keys, base URLs and models apply at once; the database and the rate
                // limits are read at the start.
                QStringList restartKeys;
                const core::Status applied = m_service.reloadSettings();
                for (const QString &key : changedKeys) {
                    if (!applied || key.startsWith(QStringLiteral("DATABASE")) ||
                        key.contains(QStringLiteral("RATE_LIMIT")))
                        restartKeys.append(key);
                }
                if (!restartKeys.isEmpty()) {
                    m_status->showMessage(QStringLiteral("Settings saved. Restart the console to apply: %1")
                                              .arg(restartKeys.join(QStringLiteral(", "))),
                                          20000);
                }
            });
    dialog->open();
    return dialog;
}

UsageDialog *MainWindow::openUsage()
{
    QStringList providers;
    for (const ProviderInfo &p : m_status->health().providers) {
        if (p.configured)
            providers.append(p.name);
    }
    auto *dialog = new UsageDialog(m_service, m_tenantId, providers, 14, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

DocumentsWindow *MainWindow::openDocuments()
{
    if (m_tenantId.isEmpty())
        return nullptr; // tenants not loaded yet
    for (DocumentsWindow *open : findChildren<DocumentsWindow *>()) {
        if (open->tenantId() == m_tenantId) {
            open->raise();
            open->activateWindow();
            return open;
        }
    }
    auto *window = new DocumentsWindow(m_service, m_tenantId, this);
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->show();
    return window;
}

QWidget *MainWindow::demoNotice() const
{
    return m_notice;
}

void MainWindow::restoreLayout()
{
    // The default size, or the last one where it still fits: a geometry saved on a larger
    // screen would put Send and the status bar off this one.
    const QRect available = screen()->availableGeometry();
    // Room for the window manager's frame (measured once shown: see showEvent()).
    const QSize size = QSize(1280, 800).boundedTo(available.size() - QSize(16, 40));
    resize(size);
    move(available.center() - QPoint(size.width() / 2, size.height() / 2));
    const QRect before = geometry();
    if (restoreGeometry(m_settings.value(QStringLiteral("window/geometry")).toByteArray()) &&
        !isMaximized() && !available.contains(frameGeometry())) {
        setGeometry(before);
    }
    if (!m_splitter->restoreState(m_settings.value(QStringLiteral("window/splitter")).toByteArray()))
        m_splitter->setSizes({190, 360, 730});
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_fitted)
        return;
    m_fitted = true;
    // Now that the frame is known: the whole window, frame included, goes on the screen.
    QTimer::singleShot(0, this, [this] {
        if (isMaximized() || isFullScreen())
            return;
        const QRect available = screen()->availableGeometry();
        const QRect frame = frameGeometry();
        if (available.contains(frame))
            return;
        const QSize decoration = frame.size() - size();
        const QSize fitted = size().boundedTo(available.size() - decoration);
        resize(fitted);
        const QPoint topLeft(std::clamp(frame.x(), available.left(),
                                        available.right() - fitted.width() - decoration.width() + 1),
                             std::clamp(frame.y(), available.top(),
                                        available.bottom() - fitted.height() - decoration.height() + 1));
        move(topLeft);
    });
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_settings.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    m_settings.sync();
    QMainWindow::closeEvent(event);
}

void MainWindow::onTenantsLoaded()
{
    if (!m_firstLoad) {
        // Read again (a refresh): the tenant shown stays selected.
        const int row = m_tenants->rowOf(m_tenantId);
        if (row >= 0 && m_tenantView->currentIndex().row() != row)
            m_tenantView->setCurrentIndex(m_tenants->index(row));
        return;
    }
    if (m_tenants->rowOf(kDefaultTenant) < 0 && m_tenants->rowCount() == 0) {
        // First start on an empty database: the default tenant is created and selected.
        m_tenants->create(kDefaultTenant, QStringLiteral("Default"), [this](const QString &error) {
            if (!error.isEmpty())
                m_status->showMessage(error, 15000);
        });
        return;
    }
    m_firstLoad = false;
    const int row = std::max(0, m_tenants->rowOf(kDefaultTenant));
    m_tenantView->setCurrentIndex(m_tenants->index(row));
    m_chatBox->editor()->setFocus();
    Q_EMIT ready();
}

void MainWindow::selectTenant(const QString &tenantId)
{
    const int row = m_tenants->rowOf(tenantId);
    if (row >= 0)
        m_tenantView->setCurrentIndex(m_tenants->index(row));
}

void MainWindow::newChat()
{
    m_session->detach();
    m_conversationId = {};
    m_conversationFlow.clear();
    m_syncingSelection = true;
    m_conversationView->selectionModel()->clearSelection();
    m_conversationView->setCurrentIndex({});
    m_syncingSelection = false;
    m_thread->load(m_tenantId, {});
    m_approvalPanel->showFor(m_tenantId, {});
    switchDraft();
    m_chatBox->setContinuing(false);
    m_chatBox->setBusy(m_session->isBusy());
    m_chatBox->editor()->setFocus();
}

void MainWindow::openConversation(const QUuid &conversationId, qint64 highlightMessage)
{
    if (m_session->activeConversation() != conversationId)
        m_session->detach();
    m_conversationId = conversationId;
    const int row = m_conversations->rowOf(conversationId);
    QString title;
    QString flow; // empty while not known: the chat box keeps what it shows until it is
    if (row >= 0) {
        const Conversation c = m_conversations->conversationAt(row);
        m_conversationFlow = c.flowType;
        flow = c.flowType;
        title = c.title;
        m_syncingSelection = true;
        m_conversationView->setCurrentIndex(m_conversations->index(row, 0));
        m_syncingSelection = false;
    }
    m_chatBox->setContinuing(true, title, flow);
    switchDraft();
    // A load that failed never says loaded(): the next load's does, which may be another
    // conversation's (a Ctrl+N), and that one is not this conversation shown.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection =
        connect(m_thread, &ThreadModel::loaded, this, [this, connection, conversationId, highlightMessage] {
            disconnect(*connection);
            if (m_thread->conversationId() != conversationId)
                return;
            if (highlightMessage != 0)
                m_threadView->showMessage(highlightMessage);
            Q_EMIT conversationShown(conversationId);
        });
    m_thread->load(m_tenantId, conversationId);
    m_approvalPanel->showFor(m_tenantId, conversationId);
    if (row < 0) {
        core::whenFinished(
            this, // Not in the loaded pages (a search hit far down the list): ask for its flow and title.
            m_service.getConversation(m_tenantId, conversationId.toString(QUuid::WithoutBraces)),
            [this, conversationId](const core::Result<Conversation> &c) {
                if (c && m_conversationId == conversationId) {
                    m_conversationFlow = c->flowType;
                    m_chatBox->setContinuing(true, c->title, c->flowType);
                }
            });
    }
}

void MainWindow::send()
{
    const QString text = m_chatBox->text().trimmed();
    if (text.isEmpty() || m_session->isBusy() || m_tenantId.isEmpty())
        return;
    TurnRequest request;
    request.tenantId = m_tenantId;
    request.conversationId = m_conversationId;
    request.flowType = m_conversationId.isNull() || m_conversationFlow.isEmpty() ? m_chatBox->flowType()
                                                                                 : m_conversationFlow;
    request.message = text;
    request.provider = m_chatBox->provider();
    request.model = m_chatBox->model();
    m_chatBox->setText({});
    m_session->send(request);
}

void MainWindow::onTurnFinished(const QString &tenantId, const QUuid &conversationId)
{
    core::whenFinished(this,
                       m_service.getConversation(tenantId, conversationId.toString(QUuid::WithoutBraces)),
                       [this, tenantId, conversationId](const core::Result<Conversation> &c) {
                           if (!c || tenantId != m_tenantId)
                               return;
                           if (m_conversationId == conversationId && !m_approvalPanel->isDeciding()) {
                               if (c->awaitingApproval)
                                   m_approvalPanel->showFor(tenantId, conversationId);
                               else
                                   m_approvalPanel->showApprovals(tenantId, conversationId, {});
                           }
                           m_syncingSelection = true;
                           m_conversations->upsertAtTop(c.value());
                           if (m_conversationId == conversationId) {
                               m_conversationView->setCurrentIndex(m_conversations->index(0, 0));
                               m_chatBox->setContinuing(true, c->title, c->flowType);
                           }
                           m_syncingSelection = false;
                           m_conversationView->scrollToTop();
                           m_tenants->refreshCount(tenantId);
                           m_status->setTenant(m_tenantId);
                       });
}

QString MainWindow::draftKey(const QString &tenantId, const QUuid &conversationId)
{
    return tenantId + QLatin1Char('/') +
           (conversationId.isNull() ? QStringLiteral("new") : conversationId.toString(QUuid::WithoutBraces));
}

void MainWindow::switchDraft()
{
    const QString key = draftKey(m_tenantId, m_conversationId);
    if (key == m_draftKey)
        return;
    if (!m_draftKey.isEmpty()) {
        const QString text = m_chatBox->text();
        if (text.trimmed().isEmpty())
            m_drafts.remove(m_draftKey);
        else
            m_drafts.insert(m_draftKey, text);
    }
    m_draftKey = key;
    m_chatBox->setText(m_drafts.take(key));
}

void MainWindow::giveBackDraft(const QString &tenantId, const QUuid &conversationId, const QString &typed)
{
    // Whatever was typed meanwhile stays, under the message that was not answered.
    auto merged = [&typed](const QString &current) {
        return current.trimmed().isEmpty() || current.trimmed() == typed.trimmed()
                   ? typed
                   : typed + QStringLiteral("\n\n") + current;
    };
    const QString key = draftKey(tenantId, conversationId);
    if (key == m_draftKey)
        m_chatBox->setText(merged(m_chatBox->text()));
    else
        m_drafts.insert(key, merged(m_drafts.value(key)));
}

void MainWindow::refresh()
{
    m_refreshTimer->stop();
    m_tenants->reload();
    if (!m_tenantId.isEmpty()) {
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(m_conversations, &ConversationModel::pageLoaded, this, [this, connection] {
            disconnect(*connection);
            const int row = m_conversations->rowOf(m_conversationId);
            if (row < 0)
                return;
            m_syncingSelection = true;
            m_conversationView->setCurrentIndex(m_conversations->index(row, 0));
            m_syncingSelection = false;
        });
        m_conversations->setQuery(m_tenantId, m_flowFilter->currentData().toString());
        m_status->setTenant(m_tenantId);
    }
    m_status->refresh();
}

void MainWindow::updateDemoNotice()
{
    bool demo = false;
    for (const ProviderInfo &p : m_status->health().providers) {
        if (p.name == m_status->health().defaultProvider)
            demo = p.offline;
    }
    m_notice->setVisible(demo && !m_noticeDismissed);
}

} // namespace agency::ui

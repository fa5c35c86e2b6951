#pragma once

#include "servicetypes.h"

#include <QMainWindow>
#include <QUuid>

#include <functional>
#include <optional>

class QComboBox;
class QDialog;
class QFrame;
class QLabel;
class QListView;
class QSettings;
class QSplitter;
class QTableView;
class QTimer;

namespace agency::ui {

class ApprovalPanel;
class ChatBox;
class DocumentsWindow;
class SearchPanel;
class SettingsDialog;
class SettingsStore;
class UsageDialog;
class ChatSession;
class ConversationModel;
class StatusPanel;
class TenantModel;
class ThreadModel;
class ThreadView;

/// The console's main window: tenants (left) → the selected tenant's conversations (middle) → the
/// thread with the chat box under it (right). Every database or provider operation goes through
/// AgencyService futures continued on this window, so nothing waits on the GUI thread.
/// Splitter sizes and geometry are kept in `settings`; the Settings dialog saves through `store`
/// (null: Settings is unavailable). Both must outlive the window.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(service::AgencyService &service, QSettings &settings, SettingsStore *store,
               QWidget *parent = nullptr);

    /// Conversations per keyset page: more than a tall list shows, so one page fills the view.
    static constexpr int kConversationPageSize = 100;
    ~MainWindow() override;

    QString currentTenant() const { return m_tenantId; }
    QUuid currentConversation() const { return m_conversationId; }
    /// Opens a conversation of the current tenant; `highlightMessage` (non-zero) is scrolled to.
    void openConversation(const QUuid &conversationId, qint64 highlightMessage = 0);
    /// An empty thread: the next message starts a new conversation of the chosen flow.
    void newChat();
    void selectTenant(const QString &tenantId);
    /// Reads tenants, the conversation list, counts and status again (F5; also on changes the
    /// database announces, kRefreshDelayMs after the last of a burst).
    void refresh();
    static constexpr int kRefreshDelayMs = 300;

    /// Questions the window asks; tests replace them to answer without a modal dialog.
    struct Prompts
    {
        std::function<bool(const QString &question)> confirm;
        std::function<std::optional<QString>(const QString &title, const QString &label, const QString &value,
                                             bool multiLine)>
            askText;
        std::function<QString(const QString &suggestedName, const QString &filter)> saveFileName;
    };
    void setPrompts(Prompts prompts) { m_prompts = std::move(prompts); }

    /// Opens (non-blocking) the settings dialog; returns it (null without a settings store).
    SettingsDialog *openSettings();
    /// Opens (non-blocking) the selected tenant's usage view; returns the dialog.
    UsageDialog *openUsage();
    /// Opens (non-blocking) the selected tenant's documents, or raises them when already open;
    /// null before a tenant is selected.
    DocumentsWindow *openDocuments();

    enum class ExportKind { Markdown, Json, Pdf };
    // Conversation actions (menu, keys, context menu). They act on the selected conversation.
    void renameCurrent();
    void deleteCurrent();
    void exportCurrent(ExportKind kind);
    /// "Edit and resend" on the user message at thread row `row`: fork, then send the edit.
    void editAndResend(int row);
    /// Asks for the last answer again: a fork before the last question (the original stays as
    /// it is), titled "… (regenerated)", where the same question is sent again.
    void regenerateLast();
    /// Help → About (non-blocking); returns the dialog.
    QDialog *openAbout();
    /// Help → Console guide: this version's docs/console.md (non-blocking); returns the window.
    QDialog *openGuide();

    // For tests and the screenshot script.
    TenantModel *tenantModel() const { return m_tenants; }
    ConversationModel *conversationModel() const { return m_conversations; }
    ThreadModel *threadModel() const { return m_thread; }
    ThreadView *threadView() const { return m_threadView; }
    /// The calls of the shown conversation that wait for approval, with Approve / Reject.
    ApprovalPanel *approvalPanel() const { return m_approvalPanel; }
    QTableView *conversationView() const { return m_conversationView; }
    ChatBox *chatBox() const { return m_chatBox; }
    ChatSession *chatSession() const { return m_session; }
    StatusPanel *statusPanel() const { return m_status; }
    SearchPanel *searchPanel() const { return m_search; }
    QWidget *demoNotice() const;

Q_SIGNALS:
    /// Tenants are loaded and one is selected (the first start is complete).
    void ready();
    /// The thread shows a conversation opened by openConversation() (scrolled, if asked).
    void conversationShown(const QUuid &conversationId);
    void settingsRequested();
    /// An export finished: the file written, or `error` (readable) when it failed.
    void exported(const QString &path, const QString &error);
    /// A fork was created (its first turn is then sent).
    void forked(const QUuid &conversationId);

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    QWidget *buildTenantPane();
    QWidget *buildConversationPane();
    QWidget *buildThreadPane();
    void buildActions();
    void setUpConversationView();
    void showConversationMenu(const QPoint &pos);
    /// Forks the shown conversation before its message `messageId`, titles the fork `title`
    /// (empty: the service's), opens it and sends `text` in it.
    void forkAndSend(qint64 messageId, const QString &text, const QString &title);
    void send();
    void onTenantsLoaded();
    void onTurnFinished(const QString &tenantId, const QUuid &conversationId);
    void updateDemoNotice();
    void createTenant();
    void writeExport(const QString &path, ExportKind kind, const QByteArray &content, const QString &title);
    void installDefaultPrompts();
    void restoreLayout();
    /// Unsent text is kept per conversation (a draft): the box's text is put away under the
    /// conversation it was typed for and the shown conversation's draft is put in the box.
    static QString draftKey(const QString &tenantId, const QUuid &conversationId);
    void switchDraft();
    /// A message that was not answered goes back to its conversation's draft.
    void giveBackDraft(const QString &tenantId, const QUuid &conversationId, const QString &typed);

    service::AgencyService &m_service;
    QSettings &m_settings;
    SettingsStore *m_store;
    TenantModel *m_tenants;
    ConversationModel *m_conversations;
    ThreadModel *m_thread;
    ChatSession *m_session;
    QListView *m_tenantView = nullptr;
    QTableView *m_conversationView = nullptr;
    QComboBox *m_flowFilter = nullptr;
    ThreadView *m_threadView = nullptr;
    ApprovalPanel *m_approvalPanel = nullptr;
    ChatBox *m_chatBox = nullptr;
    QFrame *m_notice = nullptr;
    QSplitter *m_splitter = nullptr;
    StatusPanel *m_status = nullptr;
    SearchPanel *m_search = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_regenerateAction = nullptr;
    Prompts m_prompts;
    QHash<QString, QString> m_drafts; ///< draftKey() → unsent text, except the one in the box
    QString m_draftKey;               ///< whose text the box holds
    QString m_tenantId;
    QUuid m_conversationId;
    QString m_conversationFlow;
    bool m_firstLoad = true;
    bool m_fitted = false;
    QTimer *m_refreshTimer = nullptr; ///< fitted to the screen once shown
    bool m_noticeDismissed = false;
    bool m_syncingSelection = false;
};

} // namespace agency::ui

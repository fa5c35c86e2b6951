#pragma once

#include "ui/servicetypes.h"

#include <QDialog>
#include <QTimer>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTextBrowser;

namespace agency::ui {

class DocumentListModel;
class DocumentViewer;

/// A tenant's documents: add files or folders (buttons or drag and drop), each with its status and
/// progress (failed ones say why), an overall bar, a collection filter (new files go to the chosen
/// collection), search with the matching words highlighted in each passage, delete and re-index.
/// Lists again when the database announces a change of the tenant's documents, whichever process
/// made it (at most once per kChangeDelayMs, however many arrive), and every second while
/// anything is still indexing.
class DocumentsWindow : public QDialog
{
    Q_OBJECT

public:
    DocumentsWindow(service::AgencyService &service, const QString &tenantId, QWidget *parent = nullptr);
    ~DocumentsWindow() override;

    QString tenantId() const { return m_tenantId; }
    static constexpr int kChangeDelayMs = 300;

    /// Uploads files, and the files of folders (recursively), into the chosen collection.
    void addPaths(const QStringList &paths);
    void refresh();
    /// Deletes the selected documents after confirmation (refused uploads are just dismissed).
    void deleteSelected();
    /// Queues the re-indexing of the shown collection (all when "All collections").
    void reindex();
    void search(const QString &query);
    /// Opens search hit `index` of the last search in a viewer.
    DocumentViewer *openHit(int index);
    /// Shows one collection ("" = all); new files go there ("default" when all are shown).
    void setCollection(const QString &collection);

    /// Replaces the confirmation question (tests answer it without a modal dialog).
    void setConfirm(std::function<bool(const QString &)> confirm) { m_confirm = std::move(confirm); }

    // For tests and the screenshot script.
    DocumentListModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *collectionPicker() const { return m_collections; }
    QProgressBar *overallBar() const { return m_overall; }
    QLabel *summaryLabel() const { return m_summary; }
    QLineEdit *searchBox() const { return m_searchBox; }
    QTextBrowser *searchResults() const { return m_results; }
    const QList<core::DocumentHit> &hits() const { return m_hits; }
    bool isPolling() const { return m_poll.isActive(); }

Q_SIGNALS:
    /// A listing arrived and is shown.
    void refreshed();
    /// A search's hits (or its error) are shown.
    void searched(int hits);
    /// Every queued file was sent (added or refused).
    void uploadsSent();

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildLayout();
    void sendNext();
    void loadPage(const QString &cursor, QList<core::Document> sofar, int generation);
    void onListed(const QList<core::Document> &documents);
    void onDocumentsChanged(const QString &tenantId);
    /// A listing ended (shown or failed): one asked for meanwhile runs now.
    void listingEnded();
    void updateCollections();
    void updateSummary();
    void showMessage(const QString &text, bool error = false);
    QString targetCollection() const;
    void chooseFiles(bool folder);

    service::AgencyService &m_service;
    QString m_tenantId;
    DocumentListModel *m_model;
    QComboBox *m_collections = nullptr;
    QTableView *m_table = nullptr;
    QProgressBar *m_overall = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_message = nullptr;
    QLineEdit *m_searchBox = nullptr;
    QLabel *m_searchNote = nullptr;
    QTextBrowser *m_results = nullptr;
    QPushButton *m_delete = nullptr;
    QTimer m_poll;
    QTimer m_changed; ///< started by the first change announced, not restarted by the next ones
    bool m_listing = false;
    bool m_listAgain = false;      ///< a change was announced while a listing was running
    bool m_showsListError = false; ///< the message line holds the last listing's error
    QStringList m_queue;           ///< files still to send, in order
    bool m_sending = false;
    int m_generation = 0;
    int m_searchGeneration = 0;
    QList<core::DocumentHit> m_hits;
    QString m_lastQuery;
    std::function<bool(const QString &)> m_confirm;
};

} // namespace agency::ui

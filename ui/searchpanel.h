#pragma once

#include "servicetypes.h"

#include <QAbstractListModel>
#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;

namespace agency::ui {

/// The hits of one full-text search: conversation title, role and the matching passage.
class SearchHitModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Roles { ConversationIdRole = Qt::UserRole + 1, MessageIdRole, SnippetHtmlRole };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    void setHits(const QList<SearchHit> &hits);
    const SearchHit &hit(int row) const { return m_hits.at(row); }
    /// A conversation was renamed: its hits show the new title.
    void renameConversation(const QUuid &conversationId, const QString &title);

private:
    QList<SearchHit> m_hits;
};

/// Ctrl+F: the tenant's full-text search (PostgreSQL, through AgencyService). It runs when typing
/// pauses (kTypingPauseMs) or on Enter; hits show the title and the snippet with the matches
/// highlighted; activating one asks the window to open that conversation at that message. Esc in
/// the box or the results clears the search.
class SearchPanel : public QWidget
{
    Q_OBJECT

public:
    SearchPanel(service::AgencyService &service, QWidget *parent = nullptr);
    static constexpr int kTypingPauseMs = 350;

    QLineEdit *searchBox() const { return m_box; }
    QListView *hitView() const { return m_view; }
    SearchHitModel *hits() const { return m_model; }
    void setScope(const QString &tenantId, const QString &flowType);
    void run();
    void clear();

Q_SIGNALS:
    void hitActivated(const QUuid &conversationId, qint64 messageId);
    void activeChanged(bool active); ///< hits are shown (true) or the search was cleared
    void searched(int hits);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    service::AgencyService &m_service;
    QLineEdit *m_box;
    QLabel *m_summary;
    QListView *m_view;
    SearchHitModel *m_model;
    QString m_tenantId;
    QString m_flowType;
    int m_generation = 0;
    QTimer m_typing;
};

/// "[[match]]" markers of a snippet as highlighted HTML (the rest escaped).
QString snippetHtml(const QString &snippet);

} // namespace agency::ui

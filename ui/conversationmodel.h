#pragma once

#include "servicetypes.h"

#include <QAbstractTableModel>

namespace agency::ui {

/// One tenant's conversations, most recently active first, optionally one flow only. Loads lazily
/// in keyset pages (canFetchMore/fetchMore): a tenant with a million conversations costs one page
/// until the view scrolls. Pages of a superseded tenant or filter are dropped on arrival.
class ConversationModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TitleColumn, FlowColumn, MessagesColumn, ActivityColumn, ColumnCount };
    enum Roles {
        ConversationIdRole = Qt::UserRole + 1,
        FlowTypeRole,
        TitleRole,
        ForkedFromRole, ///< the original's id for a fork ("edit and resend"), else null
        DetailRole,     ///< the row's second line: "weather · 4 messages"
        ActivityRole,   ///< last activity, short ("14:05", "3 Dec")
    };

    explicit ConversationModel(service::AgencyService &service, int pageSize = 50, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    /// Shows `tenantId`'s conversations of `flowType` (empty: all flows) from the first page.
    void setQuery(const QString &tenantId, const QString &flowType);
    QString tenantId() const { return m_tenantId; }
    QString flowType() const { return m_flowType; }

    /// Puts `conversation` at the top (it just had activity), replacing its old row.
    void upsertAtTop(const Conversation &conversation);
    /// Updates a shown conversation in place (after a rename).
    void replace(const Conversation &conversation);
    void remove(const QUuid &conversationId);
    int rowOf(const QUuid &conversationId) const;
    Conversation conversationAt(int row) const { return m_rows.at(row); }
    /// The title of a loaded conversation (empty when it is not loaded).
    QString titleOf(const QUuid &conversationId) const;

    /// Pages requested since the last setQuery() (lazy loading is observable in tests and bench).
    int pagesRequested() const { return m_pagesRequested; }
    bool isFetching() const { return m_fetching; }

Q_SIGNALS:
    void pageLoaded(int rows);
    void failed(const QString &message, core::ErrorCode code);

private:
    bool matchesFilter(const Conversation &conversation) const;

    service::AgencyService &m_service;
    int m_pageSize;
    QString m_tenantId;
    QString m_flowType;
    QList<Conversation> m_rows;
    QString m_cursor;
    bool m_atEnd = true;
    bool m_fetching = false;
    int m_generation = 0;
    int m_pagesRequested = 0;
};

} // namespace agency::ui

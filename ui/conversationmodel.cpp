#include "conversationmodel.h"
#include "core/async/whenfinished.h"

#include "errortext.h"

#include <QJsonObject>
#include <QLocale>

namespace agency::ui {

ConversationModel::ConversationModel(service::AgencyService &service, int pageSize, QObject *parent)
    : QAbstractTableModel(parent), m_service(service), m_pageSize(pageSize)
{
}

int ConversationModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ConversationModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {

QString activityText(const QDateTime &when)
{
    const QDateTime local = when.toLocalTime();
    const QDate today = QDate::currentDate();
    if (local.date() == today)
        return QLocale().toString(local.time(), QLocale::ShortFormat);
    if (local.date().year() == today.year())
        return QLocale().toString(local.date(), QStringLiteral("d MMM"));
    return QLocale().toString(local.date(), QLocale::ShortFormat);
}

QUuid forkedFrom(const Conversation &c)
{
    return QUuid(c.metadata.value(QStringLiteral("forked_from"))
                     .toObject()
                     .value(QStringLiteral("conversation_id"))
                     .toString());
}

QString messagesText(qint64 count)
{
    return count == 1 ? QStringLiteral("1 message") : QStringLiteral("%1 messages").arg(count);
}

} // namespace

QVariant ConversationModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Conversation &c = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TitleColumn:
            return c.title.isEmpty() ? QStringLiteral("(untitled)") : c.title;
        case FlowColumn:
            return c.flowType;
        case MessagesColumn:
            return c.messageCount;
        case ActivityColumn:
            return activityText(c.updatedAt);
        default:
            return {};
        }
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("%1\n%2 · %3 · last activity %4")
                          .arg(c.title, c.flowType, messagesText(c.messageCount),
                               QLocale().toString(c.updatedAt.toLocalTime(), QLocale::LongFormat));
        if (const QUuid original = forkedFrom(c); !original.isNull()) {
            const QString originalTitle = titleOf(original);
            tip += originalTitle.isEmpty() ? QStringLiteral("\nForked from another conversation")
                                           : QStringLiteral("\nForked from “%1”").arg(originalTitle);
        }
        return tip;
    }
    case Qt::TextAlignmentRole:
        if (index.column() == MessagesColumn || index.column() == ActivityColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case ConversationIdRole:
        return c.conversationId;
    case FlowTypeRole:
        return c.flowType;
    case TitleRole:
        return c.title;
    case ForkedFromRole:
        return forkedFrom(c);
    case DetailRole:
        return QString(c.flowType + QStringLiteral(" · ") + messagesText(c.messageCount));
    case ActivityRole:
        return activityText(c.updatedAt);
    default:
        return {};
    }
}

QString ConversationModel::titleOf(const QUuid &conversationId) const
{
    const int row = rowOf(conversationId);
    return row < 0 ? QString() : m_rows.at(row).title;
}

QVariant ConversationModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TitleColumn:
        return QStringLiteral("Title");
    case FlowColumn:
        return QStringLiteral("Flow");
    case MessagesColumn:
        return QStringLiteral("Msgs");
    case ActivityColumn:
        return QStringLiteral("Last activity");
    default:
        return {};
    }
}

bool ConversationModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_fetching;
}

void ConversationModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_fetching = true;
    ++m_pagesRequested;
    ConversationQuery query;
    query.tenantId = m_tenantId;
    query.flowType = m_flowType;
    query.limit = m_pageSize;
    query.cursor = m_cursor;
    const int generation = m_generation;
    core::whenFinished(this, m_service.listConversations(query),
                       [this, generation](const core::Result<Page<Conversation>> &page) {
                           if (generation != m_generation)
                               return; // the tenant or the filter changed meanwhile
                           m_fetching = false;
                           if (!page) {
                               m_atEnd = true;
                               Q_EMIT failed(browsingError(page.error()), page.error().code);
                               return;
                           }
                           m_cursor = page->nextCursor;
                           m_atEnd = m_cursor.isEmpty();
                           QList<Conversation> fresh;
                           for (const Conversation &c : page->items) {
                               if (rowOf(c.conversationId) < 0) // it may have moved to the top already
                                   fresh.append(c);
                           }
                           if (!fresh.isEmpty()) {
                               const int first = static_cast<int>(m_rows.size());
                               beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
                               m_rows += fresh;
                               endInsertRows();
                           }
                           Q_EMIT pageLoaded(static_cast<int>(fresh.size()));
                       });
}

void ConversationModel::setQuery(const QString &tenantId, const QString &flowType)
{
    beginResetModel();
    ++m_generation;
    m_tenantId = tenantId;
    m_flowType = flowType;
    m_rows.clear();
    m_cursor.clear();
    m_atEnd = tenantId.isEmpty();
    m_fetching = false;
    m_pagesRequested = 0;
    endResetModel();
    fetchMore({});
}

bool ConversationModel::matchesFilter(const Conversation &conversation) const
{
    return conversation.tenantId == m_tenantId &&
           (m_flowType.isEmpty() || conversation.flowType == m_flowType);
}

void ConversationModel::upsertAtTop(const Conversation &conversation)
{
    const int old = rowOf(conversation.conversationId);
    if (old > 0) {
        beginMoveRows({}, old, old, {}, 0);
        m_rows.move(old, 0);
        endMoveRows();
    }
    if (old >= 0) {
        m_rows[0] = conversation;
        Q_EMIT dataChanged(index(0, 0), index(0, ColumnCount - 1));
        return;
    }
    if (!matchesFilter(conversation))
        return;
    beginInsertRows({}, 0, 0);
    m_rows.prepend(conversation);
    endInsertRows();
}

void ConversationModel::replace(const Conversation &conversation)
{
    const int row = rowOf(conversation.conversationId);
    if (row < 0)
        return;
    m_rows[row] = conversation;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ConversationModel::remove(const QUuid &conversationId)
{
    const int row = rowOf(conversationId);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

int ConversationModel::rowOf(const QUuid &conversationId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).conversationId == conversationId)
            return i;
    }
    return -1;
}

} // namespace agency::ui

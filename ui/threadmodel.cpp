#include "threadmodel.h"
#include "core/async/whenfinished.h"

#include "errortext.h"

#include <QJsonDocument>

namespace agency::ui {

namespace {
constexpr int kPageSize = 200;
}

ThreadModel::ThreadModel(service::AgencyService &service, QObject *parent)
    : QAbstractListModel(parent), m_service(service)
{
}

int ThreadModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_items.size());
}

QVariant ThreadModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ThreadItem &it = m_items.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case ContentRole:
        return it.content;
    case RoleNameRole:
        return it.kind == ThreadItem::Kind::Notice ? QStringLiteral("notice") : core::roleName(it.role);
    case MessageIdRole:
        return it.messageIds.isEmpty() ? qint64(0) : it.messageIds.first();
    case ExpandedRole:
        return it.expanded;
    case RevisionRole:
        return it.revision;
    default:
        return {};
    }
}

bool ThreadModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != ExpandedRole || !checkIndex(index, CheckIndexOption::IndexIsValid))
        return false;
    ThreadItem &it = m_items[index.row()];
    if (it.tools.isEmpty() || it.expanded == value.toBool())
        return false;
    it.expanded = value.toBool();
    touch(index.row());
    return true;
}

Qt::ItemFlags ThreadModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

void ThreadModel::clear()
{
    beginResetModel();
    ++m_generation;
    m_items.clear();
    m_conversationId = {};
    m_turnStart = -1;
    m_loadFailed = false;
    m_highlighted = 0;
    endResetModel();
    setLoading(false);
}

void ThreadModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

void ThreadModel::load(const QString &tenantId, const QUuid &conversationId)
{
    clear();
    m_tenantId = tenantId;
    m_conversationId = conversationId;
    if (conversationId.isNull()) {
        Q_EMIT loaded();
        return;
    }
    setLoading(true);
    loadPage({}, m_generation);
}

void ThreadModel::loadPage(const QString &cursor, int generation)
{
    core::whenFinished(this,
                       m_service.listMessages(m_tenantId, m_conversationId.toString(QUuid::WithoutBraces),
                                              kPageSize, cursor),
                       [this, generation](const core::Result<Page<Message>> &page) {
                           if (generation != m_generation)
                               return;
                           if (!page) {
                               m_loadFailed = true;
                               setLoading(false);
                               Q_EMIT failed(browsingError(page.error()), page.error().code);
                               return;
                           }
                           appendMessages(page->items);
                           if (!page->nextCursor.isEmpty())
                               return loadPage(page->nextCursor, generation);
                           setLoading(false);
                           Q_EMIT loaded();
                       });
}

int ThreadModel::rowOfToolCall(const QString &toolCallId) const
{
    for (int row = static_cast<int>(m_items.size()) - 1; row >= 0; --row) {
        for (const ToolEntry &e : m_items.at(row).tools) {
            if (e.call.id == toolCallId)
                return row;
        }
    }
    return -1;
}

void ThreadModel::appendMessages(const QList<Message> &messages)
{
    QList<ThreadItem> fresh;
    for (const Message &m : messages) {
        if (m.role == core::Role::Tool) {
            // Results follow their call; it is in `fresh` or, across a page boundary, a shown row.
            auto attach = [&m](ThreadItem &owner) {
                for (ToolEntry &e : owner.tools) {
                    if (e.call.id == m.toolCallId) {
                        e.result = m.content;
                        e.done = true;
                        e.success = m.metadata.value(QStringLiteral("success")).toBool(true);
                        owner.messageIds.append(m.id);
                        ++owner.revision;
                        return true;
                    }
                }
                return false;
            };
            if (!fresh.isEmpty() && attach(fresh.last()))
                continue;
            const int row = rowOfToolCall(m.toolCallId);
            if (row >= 0 && attach(m_items[row])) {
                Q_EMIT dataChanged(index(row), index(row));
                continue;
            }
        }
        ThreadItem it;
        it.uid = nextUid();
        it.messageIds = {m.id};
        it.role = m.role;
        it.content = m.content;
        it.metadata = m.metadata;
        it.createdAt = m.createdAt;
        it.highlighted = m_highlighted != 0 && m.id == m_highlighted;
        for (const core::ToolCall &call : m.toolCalls)
            it.tools.append(ToolEntry{call, {}, false, false});
        fresh.append(it);
    }
    if (fresh.isEmpty())
        return;
    const int first = static_cast<int>(m_items.size());
    beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
    m_items += fresh;
    endInsertRows();
}

int ThreadModel::rowOfMessage(qint64 messageId) const
{
    for (int row = 0; row < m_items.size(); ++row) {
        if (m_items.at(row).messageIds.contains(messageId))
            return row;
    }
    return -1;
}

void ThreadModel::setHighlightedMessage(qint64 messageId)
{
    const int old = rowOfMessage(m_highlighted);
    m_highlighted = messageId;
    if (old >= 0) {
        m_items[old].highlighted = false;
        touch(old);
    }
    const int row = rowOfMessage(messageId);
    if (row >= 0) {
        m_items[row].highlighted = true;
        touch(row);
    }
}

void ThreadModel::touch(int row)
{
    ++m_items[row].revision;
    Q_EMIT dataChanged(index(row), index(row));
}

void ThreadModel::beginTurn(const QString &userText)
{
    dropProvisionalRows();
    m_turnStart = static_cast<int>(m_items.size());
    ThreadItem user;
    user.uid = nextUid();
    user.role = core::Role::User;
    user.content = userText;
    user.createdAt = QDateTime::currentDateTimeUtc();
    ThreadItem reply;
    reply.uid = nextUid();
    reply.role = core::Role::Assistant;
    reply.streaming = true;
    reply.round = 1;
    reply.createdAt = user.createdAt;
    beginInsertRows({}, m_turnStart, m_turnStart + 1);
    m_items << user << reply;
    endInsertRows();
}

ThreadItem &ThreadModel::liveItem(int round)
{
    ThreadItem &last = m_items.last();
    const bool startsNewRow = last.round != round && (!last.content.isEmpty() || !last.tools.isEmpty());
    if (!startsNewRow) {
        last.round = round;
        return last;
    }
    ThreadItem reply;
    reply.uid = nextUid();
    reply.role = core::Role::Assistant;
    reply.streaming = true;
    reply.round = round;
    reply.createdAt = QDateTime::currentDateTimeUtc();
    const int row = static_cast<int>(m_items.size());
    beginInsertRows({}, row, row);
    m_items.append(reply);
    endInsertRows();
    return m_items.last();
}

void ThreadModel::appendText(int round, const QString &text)
{
    if (m_turnStart < 0 || text.isEmpty())
        return;
    liveItem(round).content += text;
    touch(static_cast<int>(m_items.size()) - 1);
}

void ThreadModel::toolStarted(int round, const core::ToolCall &call)
{
    if (m_turnStart < 0)
        return;
    liveItem(round).tools.append(ToolEntry{call, {}, false, false});
    touch(static_cast<int>(m_items.size()) - 1);
}

void ThreadModel::toolFinished(const core::ToolCall &call, const QJsonObject &result)
{
    const int row = rowOfToolCall(call.id);
    if (m_turnStart < 0 || row < m_turnStart)
        return;
    for (ToolEntry &e : m_items[row].tools) {
        if (e.call.id == call.id) {
            e.done = true;
            e.success = result.value(QStringLiteral("success")).toBool(false);
            e.result = QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Compact));
        }
    }
    touch(row);
}

void ThreadModel::finishTurn(const QList<Message> &stored)
{
    dropProvisionalRows();
    appendMessages(stored);
}

void ThreadModel::dropProvisionalRows()
{
    if (m_turnStart < 0)
        return;
    const int last = static_cast<int>(m_items.size()) - 1;
    if (last >= m_turnStart) {
        beginRemoveRows({}, m_turnStart, last);
        m_items.remove(m_turnStart, last - m_turnStart + 1);
        endRemoveRows();
    }
    m_turnStart = -1;
}

int ThreadModel::settleProvisionalRows()
{
    if (m_turnStart < 0)
        return -1;
    int answer = -1;
    for (int row = m_turnStart; row < m_items.size(); ++row) {
        ThreadItem &it = m_items[row];
        if (it.streaming) {
            it.streaming = false;
            touch(row);
        }
        if (it.role == core::Role::Assistant && it.tools.isEmpty() && it.kind == ThreadItem::Kind::Text)
            answer = row;
    }
    // An empty reply row (stopped before the first word) shows nothing: it goes.
    const int last = static_cast<int>(m_items.size()) - 1;
    if (last > m_turnStart && m_items.at(last).content.isEmpty() && m_items.at(last).tools.isEmpty() &&
        m_items.at(last).role == core::Role::Assistant) {
        beginRemoveRows({}, last, last);
        m_items.removeLast();
        endRemoveRows();
        if (answer == last)
            answer = -1;
    }
    m_turnStart = -1;
    return answer;
}

void ThreadModel::markStopped(int row, const Message &stored)
{
    if (row < 0 || row >= m_items.size())
        return;
    ThreadItem &it = m_items[row];
    if (stored.id != 0) {
        it.messageIds = {stored.id};
        it.metadata = stored.metadata;
        it.createdAt = stored.createdAt;
    }
    it.metadata.insert(QStringLiteral("stopped"), true);
    touch(row);
}

void ThreadModel::refreshStored(const QString &tenantId, const QUuid &conversationId, const QString &notice,
                                bool offerSettings)
{
    if (tenantId != m_tenantId || conversationId != m_conversationId)
        return;
    ++m_generation; // a load or refresh still running is superseded
    setLoading(false);
    refreshPage({}, m_generation, std::make_shared<QList<Message>>(), notice, offerSettings);
}

void ThreadModel::refreshPage(const QString &cursor, int generation, std::shared_ptr<QList<Message>> buffer,
                              const QString &notice, bool offerSettings)
{
    core::whenFinished(
        this,
        m_service.listMessages(m_tenantId, m_conversationId.toString(QUuid::WithoutBraces), kPageSize,
                               cursor),
        [this, generation, buffer, notice, offerSettings](const core::Result<Page<Message>> &page) {
            if (generation != m_generation || !page || m_turnStart >= 0)
                return; // superseded, unreadable (what is shown stays) or a new turn
            *buffer += page->items;
            if (!page->nextCursor.isEmpty())
                return refreshPage(page->nextCursor, generation, buffer, notice, offerSettings);
            beginResetModel();
            m_items.clear();
            endResetModel();
            appendMessages(*buffer);
            appendNotice(notice, offerSettings);
        });
}

void ThreadModel::appendNotice(const QString &text, bool offerSettings)
{
    ThreadItem notice;
    notice.kind = ThreadItem::Kind::Notice;
    notice.uid = nextUid();
    notice.role = core::Role::System;
    notice.content = text;
    notice.createdAt = QDateTime::currentDateTimeUtc();
    if (offerSettings)
        notice.metadata.insert(QStringLiteral("action"), QStringLiteral("settings"));
    const int row = static_cast<int>(m_items.size());
    beginInsertRows({}, row, row);
    m_items.append(notice);
    endInsertRows();
}

} // namespace agency::ui

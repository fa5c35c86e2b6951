#pragma once

#include "servicetypes.h"

#include <QAbstractListModel>

namespace agency::ui {

/// One tool call shown inside the assistant message that made it, with its result once known.
struct ToolEntry
{
    core::ToolCall call;
    QString result; ///< the tool message's JSON text; empty while running
    bool done = false;
    bool success = false;
};

/// One row of the thread: a stored message (tool results folded into the assistant message that
/// called them), the reply being streamed, or an error notice.
struct ThreadItem
{
    enum class Kind { Text, Notice };
    Kind kind = Kind::Text;
    quint64 uid = 0;          ///< stable per row: the delegate's render cache key
    int revision = 0;         ///< bumped on every change: the delegate re-renders only this row
    QList<qint64> messageIds; ///< stored ids shown by this row (0 entries while unsaved)
    core::Role role = core::Role::User;
    QString content;
    QList<ToolEntry> tools;
    QJsonObject metadata;
    QDateTime createdAt;
    int round = 0; ///< streaming: the provider call this row shows
    bool streaming =
        false; ///< still being written; meanwhile its content only grows (MessageRender relies on it)
    bool expanded = false; ///< tool results shown in full
    bool highlighted = false;
};

/// The messages of one conversation, oldest first, plus the turn in progress. load() reads every
/// page through AgencyService (rows appear as pages arrive); streaming methods change only the
/// growing row so views re-render one item per update.
class ThreadModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Roles { ContentRole = Qt::UserRole + 1, RoleNameRole, MessageIdRole, ExpandedRole, RevisionRole };

    explicit ThreadModel(service::AgencyService &service, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    const ThreadItem &item(int row) const { return m_items.at(row); }

    /// Shows `conversationId` (null: an empty new chat). Emits loaded() after the last page.
    void load(const QString &tenantId, const QUuid &conversationId);
    void clear();
    QUuid conversationId() const { return m_conversationId; }
    bool isLoading() const { return m_loading; }
    /// The last load() could not read the whole conversation (failed() said why).
    bool loadFailed() const { return m_loadFailed; }

    /// The row showing stored message `messageId` (tool results map to their caller), or -1.
    int rowOfMessage(qint64 messageId) const;
    void setHighlightedMessage(qint64 messageId);

    // The turn in progress.
    void beginTurn(const QString &userText);
    void setTurnConversation(const QUuid &conversationId) { m_conversationId = conversationId; }
    void appendText(int round, const QString &text);
    void toolStarted(int round, const core::ToolCall &call);
    void toolFinished(const core::ToolCall &call, const QJsonObject &result);
    /// Replaces the turn's provisional rows with what was stored.
    void finishTurn(const QList<Message> &stored);
    /// Drops the provisional rows (the caller reloads what was stored) and shows `text` in place;
    /// `offerSettings`: the notice has a button opening Settings (metadata "action": "settings").
    void appendNotice(const QString &text, bool offerSettings = false);
    void dropProvisionalRows();
    /// Ends the turn keeping its rows as shown (no longer streaming). Returns the row of its last
    /// reply text that can stand as an answer (an assistant row without tool calls), or -1.
    int settleProvisionalRows();
    /// Marks `row` as a stopped answer; with a stored message (id != 0) the row becomes it.
    void markStopped(int row, const Message &stored);
    /// Reads what is stored of the shown conversation and, only if all of it can be read,
    /// shows it with `notice` under it; otherwise the rows shown stay as they are.
    void refreshStored(const QString &tenantId, const QUuid &conversationId, const QString &notice,
                       bool offerSettings = false);

Q_SIGNALS:
    void loaded();
    void failed(const QString &message, core::ErrorCode code);
    /// load() started reading (true), or ended: loaded, failed or superseded (false).
    void loadingChanged(bool loading);

private:
    void loadPage(const QString &cursor, int generation);
    void refreshPage(const QString &cursor, int generation, std::shared_ptr<QList<Message>> buffer,
                     const QString &notice, bool offerSettings);
    /// Appends stored messages as rows; a tool result joins the row of the call it answers.
    void appendMessages(const QList<Message> &messages);
    int rowOfToolCall(const QString &toolCallId) const;
    ThreadItem &liveItem(int round);
    void touch(int row);
    void setLoading(bool loading);
    quint64 nextUid() { return ++m_uidCounter; }

    service::AgencyService &m_service;
    QString m_tenantId;
    QUuid m_conversationId;
    QList<ThreadItem> m_items;
    int m_turnStart = -1; ///< first provisional row, -1 when no turn is in progress
    int m_generation = 0;
    bool m_loading = false;
    bool m_loadFailed = false;
    quint64 m_uidCounter = 0;
    qint64 m_highlighted = 0;
};

} // namespace agency::ui

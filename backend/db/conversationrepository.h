#pragma once

#include "core/async/future.h"
#include "records.h"

#include <QSet>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// Conversations and their messages. Every method is scoped to one tenant: a conversation of
/// another tenant behaves exactly like one that does not exist (NotFound, nothing changed).
/// Inputs are validated before any SQL runs. Thread-safe; results arrive on the executor's
/// threads, so attach continuations with a context object.
class ConversationRepository
{
public:
    explicit ConversationRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// The tables every turn inserts into (the conversation, its messages, the provider calls'
    /// usage rows): the ones whose planner statistics matter from the first turns on.
    static QStringList turnTables()
    {
        return {QStringLiteral("conversations"), QStringLiteral("messages"), QStringLiteral("llm_usage")};
    }

    /// Creates a conversation (creating the tenant row on first use) and returns it.
    core::Async<core::Conversation> createConversation(const QString &tenantId, const QString &flowType,
                                                       const QJsonObject &metadata = {},
                                                       const QString &title = {});
    /// Creates a conversation that starts with `messages` (system, user and assistant messages
    /// without tool calls, e.g. the history an OpenAI client sent), all in one transaction: it
    /// exists with its whole history or not at all. The title is left empty (the first turn
    /// sets it). InvalidArgument for an invalid message or one with tool calls.
    core::Async<core::Conversation> createConversationWithMessages(const QString &tenantId,
                                                                   const QString &flowType,
                                                                   const QList<NewMessage> &messages);
    core::Async<core::Conversation> getConversation(const QString &tenantId, const QUuid &conversationId);
    core::Async<core::Conversation> setTitle(const QString &tenantId, const QUuid &conversationId,
                                             const QString &title);

    /// Appends messages in one statement (all or nothing), bumping updated_at and message_count.
    /// Returns the stored messages in order.
    core::Async<QList<core::Message>> saveMessages(const QString &tenantId, const QUuid &conversationId,
                                                   const QList<NewMessage> &messages);
    core::Async<core::Message> saveMessage(const QString &tenantId, const QUuid &conversationId,
                                           const NewMessage &message);

    /// A chat turn's opening in one statement and one commit (shared with other turns under
    /// load): continues the conversation (NotFound unless it is this tenant's and this flow's) or
    /// creates it; takes the turn lease; stores the user message stamped with the turn id (and
    /// the title if the conversation has none); returns the newest `historyLimit` messages, the
    /// new one last. Conflict (details.reason "turn_in_progress") while another turn holds an
    /// unexpired lease: nothing is stored. Idempotent: run again after a lost acknowledgement, it
    /// finds its own user message and returns the history without storing anything twice.
    core::Async<TurnOpening> openTurn(const TurnOpenRequest &request);
    /// openTurn() without a lease: continues `conversationId` or, when it is null, creates one.
    core::Async<TurnOpening> openTurn(const QString &tenantId, const QString &flowType,
                                      const QUuid &conversationId, const QString &title,
                                      const QString &userMessage, int historyLimit);

    /// The turn `turnId` of the tenant (found = false when it stored nothing). Another tenant's
    /// turn of the same id is not found: turn ids are chosen by clients.
    core::Async<StoredTurn> findTurn(const QString &tenantId, const QUuid &turnId);
    /// Continues a turn that stored its user message (and maybe tool rounds) but no answer, and no
    /// longer runs (failed, or its process died and the lease expired): takes the lease for
    /// `request.lease.turnId`, clears its "interrupted" mark and returns the history window with
    /// storedByTurn set. Conflict (turn_in_progress) while a lease is held. Stores no message.
    core::Async<TurnOpening> resumeTurn(const TurnOpenRequest &request);
    /// A conversation whose turn was cut off (its lease expired without an answer: the process
    /// died): frees the lease and marks the turn's user message `"turn_status": "interrupted"`.
    /// True when a turn was marked. (Taking over an expired lease marks it the same way.)
    core::Async<bool> markInterruptedTurn(const QString &tenantId, const QUuid &conversationId);

    /// Appends a turn's messages like saveMessages(), only while `write.lease` is held (else
    /// Conflict, details.reason "lease_lost"), stamped with the turn id; renews the lease, or
    /// releases it with `write.release`. Idempotent: a write already stored (its acknowledgement
    /// was lost) is found by the turn id and returned, not stored again.
    core::Async<QList<core::Message>> saveTurnMessages(const QString &tenantId, const QUuid &conversationId,
                                                       const QList<NewMessage> &messages,
                                                       const TurnWrite &write);
    /// Extends the lease by its lifetime; false when it is no longer held (expired and taken).
    core::Async<bool> renewTurnLease(const QString &tenantId, const QUuid &conversationId,
                                     const TurnLease &lease);
    /// Gives the lease up (a failed or cancelled turn); true when it was held.
    core::Async<bool> releaseTurnLease(const QString &tenantId, const QUuid &conversationId,
                                       const TurnLease &lease);
    /// Which of `ids` already name a tool call stored in the conversation.
    core::Async<QSet<QString>> usedToolCallIds(const QString &tenantId, const QUuid &conversationId,
                                               const QStringList &ids);

    /// The most recent `limit` messages, returned oldest first (ties by id).
    core::Async<QList<core::Message>> history(const QString &tenantId, const QUuid &conversationId,
                                              int limit = 100);
    /// All messages oldest first, a page at a time (keyset on created_at, id).
    core::Async<core::Page<core::Message>> messages(const core::MessageQuery &query);

    /// A tenant's conversations, most recently active first, optionally one flow type.
    core::Async<core::Page<core::Conversation>> listConversations(const core::ConversationQuery &query);
    /// Full-text search over message content within one tenant, newest matches first.
    core::Async<QList<core::SearchHit>> search(const core::SearchQuery &query);

    /// "Edit and resend": a new conversation of the same tenant and flow holding copies of every
    /// message before user message `messageId` (oldest first, original timestamps), its title and
    /// metadata plus `forked_from` {conversation_id, message_id}. The source is not changed. One
    /// transaction. NotFound when the conversation or the message (in it) does not exist;
    /// InvalidArgument when the message is not a user message.
    core::Async<core::Conversation> forkConversation(const QString &tenantId, const QUuid &conversationId,
                                                     qint64 messageId);

    /// Deletes the conversation and (cascade) its messages.
    core::Async<bool> deleteConversation(const QString &tenantId, const QUuid &conversationId);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db

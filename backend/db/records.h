#pragma once

#include "core/async/commitgate.h"
#include "core/conversation.h"
#include "core/message.h"
#include "core/page.h"
#include "core/tenant.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUuid>

#include <optional>

namespace agency::db {

/// A message to store. The repository fills in ids and timestamps.
struct NewMessage
{
    core::Role role = core::Role::User;
    QString content;
    QList<core::ToolCall> toolCalls;
    QString toolCallId;
    QJsonObject metadata;
};

/// A turn's claim on its conversation: while a lease is held, no other turn can open in that
/// conversation, in this process or another sharing the database. It is a value with an expiry
/// (conversations.turn_holder / turn_expires_at), never a lock held across a provider call, so a
/// crashed process blocks its conversation only until the lease expires.
struct TurnLease
{
    QUuid turnId;        ///< the holder; also stamped on every message the turn stores (turn_id)
    int leaseMs = 20000; ///< lifetime from the last write or renewal
};

/// What a turn opens with (ConversationRepository::openTurn()).
struct TurnOpenRequest
{
    QString tenantId;
    QString flowType;
    QUuid conversationId; ///< the conversation to continue, or (create) the new one's id
    bool create = false;  ///< start a conversation with id `conversationId`
    QString title;        ///< set when the conversation has none
    QString userMessage;
    int historyLimit = 50;
    TurnLease lease; ///< a null turnId takes no lease (but is still refused while one is held)
    /// Commit without waiting for the disk flush (DbExecutor::runGroupedDeferringFlush()): only for a
    /// caller that reports nothing as stored until a later flushed write of its own has
    /// committed, which makes this one durable too (Turn::openTurn() has the argument).
    bool deferFlush = false;
    /// Set: the opening commits only while the gate allows (DbExecutor::runGrouped()).
    core::CommitGatePtr gate;
};

/// A turn found by its id within a tenant (ConversationRepository::findTurn()): what a client
/// that sends a turn again (same turn id, e.g. an Idempotency-Key) gets instead of a second
/// copy of its message.
struct StoredTurn
{
    bool found = false;
    QUuid conversationId;
    QString flowType;
    QString userMessage;
    bool running = false;          ///< it holds its conversation's lease, unexpired
    QList<core::Message> messages; ///< what it stored, oldest first: its user message first
    /// Its last message is a final answer (an assistant message without tool calls).
    bool answered() const
    {
        return !messages.isEmpty() && messages.constLast().role == core::Role::Assistant &&
               messages.constLast().toolCalls.isEmpty();
    }
};

/// What ConversationRepository::openTurn() stored and read.
struct TurnOpening
{
    QUuid conversationId;
    bool created = false; ///< a new conversation was started
    /// The newest messages, oldest first; the user message is last. As a prompt needs them:
    /// only tool results carry their metadata (rows::kPromptMessageColumns).
    QList<core::Message> history;
    qint64 messageCount = 0; ///< the conversation's message count after the opening
    int storedByTurn = 1;    ///< messages of this turn stored so far (resumeTurn(): maybe more)
};

/// A provider call's row in llm_usage, stored by a turn write together with its messages.
struct UsageRow
{
    QString provider;
    QString model;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 totalTokens = 0;
    qint64 latencyMs = 0;
    QString outcome = QStringLiteral("ok");
    qint64 createdAtMs = 0; ///< epoch milliseconds
    /// US dollars, as the bound text of a numeric ("" = no price known: stored as NULL).
    QString costUsd;
};

/// A write by the turn holding the lease (ConversationRepository::saveTurnMessages()).
struct TurnWrite
{
    TurnLease lease;
    int storedBefore = 0; ///< messages this turn stored before this write (the user message: 1)
    /// The conversation's message count before this write (TurnOpening::messageCount plus what
    /// the turn stored since): a write runs only against the state it was made for, so the
    /// same write run twice stores once.
    qint64 messageCountBefore = 0;
    bool release = false; ///< the turn's last write: release the lease with it
    /// The usage of the provider call that produced this write, inserted by the same statement
    /// (one statement, job and commit fewer per turn): stored if and only if the messages are.
    /// Checked by the caller (ratelimit::UsageRecorder::validate()).
    std::optional<UsageRow> usage;
    /// Set: the write commits only while the gate allows (DbExecutor::runGrouped()).
    core::CommitGatePtr gate;
};

} // namespace agency::db

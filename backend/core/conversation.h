#pragma once

// The stored conversation values front ends read through AgencyService: conversations, their
// messages, the queries that list them and full-text search. Plain values, no thread affinity.

#include "message.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUuid>

namespace agency::core {

struct Conversation
{
    QUuid conversationId;
    QString tenantId;
    QString flowType;
    QString title;
    QJsonObject metadata;
    qint64 messageCount = 0;
    QDateTime createdAt;
    QDateTime updatedAt;
    /// Tool calls of its last answer wait for a person's approval (docs/flows-and-tools.md#approvals):
    /// no new message is taken meanwhile. Filled by AgencyService::getConversation().
    bool awaitingApproval = false;
};

/// A stored message.
struct Message
{
    qint64 id = 0;
    QUuid conversationId;
    QString tenantId;
    QString flowType;
    Role role = Role::User;
    QString content;
    QList<ToolCall> toolCalls;
    QString toolCallId;
    QJsonObject metadata;
    QDateTime createdAt;
};

struct ConversationQuery
{
    QString tenantId;
    QString flowType; ///< empty: every flow
    int limit = 50;
    QString cursor; ///< from a previous page's nextCursor
};

struct MessageQuery
{
    QString tenantId;
    QUuid conversationId;
    int limit = 100;
    QString cursor; ///< oldest-first pages; from a previous page's nextCursor
};

struct SearchQuery
{
    QString tenantId;
    QString text;     ///< web-search syntax: words, "quoted phrases", -excluded, or
    QString flowType; ///< empty: every flow
    int limit = 20;
};

/// A message that matched a search, with its conversation for context.
struct SearchHit
{
    qint64 messageId = 0;
    QUuid conversationId;
    QString flowType;
    QString conversationTitle;
    Role role = Role::User;
    QString snippet; ///< the matching passage with matches wrapped in [[ ]]
    QDateTime createdAt;
};

} // namespace agency::core

#pragma once

#include "core/message.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUuid>

namespace agency::db {

/// Limits enforced by the repositories (documented in the README). Over a limit is a
/// validation error (InvalidArgument / PayloadTooLarge), never a SQL error.
namespace limits {
constexpr qsizetype kMaxContentChars = 1'000'000; ///< one message's text
constexpr qsizetype kMaxMetadataBytes = 65'536;   ///< one JSON metadata object, serialised
constexpr qsizetype kMaxTitleChars = 200;
constexpr qsizetype kMaxToolCallsPerMessage = 128;
constexpr int kMaxPageSize = 200;
constexpr int kMaxHistory = 10'000;
constexpr int kMaxMessagesPerSave = 1'000;
} // namespace limits

struct Tenant
{
    QString tenantId;
    QString name;
    QJsonObject settings;
    qint64 conversationCount = 0;
    QDateTime createdAt;
    QDateTime updatedAt;
};

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
};

/// A message to store. The repository fills in ids and timestamps.
struct NewMessage
{
    core::Role role = core::Role::User;
    QString content;
    QList<core::ToolCall> toolCalls;
    QString toolCallId;
    QJsonObject metadata;
};

/// A stored message.
struct Message
{
    qint64 id = 0;
    QUuid conversationId;
    QString tenantId;
    QString flowType;
    core::Role role = core::Role::User;
    QString content;
    QList<core::ToolCall> toolCalls;
    QString toolCallId;
    QJsonObject metadata;
    QDateTime createdAt;
};

/// What ConversationRepository::openTurn() stored and read.
struct TurnOpening
{
    QUuid conversationId;
    bool created = false;   ///< a new conversation was started
    QList<Message> history; ///< the newest messages, oldest first; the user message is last
};

/// A page of a keyset-paginated list. `nextCursor` is opaque and empty on the last page.
template <typename T> struct Page
{
    QList<T> items;
    QString nextCursor;
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
    core::Role role = core::Role::User;
    QString snippet; ///< the matching passage with matches wrapped in [[ ]]
    QDateTime createdAt;
};

} // namespace agency::db

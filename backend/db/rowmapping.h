#pragma once

#include "core/result.h"
#include "records.h"

#include <QSqlQuery>

namespace agency::db::rows {

// Column lists and their readers, kept side by side so SELECTs and parsers cannot drift apart.

/// conversations c: conversation_id, tenant_id, flow_type, title, flow_metadata, message_count,
/// created_at, updated_at, updated_at (all three in epoch microseconds), id
extern const QString kConversationColumns;
core::Conversation readConversation(const QSqlQuery &query, int offset = 0);
constexpr int kConversationColumnCount = 10;
/// The keyset cursor of the conversation read at `offset`.
QString conversationCursor(const QSqlQuery &query, int offset = 0);

/// messages m: id, conversation_id, tenant_id, flow_type, role, content, tool_calls, tool_call_id,
/// message_metadata, created_at, created_at (both in epoch microseconds)
extern const QString kMessageColumns;
core::Message readMessage(const QSqlQuery &query, int offset = 0);
constexpr int kMessageColumnCount = 11;
/// kMessageColumns as a prompt needs them: message_metadata only on tool results (it names
/// their tool), NULL on the others. A turn reads its history window on every opening, and parsing
/// every message's metadata JSON was the biggest part of that read (in a profile of the turn benchmark).
extern const QString kPromptMessageColumns;
QString messageCursor(const QSqlQuery &query, int offset = 0);

/// Reads a keyset page from a query that asked for `limit + 1` rows: the extra row only proves
/// that a next page exists, whose cursor is the one of the last row kept.
template <typename T, typename Read, typename CursorOf>
core::Page<T> readPage(QSqlQuery &query, int limit, Read read, CursorOf cursorOf)
{
    core::Page<T> page;
    QString lastCursor;
    while (query.next()) {
        if (page.items.size() == limit) {
            page.nextCursor = lastCursor;
            break;
        }
        page.items.append(read(query));
        lastCursor = cursorOf(query);
    }
    return page;
}

/// Appends newest-first keyset paging on (timeColumn, idColumn) to a SELECT: the condition for
/// `cursor` (when set), then ORDER BY … DESC and LIMIT limit + 1 (for readPage()).
/// InvalidArgument when the cursor was not made by this server.
core::Status appendNewestFirstPage(QString &sql, QVariantList &binds, const QString &timeColumn,
                                   const QString &idColumn, const QString &cursor, int limit);

QJsonObject parseObject(const QVariant &jsonText);
QDateTime readTimestamp(const QVariant &value);
/// A bigint of epoch microseconds (how the column lists above send timestamps) as a UTC QDateTime.
QDateTime fromEpochMicros(const QVariant &micros);

} // namespace agency::db::rows

#pragma once

#include "records.h"

#include <QSqlQuery>

namespace agency::db::rows {

// Column lists and their readers, kept side by side so SELECTs and parsers cannot drift apart.

/// conversations c: conversation_id, tenant_id, flow_type, title, flow_metadata, message_count,
/// created_at, updated_at, updated_at in epoch microseconds, id
extern const QString kConversationColumns;
Conversation readConversation(const QSqlQuery &query, int offset = 0);
constexpr int kConversationColumnCount = 10;
/// The keyset cursor of the conversation read at `offset`.
QString conversationCursor(const QSqlQuery &query, int offset = 0);

/// messages m: id, conversation_id, tenant_id, flow_type, role, content, tool_calls, tool_call_id,
/// message_metadata, created_at, created_at in epoch microseconds
extern const QString kMessageColumns;
Message readMessage(const QSqlQuery &query, int offset = 0);
constexpr int kMessageColumnCount = 11;
QString messageCursor(const QSqlQuery &query, int offset = 0);

QJsonObject parseObject(const QVariant &jsonText);
QDateTime readTimestamp(const QVariant &value);

} // namespace agency::db::rows

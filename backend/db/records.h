#pragma once

#include "core/conversation.h"
#include "core/message.h"
#include "core/page.h"
#include "core/tenant.h"

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

/// A message to store. The repository fills in ids and timestamps.
struct NewMessage
{
    core::Role role = core::Role::User;
    QString content;
    QList<core::ToolCall> toolCalls;
    QString toolCallId;
    QJsonObject metadata;
};

/// What ConversationRepository::openTurn() stored and read.
struct TurnOpening
{
    QUuid conversationId;
    bool created = false;         ///< a new conversation was started
    QList<core::Message> history; ///< the newest messages, oldest first; the user message is last
};

} // namespace agency::db

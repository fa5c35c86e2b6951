#pragma once

#include "core/conversation.h"
#include "core/tenant.h"

#include <QJsonObject>
#include <QList>

#include <QByteArray>

namespace agency::service {

/// Export formats offered by the console and the API.
enum class ExportFormat { Markdown, Json };

/// A conversation and all its messages as a self-contained document. Markdown is for people
/// (tool calls and results as fenced JSON); JSON keeps every stored field.
QByteArray exportConversation(const core::Conversation &conversation, const QList<core::Message> &messages,
                              ExportFormat format);

QJsonObject conversationToJson(const core::Conversation &conversation);
QJsonObject messageToJson(const core::Message &message);
QJsonObject tenantToJson(const core::Tenant &tenant);

} // namespace agency::service

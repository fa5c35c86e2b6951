#pragma once

#include "db/records.h"

#include <QByteArray>

namespace agency::service {

/// Export formats offered by the console and the API.
enum class ExportFormat { Markdown, Json };

/// A conversation and all its messages as a self-contained document. Markdown is for people
/// (tool calls and results as fenced JSON); JSON keeps every stored field.
QByteArray exportConversation(const db::Conversation &conversation, const QList<db::Message> &messages,
                              ExportFormat format);

QJsonObject conversationToJson(const db::Conversation &conversation);
QJsonObject messageToJson(const db::Message &message);
QJsonObject tenantToJson(const db::Tenant &tenant);

} // namespace agency::service

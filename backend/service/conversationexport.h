#pragma once

#include "core/conversation.h"
#include "core/tenant.h"

#include <QJsonObject>
#include <QList>

#include <QByteArray>

namespace agency::service {

/// Export formats offered by the console and the API.
enum class ExportFormat { Markdown, Json };

/// A conversation and all its messages as a self-contained document. Markdown is for people: the
/// title, the tenant and flow, times in the local time zone in words ("7 December 2026, 16:02",
/// then the time alone while the day stays the same), tool calls and results as fenced JSON, and
/// no conversation id. JSON is for programs: every stored field, ids and UTC ISO 8601 times.
QByteArray exportConversation(const core::Conversation &conversation, const QList<core::Message> &messages,
                              ExportFormat format);

QJsonObject conversationToJson(const core::Conversation &conversation);
QJsonObject messageToJson(const core::Message &message);
QJsonObject tenantToJson(const core::Tenant &tenant);

} // namespace agency::service

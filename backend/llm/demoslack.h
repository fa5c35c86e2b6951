#pragma once

#include "core/message.h"

#include <QJsonObject>
#include <QString>

#include <functional>
#include <optional>

namespace agency::llm::demo {

/// How the demo provider drives the Slack flow offline (docs/flows-and-tools.md#slack): the
/// call a Slack request asks for, the answer to a mention in a thread, and the sentence a Slack
/// tool's result becomes. No model: patterns over the text.

/// Whether a tool is offered to this request.
using Offered = std::function<bool(const QString &tool)>;

/// A Slack tool call for `userText` (name and JSON arguments): post "..." to C…, the thread
/// C… 1733600000.000100, the channel C…, the user U…; nothing when it names none of these. For
/// the responder's message of a mention: a reply in that thread when the latest person asked to
/// post "...", else nothing (mentionAnswer() answers it).
std::optional<std::pair<QString, QJsonObject>> slackCall(const QString &userText, const Offered &offered);

/// The answer to the message the Slack responder sends for a mention (it carries the thread),
/// or nothing for any other message.
std::optional<QString> mentionAnswer(const QString &userText);

/// The answer a successful Slack tool result becomes; nothing for another tool's result.
std::optional<QString> slackResultAnswer(const QString &toolName, const QJsonObject &result);

} // namespace agency::llm::demo

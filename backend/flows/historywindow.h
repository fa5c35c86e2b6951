#pragma once

#include "core/message.h"
#include "db/records.h"

#include <QList>

namespace agency::flows {

/// Stored messages → provider messages for one call: the flow's system prompt first (on every
/// turn), then any system messages stored in the window (in order), then the rest of the window. A window
/// must not begin with tool results whose assistant call fell outside it, nor keep an assistant tool-call
/// message without its results: such partial pairs are dropped so every provider accepts the sequence.
QList<core::ChatMessage> buildPromptMessages(const QString &systemPrompt, const QList<core::Message> &window);

/// One stored message as a provider message (tool messages carry their function name from
/// metadata "tool", which Gemini needs to match results).
core::ChatMessage toChatMessage(const core::Message &message);

} // namespace agency::flows

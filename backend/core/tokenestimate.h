#pragma once

// The one token estimator (≈ 4 characters per token, docs/design.md#rate-limiting). The rate limiter reserves
// estimatePromptTokens() + the completion allowance before a provider call; adapters fill in
// usage with it when a provider reports none. One formula, so a turn's reservation and a
// provider's estimated usage agree.

#include "message.h"
#include "tooldefinition.h"

#include <QList>
#include <QString>

namespace agency::core {

/// ceil(chars / 4); 0 for a negative count.
qint64 tokensForChars(qint64 chars);
/// tokensForChars(text.size()).
qint64 estimateTokens(const QString &text);

/// Characters a request sends as prompt: every message's content, name, tool-call id, and its
/// tool calls' ids, names and arguments, plus 16 characters of per-message framing; and every tool
/// definition (name, description, compact JSON of the parameters schema, plus the framing the
/// wire format puts around them): schemas are sent with every call, so they count.
qint64 promptChars(const QList<ChatMessage> &messages, const QList<ToolDefinition> &tools = {});
/// tokensForChars(promptChars(messages, tools)).
qint64 estimatePromptTokens(const QList<ChatMessage> &messages, const QList<ToolDefinition> &tools = {});

} // namespace agency::core

#include "tokenestimate.h"

#include "json.h"

#include <algorithm>

namespace agency::core {

namespace {
constexpr qint64 kPerMessageFraming = 16; // role and separators: ~4 tokens per message
// {"type":"function","function":{"name":"","description":"","parameters":}}, and a comma:
// the OpenAI shape; the other wire formats are close enough for an estimate.
constexpr qint64 kPerToolFraming = 74;
} // namespace

qint64 tokensForChars(qint64 chars)
{
    return (std::max<qint64>(0, chars) + 3) / 4;
}

qint64 estimateTokens(const QString &text)
{
    return tokensForChars(text.size());
}

qint64 promptChars(const QList<ChatMessage> &messages, const QList<ToolDefinition> &tools)
{
    qint64 chars = 0;
    for (const ChatMessage &m : messages) {
        chars += kPerMessageFraming + m.content.size() + m.toolCallId.size() + m.name.size();
        for (const ToolCall &call : m.toolCalls)
            chars += call.id.size() + call.name.size() + call.arguments.size();
    }
    for (const ToolDefinition &tool : tools)
        chars += kPerToolFraming + tool.name.size() + tool.description.size() +
                 toCompactJson(tool.parameters).size();
    return chars;
}

qint64 estimatePromptTokens(const QList<ChatMessage> &messages, const QList<ToolDefinition> &tools)
{
    return tokensForChars(promptChars(messages, tools));
}

} // namespace agency::core

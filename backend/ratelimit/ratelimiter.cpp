#include "ratelimiter.h"

#include <QJsonDocument>

namespace agency::ratelimit {

qint64 estimateTokens(qint64 promptChars, qint64 maxTokens)
{
    const qint64 chars = std::max<qint64>(0, promptChars);
    return (chars + 3) / 4 + std::max<qint64>(0, maxTokens);
}

qint64 promptChars(const QList<core::ChatMessage> &messages, const QJsonArray &toolDefinitions)
{
    constexpr qint64 kPerMessageFraming = 16; // role, separators: ~4 tokens per message
    qint64 chars = 0;
    for (const core::ChatMessage &m : messages) {
        chars += kPerMessageFraming + m.content.size() + m.toolCallId.size() + m.name.size();
        for (const core::ToolCall &call : m.toolCalls)
            chars += call.id.size() + call.name.size() + call.arguments.size();
    }
    if (!toolDefinitions.isEmpty())
        chars += QJsonDocument(toolDefinitions).toJson(QJsonDocument::Compact).size();
    return chars;
}

} // namespace agency::ratelimit

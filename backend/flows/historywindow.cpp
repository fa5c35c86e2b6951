#include "historywindow.h"

#include <QSet>

namespace agency::flows {

core::ChatMessage toChatMessage(const db::Message &message)
{
    core::ChatMessage chat;
    chat.role = message.role;
    chat.content = message.content;
    chat.toolCalls = message.toolCalls;
    chat.toolCallId = message.toolCallId;
    if (message.role == core::Role::Tool)
        chat.name = message.metadata.value(QStringLiteral("tool")).toString();
    return chat;
}

QList<core::ChatMessage> buildPromptMessages(const QString &systemPrompt, const QList<db::Message> &window)
{
    // Which call ids have both their request and their result inside the window.
    QSet<QString> requested;
    QSet<QString> answered;
    for (const db::Message &m : window) {
        for (const core::ToolCall &call : m.toolCalls)
            requested.insert(call.id);
        if (m.role == core::Role::Tool)
            answered.insert(m.toolCallId);
    }
    QList<core::ChatMessage> messages;
    if (!systemPrompt.isEmpty())
        messages.append(core::ChatMessage{core::Role::System, systemPrompt, {}, {}, {}});
    for (const db::Message &m : window) {
        if (m.role == core::Role::Tool && !requested.contains(m.toolCallId))
            continue; // its call was cut off by the window
        if (!m.toolCalls.isEmpty()) {
            const bool complete =
                std::all_of(m.toolCalls.cbegin(), m.toolCalls.cend(),
                            [&answered](const core::ToolCall &c) { return answered.contains(c.id); });
            if (!complete) {
                // Never replay a call without its result; keep any text it carried.
                for (const core::ToolCall &call : m.toolCalls)
                    requested.remove(call.id);
                if (!m.content.isEmpty())
                    messages.append(core::ChatMessage{core::Role::Assistant, m.content, {}, {}, {}});
                continue;
            }
        }
        if (m.role == core::Role::System)
            continue; // the flow's current prompt replaces any stored one
        messages.append(toChatMessage(m));
    }
    return messages;
}

} // namespace agency::flows

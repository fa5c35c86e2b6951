#include "historywindow.h"

#include <QSet>

#include <algorithm>

namespace agency::flows {

core::ChatMessage toChatMessage(const core::Message &message)
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

QList<core::ChatMessage> buildPromptMessages(const QString &systemPrompt, const QList<core::Message> &window)
{
    QList<core::ChatMessage> messages;
    if (!systemPrompt.isEmpty())
        messages.append(core::ChatMessage{core::Role::System, systemPrompt, {}, {}, {}});
    // A tool result is sent only in the group right after the assistant message that made its call.
    // Ids are matched within that group, not across the window: some models and servers reuse ids
    // in every response ("call_1"), so an old result whose call fell outside the window may carry
    // the id of a later call.
    QSet<QString> open; // calls of the last assistant message sent, still waiting for a result
    QList<core::ChatMessage> systemMessages;
    for (qsizetype i = 0; i < window.size(); ++i) {
        const core::Message &m = window.at(i);
        if (m.role == core::Role::Tool) {
            if (open.remove(m.toolCallId))
                messages.append(toChatMessage(m));
            continue; // its call was cut off by the window (or was not sent)
        }
        open.clear();
        if (m.role == core::Role::System) {
            // Stored instructions (a client's own system messages, from a history it handed
            // over) come right after the flow's prompt, which always leads.
            systemMessages.append(toChatMessage(m));
            continue;
        }
        if (!m.toolCalls.isEmpty()) {
            QSet<QString> answered;
            for (qsizetype j = i + 1; j < window.size() && window.at(j).role == core::Role::Tool; ++j)
                answered.insert(window.at(j).toolCallId);
            const bool complete =
                std::all_of(m.toolCalls.cbegin(), m.toolCalls.cend(),
                            [&answered](const core::ToolCall &c) { return answered.contains(c.id); });
            if (!complete) {
                // Never replay a call without its result; keep any text it carried.
                if (!m.content.isEmpty())
                    messages.append(core::ChatMessage{core::Role::Assistant, m.content, {}, {}, {}});
                continue;
            }
            for (const core::ToolCall &call : m.toolCalls)
                open.insert(call.id);
        }
        messages.append(toChatMessage(m));
    }
    const qsizetype afterPrompt = systemPrompt.isEmpty() ? 0 : 1;
    for (qsizetype i = 0; i < systemMessages.size(); ++i)
        messages.insert(afterPrompt + i, systemMessages.at(i));
    return messages;
}

} // namespace agency::flows

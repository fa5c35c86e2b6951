#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace agency::core {

/// Who wrote a message. Stored as the lowercase names used by every provider and the database.
enum class Role { System, User, Assistant, Tool };

QString roleName(Role role);
/// Parses "system" | "user" | "assistant" | "tool"; nullopt for anything else.
std::optional<Role> roleFromName(const QString &name);

/// One function call requested by the model. `arguments` is the raw JSON text the model produced
/// (it may be invalid JSON: validation is the tool engine's job, not the transport's).
struct ToolCall
{
    QString id;
    QString name;
    QString arguments;

    bool operator==(const ToolCall &) const = default;
};

QJsonObject toolCallToJson(const ToolCall &call); ///< OpenAI wire shape {id,type,function{name,arguments}}
std::optional<ToolCall> toolCallFromJson(const QJsonObject &obj);
QJsonArray toolCallsToJson(const QList<ToolCall> &calls);
QList<ToolCall> toolCallsFromJson(const QJsonArray &array);

/// Token accounting as reported by a provider (or estimated when it reports nothing).
struct Usage
{
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 totalTokens = 0;

    bool operator==(const Usage &) const = default;
    Usage &operator+=(const Usage &other)
    {
        promptTokens += other.promptTokens;
        completionTokens += other.completionTokens;
        totalTokens += other.totalTokens;
        return *this;
    }
};

/// A message of a conversation as providers see it.
struct ChatMessage
{
    Role role = Role::User;
    QString content;
    QList<ToolCall> toolCalls; ///< assistant messages only
    QString toolCallId;        ///< tool messages only: which call this answers
    QString name;              ///< tool messages: the function name (Gemini matches results by name)

    bool operator==(const ChatMessage &) const = default;
};

} // namespace agency::core

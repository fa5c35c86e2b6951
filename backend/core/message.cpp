#include "message.h"

#include <QJsonDocument>

namespace agency::core {

QString roleName(Role role)
{
    switch (role) {
    case Role::System:
        return QStringLiteral("system");
    case Role::User:
        return QStringLiteral("user");
    case Role::Assistant:
        return QStringLiteral("assistant");
    case Role::Tool:
        return QStringLiteral("tool");
    }
    return QStringLiteral("user");
}

std::optional<Role> roleFromName(const QString &name)
{
    if (name == QLatin1String("system"))
        return Role::System;
    if (name == QLatin1String("user"))
        return Role::User;
    if (name == QLatin1String("assistant"))
        return Role::Assistant;
    if (name == QLatin1String("tool"))
        return Role::Tool;
    return std::nullopt;
}

QJsonObject toolCallToJson(const ToolCall &call)
{
    return QJsonObject{
        {QStringLiteral("id"), call.id},
        {QStringLiteral("type"), QStringLiteral("function")},
        {QStringLiteral("function"),
         QJsonObject{{QStringLiteral("name"), call.name}, {QStringLiteral("arguments"), call.arguments}}},
    };
}

std::optional<ToolCall> toolCallFromJson(const QJsonObject &obj)
{
    const QJsonObject fn = obj.value(QStringLiteral("function")).toObject();
    const QString name = fn.value(QStringLiteral("name")).toString();
    if (name.isEmpty())
        return std::nullopt;
    const QJsonValue args = fn.value(QStringLiteral("arguments"));
    // Some servers send arguments as an object rather than a JSON string; accept both.
    QString argText = args.isString() ? args.toString()
                      : args.isObject()
                          ? QString::fromUtf8(QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact))
                          : QString();
    return ToolCall{obj.value(QStringLiteral("id")).toString(), name, argText};
}

QJsonArray toolCallsToJson(const QList<ToolCall> &calls)
{
    QJsonArray array;
    for (const ToolCall &call : calls)
        array.append(toolCallToJson(call));
    return array;
}

QList<ToolCall> toolCallsFromJson(const QJsonArray &array)
{
    QList<ToolCall> calls;
    for (const QJsonValue &v : array) {
        if (auto call = toolCallFromJson(v.toObject()))
            calls.append(*call);
    }
    return calls;
}

} // namespace agency::core

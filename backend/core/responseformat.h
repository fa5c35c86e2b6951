#pragma once

#include <QJsonObject>
#include <QString>

namespace agency::core {

/// The shape a client asks the final answer to take (OpenAI's `response_format` / `text.format`).
/// Text is the default: no constraint. JsonObject asks for any JSON object; JsonSchema for a JSON
/// value valid against `schema`. Providers that support it get it on every call of the turn (see
/// docs/design.md#providers), and the turn checks the final answer against it.
struct ResponseFormat
{
    enum class Kind { Text, JsonObject, JsonSchema };
    Kind kind = Kind::Text;
    QString name;        ///< JsonSchema: the schema's name, as the provider is told it
    QString description; ///< JsonSchema: optional
    QJsonObject schema;  ///< JsonSchema: a JSON Schema whose root is an object
    bool strict = false; ///< JsonSchema: ask the provider for strict schema adherence

    bool isJson() const { return kind != Kind::Text; }
    bool operator==(const ResponseFormat &) const = default;
};

} // namespace agency::core

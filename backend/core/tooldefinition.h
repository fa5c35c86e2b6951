#pragma once

#include <QJsonObject>
#include <QString>

namespace agency::core {

/// A function a model may call, as the tool registry describes it and the provider adapters send
/// it (each in its own wire format: see llm/openaiwire.cpp and llm/vertexwire.cpp). `parameters`
/// is a JSON Schema object describing the arguments, e.g.
/// {"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}.
/// Plain value.
struct ToolDefinition
{
    QString name;
    QString description;
    QJsonObject parameters;

    bool operator==(const ToolDefinition &) const = default;
};

} // namespace agency::core

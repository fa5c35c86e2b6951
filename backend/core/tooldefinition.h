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

/// A tool as an admin sees it (`aiagency tools list`): its definition, whether a person approves
/// each call before it runs, and where it comes from ("builtin", or the MCP server's name).
struct ToolInfo
{
    ToolDefinition definition;
    bool requiresApproval = false;
    QString origin = QStringLiteral("builtin");
};

/// The outcome of one tool run directly by an admin (`aiagency tools call`): exactly the result
/// a model would see, `{"success": ...}` included.
struct ToolCallOutcome
{
    bool success = false;
    QJsonObject result;
    qint64 elapsedMs = 0;
    /// Set when the tool needs a person's approval: nothing ran, the call waits as this approval.
    QString approvalId;
};

} // namespace agency::core

#pragma once

#include "core/message.h"
#include "tool.h"

#include <QFuture>
#include <QHash>
#include <QObject>
#include <QStringList>

#include <memory>

namespace agency::tools {

/// The set of tools the turn engine may call, and the one place a model's tool call is checked
/// and run: name lookup, argument validation against the tool's JSON Schema, execution with a
/// timeout and cancellation, and conversion of every failure into a structured result for the
/// model (`{"success": false, "error": "...", "error_code": "..."}`) — never a crash, never an
/// exception.
///
/// Thread affinity: lives on one event-loop thread with its tools; call it only from there.
/// Ownership: tools are shared (a tool may be registered in several registries); pending calls
/// are children of the registry and finish with a Cancelled result if it is destroyed first.
///
/// Timeouts: a call that outlives its timeout finishes with ErrorCode::ProviderTimeout (a tool
/// depends on an outside service, like a provider; the HTTP table maps it to 504) and the tool's
/// cancel token is cancelled so it stops its work. Cancelling the caller's token finishes the
/// call at once with ErrorCode::Cancelled.
class ToolRegistry : public QObject
{
public:
    static constexpr int kDefaultTimeoutMs = 20'000;

    explicit ToolRegistry(int defaultTimeoutMs = kDefaultTimeoutMs, QObject *parent = nullptr);
    ~ToolRegistry() override;

    /// Registers a tool. InvalidArgument for a bad name or schema, Conflict for a duplicate name.
    core::Status add(std::shared_ptr<Tool> tool);
    std::shared_ptr<Tool> find(const QString &name) const;
    bool contains(const QString &name) const { return m_tools.contains(name); }
    /// Registered names, sorted.
    QStringList names() const;

    /// Every definition, sorted by name.
    QList<core::ToolDefinition> definitions() const;
    /// The definitions of `names` in that order (a flow's tool list); NotFound names the first
    /// unknown tool.
    core::Result<QList<core::ToolDefinition>> definitions(const QStringList &names) const;

    /// Parses the model's raw argument text and validates it. An empty text means {}.
    /// NotFound for an unknown tool; InvalidArgument for invalid JSON, a non-object, or schema
    /// violations (message like "units: must be one of metric, imperial, standard").
    /// On success returns the arguments with schema defaults filled in.
    core::Result<QJsonObject> validateArguments(const QString &name, const QString &rawJsonArguments) const;
    core::Result<QJsonObject> validateArguments(const QString &name, const QJsonObject &arguments) const;

    /// Validates and runs a tool. The future always finishes with a ToolResult (failures are
    /// results, see ToolResult). `timeoutMs` <= 0 uses the registry's default.
    /// `context` tells the tool whose turn it runs in.
    QFuture<ToolResult> execute(const QString &name, const QJsonObject &arguments,
                                const core::CancelTokenPtr &cancel, int timeoutMs = 0,
                                const ToolContext &context = {});
    /// Same for a model's tool call (raw JSON arguments), e.g. one entry of an assistant message.
    QFuture<ToolResult> executeCall(const core::ToolCall &call, const core::CancelTokenPtr &cancel,
                                    int timeoutMs = 0, const ToolContext &context = {});

    int defaultTimeoutMs() const { return m_defaultTimeoutMs; }

private:
    QFuture<ToolResult> start(const std::shared_ptr<Tool> &tool, const QJsonObject &validated,
                              const core::CancelTokenPtr &cancel, int timeoutMs, const ToolContext &context);

    QHash<QString, std::shared_ptr<Tool>> m_tools;
    int m_defaultTimeoutMs;
};

} // namespace agency::tools

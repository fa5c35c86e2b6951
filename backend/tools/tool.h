#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/error.h"
#include "core/tooldefinition.h"

#include <QJsonObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

namespace agency::tools {

/// What a tool call knows about the turn it runs in (docs/design.md#flows-and-tools).
struct ToolContext
{
    QString tenantId; ///< empty outside a tenant's turn (e.g. a direct registry call)
    /// The last citation number handed out in this turn, shared by its tool calls so that every
    /// cited passage of one answer has its own [n] (atomic: a search may finish on a database
    /// thread). Null: the call numbers from 1.
    std::shared_ptr<std::atomic_int> citationCounter;
};

/// A function the model may call (docs/design.md#flows-and-tools).
///
/// Thread affinity: a tool is created on, and used only from, one event-loop thread (the one that
/// runs chat turns). execute() must never block that thread: network and database work is
/// asynchronous and the returned future finishes later.
///
/// Error contract: execute() reports failures as a failed Result (never an exception); the
/// registry turns them into the structured `{"success": false, "error": ...}` result the model
/// sees. It must honour `cancel` promptly (abort network requests, finish with Cancelled).
/// `arguments` have already been validated against parameters() (with schema defaults filled in).
class Tool
{
public:
    virtual ~Tool() = default;

    /// ^[A-Za-z0-9_-]{1,64}$, unique within a registry.
    virtual QString name() const = 0;
    virtual QString description() const = 0;
    /// JSON Schema of the arguments; the top level is {"type": "object", ...}.
    virtual QJsonObject parameters() const = 0;
    /// True for a tool that acts on another system (posts, creates, comments): a person approves
    /// each call before it runs (docs/design.md#flows-and-tools).
    virtual bool requiresApproval() const { return false; }
    /// Where the tool comes from, for admins: "builtin", or "mcp:<server>".
    virtual QString origin() const { return QStringLiteral("builtin"); }

    /// Runs the tool. On success the object is the result payload (the registry adds
    /// "success": true).
    virtual core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                             const core::CancelTokenPtr &cancel) = 0;

    core::ToolDefinition definition() const { return {name(), description(), parameters()}; }
};

/// The outcome of one tool call, ready to become a `tool` message.
///
/// `json` always carries "success" (bool). On failure it also carries "error" (a sentence the
/// model can act on) and "error_code" (errorCodeName()). On success it is the tool's payload
/// plus "success": true.
struct ToolResult
{
    QJsonObject json;
    std::optional<core::ErrorCode> errorCode; ///< empty on success
    qint64 elapsedMs = 0;

    bool success() const { return !errorCode.has_value(); }
    bool cancelled() const { return errorCode == core::ErrorCode::Cancelled; }
    /// Compact JSON text for the `tool` message content.
    QString content() const;

    static ToolResult fromPayload(QJsonObject payload, qint64 elapsedMs = 0);
    static ToolResult fromError(const core::Error &error, qint64 elapsedMs = 0);
};

} // namespace agency::tools

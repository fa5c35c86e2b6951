#include "agencyservice.h"

#include "core/async/resultpromise.h"
#include "core/async/whenfinished.h"
#include "core/validation.h"
#include "db/tenantrepository.h"
#include "flows/flowregistry.h"
#include "tools/toolregistry.h"

#include <QJsonDocument>

// The admin's view of tools (docs/design.md#flows-and-tools): what a flow may call, its MCP
// servers' tools included, and one call run exactly as a turn of the tenant would run it, so
// credentials can be checked without a model.

namespace agency::service {

using core::ErrorCode;
using core::makeError;

namespace {

using ToolList = QList<std::shared_ptr<tools::Tool>>;

core::Error toolsMissing()
{
    return makeError(ErrorCode::NotConfigured, QStringLiteral("tools are not available in this build"));
}

core::Error flowMissing(const QString &flowType)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("flow \"%1\" does not exist").arg(flowType),
                     {{QStringLiteral("flow_type"), flowType}});
}

core::ToolInfo infoOf(const tools::Tool &tool)
{
    core::ToolInfo info;
    info.definition = tool.definition();
    info.requiresApproval = tool.requiresApproval();
    info.origin = tool.origin();
    return info;
}

core::Error abandoned()
{
    return makeError(ErrorCode::Cancelled, QStringLiteral("the tool call was abandoned"));
}

/// Asked, instead of running it, for a tool that needs a person's approval: stores the validated
/// call as a pending approval.
using ApprovalRequest =
    std::function<core::Async<core::ToolApproval>(const QString &tool, const QJsonObject &arguments)>;

/// Runs `tool` alone in a registry of its own (validation, time limit), as the turn runs the
/// extra tools it is given; a tool that needs approval is handed to `requestApproval` instead.
void runInOwnRegistry(QObject *context, const std::shared_ptr<tools::Tool> &tool,
                      const QString &argumentsJson, const tools::ToolContext &toolContext, int timeoutMs,
                      const ApprovalRequest &requestApproval,
                      const core::ResultPromise<core::ToolCallOutcome> &promise)
{
    auto *registry = new tools::ToolRegistry(timeoutMs, context);
    if (auto added = registry->add(tool); !added) {
        registry->deleteLater();
        return promise.finish(added.error());
    }
    auto arguments = registry->validateArguments(tool->name(), argumentsJson);
    if (!arguments) {
        registry->deleteLater();
        return promise.finish(arguments.error());
    }
    if (tool->requiresApproval()) {
        registry->deleteLater();
        core::whenFinished(
            context, requestApproval(tool->name(), arguments.value()),
            [promise](const core::Result<core::ToolApproval> &approval) {
                if (!approval)
                    return promise.finish(approval.error());
                core::ToolCallOutcome outcome;
                outcome.approvalId = approval->approvalId.toString(QUuid::WithoutBraces);
                outcome.result = {{QStringLiteral("success"), false},
                                  {QStringLiteral("awaiting_approval"), outcome.approvalId}};
                promise.finish(outcome);
            },
            [promise] { promise.finish(abandoned()); });
        return;
    }
    core::whenFinished(
        registry,
        registry->execute(tool->name(), arguments.value(), core::CancelToken::create(), 0, toolContext),
        [registry, promise](const tools::ToolResult &result) {
            registry->deleteLater();
            promise.finish(core::ToolCallOutcome{result.success(), result.json, result.elapsedMs, {}});
        },
        [registry, promise] {
            registry->deleteLater();
            promise.finish(abandoned());
        });
}

} // namespace

core::Async<QList<core::ToolInfo>> AgencyService::flowTools(const QString &flowType, const QString &tenantId)
{
    if (!m_deps.tools)
        return core::failedAsync<QList<core::ToolInfo>>(toolsMissing());
    if (flowType.isEmpty()) {
        QList<core::ToolInfo> infos;
        for (const QString &name : m_deps.tools->names())
            infos.append(infoOf(*m_deps.tools->find(name)));
        return core::readyAsync<QList<core::ToolInfo>>(infos);
    }
    const auto flow = m_deps.flows->find(flowType);
    if (!flow)
        return core::failedAsync<QList<core::ToolInfo>>(flowMissing(flowType));
    QList<core::ToolInfo> infos;
    for (const QString &name : flow->tools) {
        // A flow only loads when each of its tools is registered (FlowRegistry::load).
        if (const auto tool = m_deps.tools->find(name))
            infos.append(infoOf(*tool));
    }
    if (!m_deps.extraTools)
        return core::readyAsync<QList<core::ToolInfo>>(infos);
    core::ResultPromise<QList<core::ToolInfo>> promise;
    core::whenFinished(
        this, m_deps.extraTools(tenantId, *flow),
        [promise, infos](const ToolList &extra) mutable {
            for (const auto &tool : extra)
                infos.append(infoOf(*tool));
            promise.finish(infos);
        },
        [promise, infos] { promise.finish(infos); });
    return promise.future();
}

core::Async<core::ToolCallOutcome> AgencyService::callTool(const QString &tenantId, const QString &name,
                                                           const QString &argumentsJson,
                                                           const QString &flowType)
{
    if (!m_deps.tools)
        return core::failedAsync<core::ToolCallOutcome>(toolsMissing());
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::ToolCallOutcome>(ok.error());
    QList<core::FlowDefinition> flows = m_deps.flows->flows();
    if (!flowType.isEmpty()) {
        const auto flow = m_deps.flows->find(flowType);
        if (!flow)
            return core::failedAsync<core::ToolCallOutcome>(flowMissing(flowType));
        flows = {*flow};
    }
    const auto builtin = m_deps.tools->find(name);
    // Checked before anything runs, so a typo never reaches another system.
    if (builtin) {
        if (auto arguments = m_deps.tools->validateArguments(name, argumentsJson); !arguments)
            return core::failedAsync<core::ToolCallOutcome>(arguments.error());
    }
    core::ResultPromise<core::ToolCallOutcome> promise;
    const int timeoutMs = m_deps.tools->defaultTimeoutMs();
    auto extraTools = m_deps.extraTools;
    const ApprovalRequest requestApproval = [this, tenantId](const QString &tool,
                                                             const QJsonObject &arguments) {
        return requestToolApproval(tenantId, tool, arguments);
    };
    // The tenant must exist (its settings and credentials are what the tool uses); the tool then
    // runs on this thread, where the tools live.
    core::whenFinished(
        this, m_deps.tenants->getTenant(tenantId),
        [this, promise, builtin, extraTools, flows, tenantId, name, argumentsJson, timeoutMs,
         requestApproval](const core::Result<core::Tenant> &t) {
            if (!t)
                return promise.finish(t.error());
            const tools::ToolContext context{tenantId, {}};
            if (builtin)
                return runInOwnRegistry(this, builtin, argumentsJson, context, timeoutMs, requestApproval,
                                        promise);
            const auto notFound = [name] {
                return makeError(
                    ErrorCode::NotFound,
                    QStringLiteral("no tool named \"%1\"; `aiagency tools list` shows them (an MCP "
                                   "server's tools with --flow)")
                        .arg(name),
                    {{QStringLiteral("tool"), name}});
            };
            if (!extraTools)
                return promise.finish(notFound());
            // An MCP server's tool: the servers of the flows (and of the tenant) are asked in turn.
            auto search = std::make_shared<std::function<void(int)>>();
            *search = [this, search, promise, extraTools, flows, tenantId, name, argumentsJson, context,
                       timeoutMs, requestApproval, notFound](int index) {
                if (index >= flows.size()) {
                    *search = nullptr; // breaks the cycle through the capture
                    return promise.finish(notFound());
                }
                core::whenFinished(
                    this, extraTools(tenantId, flows.at(index)),
                    [this, search, promise, name, argumentsJson, context, timeoutMs, requestApproval,
                     index](const ToolList &extra) {
                        for (const auto &tool : extra) {
                            if (tool->name() == name) {
                                *search = nullptr; // breaks the cycle through the capture
                                return runInOwnRegistry(this, tool, argumentsJson, context, timeoutMs,
                                                        requestApproval, promise);
                            }
                        }
                        if (*search)
                            (*search)(index + 1);
                    },
                    [search, promise] {
                        *search = nullptr;
                        promise.finish(abandoned());
                    });
            };
            (*search)(0);
        },
        [promise] { promise.finish(abandoned()); });
    return promise.future();
}

} // namespace agency::service

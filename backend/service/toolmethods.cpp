#include "agencyservice.h"

#include "core/async/resultpromise.h"
#include "core/async/whenfinished.h"
#include "core/validation.h"
#include "db/tenantrepository.h"
#include "flows/flowregistry.h"
#include "tools/toolregistry.h"

#include <QJsonDocument>

// The admin's view of tools (docs/design.md#flows-and-tools): what a flow may call, and one call
// run exactly as a turn of the tenant would run it, so credentials can be checked without a model.

namespace agency::service {

using core::ErrorCode;
using core::makeError;

namespace {

core::Error toolsMissing()
{
    return makeError(ErrorCode::NotConfigured, QStringLiteral("tools are not available in this build"));
}

/// The registry's limit for an MCP tool run directly; the tool keeps its own, shorter one.
constexpr int kExtraToolBackstopMs = 610'000;

core::ToolInfo infoOf(const tools::Tool &tool)
{
    core::ToolInfo info;
    info.definition = tool.definition();
    info.requiresApproval = tool.requiresApproval();
    return info;
}

} // namespace

core::Async<QList<core::ToolInfo>> AgencyService::flowTools(const QString &flowType)
{
    if (!m_deps.tools)
        return core::failedAsync<QList<core::ToolInfo>>(toolsMissing());
    QStringList names = m_deps.tools->names();
    if (!flowType.isEmpty()) {
        const auto flow = m_deps.flows->find(flowType);
        if (!flow) {
            return core::failedAsync<QList<core::ToolInfo>>(
                makeError(ErrorCode::NotFound, QStringLiteral("flow \"%1\" does not exist").arg(flowType),
                          {{QStringLiteral("flow_type"), flowType}}));
        }
        names = flow->tools;
    }
    QList<core::ToolInfo> infos;
    for (const QString &name : names) {
        // A flow only loads when each of its tools is registered (FlowRegistry::load).
        if (const auto tool = m_deps.tools->find(name))
            infos.append(infoOf(*tool));
    }
    const auto flow = flowType.isEmpty() ? std::nullopt : m_deps.flows->find(flowType);
    if (!flow || flow->mcpServers.isEmpty() || !m_deps.extraTools)
        return core::readyAsync<QList<core::ToolInfo>>(infos);
    // The tools of the flow's MCP servers, exactly as a turn gets them (started if need be).
    return m_deps.extraTools({}, *flow).then(
        this,
        [infos](
            const QList<std::shared_ptr<tools::Tool>> &extra) mutable -> core::Result<QList<core::ToolInfo>> {
            for (const auto &tool : extra) {
                core::ToolInfo info = infoOf(*tool);
                info.origin = QStringLiteral("mcp:") + tool->name().section(QStringLiteral("__"), 0, 0);
                infos.append(info);
            }
            return infos;
        });
}

core::Async<core::ToolCallOutcome> AgencyService::callTool(const QString &tenantId, const QString &name,
                                                           const QString &argumentsJson)
{
    if (!m_deps.tools)
        return core::failedAsync<core::ToolCallOutcome>(toolsMissing());
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::ToolCallOutcome>(ok.error());
    if (!m_deps.tools->contains(name) && m_deps.extraTools && name.contains(QLatin1String("__"))) {
        // An MCP server's tool (<server>__<tool>): the servers of the flow naming that server,
        // else the tenant's own, run as a turn's extra tools are: in a registry of their own.
        core::FlowDefinition flow;
        const QString server = name.section(QStringLiteral("__"), 0, 0);
        for (const core::FlowDefinition &candidate : m_deps.flows->flows()) {
            for (const core::McpServerConfig &config : candidate.mcpServers) {
                if (config.name == server && flow.flowType.isEmpty())
                    flow = candidate;
            }
        }
        auto registry = std::make_shared<tools::ToolRegistry>(kExtraToolBackstopMs);
        return m_deps.extraTools(tenantId, flow)
            .then(this,
                  [this, registry, tenantId, name,
                   argumentsJson](const QList<std::shared_ptr<tools::Tool>> &extra) {
                      for (const auto &tool : extra) {
                          if (tool->name() == name)
                              (void)registry->add(tool); // a schema the registry refuses: not found
                      }
                      return runTool(registry, tenantId, name, argumentsJson);
                  })
            .unwrap();
    }
    // The engine's registry outlives the service: shared without ownership.
    return runTool(std::shared_ptr<tools::ToolRegistry>(m_deps.tools, [](tools::ToolRegistry *) {}), tenantId,
                   name, argumentsJson);
}

core::Async<core::ToolCallOutcome>
AgencyService::runTool(const std::shared_ptr<tools::ToolRegistry> &registry, const QString &tenantId,
                       const QString &name, const QString &argumentsJson)
{
    const auto tool = registry->find(name);
    if (!tool) {
        return core::failedAsync<core::ToolCallOutcome>(
            makeError(ErrorCode::NotFound,
                      QStringLiteral("no tool named \"%1\"; `aiagency tools list` shows them").arg(name),
                      {{QStringLiteral("tool"), name}}));
    }
    // Checked before anything runs, so a typo never reaches another system.
    auto arguments = registry->validateArguments(name, argumentsJson);
    if (!arguments)
        return core::failedAsync<core::ToolCallOutcome>(arguments.error());
    if (tool->requiresApproval()) {
        return core::failedAsync<core::ToolCallOutcome>(makeError(
            ErrorCode::Conflict,
            QStringLiteral("tool \"%1\" acts on another system: a person must approve each call").arg(name),
            {{QStringLiteral("reason"), QStringLiteral("approval_required")}}));
    }
    core::ResultPromise<core::ToolCallOutcome> promise;
    // The tenant must exist (its settings and credentials are what the tool uses); the tool then
    // runs on this thread, where the registry lives.
    core::whenFinished(
        this, m_deps.tenants->getTenant(tenantId),
        [this, promise, registry, tenantId, name,
         validated = arguments.value()](const core::Result<core::Tenant> &t) {
            if (!t)
                return promise.finish(t.error());
            core::whenFinished(
                this,
                registry->execute(name, validated, core::CancelToken::create(), 0,
                                  tools::ToolContext{tenantId, {}}),
                // The registry lives until its call is over (a temporary one holds MCP tools).
                [promise, registry](const tools::ToolResult &result) {
                    promise.finish(core::ToolCallOutcome{result.success(), result.json, result.elapsedMs});
                },
                [promise] {
                    promise.finish(
                        makeError(ErrorCode::Cancelled, QStringLiteral("the tool call was abandoned")));
                });
        },
        [promise] {
            promise.finish(makeError(ErrorCode::Cancelled, QStringLiteral("the tool call was abandoned")));
        });
    return promise.future();
}

} // namespace agency::service

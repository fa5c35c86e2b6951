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
    return core::readyAsync<QList<core::ToolInfo>>(infos);
}

core::Async<core::ToolCallOutcome> AgencyService::callTool(const QString &tenantId, const QString &name,
                                                           const QString &argumentsJson)
{
    if (!m_deps.tools)
        return core::failedAsync<core::ToolCallOutcome>(toolsMissing());
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::ToolCallOutcome>(ok.error());
    const auto tool = m_deps.tools->find(name);
    if (!tool) {
        return core::failedAsync<core::ToolCallOutcome>(
            makeError(ErrorCode::NotFound,
                      QStringLiteral("no tool named \"%1\"; `aiagency tools list` shows them").arg(name),
                      {{QStringLiteral("tool"), name}}));
    }
    // Checked before anything runs, so a typo never reaches another system.
    auto arguments = m_deps.tools->validateArguments(name, argumentsJson);
    if (!arguments)
        return core::failedAsync<core::ToolCallOutcome>(arguments.error());
    if (tool->requiresApproval()) {
        return core::failedAsync<core::ToolCallOutcome>(makeError(
            ErrorCode::Conflict,
            QStringLiteral("tool \"%1\" acts on another system: a person must approve each call").arg(name),
            {{QStringLiteral("reason"), QStringLiteral("approval_required")}}));
    }
    core::ResultPromise<core::ToolCallOutcome> promise;
    tools::ToolRegistry *registry = m_deps.tools;
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
                [promise](const tools::ToolResult &result) {
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

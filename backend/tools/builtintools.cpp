#include "builtintools.h"

#include "searchdocumentstool.h"
#include "slack/slacktools.h"

namespace agency::tools {

core::Result<std::unique_ptr<ToolRegistry>>
createBuiltinToolRegistry(const ToolsConfig &config, QNetworkAccessManager &nam, sql::DbExecutor *cache,
                          std::shared_ptr<const core::Clock> clock, DocumentSearch *documents,
                          core::TenantSecretSource *secrets)
{
    auto registry = std::make_unique<ToolRegistry>(config.timeoutMs);
    auto weather = std::make_shared<WeatherTool>(makeWeatherBackend(config.weather, nam),
                                                 config.weather.cacheTtlSeconds, cache, std::move(clock));
    if (auto added = registry->add(std::move(weather)); !added)
        return added.error();
    if (auto added = registry->add(std::make_shared<SearchDocumentsTool>(documents)); !added)
        return added.error();
    if (auto added =
            slack::addSlackTools(*registry, std::make_shared<slack::SlackClient>(config.slack, nam, secrets));
        !added)
        return added.error();
    return registry;
}

} // namespace agency::tools

#include "builtintools.h"

#include "github/githubtools.h"
#include "searchdocumentstool.h"

namespace agency::tools {

core::Result<std::unique_ptr<ToolRegistry>>
createBuiltinToolRegistry(const ToolsConfig &config, QNetworkAccessManager &nam, sql::DbExecutor *cache,
                          std::shared_ptr<const core::Clock> clock, DocumentSearch *documents,
                          core::TenantSecretSource *secrets)
{
    auto registry = std::make_unique<ToolRegistry>(config.timeoutMs);
    auto weather = std::make_shared<WeatherTool>(makeWeatherBackend(config.weather, nam),
                                                 config.weather.cacheTtlSeconds, cache, clock);
    if (auto added = registry->add(std::move(weather)); !added)
        return added.error();
    if (auto added = registry->add(std::make_shared<SearchDocumentsTool>(documents)); !added)
        return added.error();
    auto github = std::make_shared<GitHubClient>(config.github, nam, secrets, std::move(clock));
    for (auto &tool : makeGitHubTools(github)) {
        if (auto added = registry->add(std::move(tool)); !added)
            return added.error();
    }
    return registry;
}

} // namespace agency::tools

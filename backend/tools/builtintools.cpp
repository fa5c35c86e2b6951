#include "builtintools.h"

#include "github/githubtools.h"
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
                                                 config.weather.cacheTtlSeconds, cache, clock);
    if (auto added = registry->add(std::move(weather)); !added)
        return added.error();
    if (auto added = registry->add(std::make_shared<SearchDocumentsTool>(documents)); !added)
        return added.error();
    // A wait for GitHub's rate limit must end within the tool call's own time limit, with time
    // left for the retried request; a longer one fails at once saying when to try again.
    GitHubConfig github = config.github;
    github.maxRateLimitWaitMs = std::min<qint64>(github.maxRateLimitWaitMs, config.timeoutMs / 2);
    auto client = std::make_shared<GitHubClient>(github, nam, secrets, std::move(clock));
    for (auto &tool : makeGitHubTools(client)) {
        if (auto added = registry->add(std::move(tool)); !added)
            return added.error();
    }
    if (auto added =
            slack::addSlackTools(*registry, std::make_shared<slack::SlackClient>(config.slack, nam, secrets));
        !added)
        return added.error();
    return registry;
}

} // namespace agency::tools

#pragma once

#include "core/clock.h"
#include "core/tenantsecrets.h"
#include "documentsearch.h"
#include "github/githubconfig.h"
#include "slack/slackclient.h"
#include "toolregistry.h"
#include "weathertool.h"

#include <memory>

class QNetworkAccessManager;

namespace agency::core {
class TenantSecretSource;
} // namespace agency::core

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::tools {

/// Configuration of the tools the product ships (settings TOOL_TIMEOUT_MS, the weather ones and
/// GITHUB_API_BASE_URL).
struct ToolsConfig
{
    int timeoutMs = 20000; ///< default time limit of one tool call
    WeatherConfig weather;
    GitHubConfig github;
    slack::SlackConfig slack; ///< SLACK_API_BASE_URL
};

/// The registry the product ships, for the composition root: the default timeout and the
/// built-in tools (get_weather, its back-end sending through `nam`; search_documents asking
/// `documents`; the github_* and slack_* tools with the tenant's credentials from `secrets`).
/// `cache` is optional and borrowed (no executor: no weather cache); `nam`, `documents` and
/// `secrets` must outlive the registry (no `documents`: search_documents fails NotConfigured; no
/// `secrets`: the GitHub and Slack tools fail NotConfigured, saying how to connect).
/// Create on `nam`'s thread, the event-loop thread that will run chat turns.
core::Result<std::unique_ptr<ToolRegistry>>
createBuiltinToolRegistry(const ToolsConfig &config, QNetworkAccessManager &nam, sql::DbExecutor *cache,
                          std::shared_ptr<const core::Clock> clock, DocumentSearch *documents = nullptr,
                          core::TenantSecretSource *secrets = nullptr);

} // namespace agency::tools

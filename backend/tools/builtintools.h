#pragma once

#include "core/clock.h"
#include "core/tenantsecrets.h"
#include "documentsearch.h"
#include "slack/slackclient.h"
#include "toolregistry.h"
#include "weathertool.h"

#include <memory>

class QNetworkAccessManager;

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::tools {

/// Configuration of the tools the product ships (settings TOOL_TIMEOUT_MS and the weather ones).
struct ToolsConfig
{
    int timeoutMs = 20000; ///< default time limit of one tool call
    WeatherConfig weather;
    slack::SlackConfig slack; ///< SLACK_API_BASE_URL
};

/// The registry the product ships, for the composition root: the default timeout and the
/// built-in tools (get_weather, its back-end sending through `nam`; search_documents asking
/// `documents`). `cache` is optional and borrowed (no executor: no weather cache); `nam` and
/// `documents` must outlive the registry (no `documents`: search_documents fails NotConfigured).
/// `secrets` (borrowed, may be null: those tools fail NotConfigured) holds the tenants' credentials
/// of outside systems.
/// Create on `nam`'s thread, the event-loop thread that will run chat turns.
core::Result<std::unique_ptr<ToolRegistry>>
createBuiltinToolRegistry(const ToolsConfig &config, QNetworkAccessManager &nam, sql::DbExecutor *cache,
                          std::shared_ptr<const core::Clock> clock, DocumentSearch *documents = nullptr,
                          core::TenantSecretSource *secrets = nullptr);

} // namespace agency::tools

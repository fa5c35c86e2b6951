#pragma once

#include "core/clock.h"
#include "toolregistry.h"

#include <memory>

namespace agency::config {
class Settings;
}
namespace agency::db {
class DbExecutor;
}

namespace agency::tools {

/// The registry the product ships, for the composition root: default timeout TOOL_TIMEOUT_MS and
/// the built-in tools (get_weather, configured by WeatherSettings::fromSettings()). `cache` is
/// optional and borrowed (no executor: no weather cache). NotConfigured naming the setting when a
/// setting is malformed. Create on the event-loop thread that will run chat turns.
core::Result<std::unique_ptr<ToolRegistry>>
createBuiltinToolRegistry(const config::Settings &settings, db::DbExecutor *cache,
                          std::shared_ptr<const core::Clock> clock);

} // namespace agency::tools

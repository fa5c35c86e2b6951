#include "builtintools.h"

#include "config/settings.h"
#include "weathertool.h"

namespace agency::tools {

using core::ErrorCode;
using core::makeError;

core::Result<std::unique_ptr<ToolRegistry>>
createBuiltinToolRegistry(const config::Settings &settings, db::DbExecutor *cache,
                          std::shared_ptr<const core::Clock> clock)
{
    const QString timeoutKey = QStringLiteral("TOOL_TIMEOUT_MS");
    const auto timeout = settings.intValue(timeoutKey);
    if (!timeout || timeout.value() < 100 || timeout.value() > 3'600'000) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("%1 must be a number of milliseconds between 100 and 3600000").arg(timeoutKey),
            {{QStringLiteral("setting"), timeoutKey}});
    }
    auto weatherSettings = WeatherSettings::fromSettings(settings);
    if (!weatherSettings)
        return weatherSettings.error();
    auto registry = std::make_unique<ToolRegistry>(static_cast<int>(timeout.value()));
    if (auto added =
            registry->add(std::make_shared<WeatherTool>(weatherSettings.value(), cache, std::move(clock)));
        !added)
        return added.error();
    return registry;
}

} // namespace agency::tools

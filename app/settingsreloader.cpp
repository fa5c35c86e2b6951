#include "settingsreloader.h"
#include "consolesettingsstore.h"
#include "runtime/backend.h"
#include "runtime/runtimeconfig.h"
#include "service/agencyservice.h"

namespace agency::app {

core::Result<config::Settings> withSavedValues(config::Settings base, const QHash<QString, QString> &saved)
{
    for (auto it = saved.begin(); it != saved.end(); ++it) {
        const config::Source source = base.source(it.key());
        if (source != config::Source::Default && source != config::Source::ConfigFile)
            continue;
        auto next = base.with(it.key(), it.value());
        if (!next)
            return next.error();
        base = next.value();
    }
    // A value removed from the config file since the start is unset again.
    for (const auto &[key, value, source] : base.describe()) {
        Q_UNUSED(value);
        if (source != config::Source::ConfigFile || saved.contains(key))
            continue;
        auto next = base.with(key, QString());
        if (next)
            base = next.value();
    }
    return base;
}

void installSettingsReloader(runtime::Backend &backend, const config::Settings &base,
                             const ConsoleSettingsStore &store)
{
    backend.service().setSettingsReloader([&backend, base, &store]() -> core::Status {
        auto settings = withSavedValues(base, store.values());
        if (!settings)
            return settings.error();
        backend.reconfigureProviders(runtime::RuntimeConfig::fromSettings(settings.value()));
        return {};
    });
}

} // namespace agency::app

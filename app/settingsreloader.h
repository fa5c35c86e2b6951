#pragma once

#include "config/settings.h"

namespace agency::runtime {
class Backend;
}

namespace agency::app {

class ConsoleSettingsStore;

/// Lets the console apply saved provider settings without a restart: AgencyService::reloadSettings()
/// then layers `store`'s values (config file and keychain) over `base` where the config file or a
/// default stood (the environment, `.env` and the command line still win) and reconfigures
/// `backend`'s providers. All three must outlive the backend's service.
void installSettingsReloader(runtime::Backend &backend, const config::Settings &base,
                             const ConsoleSettingsStore &store);

/// `base` with `saved` layered where the config file or a default stood.
core::Result<config::Settings> withSavedValues(config::Settings base, const QHash<QString, QString> &saved);

} // namespace agency::app

#pragma once

#include "core/result.h"

#include <QString>

namespace agency::app {

enum class LogFormat { Human, JsonLines };

/// Installs the process-wide Qt message handler: messages below `level` (debug | info | warning |
/// error) are dropped; Human prints "warning: category: text" to stderr, JsonLines prints one JSON
/// object per line ({"ts","level","category","message"}) for log collectors in server mode.
/// InvalidArgument for an unknown level.
core::Status installLogging(const QString &level, LogFormat format);

} // namespace agency::app

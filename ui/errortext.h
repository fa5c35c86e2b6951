#pragma once

#include "core/error.h"

namespace agency::ui {

/// A sentence a consultant can act on, for an error shown in the window (the technical message
/// follows it). Rate limits say when to retry; provider and database failures say what to check.
QString readableError(const core::Error &error);
/// The same for reading what a view shows (lists, a thread, a search): nothing was typed and
/// nothing is to be sent again. A database failure says what happens once it is back: `whenBack`,
/// by default that the view is read again by itself.
QString browsingError(const core::Error &error, const QString &whenBack = {});
/// browsingError() for a search, which is not run again by itself.
QString searchError(const core::Error &error);

/// Whether what fixes `code` is in Settings (a missing or rejected key, an unreachable base URL):
/// the error is then shown with a button that opens them.
bool fixedInSettings(core::ErrorCode code);

} // namespace agency::ui

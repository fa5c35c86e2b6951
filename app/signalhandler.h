#pragma once

#include <QObject>

#include <functional>

namespace agency::app {

/// Delivers SIGINT/SIGTERM to the event loop (self-pipe): `onSignal` runs on `context`'s thread,
/// so shutdown is orderly (the embedded database is stopped, turns are cancelled). Install once
/// per process; restoreDefaultSignals() undoes it.
void handleStopSignals(QObject *context, std::function<void(int signal)> onSignal);
void restoreDefaultSignals();

} // namespace agency::app

#pragma once

#include <QObject>

#include <functional>

namespace agency::app {

/// Delivers SIGINT/SIGTERM to the event loop (self-pipe): `onSignal` runs on `context`'s thread,
/// so shutdown is orderly (the embedded database is stopped, turns are cancelled). Install once
/// per process; restoreDefaultSignals() undoes it.
void handleStopSignals(QObject *context, std::function<void(int signal)> onSignal);
/// Call once the event loop has returned. If it returned because of a stop signal, the rest of
/// the shutdown gets kShutdownGraceMs; then the process exits with 128 + signal whatever it is
/// waiting for (a hung database), so SIGTERM and Ctrl-C always end it promptly.
void restoreDefaultSignals();
constexpr int kShutdownGraceMs = 5000;

} // namespace agency::app

#include "signalhandler.h"

#include <QSocketNotifier>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <unistd.h>

namespace agency::app {

namespace {
int g_pipe[2] = {-1, -1};
std::atomic<int> g_received{0}; // the last stop signal delivered to the event loop

void forward(int signal)
{
    const char byte = static_cast<char>(signal);
    (void)!::write(g_pipe[1], &byte, 1);
}
} // namespace

void handleStopSignals(QObject *context, std::function<void(int)> onSignal)
{
    if (g_pipe[0] < 0 && ::pipe(g_pipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_pipe[0], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [onSignal = std::move(onSignal)] {
        char byte = 0;
        if (::read(g_pipe[0], &byte, 1) == 1) {
            g_received = byte;
            onSignal(byte);
        }
    });
    std::signal(SIGINT, forward);
    std::signal(SIGTERM, forward);
}

void restoreDefaultSignals()
{
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    const int signal = g_received.load();
    if (signal == 0)
        return;
    // Stopping because of a signal: the orderly shutdown that follows (turns, database workers,
    // the embedded server) must not hold the process when the database hangs. Past the grace
    // the process ends at once, with the usual 128 + signal status.
    std::thread([signal] {
        std::this_thread::sleep_for(std::chrono::milliseconds(kShutdownGraceMs));
        ::_exit(128 + signal);
    }).detach();
}

} // namespace agency::app

#include "signalhandler.h"

#include <QSocketNotifier>

#include <csignal>
#include <unistd.h>

namespace agency::app {

namespace {
int g_pipe[2] = {-1, -1};

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
        if (::read(g_pipe[0], &byte, 1) == 1)
            onSignal(byte);
    });
    std::signal(SIGINT, forward);
    std::signal(SIGTERM, forward);
}

void restoreDefaultSignals()
{
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

} // namespace agency::app

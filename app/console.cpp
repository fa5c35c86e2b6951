#include "commands.h"

namespace agency::app {

int runConsole(CliContext &ctx, int &argc, char **argv)
{
    Q_UNUSED(ctx);
    Q_UNUSED(argc);
    Q_UNUSED(argv);
    printErr(QStringLiteral("aiagency: the desktop console is not built yet\n"));
    return ExitFailure;
}

} // namespace agency::app

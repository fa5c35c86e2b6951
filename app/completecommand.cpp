#include "commands.h"

namespace agency::app {

// Replaced by the provider layer (issue: LLM providers).
int runCompleteCommand(CliContext &ctx)
{
    Q_UNUSED(ctx);
    printErr(QStringLiteral("aiagency complete: the provider layer is not built yet\n"));
    return ExitFailure;
}

} // namespace agency::app

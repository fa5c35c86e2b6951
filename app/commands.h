#pragma once

#include "cli.h"

namespace agency::app {

// One function per subcommand. Each parses ctx.args itself (so `--help` works everywhere)
// and returns the process exit code. Commands that need the event loop run it themselves.
int runConfigCommand(CliContext &ctx);
int runMigrateCommand(CliContext &ctx);
int runDbCommand(CliContext &ctx);
int runCompleteCommand(CliContext &ctx);
int runChatCommand(CliContext &ctx);
int runServeCommand(CliContext &ctx);
int runTenantsCommand(CliContext &ctx);
int runRunsCommand(CliContext &ctx);
int runKeysCommand(CliContext &ctx);
int runDocsCommand(CliContext &ctx);
int runToolsCommand(CliContext &ctx);
int runMcpServersCommand(CliContext &ctx);
int runConsole(CliContext &ctx, int &argc, char **argv);

} // namespace agency::app

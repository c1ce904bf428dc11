#pragma once
// One line per subcommand; each is defined in cmd_<name>.cc.

#include "cli.h"

namespace livefire::cli {

// Registers every subcommand on app (in the order `--help` lists them).
void RegisterCommands(CLI::App& app, Context& ctx);

}  // namespace livefire::cli

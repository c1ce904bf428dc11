#include "commands.h"

namespace livefire::cli {

// Subcommand registrations, one per cmd_<name>.cc. Keep in --help order.
// (Declared here rather than in a header so that adding a command touches
// one file.)

void RegisterCommands(CLI::App& app, Context& ctx) {
  (void)app;
  (void)ctx;
}

}  // namespace livefire::cli

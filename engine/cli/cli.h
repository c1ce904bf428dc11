#pragma once
// The livefire command line. Each subcommand lives in its own cmd_<name>.cc
// and is added to the app by a Register<Name>() call listed in commands.h.
// Commands report failure by setting ctx.status; Run() turns it into the exit
// code (0 ok, 1 user/input error, 2 internal/environment error).

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

#include "livefire/status.h"

namespace livefire::cli {

struct Context {
  std::ostream& out;  // results (tables, --json)
  std::ostream& err;  // diagnostics
  Status status;      // set by the command that ran
  std::string log_level = "warn";
  // Where exercise state lives (SQLite stores, generated files).
  std::string state_dir;
};

// Parses argv and runs the chosen subcommand. Never throws.
int Run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace livefire::cli

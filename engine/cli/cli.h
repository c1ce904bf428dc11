#pragma once
// The livefire command line. Each subcommand lives in its own cmd_<name>.cc
// and is added to the app by a Register<Name>() call listed in commands.h.
// Commands report failure by setting ctx.status; Run() turns it into the exit
// code (0 ok, 1 user/input error, 2 internal/environment error).

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

#include "livefire/status.h"

namespace livefire::topology {
class HostCapacitySource;
}

namespace livefire::cli {

struct Context {
  std::ostream& out;  // results (tables, --json)
  std::ostream& err;  // diagnostics
  Status status;      // set by the command that ran
  std::string log_level = "warn";
  // Where exercise state lives (SQLite stores, generated files).
  std::string state_dir;
  // Whose memory and cores `plan` and `up` check the range against; nullptr
  // = this host (/proc/meminfo, nproc). Tests inject a fixed capacity.
  const topology::HostCapacitySource* host_capacity = nullptr;
};

// Parses argv and runs the chosen subcommand. Never throws.
int Run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
// The same, checking capacity against `host` instead of this host.
int Run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        const topology::HostCapacitySource* host);

}  // namespace livefire::cli

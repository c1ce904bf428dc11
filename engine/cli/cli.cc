#include "cli.h"

#include <fmt/format.h>

#include <cstdlib>
#include <exception>

#include "commands.h"
#include "livefire/log.h"
#include "livefire/version.h"

namespace livefire::cli {

namespace {
std::string DefaultStateDir() {
  if (const char* d = std::getenv("LIVEFIRE_STATE_DIR"); d && *d) return d;
  return "/var/lib/livefire";
}
}  // namespace

int Run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  return Run(argc, argv, out, err, nullptr);
}

int Run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        const topology::HostCapacitySource* host) {
  Context ctx{out, err, Status::Ok(), "warn", DefaultStateDir(), host};
  CLI::App app{
      "livefire: cyber range and live-fire exercise engine.\n"
      "Exit codes: 0 ok, 1 user or input error, 2 internal or environment error.",
      "livefire"};
  app.set_version_flag("--version", std::string("livefire ") + kVersion);
  app.add_option("--log-level", ctx.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--state-dir", ctx.state_dir,
                 "where exercise state is kept (env LIVEFIRE_STATE_DIR)")
      ->capture_default_str();
  app.require_subcommand(0, 1);
  RegisterCommands(app, ctx);

  // Logging must be configured before any subcommand callback runs.
  app.parse_complete_callback([&] {
    Status s = InitLogging(ctx.log_level);
    if (!s.ok()) throw CLI::ValidationError("--log-level", s.message());
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    app.exit(e, out, err);
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "livefire: error: " << e.what() << "\n";
    if (e.get_exit_code() != 0) err << "Run 'livefire --help' for usage.\n";
    return 1;
  } catch (const std::exception& e) {
    // Commands return Status; an exception here is a bug, reported as internal.
    err << "livefire: internal error: " << e.what() << "\n";
    return 2;
  }
  if (argc <= 1) {
    out << app.help();
    return 0;
  }
  if (!ctx.status.ok()) {
    // The exit code tells user errors (1) from environment/internal ones (2).
    err << "livefire: error: " << ctx.status.message() << "\n";
  }
  return ctx.status.ExitCode();
}

}  // namespace livefire::cli

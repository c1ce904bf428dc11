// livefire-gui: the white cell's control room.
//   livefire-gui ID [--state-dir DIR] [--replay] [--view V]
//   livefire-gui [ID] --connect tcp://HOST:PORT --credential FILE   (remote account)
//   livefire-gui ID --frames 30 --screenshot out.png   (smoke tests, docs)
//   livefire-gui --bench-frames 300 [--bench-teams 100 --bench-nodes 5000]
#include <CLI/CLI.hpp>

#include <cstdlib>

#include "app.h"
#include "livefire/version.h"

int main(int argc, char** argv) {
  livefire::gui::AppOptions o;
  const char* env = std::getenv("LIVEFIRE_STATE_DIR");
  o.state_dir = env && *env ? env : "/var/lib/livefire";
  CLI::App app{
      "livefire-gui: the white cell's control room. Connects to a running exercise (events and "
      "control over its ZeroMQ sockets) or, with --replay or when no engine answers, opens the "
      "exercise's event log read-only.\n"
      "Exit codes: 0 ok, 1 user error, 2 environment error (no display, no OpenGL).",
      "livefire-gui"};
  app.set_version_flag("--version", std::string("livefire-gui ") + livefire::kVersion);
  app.add_option("id", o.exercise, "exercise id (see `livefire ls`)");
  app.add_option("--state-dir", o.state_dir, "where exercise state is kept (env LIVEFIRE_STATE_DIR)");
  app.add_option("--connect", o.connect,
                 "a remote engine's tcp://HOST:PORT (default: the credential's server)")
      ->envname("LIVEFIRE_CONNECT");
  app.add_option("--credential", o.credential,
                 "credential file of a remote account (`livefire accounts ID export`): white opens "
                 "the control room, blue its team view")
      ->envname("LIVEFIRE_CREDENTIAL");
  app.add_flag("--replay", o.replay, "open the stored log read-only even if the engine runs");
  app.add_option("--view", o.view, "initial view: topology, scoreboard, timeline or injects");
  app.add_option("--width", o.width, "window width")->check(CLI::Range(320, 8192));
  app.add_option("--height", o.height, "window height")->check(CLI::Range(240, 8192));
  app.add_option("--frames", o.frames, "quit after N frames (after a replay has been read)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--screenshot", o.screenshot, "write the last frame to this PNG file");
  app.add_option("--font", o.font, "TrueType font with Vietnamese glyphs (default Noto Sans)");
  app.add_flag("!--no-vsync", o.vsync, "render as fast as possible");
  app.add_option("--bench-frames", o.bench_frames,
                 "benchmark: render N frames per view of a generated exercise and print frames/s")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--bench-teams", o.bench_teams, "benchmark: blue teams (default 100)");
  app.add_option("--bench-nodes", o.bench_nodes, "benchmark: nodes in total (default 5000)");
  CLI11_PARSE(app, argc, argv);
  if (o.bench_frames == 0 && o.exercise.empty() && o.credential.empty()) {
    std::fprintf(stderr, "livefire-gui: give an exercise id (or --bench-frames N)\n%s",
                 app.help().c_str());
    return 1;
  }
  return livefire::gui::RunApp(o);
}

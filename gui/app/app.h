#pragma once
// The livefire-gui application: a GLFW window, ImGui with the Debian
// GLFW + OpenGL 2 backends, the view models and the two worker threads.

#include <cstdint>
#include <functional>
#include <string>

namespace livefire::gui {

struct AppOptions {
  std::string exercise;   // ExerciseId
  std::string state_dir;  // holds exercises/<id>/
  bool replay = false;    // force replay from the store
  int width = 1600, height = 960;
  int frames = 0;           // stop after this many frames (0 = until closed)
  std::string screenshot;   // write the last frame as PNG here
  std::string font;         // TTF with Vietnamese glyphs ("" = Noto Sans)
  bool vsync = true;
  // Benchmark: generate teams x nodes, render bench_frames frames per view
  // (vsync off) and print frames/s.
  int bench_frames = 0;
  int bench_teams = 100;
  int bench_nodes = 5000;
  std::string view;  // initial view: topology|scoreboard|timeline|injects
  // A remote account (remote_app.h): the engine's tcp:// control address
  // ("" = the credential's server) and the credential file.
  std::string connect;
  std::string credential;
};

// Returns the process exit code: 0 ok, 1 user error (bad id, no such
// exercise), 2 environment (no display, no OpenGL).
int RunApp(const AppOptions& options);

// Opens the window and draws a frame with `draw` until it is closed (or
// --frames, with --screenshot of the last): for views other than the
// control room (the team view). Exit code as RunApp.
int RunWindowLoop(const AppOptions& options, const std::function<void()>& draw);

}  // namespace livefire::gui

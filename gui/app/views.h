#pragma once
// The control room's panels, drawn with ImGui from the view models. All
// state the widgets need between frames lives in UiState; what to draw
// comes from ExerciseModel (plain C++, unit-tested apart from this file).

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <imgui.h>

#include "livefire/gui/exercise_model.h"
#include "livefire/gui/feed.h"

namespace livefire::gui {

enum class View { kTopology = 0, kScoreboard, kTimeline, kInjects };

struct UiState {
  View view = View::kTopology;
  bool force_view = true;  // select `view`'s tab on the next frame
  // Topology canvas: world point at the canvas' top-left, and zoom.
  ImVec2 pan{0, 0};
  float zoom = 0.8f;
  bool fit_requested = true;
  int selected = -1;
  std::vector<int> visible;
  // Scoreboard.
  ScoreSort sort;
  std::vector<std::string> plotted;  // teams in the score plot ("" = top 5)
  int64_t rows_revision = -1;
  ScoreSort rows_sort;
  std::vector<ScoreRow> rows;
  // Timeline.
  TimelineFilter filter;
  char text[128] = "";
  std::vector<uint8_t> strip;  // time strip: strongest event kind per pixel column
  size_t strip_rows = 0;
  float strip_width = 0;
  double strip_tmax = 0;
  int strip_first = -1;
  // Control.
  bool live = false;
  std::string mode_line;  // "LIVE" / "REPLAY (...)"
  char pause_reason[256] = "";
  float speed = 1;
  char inject[129] = "";
  std::string inject_team;
  int submission = -1;  // index into ExerciseModel::submissions()
  int rubric = 50;
  float points = 100;
  char comment[1024] = "";
  std::string message_to = "all";  // a team's name or "all"
  char message[4096] = "";
  std::deque<std::string> control_log;  // newest first
  std::string engine_status;            // digest of the last status reply
  std::vector<OpenTask> tasks;          // white-cell tasks from the last status reply
  FeedStatus feed;
};

// Draws one whole frame into the current ImGui context. control may be null
// (replay): the control panel then explains why it is read-only.
void DrawControlRoom(ExerciseModel& model, UiState& ui, ControlWorker* control);

}  // namespace livefire::gui

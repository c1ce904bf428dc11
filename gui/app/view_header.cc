// The header: exercise, clock, state and feed status.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "view_parts.h"

namespace livefire::gui::panel {

void DrawHeader(ExerciseModel& model, UiState& ui) {
  const ExerciseHeader& h = model.header();
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(250, 215, 120, 255));
  ImGui::TextUnformatted(h.title.empty() ? h.exercise.c_str() : h.title.c_str());
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::TextDisabled("%s", h.organisation.c_str());
  const char* state = h.ended     ? "ENDED"
                      : h.paused  ? "PAUSED"
                      : h.started ? "RUNNING"
                                  : "NOT STARTED";
  ImU32 state_col = h.ended    ? IM_COL32(160, 160, 160, 255)
                    : h.paused ? IM_COL32(240, 180, 40, 255)
                               : IM_COL32(80, 200, 120, 255);
  std::string clock = Clock(h.now);
  if (h.duration.nanos() > 0) clock += " / " + Clock(SimTime::Start() + h.duration);
  ImGui::Text("%s", h.exercise.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  ImGui::Text("clock %s", clock.c_str());
  ImGui::SameLine();
  ImGui::TextColored(ToVec4(state_col), "%s", state);
  ImGui::SameLine();
  ImGui::Text("x%.3g", h.speed);
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  ImGui::TextColored(ui.live ? ImVec4(0.4f, 0.9f, 0.5f, 1) : ImVec4(0.6f, 0.75f, 1, 1), "%s",
                     ui.mode_line.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled(
      "| events %lld (store %lld, bus %lld)%s", static_cast<long long>(model.last_seq()),
      static_cast<long long>(ui.feed.from_store), static_cast<long long>(ui.feed.from_bus),
      model.gaps() > 0 ? fmt::format(", {} gaps", model.gaps()).c_str() : "");
  if (!ui.feed.error.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "feed: %s", ui.feed.error.c_str());
  }
}

}  // namespace livefire::gui::panel

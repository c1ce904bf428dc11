#include "views.h"

#include <algorithm>

#include "view_parts.h"

namespace livefire::gui {

namespace panel {

ImU32 StateColor(NodeState s) {
  switch (s) {
    case NodeState::kUp:
      return IM_COL32(46, 160, 84, 255);
    case NodeState::kDown:
      return IM_COL32(214, 69, 54, 255);
    case NodeState::kCompromised:
      return IM_COL32(163, 54, 196, 255);
    case NodeState::kReverted:
      return IM_COL32(52, 118, 214, 255);
    case NodeState::kUnknown:
      break;
  }
  return IM_COL32(110, 110, 118, 255);
}

ImVec4 ToVec4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

const char* OutcomeLabel(const InjectRow& r) {
  if (!r.outcome.empty()) return r.outcome.c_str();
  if (r.fired) return "running";
  return "planned";
}

ImU32 ToneColor(Tone t) {
  switch (t) {
    case Tone::kGood:
      return IM_COL32(46, 160, 84, 255);
    case Tone::kBad:
      return IM_COL32(214, 69, 54, 255);
    case Tone::kError:
      return IM_COL32(230, 140, 30, 255);
    case Tone::kSkipped:
      return IM_COL32(150, 150, 150, 255);
    case Tone::kPending:
      return IM_COL32(230, 200, 60, 255);
    case Tone::kNeutral:
      break;
  }
  return IM_COL32(220, 220, 228, 255);
}

std::string Clock(SimTime t) { return FormatClock(t); }

void Log(UiState& ui, std::string line) {
  ui.control_log.push_front(std::move(line));
  if (ui.control_log.size() > 200) ui.control_log.pop_back();
}

// A 32-colour palette for plot lines, stable per team index.
ImU32 PlotColor(size_t i) {
  static constexpr ImU32 kColors[] = {IM_COL32(31, 119, 180, 255),  IM_COL32(255, 127, 14, 255),
                                      IM_COL32(44, 160, 44, 255),   IM_COL32(214, 39, 40, 255),
                                      IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
                                      IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255),
                                      IM_COL32(188, 189, 34, 255),  IM_COL32(23, 190, 207, 255)};
  return kColors[i % std::size(kColors)];
}

}  // namespace panel

void DrawControlRoom(ExerciseModel& model, UiState& ui, ControlWorker* control) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("livefire control room", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);
  panel::DrawHeader(model, ui);
  ImGui::Separator();
  const float side_w = std::clamp(vp->WorkSize.x * 0.27f, 320.f, 480.f);
  ImGui::BeginChild("main", ImVec2(ImGui::GetContentRegionAvail().x - side_w - 8, 0));
  if (ImGui::BeginTabBar("views")) {
    const char* names[] = {"Topology", "Scoreboard", "Timeline", "Injects"};
    for (int i = 0; i < 4; ++i) {
      ImGuiTabItemFlags f =
          ui.force_view && static_cast<int>(ui.view) == i ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(names[i], nullptr, f)) {
        if (!ui.force_view) ui.view = static_cast<View>(i);
        switch (static_cast<View>(i)) {
          case View::kTopology:
            panel::DrawTopology(model, ui);
            break;
          case View::kScoreboard:
            panel::DrawScoreboard(model, ui);
            break;
          case View::kTimeline:
            panel::DrawTimeline(model, ui, false);
            break;
          case View::kInjects:
            panel::DrawTimeline(model, ui, true);
            break;
        }
        ImGui::EndTabItem();
      }
    }
    ui.force_view = false;
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("side", ImVec2(0, 0));
  const float control_h = ImGui::GetContentRegionAvail().y * 0.58f;
  ImGui::BeginChild("control", ImVec2(0, control_h), true);
  panel::DrawControl(model, ui, control);
  ImGui::EndChild();
  ImGui::BeginChild("details", ImVec2(0, 0), true);
  panel::DrawNodeDetails(model, ui);
  ImGui::EndChild();
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace livefire::gui

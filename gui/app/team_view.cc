// The team view of a blue account (remote_app.h): its score and ledger, its
// reports and their grades, its open tasks with a response box, and the
// report form. Everything drawn comes from TeamModel (gui/core, tested).
#include <fmt/format.h>
#include <imgui.h>

#include "remote_app.h"
#include "view_parts.h"

namespace livefire::gui {

namespace {

void DrawLedger(const TeamModel& team) {
  ImGui::Text("Ledger");
  if (!ImGui::BeginTable("ledger", 4,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Borders,
                         ImVec2(0, 220))) {
    return;
  }
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* h : {"time", "change", "total", "why"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  const auto& lines = team.ledger();
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {  // newest first
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(panel::Clock(it->time).c_str());
    ImGui::TableNextColumn();
    ImGui::TextColored(it->delta < 0 ? ImVec4(1, 0.45f, 0.35f, 1) : ImVec4(0.4f, 0.9f, 0.5f, 1),
                       "%+.2f", it->delta);
    ImGui::TableNextColumn();
    ImGui::Text("%.2f", it->total);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(it->reason.c_str());
  }
  ImGui::EndTable();
}

void DrawSubmissions(const TeamModel& team) {
  ImGui::Text("Our reports and responses");
  if (!ImGui::BeginTable("subs", 4,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_Borders,
                         ImVec2(0, 160))) {
    return;
  }
  for (const char* h : {"seq", "time", "what", "grade"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const TeamSubmission& s : team.submissions()) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%lld", static_cast<long long>(s.seq));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(panel::Clock(s.time).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(s.summary.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(s.grades.empty() ? "awaiting"
                                            : fmt::format("{} %", s.grades.back()).c_str());
  }
  ImGui::EndTable();
}

void DrawTasks(TeamModel& team, TeamUi& ui, ControlWorker& control) {
  const std::vector<TeamTask> open = team.OpenTasks();
  ImGui::Text("Open tasks (%zu)", open.size());
  for (size_t i = 0; i < open.size(); ++i) {
    const TeamTask& t = open[i];
    std::string label = t.inject;
    if (t.due.nanos() > 0) {
      const int64_t left = t.due.nanos() - team.now().nanos();
      label += left > 0 ? fmt::format("  (due {}, {} min left)", panel::Clock(t.due),
                                      left / 60'000'000'000)
                        : fmt::format("  (due {}, late)", panel::Clock(t.due));
    }
    if (ImGui::Selectable(label.c_str(), ui.task == static_cast<int>(i)))
      ui.task = static_cast<int>(i);
  }
  if (ui.task < 0 || ui.task >= static_cast<int>(open.size())) return;
  ImGui::InputTextMultiline("##response", ui.response, sizeof ui.response, ImVec2(-1, 80));
  if (ImGui::Button("Send response")) {
    auto r = MakeTaskResponseRequest(team.team(), open[ui.task].inject, ui.response);
    if (r.ok()) {
      control.Submit(*r, "response to " + open[ui.task].inject);
      ui.response[0] = '\0';
    } else {
      ui.message = r.status().message();
    }
  }
}

void DrawReportForm(TeamModel& team, TeamUi& ui, ControlWorker& control) {
  ImGui::Text("File an incident report");
  ImGui::InputTextWithHint("##node", "node (e.g. portal)", ui.node, sizeof ui.node);
  ImGui::InputTextWithHint("##technique", "ATT&CK technique (e.g. T1190)", ui.technique,
                           sizeof ui.technique);
  ImGui::InputTextWithHint("##observed", "seen at (exercise time, empty = now)", ui.observed_at,
                           sizeof ui.observed_at);
  ImGui::InputTextMultiline("##description", ui.description, sizeof ui.description,
                            ImVec2(-1, 100));
  if (ImGui::Button("Submit report")) {
    auto r =
        MakeReportRequest(team.team(), {ui.node, ui.technique, ui.observed_at, ui.description});
    if (r.ok()) {
      control.Submit(*r, fmt::format("report {} on {}", ui.technique, ui.node));
      ui.description[0] = '\0';
    } else {
      ui.message = r.status().message();
    }
  }
  if (!ui.message.empty()) ImGui::TextWrapped("%s", ui.message.c_str());
}

}  // namespace

void DrawTeamView(TeamModel& team, TeamUi& ui, ControlWorker& control) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("team", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(250, 215, 120, 255));
  ImGui::Text("Team %s", team.team().c_str());
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::TextDisabled("| %s | clock %s%s", ui.mode_line.c_str(), panel::Clock(team.now()).c_str(),
                      team.ended()    ? " | ENDED"
                      : team.paused() ? " | PAUSED"
                                      : "");
  ImGui::Separator();
  ImGui::Text("Score %.2f", team.total());
  ImGui::SameLine();
  if (team.rank()) {
    ImGui::TextDisabled("| rank %d of %d (%s scoreboard)", team.rank()->first, team.rank()->second,
                        team.board_mode().c_str());
  } else {
    ImGui::TextDisabled("| the white cell hides the scoreboard");
  }
  ImGui::Separator();
  if (ImGui::BeginTable("cols", 2, ImGuiTableFlags_Resizable)) {
    ImGui::TableNextColumn();
    DrawLedger(team);
    DrawSubmissions(team);
    ImGui::TableNextColumn();
    DrawTasks(team, ui, control);
    ImGui::Separator();
    DrawReportForm(team, ui, control);
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace livefire::gui

// The side panels: white-cell control and the selected node's details.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "view_parts.h"

namespace livefire::gui::panel {

void DrawControl(ExerciseModel& model, UiState& ui, ControlWorker* control) {
  auto submit = [&](bus::Request r, std::string what) {
    if (control) control->Submit(std::move(r), std::move(what));
  };
  ImGui::TextUnformatted("White cell control");
  ImGui::Separator();
  if (!control) {
    ImGui::TextWrapped(
        "Replay: read-only view of the stored log. Control needs a running engine "
        "(start it with `livefire up`, then open livefire-gui without --replay).");
    ImGui::BeginDisabled();
  } else if (!ui.engine_status.empty()) {
    ImGui::TextWrapped("engine: %s", ui.engine_status.c_str());
  }
  // Each team's white-cell tasks with the exercise time left (status reply).
  for (const OpenTask& t : ui.tasks) {
    const bool open = !t.responded && !t.graded;
    const bool late = open && t.due && t.left <= Duration::Zero();
    ImGui::TextColored(late   ? ToVec4(ToneColor(Tone::kBad))
                       : open ? ToVec4(ToneColor(Tone::kPending))
                              : ToVec4(ToneColor(Tone::kNeutral)),
                       "task %s %s: %s", t.team.c_str(), t.inject.c_str(), t.Label().c_str());
  }
  if (ImGui::Button("Pause")) {
    submit(MakePause(ui.pause_reason), "pause");
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##reason", "reason (optional)", ui.pause_reason,
                           sizeof ui.pause_reason);
  if (ImGui::Button("Resume")) submit(MakeResume(), "resume");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  ImGui::SliderFloat("##speed", &ui.speed, 0.1f, 100.f, "speed x%.2f",
                     ImGuiSliderFlags_Logarithmic);
  ImGui::SameLine();
  if (ImGui::Button("Set speed")) {
    submit(MakeSpeed(ui.speed), fmt::format("speed x{:.2f}", ui.speed));
  }

  ImGui::Separator();
  ImGui::TextUnformatted("Manual inject");
  auto names = model.timeline().InjectNames();
  ImGui::SetNextItemWidth(170);
  if (ImGui::BeginCombo("##injects", "known injects")) {
    for (const auto& n : names) {
      if (ImGui::Selectable(n.c_str())) snprintf(ui.inject, sizeof ui.inject, "%s", n.c_str());
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##inject", "inject name", ui.inject, sizeof ui.inject);
  ImGui::SetNextItemWidth(170);
  if (ImGui::BeginCombo("##fteam",
                        ui.inject_team.empty() ? "every team" : ui.inject_team.c_str())) {
    if (ImGui::Selectable("every team", ui.inject_team.empty())) ui.inject_team.clear();
    for (const auto& t : model.scoreboard().Teams()) {
      if (ImGui::Selectable(t.c_str(), t == ui.inject_team)) ui.inject_team = t;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("Fire inject") && ui.inject[0] != '\0') {
    submit(MakeFireInject(ui.inject, ui.inject_team),
           fmt::format("fire {} {}", ui.inject, ui.inject_team.empty() ? "(all)" : ui.inject_team));
  }

  ImGui::Separator();
  ImGui::TextUnformatted("Message teams (their portal and feed)");
  ImGui::SetNextItemWidth(170);
  if (ImGui::BeginCombo("##mteam", ui.message_to == "all" ? "every team" : ui.message_to.c_str())) {
    if (ImGui::Selectable("every team", ui.message_to == "all")) ui.message_to = "all";
    for (const auto& t : model.scoreboard().Teams()) {
      if (ImGui::Selectable(t.c_str(), t == ui.message_to)) ui.message_to = t;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("Send message") && ui.message[0] != '\0') {
    submit(bus::MakeMessageRequest(ui.message_to, ui.message),
           fmt::format("message to {}", ui.message_to));
    ui.message[0] = '\0';
  }
  ImGui::InputTextMultiline("##message", ui.message, sizeof ui.message, ImVec2(-1, 50));

  ImGui::Separator();
  const auto& subs = model.submissions();
  ImGui::Text("Grade a submission (%zu received)", subs.size());
  if (ImGui::BeginChild("subs", ImVec2(0, 130), true)) {
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(subs.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const Submission& s = subs[i];
        std::string grades;
        for (int g : s.grades) grades += fmt::format(" [{}%]", g);
        std::string label =
            fmt::format("#{} {} {} {}{}##s{}", s.seq, Clock(s.time), s.team, s.summary, grades, i);
        if (ImGui::Selectable(label.c_str(), ui.submission == i)) ui.submission = i;
      }
    }
  }
  ImGui::EndChild();
  ImGui::RadioButton("0 %", &ui.rubric, 0);
  ImGui::SameLine();
  ImGui::RadioButton("50 %", &ui.rubric, 50);
  ImGui::SameLine();
  ImGui::RadioButton("100 %", &ui.rubric, 100);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  ImGui::InputFloat("points", &ui.points, 0, 0, "%.0f");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##comment", "comment for the team", ui.comment, sizeof ui.comment);
  const bool can_grade = ui.submission >= 0 && ui.submission < static_cast<int>(subs.size());
  if (!can_grade) ImGui::BeginDisabled();
  if (ImGui::Button("Send grade") && can_grade) {
    const Submission& s = subs[ui.submission];
    // A task response is graded as the task (its points and due time apply).
    const bool task = !s.inject.empty();
    auto req =
        MakeGrade(s.team, task ? GradeTarget{0, s.inject} : GradeTarget{s.seq, ""}, ui.rubric,
                  task ? std::nullopt : std::optional<double>(ui.points), ui.comment);
    if (!req.ok()) {
      Log(ui, "grade: " + req.status().message());
    } else {
      submit(std::move(*req),
             task ? fmt::format("grade {} task {} {} %", s.team, s.inject, ui.rubric)
                  : fmt::format("grade {} #{} {} %", s.team, s.seq, ui.rubric));
    }
  }
  if (!can_grade) ImGui::EndDisabled();
  if (!control) ImGui::EndDisabled();

  ImGui::Separator();
  if (control && control->in_flight() > 0)
    ImGui::TextDisabled("%zu request(s) in flight", control->in_flight());
  for (const auto& line : ui.control_log) ImGui::TextWrapped("%s", line.c_str());
}

void DrawNodeDetails(ExerciseModel& model, UiState& ui) {
  const TopologyModel& topo = model.topology();
  if (ui.selected < 0 || ui.selected >= static_cast<int>(topo.nodes().size())) {
    ImGui::TextDisabled("Select a node in the topology to see its services, checks and events.");
    return;
  }
  const NodeView& n = topo.nodes()[ui.selected];
  ImGui::Text("%s", n.key.c_str());
  ImGui::SameLine();
  ImGui::TextColored(ToVec4(StateColor(n.state)), "%s since %s",
                     std::string(NodeStateName(n.state)).c_str(), Clock(n.state_since).c_str());
  ImGui::TextDisabled("template %s%s, compromised %d time(s)", n.template_name.c_str(),
                      n.is_router ? " (router)" : "", n.compromises);
  for (size_t i = 0; i < n.addresses.size(); ++i) {
    const std::string net = i < n.networks.size() ? topo.networks()[n.networks[i]].key : "";
    ImGui::BulletText("%s on %s", n.addresses[i].c_str(), net.c_str());
  }
  if (!n.services.empty()) {
    ImGui::TextUnformatted("services:");
    for (const auto& s : n.services) {
      ImGui::SameLine();
      ImGui::Text("%s %s/%d", s.kind.c_str(), s.protocol.c_str(), s.port);
    }
  }
  for (const auto& [svc, c] : n.checks) {
    ImGui::TextColored(c.status == "up" ? ImVec4(0.4f, 0.85f, 0.5f, 1) : ImVec4(1, 0.45f, 0.4f, 1),
                       "check %s %s at %s, %.0f ms %s", svc.c_str(), c.status.c_str(),
                       Clock(c.time).c_str(), c.latency_ms, c.detail.c_str());
  }
  ImGui::TextUnformatted("recent events:");
  const auto& rows = model.timeline().rows();
  for (auto it = n.recent_events.rbegin(); it != n.recent_events.rend(); ++it) {
    auto r = std::lower_bound(rows.begin(), rows.end(), *it,
                              [](const TimelineRow& row, int64_t seq) { return row.seq < seq; });
    if (r == rows.end() || r->seq != *it) continue;
    ImGui::TextWrapped("#%lld %s %s %s", static_cast<long long>(r->seq), Clock(r->time).c_str(),
                       r->kind.c_str(), r->summary.c_str());
  }
}

}  // namespace livefire::gui::panel

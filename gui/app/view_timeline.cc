// The timeline and inject views: filters, time strip, event list, inject table.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "view_parts.h"

namespace livefire::gui::panel {

namespace {

void FilterCombo(const char* label, std::string& value,
                 const std::vector<std::pair<std::string, std::string>>& items, float width) {
  ImGui::SetNextItemWidth(width);
  std::string shown = value.empty() ? "all" : value;
  for (const auto& [v, l] : items) {
    if (v == value) shown = l;
  }
  if (ImGui::BeginCombo(label, shown.c_str())) {
    if (ImGui::Selectable("all", value.empty())) value.clear();
    for (const auto& [v, l] : items) {
      if (ImGui::Selectable(l.c_str(), v == value)) value = v;
    }
    ImGui::EndCombo();
  }
}

void DrawFilters(ExerciseModel& model, UiState& ui) {
  TimelineModel& tl = model.timeline();
  std::vector<std::pair<std::string, std::string>> teams = {{"*", "exercise-wide"}};
  for (const auto& t : tl.teams()) {
    if (!t.empty()) teams.emplace_back(t, t);
  }
  FilterCombo("team", ui.filter.team, teams, 130);
  ImGui::SameLine();
  std::vector<std::pair<std::string, std::string>> kinds;
  std::set<std::string> prefixes;
  for (const auto& k : tl.kinds()) {
    auto dot = k.find('.');
    if (dot != std::string::npos) prefixes.insert(k.substr(0, dot + 1));
  }
  for (const auto& p : prefixes) kinds.emplace_back(p, p + "*");
  for (const auto& k : tl.kinds()) kinds.emplace_back(k, k);
  FilterCombo("kind", ui.filter.kind, kinds, 170);
  ImGui::SameLine();
  std::vector<std::pair<std::string, std::string>> techs;
  for (const auto& t : tl.techniques()) techs.emplace_back(t, t);
  FilterCombo("ATT&CK", ui.filter.technique, techs, 110);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  if (ImGui::InputTextWithHint("##text", "search text", ui.text, sizeof ui.text))
    ui.filter.text = ui.text;
  ImGui::SameLine();
  ImGui::Checkbox("hide checks", &ui.filter.hide_checks);
}

// Events and injects along exercise time: a tick per filtered event (one
// per pixel column at most), and per inject its planned time (hollow) joined
// to when it fired (filled, coloured by outcome).
void DrawTimeStrip(ExerciseModel& model, UiState& ui, const std::vector<int>& rows) {
  TimelineModel& tl = model.timeline();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float w = std::max(ImGui::GetContentRegionAvail().x, 100.f), h = 62;
  ImGui::Dummy(ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(origin, ImVec2(origin.x + w, origin.y + h), IM_COL32(24, 26, 32, 255));
  double t_max = std::max<double>(1, static_cast<double>(model.header().now.nanos()));
  if (model.header().duration.nanos() > 0)
    t_max = std::max<double>(t_max, model.header().duration.nanos());
  auto X = [&](int64_t t) { return origin.x + 4 + static_cast<float>(t / t_max) * (w - 8); };
  // One tick per pixel column, the most telling kind winning; recomputed
  // only when the rows, the width or the time scale change.
  if (ui.strip_rows != rows.size() || ui.strip_width != w || ui.strip_tmax != t_max ||
      ui.strip_first != (rows.empty() ? -1 : rows.front())) {
    ui.strip_rows = rows.size();
    ui.strip_width = w;
    ui.strip_tmax = t_max;
    ui.strip_first = rows.empty() ? -1 : rows.front();
    ui.strip.assign(static_cast<size_t>(w) + 1, 0);
    for (int idx : rows) {
      const auto& r = tl.rows()[idx];
      const int px = static_cast<int>(X(r.time.nanos()) - origin.x);
      const int rank = r.kind == kinds::kRedAction         ? 4
                       : r.kind.starts_with("inject.")     ? 3
                       : r.kind.starts_with("submission.") ? 2
                                                           : 1;
      auto& cell = ui.strip[std::clamp<size_t>(static_cast<size_t>(std::max(px, 0)), 0,
                                               ui.strip.size() - 1)];
      cell = std::max<uint8_t>(cell, static_cast<uint8_t>(rank));
    }
  }
  for (size_t px = 0; px < ui.strip.size(); ++px) {
    static constexpr ImU32 kTick[] = {0, IM_COL32(150, 150, 165, 255), IM_COL32(90, 160, 255, 255),
                                      IM_COL32(240, 200, 70, 255), IM_COL32(230, 80, 70, 255)};
    if (ui.strip[px] == 0) continue;
    const float x = origin.x + static_cast<float>(px);
    dl->AddLine(ImVec2(x, origin.y + 4), ImVec2(x, origin.y + 22), kTick[ui.strip[px]]);
  }
  for (const auto& ir : tl.injects()) {
    if (!ui.filter.team.empty() && ir.team != ui.filter.team &&
        !(ui.filter.team == "*" && ir.team.empty()))
      continue;
    if (!ui.filter.technique.empty() && !ir.technique.starts_with(ui.filter.technique)) continue;
    const float y = origin.y + 42;
    if (ir.planned)
      dl->AddCircle(ImVec2(X(ir.planned->nanos()), y), 4, IM_COL32(230, 230, 240, 200));
    if (ir.fired) {
      if (ir.planned) {
        dl->AddLine(ImVec2(X(ir.planned->nanos()), y), ImVec2(X(ir.fired->nanos()), y),
                    IM_COL32(200, 200, 210, 140));
      }
      dl->AddCircleFilled(ImVec2(X(ir.fired->nanos()), y), 4, ToneColor(ir.tone()));
    }
  }
  const ImVec2 m = ImGui::GetIO().MousePos;
  if (m.x >= origin.x && m.x < origin.x + w && m.y >= origin.y && m.y < origin.y + h) {
    double t = (m.x - origin.x - 4) / (w - 8) * t_max;
    ImGui::SetTooltip(
        "%s\nticks: events (yellow injects, red actions, blue submissions)\n"
        "circles: injects planned (hollow) -> fired (filled: green good, red bad for blue,\n"
        "orange error, grey skipped, yellow running)",
        Clock(SimTime::FromNanos(static_cast<int64_t>(t))).c_str());
  }
}

void DrawEvents(ExerciseModel& model, const std::vector<int>& rows) {
  TimelineModel& tl = model.timeline();
  if (ImGui::BeginTable("events", 6,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                            ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("seq", ImGuiTableColumnFlags_WidthFixed, 60);
    ImGui::TableSetupColumn("time", ImGuiTableColumnFlags_WidthFixed, 70);
    ImGui::TableSetupColumn("team", ImGuiTableColumnFlags_WidthFixed, 70);
    ImGui::TableSetupColumn("kind", ImGuiTableColumnFlags_WidthFixed, 150);
    ImGui::TableSetupColumn("ATT&CK", ImGuiTableColumnFlags_WidthFixed, 70);
    ImGui::TableSetupColumn("what", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const TimelineRow& r = tl.rows()[rows[i]];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(r.seq));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Clock(r.time).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.team.empty() ? "*" : r.team.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.kind.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.technique.c_str());
        ImGui::TableNextColumn();
        if (r.tone == Tone::kNeutral) {
          ImGui::TextUnformatted(r.summary.c_str());
        } else {
          ImGui::TextColored(ToVec4(ToneColor(r.tone)), "%s", r.summary.c_str());
        }
      }
    }
    ImGui::EndTable();
  }
}

void DrawInjectTable(ExerciseModel& model, UiState& ui) {
  const auto& all = model.timeline().injects();
  std::vector<int> shown;
  for (int i = 0; i < static_cast<int>(all.size()); ++i) {
    const auto& r = all[i];
    if (!ui.filter.team.empty() &&
        !(ui.filter.team == "*" ? r.team.empty() : r.team == ui.filter.team))
      continue;
    if (!ui.filter.technique.empty() && !r.technique.starts_with(ui.filter.technique)) continue;
    if (!ui.filter.text.empty() && r.inject.find(ui.filter.text) == std::string::npos) continue;
    shown.push_back(i);
  }
  if (ImGui::BeginTable("injects", 10,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                            ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* c : {"inject", "team", "side", "ATT&CK", "planned", "fired", "drift",
                          "outcome", "points", "reason"}) {
      ImGui::TableSetupColumn(c);
    }
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(shown.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const InjectRow& r = all[shown[i]];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.inject.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.team.empty() ? "*" : r.team.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.side.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.technique.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.PlannedLabel().c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.fired ? Clock(*r.fired).c_str() : "-");
        ImGui::TableNextColumn();
        if (auto d = r.Drift()) {
          ImGui::Text(d->nanos() >= 0 ? "+%s" : "%s", HumanDuration(*d).c_str());
        } else {
          ImGui::TextUnformatted("-");
        }
        ImGui::TableNextColumn();
        ImGui::TextColored(ToVec4(ToneColor(r.tone())), "%s", OutcomeLabel(r));
        ImGui::TableNextColumn();
        ImGui::Text("%.0f", r.points);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.reason.c_str());
      }
    }
    ImGui::EndTable();
  }
}

}  // namespace

void DrawTimeline(ExerciseModel& model, UiState& ui, bool injects) {
  DrawFilters(model, ui);
  const std::vector<int>& rows = model.timeline().Filtered(ui.filter);
  DrawTimeStrip(model, ui, rows);
  if (injects) {
    ImGui::TextDisabled(
        "Planned (inject.armed) against what fired and its outcome; drift = fired - planned.");
    DrawInjectTable(model, ui);
  } else {
    ImGui::TextDisabled("%zu of %zu events", rows.size(), model.timeline().rows().size());
    DrawEvents(model, rows);
  }
}

}  // namespace livefire::gui::panel

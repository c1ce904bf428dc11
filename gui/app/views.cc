#include "views.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace livefire::gui {

namespace {

ImU32 StateColor(NodeState s) {
  switch (s) {
    case NodeState::kUp: return IM_COL32(46, 160, 84, 255);
    case NodeState::kDown: return IM_COL32(214, 69, 54, 255);
    case NodeState::kCompromised: return IM_COL32(163, 54, 196, 255);
    case NodeState::kReverted: return IM_COL32(52, 118, 214, 255);
    case NodeState::kUnknown: break;
  }
  return IM_COL32(110, 110, 118, 255);
}

ImVec4 ToVec4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

const char* OutcomeLabel(const InjectRow& r) {
  if (!r.outcome.empty()) return r.outcome.c_str();
  if (r.fired) return "running";
  return "planned";
}

ImU32 OutcomeColor(const std::string& outcome) {
  if (outcome == "success") return IM_COL32(214, 69, 54, 255);  // red succeeded: bad for blue
  if (outcome == "failure") return IM_COL32(46, 160, 84, 255);
  if (outcome == "skipped") return IM_COL32(150, 150, 150, 255);
  if (outcome == "error") return IM_COL32(230, 160, 30, 255);
  return IM_COL32(230, 200, 60, 255);
}

std::string Clock(SimTime t) { return FormatClock(t); }

void Log(UiState& ui, std::string line) {
  ui.control_log.push_front(std::move(line));
  if (ui.control_log.size() > 200) ui.control_log.pop_back();
}

// A 32-colour palette for plot lines, stable per team index.
ImU32 PlotColor(size_t i) {
  static constexpr ImU32 kColors[] = {
      IM_COL32(31, 119, 180, 255), IM_COL32(255, 127, 14, 255), IM_COL32(44, 160, 44, 255),
      IM_COL32(214, 39, 40, 255),  IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
      IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255), IM_COL32(188, 189, 34, 255),
      IM_COL32(23, 190, 207, 255)};
  return kColors[i % std::size(kColors)];
}

// ---- header ---------------------------------------------------------------------

void DrawHeader(ExerciseModel& model, UiState& ui) {
  const ExerciseHeader& h = model.header();
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(250, 215, 120, 255));
  ImGui::TextUnformatted(h.title.empty() ? h.exercise.c_str() : h.title.c_str());
  ImGui::PopStyleColor();
  ImGui::SameLine();
  ImGui::TextDisabled("%s", h.organisation.c_str());
  const char* state = h.ended ? "ENDED" : h.paused ? "PAUSED" : h.started ? "RUNNING" : "NOT STARTED";
  ImU32 state_col = h.ended ? IM_COL32(160, 160, 160, 255)
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
  ImGui::TextDisabled("| events %lld (store %lld, bus %lld)%s", static_cast<long long>(model.last_seq()),
                      static_cast<long long>(ui.feed.from_store),
                      static_cast<long long>(ui.feed.from_bus),
                      model.gaps() > 0 ? fmt::format(", {} gaps", model.gaps()).c_str() : "");
  if (!ui.feed.error.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "feed: %s", ui.feed.error.c_str());
  }
}

// ---- topology -------------------------------------------------------------------

void DrawTopology(ExerciseModel& model, UiState& ui) {
  TopologyModel& topo = model.topology();
  // Toolbar.
  if (ImGui::Button("Fit")) ui.fit_requested = true;
  ImGui::SameLine();
  if (ImGui::Button("100%")) ui.zoom = 1;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  if (ImGui::BeginCombo("##team", "go to team")) {
    for (const auto& b : topo.bands()) {
      if (ImGui::Selectable(b.team.empty() ? "shared (red zone)" : b.team.c_str())) {
        ui.zoom = std::max(ui.zoom, 0.8f);
        ui.pan = {b.rect.x, b.rect.y};
      }
    }
    ImGui::EndCombo();
  }
  auto counts = topo.Counts();
  for (NodeState s : {NodeState::kUp, NodeState::kDown, NodeState::kCompromised,
                      NodeState::kReverted, NodeState::kUnknown}) {
    ImGui::SameLine();
    ImGui::ColorButton(std::string(NodeStateName(s)).c_str(), ToVec4(StateColor(s)),
                       ImGuiColorEditFlags_NoTooltip, ImVec2(12, 12));
    ImGui::SameLine(0, 4);
    ImGui::Text("%s %d", std::string(NodeStateName(s)).c_str(), counts[s]);
  }
  ImGui::SameLine();
  ImGui::TextDisabled("| %zu nodes, %zu networks  (drag: pan, wheel: zoom, click: select)",
                      topo.nodes().size(), topo.networks().size());

  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImVec2 size = ImGui::GetContentRegionAvail();
  size.x = std::max(size.x, 50.f);
  size.y = std::max(size.y, 50.f);
  ImGui::InvisibleButton("canvas", size,
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonMiddle);
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  const Rect bounds = topo.bounds();
  if (ui.fit_requested && bounds.w > 0 && bounds.h > 0) {
    ui.zoom = std::clamp(std::min(size.x / bounds.w, size.y / bounds.h), 0.02f, 1.5f);
    ui.pan = {bounds.x, bounds.y};
    ui.fit_requested = false;
  }
  if (ImGui::IsItemActive() && (ImGui::IsMouseDragging(ImGuiMouseButton_Left) ||
                                ImGui::IsMouseDragging(ImGuiMouseButton_Middle))) {
    ui.pan.x -= io.MouseDelta.x / ui.zoom;
    ui.pan.y -= io.MouseDelta.y / ui.zoom;
  }
  if (hovered && io.MouseWheel != 0) {
    // Zoom around the cursor: the world point under it stays under it.
    const float wx = ui.pan.x + (io.MousePos.x - origin.x) / ui.zoom;
    const float wy = ui.pan.y + (io.MousePos.y - origin.y) / ui.zoom;
    ui.zoom = std::clamp(ui.zoom * std::pow(1.15f, io.MouseWheel), 0.02f, 4.f);
    ui.pan.x = wx - (io.MousePos.x - origin.x) / ui.zoom;
    ui.pan.y = wy - (io.MousePos.y - origin.y) / ui.zoom;
  }
  if (hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Left) &&
      io.MouseDragMaxDistanceSqr[0] < io.MouseDragThreshold * io.MouseDragThreshold) {
    ui.selected = topo.HitTest(ui.pan.x + (io.MousePos.x - origin.x) / ui.zoom,
                               ui.pan.y + (io.MousePos.y - origin.y) / ui.zoom);
  }

  const float z = ui.zoom;
  auto S = [&](float x, float y) { return ImVec2(origin.x + (x - ui.pan.x) * z, origin.y + (y - ui.pan.y) * z); };
  const Rect view{ui.pan.x, ui.pan.y, size.x / z, size.y / z};
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), true);
  // No canvas fill: the frame is cleared to the background colour, and with
  // software GL every full-size layer costs milliseconds.
  const bool text = z >= 0.45f;
  ImFont* font = ImGui::GetFont();
  const float fs = ImGui::GetFontSize() * std::min(z, 1.2f);

  for (const auto& b : topo.bands()) {
    if (!b.rect.Intersects(view)) continue;
    dl->AddRectFilled(S(b.rect.x, b.rect.y), S(b.rect.right(), b.rect.bottom()),
                      b.team.empty() ? IM_COL32(60, 30, 34, 255) : IM_COL32(34, 38, 50, 255), 4 * z);
    if (z >= 0.2f) {
      std::string label = b.team.empty() ? "shared zone (red)" : b.team;
      dl->AddText(font, std::max(fs, 11.f), S(b.rect.x + 6, b.rect.y + 4), IM_COL32(220, 220, 230, 255),
                  label.c_str());
    }
    for (int ni = b.first_network; ni < b.end_network; ++ni) {
      const NetworkView& n = topo.networks()[ni];
      if (!n.column.Intersects(view)) continue;
      if (z < 0.15f) continue;  // too small to tell apart: the nodes carry the picture
      dl->AddRect(S(n.column.x - 4, n.column.y - 4), S(n.column.right() + 4, n.column.bottom()),
                  IM_COL32(80, 90, 110, 255), 3 * z);
      dl->AddRectFilled(S(n.header.x, n.header.y), S(n.header.right(), n.header.bottom()),
                        IM_COL32(58, 66, 86, 255), 3 * z);
      if (text) {
        std::string label = n.name + "  " + n.cidr;
        dl->AddText(font, fs, S(n.header.x + 6, n.header.y + 8), IM_COL32(235, 235, 245, 255),
                    label.c_str());
      }
    }
  }
  topo.Visible(view, &ui.visible);
  // Zoomed out, thousands of tiny boxes: square corners and no anti-aliased
  // fringe keep the vertex count at 4 per node.
  const bool detailed = z >= 0.3f;
  const ImDrawListFlags saved_flags = dl->Flags;
  if (!detailed) dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;
  const float rounding = detailed ? 3 * z : 0;
  for (int i : ui.visible) {
    const NodeView& n = topo.nodes()[i];
    // Multi-homed nodes (routers): a line to each other network's header.
    if (n.networks.size() > 1 && z >= 0.2f) {
      for (size_t k = 0; k < n.networks.size(); ++k) {
        const NetworkView& net = topo.networks()[n.networks[k]];
        dl->AddLine(S(n.rect.right(), n.rect.y + n.rect.h / 2),
                    S(net.header.x + net.header.w / 2, net.header.bottom()),
                    IM_COL32(120, 130, 150, 120), 1.0f);
      }
    }
    const ImVec2 a = S(n.rect.x, n.rect.y), c = S(n.rect.right(), n.rect.bottom());
    dl->AddRectFilled(a, c, StateColor(n.state), rounding);
    if (i == ui.selected) dl->AddRect(a, c, IM_COL32(255, 240, 120, 255), 3 * z, 0, 3);
    if (text) {
      dl->AddText(font, fs, ImVec2(a.x + 5 * z, a.y + 3 * z), IM_COL32(255, 255, 255, 255),
                  n.node.c_str());
      if (z >= 0.75f && !n.addresses.empty()) {
        dl->AddText(font, fs * 0.85f, ImVec2(a.x + 5 * z, a.y + 21 * z), IM_COL32(230, 230, 235, 220),
                    n.addresses.front().c_str());
      }
    }
  }
  dl->Flags = saved_flags;
  dl->PopClipRect();
  if (hovered) {
    int h = topo.HitTest(ui.pan.x + (io.MousePos.x - origin.x) / ui.zoom,
                         ui.pan.y + (io.MousePos.y - origin.y) / ui.zoom);
    if (h >= 0) {
      const NodeView& n = topo.nodes()[h];
      ImGui::BeginTooltip();
      ImGui::Text("%s  (%s)", n.key.c_str(), std::string(NodeStateName(n.state)).c_str());
      for (const auto& a : n.addresses) ImGui::TextDisabled("%s", a.c_str());
      ImGui::EndTooltip();
    }
  }
}

// ---- scoreboard -------------------------------------------------------------------

void DrawScorePlot(ExerciseModel& model, const std::vector<std::string>& teams, float height) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(std::max(ImGui::GetContentRegionAvail().x, 100.f), height);
  ImGui::Dummy(size);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(24, 26, 32, 255));
  double t_max = std::max(1.0, model.header().now.SinceStart().seconds());
  double lo = 0, hi = 1;
  for (const auto& t : teams) {
    for (const auto& p : model.scoreboard().History(t)) {
      lo = std::min(lo, p.total);
      hi = std::max(hi, p.total);
    }
  }
  const float left = 56, bottom = 20, right = 140;
  const ImVec2 p0(origin.x + left, origin.y + 6);
  const ImVec2 p1(origin.x + size.x - right, origin.y + size.y - bottom);
  dl->AddRect(p0, p1, IM_COL32(90, 90, 100, 255));
  auto X = [&](double t) { return p0.x + static_cast<float>(t / t_max) * (p1.x - p0.x); };
  auto Y = [&](double v) { return p1.y - static_cast<float>((v - lo) / (hi - lo)) * (p1.y - p0.y); };
  for (int k = 0; k <= 4; ++k) {
    double v = lo + (hi - lo) * k / 4;
    dl->AddLine(ImVec2(p0.x, Y(v)), ImVec2(p1.x, Y(v)), IM_COL32(60, 60, 70, 255));
    dl->AddText(ImVec2(origin.x + 4, Y(v) - 7), IM_COL32(180, 180, 190, 255), fmt::format("{:.0f}", v).c_str());
  }
  for (int k = 0; k <= 4; ++k) {
    double t = t_max * k / 4;
    dl->AddText(ImVec2(X(t) - 20, p1.y + 3), IM_COL32(180, 180, 190, 255),
                Clock(SimTime::FromNanos(static_cast<int64_t>(t * 1e9))).c_str());
  }
  std::vector<ImVec2> pts;
  for (size_t i = 0; i < teams.size(); ++i) {
    const auto& h = model.scoreboard().History(teams[i]);
    pts.clear();
    double last = 0;
    for (const auto& p : h) {
      // Step plot: a score holds until the next change.
      if (!pts.empty()) pts.emplace_back(X(p.t_s), Y(last));
      pts.emplace_back(X(p.t_s), Y(p.total));
      last = p.total;
    }
    if (!pts.empty()) pts.emplace_back(X(t_max), Y(last));
    if (pts.size() >= 2) dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), PlotColor(i), 0, 2.0f);
    const float ly = p0.y + 4 + 16 * static_cast<float>(i);
    if (ly < p1.y - 10) {
      dl->AddRectFilled(ImVec2(p1.x + 10, ly + 4), ImVec2(p1.x + 22, ly + 12), PlotColor(i));
      dl->AddText(ImVec2(p1.x + 26, ly), IM_COL32(220, 220, 230, 255),
                  fmt::format("{} {:.1f}", teams[i], last).c_str());
    }
  }
}

void DrawScoreboard(ExerciseModel& model, UiState& ui) {
  ScoreboardModel& sb = model.scoreboard();
  if (ui.rows_revision != sb.revision() || !(ui.rows_sort.column == ui.sort.column &&
                                             ui.rows_sort.category == ui.sort.category &&
                                             ui.rows_sort.descending == ui.sort.descending)) {
    ui.rows = sb.Rows(ui.sort);
    ui.rows_revision = sb.revision();
    ui.rows_sort = ui.sort;
  }
  ImGui::TextDisabled("Scores folded from the event log by the engine's scorer%s.",
                      sb.has_config_from_log() ? " with the config the log records"
                                               : " (the log records no scoring config: defaults)");
  if (!sb.warnings().empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.7f, 0.3f, 1), "%zu scoring warnings", sb.warnings().size());
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      for (size_t i = sb.warnings().size() > 10 ? sb.warnings().size() - 10 : 0; i < sb.warnings().size(); ++i) {
        ImGui::TextUnformatted(sb.warnings()[i].c_str());
      }
      ImGui::EndTooltip();
    }
  }
  const float plot_h = std::max(180.f, ImGui::GetContentRegionAvail().y * 0.38f);
  const float table_h = ImGui::GetContentRegionAvail().y - plot_h - 8;
  constexpr int kCols = 4 + scoring::kCategoryCount + 1;
  if (ImGui::BeginTable("scores", kCols,
                        ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
                        ImVec2(0, table_h))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("rank", ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_WidthFixed, 44);
    ImGui::TableSetupColumn("team", ImGuiTableColumnFlags_WidthStretch, 2);
    ImGui::TableSetupColumn("role", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthFixed, 40);
    ImGui::TableSetupColumn("total", ImGuiTableColumnFlags_PreferSortDescending);
    for (scoring::Category c : scoring::kCategories) {
      ImGui::TableSetupColumn(std::string(scoring::CategoryName(c)).c_str(),
                              ImGuiTableColumnFlags_PreferSortDescending);
    }
    ImGui::TableSetupColumn("plot", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthFixed, 36);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty) {
      if (specs->SpecsCount > 0) {
        const auto& s = specs->Specs[0];
        ui.sort.descending = s.SortDirection == ImGuiSortDirection_Descending;
        if (s.ColumnIndex == 0) {
          ui.sort.column = ScoreColumn::kRank;
        } else if (s.ColumnIndex == 1) {
          ui.sort.column = ScoreColumn::kTeam;
        } else if (s.ColumnIndex == 3) {
          ui.sort.column = ScoreColumn::kTotal;
        } else {
          ui.sort.column = ScoreColumn::kCategory;
          ui.sort.category = s.ColumnIndex - 4;
        }
      }
      specs->SpecsDirty = false;
    }
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(ui.rows.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const ScoreRow& r = ui.rows[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%d", r.rank);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.team.c_str());
        ImGui::TableNextColumn();
        ImGui::TextColored(r.role == "red" ? ImVec4(1, 0.45f, 0.4f, 1) : ImVec4(0.5f, 0.7f, 1, 1), "%s",
                           r.role.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.1f", r.total);
        for (double v : r.category) {
          ImGui::TableNextColumn();
          if (v < 0) {
            ImGui::TextColored(ImVec4(1, 0.5f, 0.4f, 1), "%.1f", v);
          } else {
            ImGui::Text("%.1f", v);
          }
        }
        ImGui::TableNextColumn();
        bool on = std::find(ui.plotted.begin(), ui.plotted.end(), r.team) != ui.plotted.end();
        ImGui::PushID(i);
        if (ImGui::Checkbox("##p", &on)) {
          if (on) {
            ui.plotted.push_back(r.team);
          } else {
            ui.plotted.erase(std::find(ui.plotted.begin(), ui.plotted.end(), r.team));
          }
        }
        ImGui::PopID();
      }
    }
    ImGui::EndTable();
  }
  std::vector<std::string> teams = ui.plotted;
  if (teams.empty()) {
    // Default: the top five blue teams by rank.
    for (const auto& r : sb.Rows({})) {
      if (r.role == "blue" && teams.size() < 5) teams.push_back(r.team);
    }
  }
  DrawScorePlot(model, teams, plot_h);
}

// ---- timeline ---------------------------------------------------------------------

void FilterCombo(const char* label, std::string& value, const std::vector<std::pair<std::string, std::string>>& items,
                 float width) {
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
  if (ImGui::InputTextWithHint("##text", "search text", ui.text, sizeof ui.text)) ui.filter.text = ui.text;
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
  if (model.header().duration.nanos() > 0) t_max = std::max<double>(t_max, model.header().duration.nanos());
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
      const int rank = r.kind == kinds::kRedAction ? 4
                       : r.kind.starts_with("inject.") ? 3
                       : r.kind.starts_with("submission.") ? 2
                                                          : 1;
      auto& cell = ui.strip[std::clamp<size_t>(static_cast<size_t>(std::max(px, 0)), 0, ui.strip.size() - 1)];
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
    if (!ui.filter.team.empty() && ir.team != ui.filter.team && !(ui.filter.team == "*" && ir.team.empty())) continue;
    if (!ui.filter.technique.empty() && !ir.technique.starts_with(ui.filter.technique)) continue;
    const float y = origin.y + 42;
    if (ir.planned) dl->AddCircle(ImVec2(X(ir.planned->nanos()), y), 4, IM_COL32(230, 230, 240, 200));
    if (ir.fired) {
      if (ir.planned) {
        dl->AddLine(ImVec2(X(ir.planned->nanos()), y), ImVec2(X(ir.fired->nanos()), y), IM_COL32(200, 200, 210, 140));
      }
      dl->AddCircleFilled(ImVec2(X(ir.fired->nanos()), y), 4, OutcomeColor(ir.outcome));
    }
  }
  const ImVec2 m = ImGui::GetIO().MousePos;
  if (m.x >= origin.x && m.x < origin.x + w && m.y >= origin.y && m.y < origin.y + h) {
    double t = (m.x - origin.x - 4) / (w - 8) * t_max;
    ImGui::SetTooltip("%s\nticks: events (yellow injects, red actions, blue submissions)\n"
                      "circles: injects planned (hollow) -> fired (filled, by outcome)",
                      Clock(SimTime::FromNanos(static_cast<int64_t>(t))).c_str());
  }
}

void DrawEvents(ExerciseModel& model, const std::vector<int>& rows) {
  TimelineModel& tl = model.timeline();
  if (ImGui::BeginTable("events", 6,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_Resizable)) {
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
        ImGui::TextUnformatted(r.summary.c_str());
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
    if (!ui.filter.team.empty() && !(ui.filter.team == "*" ? r.team.empty() : r.team == ui.filter.team)) continue;
    if (!ui.filter.technique.empty() && !r.technique.starts_with(ui.filter.technique)) continue;
    if (!ui.filter.text.empty() && r.inject.find(ui.filter.text) == std::string::npos) continue;
    shown.push_back(i);
  }
  if (ImGui::BeginTable("injects", 10,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_Resizable)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* c : {"inject", "team", "side", "ATT&CK", "planned", "fired", "drift", "outcome", "points", "reason"}) {
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
        ImGui::TextUnformatted(r.planned ? Clock(*r.planned).c_str() : "manual");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.fired ? Clock(*r.fired).c_str() : "-");
        ImGui::TableNextColumn();
        if (auto d = r.Drift()) {
          ImGui::Text(d->nanos() >= 0 ? "+%s" : "%s", FormatDuration(*d).c_str());
        } else {
          ImGui::TextUnformatted("-");
        }
        ImGui::TableNextColumn();
        ImGui::TextColored(ToVec4(OutcomeColor(r.outcome)), "%s", OutcomeLabel(r));
        ImGui::TableNextColumn();
        ImGui::Text("%.0f", r.points);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.reason.c_str());
      }
    }
    ImGui::EndTable();
  }
}

void DrawTimeline(ExerciseModel& model, UiState& ui, bool injects) {
  DrawFilters(model, ui);
  const std::vector<int>& rows = model.timeline().Filtered(ui.filter);
  DrawTimeStrip(model, ui, rows);
  if (injects) {
    ImGui::TextDisabled("Planned (inject.armed) against what fired and its outcome; drift = fired - planned.");
    DrawInjectTable(model, ui);
  } else {
    ImGui::TextDisabled("%zu of %zu events", rows.size(), model.timeline().rows().size());
    DrawEvents(model, rows);
  }
}

// ---- control ----------------------------------------------------------------------

void DrawControl(ExerciseModel& model, UiState& ui, ControlWorker* control) {
  auto submit = [&](bus::Request r, std::string what) {
    if (control) control->Submit(std::move(r), std::move(what));
  };
  ImGui::TextUnformatted("White cell control");
  ImGui::Separator();
  if (!control) {
    ImGui::TextWrapped("Replay: read-only view of the stored log. Control needs a running engine "
                       "(start it with `livefire up`, then open livefire-gui without --replay).");
    ImGui::BeginDisabled();
  } else if (!ui.engine_status.empty()) {
    ImGui::TextWrapped("engine: %s", ui.engine_status.c_str());
  }
  if (ImGui::Button("Pause")) {
    submit(MakePause(ui.pause_reason), "pause");
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##reason", "reason (optional)", ui.pause_reason, sizeof ui.pause_reason);
  if (ImGui::Button("Resume")) submit(MakeResume(), "resume");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  ImGui::SliderFloat("##speed", &ui.speed, 0.1f, 100.f, "speed x%.2f", ImGuiSliderFlags_Logarithmic);
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
  if (ImGui::BeginCombo("##fteam", ui.inject_team.empty() ? "every team" : ui.inject_team.c_str())) {
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
        std::string label = fmt::format("#{} {} {} {}{}##s{}", s.seq, Clock(s.time), s.team, s.summary, grades, i);
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
    auto req = MakeGrade(s.team, s.seq, ui.rubric, ui.points, ui.comment);
    if (!req.ok()) {
      Log(ui, "grade: " + req.status().message());
    } else {
      submit(std::move(*req), fmt::format("grade {} #{} {} %", s.team, s.seq, ui.rubric));
    }
  }
  if (!can_grade) ImGui::EndDisabled();
  if (!control) ImGui::EndDisabled();

  ImGui::Separator();
  if (control && control->in_flight() > 0) ImGui::TextDisabled("%zu request(s) in flight", control->in_flight());
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
  ImGui::TextColored(ToVec4(StateColor(n.state)), "%s since %s", std::string(NodeStateName(n.state)).c_str(),
                     Clock(n.state_since).c_str());
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
                       "check %s %s at %s, %.0f ms %s", svc.c_str(), c.status.c_str(), Clock(c.time).c_str(),
                       c.latency_ms, c.detail.c_str());
  }
  ImGui::TextUnformatted("recent events:");
  const auto& rows = model.timeline().rows();
  for (auto it = n.recent_events.rbegin(); it != n.recent_events.rend(); ++it) {
    auto r = std::lower_bound(rows.begin(), rows.end(), *it,
                              [](const TimelineRow& row, int64_t seq) { return row.seq < seq; });
    if (r == rows.end() || r->seq != *it) continue;
    ImGui::TextWrapped("#%lld %s %s %s", static_cast<long long>(r->seq), Clock(r->time).c_str(), r->kind.c_str(),
                       r->summary.c_str());
  }
}

}  // namespace

void DrawControlRoom(ExerciseModel& model, UiState& ui, ControlWorker* control) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("livefire control room", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  DrawHeader(model, ui);
  ImGui::Separator();
  const float side_w = std::clamp(vp->WorkSize.x * 0.27f, 320.f, 480.f);
  ImGui::BeginChild("main", ImVec2(ImGui::GetContentRegionAvail().x - side_w - 8, 0));
  if (ImGui::BeginTabBar("views")) {
    const char* names[] = {"Topology", "Scoreboard", "Timeline", "Injects"};
    for (int i = 0; i < 4; ++i) {
      ImGuiTabItemFlags f = ui.force_view && static_cast<int>(ui.view) == i ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(names[i], nullptr, f)) {
        if (!ui.force_view) ui.view = static_cast<View>(i);
        switch (static_cast<View>(i)) {
          case View::kTopology: DrawTopology(model, ui); break;
          case View::kScoreboard: DrawScoreboard(model, ui); break;
          case View::kTimeline: DrawTimeline(model, ui, false); break;
          case View::kInjects: DrawTimeline(model, ui, true); break;
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
  DrawControl(model, ui, control);
  ImGui::EndChild();
  ImGui::BeginChild("details", ImVec2(0, 0), true);
  DrawNodeDetails(model, ui);
  ImGui::EndChild();
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace livefire::gui

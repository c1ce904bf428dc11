// The scoreboard: ranked table and score plot.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "view_parts.h"

namespace livefire::gui::panel {

namespace {

void DrawScorePlot(ExerciseModel& model, const std::vector<std::string>& teams, float height) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(std::max(ImGui::GetContentRegionAvail().x, 100.f), height);
  ImGui::Dummy(size);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y),
                    IM_COL32(24, 26, 32, 255));
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
  auto Y = [&](double v) {
    return p1.y - static_cast<float>((v - lo) / (hi - lo)) * (p1.y - p0.y);
  };
  for (int k = 0; k <= 4; ++k) {
    double v = lo + (hi - lo) * k / 4;
    dl->AddLine(ImVec2(p0.x, Y(v)), ImVec2(p1.x, Y(v)), IM_COL32(60, 60, 70, 255));
    dl->AddText(ImVec2(origin.x + 4, Y(v) - 7), IM_COL32(180, 180, 190, 255),
                fmt::format("{:.0f}", v).c_str());
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
    if (pts.size() >= 2)
      dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), PlotColor(i), 0, 2.0f);
    const float ly = p0.y + 4 + 16 * static_cast<float>(i);
    if (ly < p1.y - 10) {
      dl->AddRectFilled(ImVec2(p1.x + 10, ly + 4), ImVec2(p1.x + 22, ly + 12), PlotColor(i));
      dl->AddText(ImVec2(p1.x + 26, ly), IM_COL32(220, 220, 230, 255),
                  fmt::format("{} {:.1f}", teams[i], last).c_str());
    }
  }
}

}  // namespace

void DrawScoreboard(ExerciseModel& model, UiState& ui) {
  ScoreboardModel& sb = model.scoreboard();
  if (ui.rows_revision != sb.revision() ||
      !(ui.rows_sort.column == ui.sort.column && ui.rows_sort.category == ui.sort.category &&
        ui.rows_sort.descending == ui.sort.descending)) {
    ui.rows = sb.Rows(ui.sort);
    ui.rows_revision = sb.revision();
    ui.rows_sort = ui.sort;
  }
  if (sb.replayed()) {
    ImGui::TextDisabled("Scores replayed from the event log (scoring::ReplayLog)%s.",
                        sb.has_config_from_log()
                            ? " with the config the log records"
                            : " (the log records no scoring config: defaults)");
  } else if (sb.has_board()) {
    ImGui::TextDisabled("Scores as the engine published them (event %lld).",
                        static_cast<long long>(sb.board().seq));
  } else {
    ImGui::TextDisabled("Waiting for the engine's first published scoreboard.");
  }
  if (!sb.warnings().empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.7f, 0.3f, 1), "%zu scoring warnings", sb.warnings().size());
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      for (size_t i = sb.warnings().size() > 10 ? sb.warnings().size() - 10 : 0;
           i < sb.warnings().size(); ++i) {
        ImGui::TextUnformatted(sb.warnings()[i].c_str());
      }
      ImGui::EndTooltip();
    }
  }
  const float plot_h = std::max(180.f, ImGui::GetContentRegionAvail().y * 0.38f);
  const float table_h = ImGui::GetContentRegionAvail().y - plot_h - 8;
  constexpr int kCols = 4 + scoring::kCategoryCount + 1;
  if (ImGui::BeginTable("scores", kCols,
                        ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg |
                            ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                            ImGuiTableFlags_SizingStretchProp,
                        ImVec2(0, table_h))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn(
        "rank", ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_WidthFixed, 44);
    ImGui::TableSetupColumn("team", ImGuiTableColumnFlags_WidthStretch, 2);
    ImGui::TableSetupColumn("role", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthFixed,
                            40);
    ImGui::TableSetupColumn("total", ImGuiTableColumnFlags_PreferSortDescending);
    for (scoring::Category c : scoring::kCategories) {
      ImGui::TableSetupColumn(std::string(scoring::CategoryName(c)).c_str(),
                              ImGuiTableColumnFlags_PreferSortDescending);
    }
    ImGui::TableSetupColumn("plot", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthFixed,
                            36);
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
        ImGui::TextColored(r.role == "red" ? ImVec4(1, 0.45f, 0.4f, 1) : ImVec4(0.5f, 0.7f, 1, 1),
                           "%s", r.role.c_str());
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

}  // namespace livefire::gui::panel

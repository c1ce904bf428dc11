// The topology canvas: bands of networks and nodes, pan, zoom, selection.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "view_parts.h"

namespace livefire::gui::panel {

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
  auto S = [&](float x, float y) {
    return ImVec2(origin.x + (x - ui.pan.x) * z, origin.y + (y - ui.pan.y) * z);
  };
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
                      b.team.empty() ? IM_COL32(60, 30, 34, 255) : IM_COL32(34, 38, 50, 255),
                      4 * z);
    if (z >= 0.2f) {
      std::string label = b.team.empty() ? "shared zone (red)" : b.team;
      dl->AddText(font, std::max(fs, 11.f), S(b.rect.x + 6, b.rect.y + 4),
                  IM_COL32(220, 220, 230, 255), label.c_str());
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
        dl->AddText(font, fs * 0.85f, ImVec2(a.x + 5 * z, a.y + 21 * z),
                    IM_COL32(230, 230, 235, 220), n.addresses.front().c_str());
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

}  // namespace livefire::gui::panel

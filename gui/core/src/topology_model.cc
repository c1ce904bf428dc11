#include "livefire/gui/topology_model.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace livefire::gui {

std::string_view NodeStateName(NodeState s) {
  switch (s) {
    case NodeState::kUnknown:
      return "unknown";
    case NodeState::kUp:
      return "up";
    case NodeState::kDown:
      return "down";
    case NodeState::kCompromised:
      return "compromised";
    case NodeState::kReverted:
      return "reverted";
  }
  return "unknown";
}

namespace {

std::string IndexKey(std::string_view team, std::string_view node) {
  std::string k(team);
  k += '/';
  k += node;
  return k;
}

// Band order: shared zone, the plan's blue teams, then any other team seen.
std::vector<std::string> BandOrder(const topology::RangePlan& plan) {
  std::vector<std::string> teams = {""};
  std::set<std::string> seen = {""};
  for (const auto& t : plan.blue_teams) {
    if (seen.insert(t).second) teams.push_back(t);
  }
  for (const auto& n : plan.networks) {
    if (seen.insert(n.team).second) teams.push_back(n.team);
  }
  for (const auto& d : plan.domains) {
    if (seen.insert(d.team).second) teams.push_back(d.team);
  }
  return teams;
}

}  // namespace

struct TopologyModel::Column {
  int network = -1;          // -1: the team's routers
  std::vector<int> domains;  // plan domain indices
};

void TopologyModel::SetPlan(const ExercisePlan& ep) {
  nodes_.clear();
  networks_.clear();
  bands_.clear();
  index_.clear();
  for (const std::string& team : BandOrder(ep.plan)) LayoutBand(ep, team);
  ArrangeBands();
}

// A column per network of the team (routers first); each domain goes under
// its first interface's network. Appends the team's networks to networks_.
std::vector<TopologyModel::Column> TopologyModel::BandColumns(const topology::RangePlan& plan,
                                                              const std::string& team,
                                                              bool* has_domains) {
  std::vector<Column> cols(1);
  std::map<std::string, int, std::less<>> col_of;  // network key -> column
  for (const auto& n : plan.networks) {
    if (n.team != team) continue;
    NetworkView nv;
    nv.key = n.key;
    nv.team = n.team;
    nv.name = n.scenario_network.empty() ? n.key : n.scenario_network;
    nv.cidr = n.cidr;
    col_of[n.key] = static_cast<int>(cols.size());
    cols.push_back({static_cast<int>(networks_.size()), {}});
    networks_.push_back(std::move(nv));
  }
  *has_domains = false;
  for (size_t i = 0; i < plan.domains.size(); ++i) {
    const auto& d = plan.domains[i];
    if (d.team != team) continue;
    *has_domains = true;
    int c = 0;
    if (!d.is_router && !d.interfaces.empty()) {
      auto it = col_of.find(d.interfaces.front().network_key);
      c = it != col_of.end() ? it->second : 0;
    }
    cols[c].domains.push_back(static_cast<int>(i));
  }
  return cols;
}

NodeView TopologyModel::MakeNode(const ExercisePlan& ep, const topology::PlannedDomain& d) const {
  NodeView nv;
  nv.key = d.key;
  nv.team = d.team;
  nv.node = d.node;
  nv.template_name = d.template_name;
  nv.is_router = d.is_router;
  for (const auto& itf : d.interfaces) {
    nv.addresses.push_back(itf.address);
    // Team routers also have legs on shared networks (earlier bands).
    for (int ni = 0; ni < static_cast<int>(networks_.size()); ++ni) {
      if (networks_[ni].key == itf.network_key) {
        nv.networks.push_back(ni);
        break;
      }
    }
  }
  if (auto s = ep.services.find(d.key); s != ep.services.end()) nv.services = s->second;
  return nv;
}

// Pass 1: one band laid out at the origin (skipped when the team has
// neither networks nor domains).
void TopologyModel::LayoutBand(const ExercisePlan& ep, const std::string& team) {
  const topology::RangePlan& plan = ep.plan;
  TeamBand band;
  band.team = team;
  band.first_network = static_cast<int>(networks_.size());
  band.first_node = static_cast<int>(nodes_.size());
  bool has_domains = false;
  std::vector<Column> cols = BandColumns(plan, team, &has_domains);
  if (!has_domains && band.first_network == static_cast<int>(networks_.size())) return;

  const float top = kBandPad;
  float x = kBandPad;
  float band_h = 0;
  for (const Column& col : cols) {
    if (col.network < 0 && col.domains.empty()) continue;
    const int n = static_cast<int>(col.domains.size());
    const int per_row = std::max(1, std::min(n, kMaxNodesPerRow));
    const int rows = (n + per_row - 1) / per_row;
    const float w = std::max(kNodeW, per_row * (kNodeW + kGap) - kGap);
    const float h = kHeaderH + kGap + rows * (kNodeH + kGap);
    if (col.network >= 0) {
      NetworkView& nv = networks_[col.network];
      nv.header = {x, top, w, kHeaderH};
      nv.column = {x, top, w, h};
    }
    for (int k = 0; k < n; ++k) {
      const auto& d = plan.domains[col.domains[k]];
      NodeView nv = MakeNode(ep, d);
      const int r = k / per_row, c = k % per_row;
      nv.rect = {x + c * (kNodeW + kGap), top + kHeaderH + kGap + r * (kNodeH + kGap), kNodeW,
                 kNodeH};
      index_.emplace(IndexKey(d.team, d.node), static_cast<int>(nodes_.size()));
      nodes_.push_back(std::move(nv));
    }
    x += w + 3 * kGap;
    band_h = std::max(band_h, h);
  }
  band.end_node = static_cast<int>(nodes_.size());
  band.end_network = static_cast<int>(networks_.size());
  band.rect = {0, 0, x - 2 * kGap + kBandPad, kBandPad + band_h + kGap};
  bands_.push_back(std::move(band));
}

void TopologyModel::MoveBand(TeamBand& b, float bx, float by) {
  for (int i = b.first_node; i < b.end_node; ++i) {
    nodes_[i].rect.x += bx;
    nodes_[i].rect.y += by;
  }
  for (int i = b.first_network; i < b.end_network; ++i) {
    networks_[i].header.x += bx;
    networks_[i].header.y += by;
    networks_[i].column.x += bx;
    networks_[i].column.y += by;
  }
  b.rect.x = bx;
  b.rect.y = by;
}

// Pass 2: the shared zone on top, team bands in a grid of equal cells
// (row-major, so bands stay sorted by y for culling). The column count
// aims at a 16:10 canvas.
void TopologyModel::ArrangeBands() {
  float cell_w = 0, cell_h = 0;
  size_t team_bands = 0;
  for (const auto& b : bands_) {
    if (b.team.empty()) continue;
    cell_w = std::max(cell_w, b.rect.w);
    cell_h = std::max(cell_h, b.rect.h);
    ++team_bands;
  }
  int grid_cols = 1;
  if (team_bands > 0) {
    grid_cols = static_cast<int>(std::lround(std::sqrt(team_bands * cell_h / cell_w * 1.6)));
    grid_cols = std::clamp(grid_cols, 1, static_cast<int>(team_bands));
  }
  const float step = 2 * kGap;
  float y = 0, total_w = grid_cols * (cell_w + step) - step;
  int slot = 0;
  for (auto& b : bands_) {
    if (!b.team.empty()) continue;
    MoveBand(b, 0, y);
    total_w = std::max(total_w, b.rect.w);
    y += b.rect.h + step;
  }
  for (auto& b : bands_) {
    if (b.team.empty()) continue;
    MoveBand(b, (slot % grid_cols) * (cell_w + step), y + (slot / grid_cols) * (cell_h + step));
    b.rect.w = cell_w;
    b.rect.h = cell_h;
    ++slot;
  }
  const int grid_rows = (slot + grid_cols - 1) / grid_cols;
  bounds_ = {0, 0, total_w, y + grid_rows * (cell_h + step)};
  // The shared band comes first in bands_ already (BandOrder starts with "").
}

int TopologyModel::Find(std::string_view team, std::string_view node) const {
  if (auto it = index_.find(IndexKey(team, node)); it != index_.end()) return it->second;
  if (auto it = index_.find(IndexKey("", node)); it != index_.end()) return it->second;
  return -1;
}

void TopologyModel::Touch(NodeView& n, const Event& e) {
  n.recent_events.push_back(e.seq);
  if (n.recent_events.size() > kRecentEvents) {
    n.recent_events.erase(n.recent_events.begin(),
                          n.recent_events.begin() + (n.recent_events.size() - kRecentEvents));
  }
}

bool TopologyModel::Apply(const Event& e) {
  auto node_it = e.payload.find("node");
  if (node_it == e.payload.end() || !node_it->is_string()) return false;
  int idx = Find(e.team, node_it->get_ref<const std::string&>());
  if (idx < 0) return false;
  NodeView& n = nodes_[idx];
  Touch(n, e);
  const NodeState before = n.state;
  NodeState next = before;
  const std::string& k = e.kind;
  if (k == kinds::kRangeNodeReady) {
    if (before == NodeState::kUnknown || before == NodeState::kDown) next = NodeState::kUp;
  } else if (k == kinds::kRangeNodeFailed) {
    next = NodeState::kDown;
  } else if (k == kinds::kRangeNodeReverted) {
    next = NodeState::kReverted;
  } else if (k == kinds::kObjectiveReached) {
    next = NodeState::kCompromised;
    ++n.compromises;
  } else if (k == kinds::kCheckResult) {
    CheckView c;
    c.service = e.payload.value("service", "");
    c.status = e.payload.value("status", "");
    if (auto l = e.payload.find("latency_ms"); l != e.payload.end() && l->is_number()) {
      c.latency_ms = l->get<double>();
    }
    c.detail = e.payload.value("detail", "");
    c.time = e.time;
    n.checks[c.service] = std::move(c);
    // A compromise stays visible until the node is reverted, whatever its
    // services answer (a defaced portal still answers HTTP 200).
    if (before != NodeState::kCompromised) {
      bool down = std::any_of(n.checks.begin(), n.checks.end(),
                              [](const auto& kv) { return kv.second.status != "up"; });
      next = down ? NodeState::kDown : NodeState::kUp;
    }
  }
  if (next != before) {
    n.state = next;
    n.state_since = e.time;
  }
  return true;
}

void TopologyModel::Visible(const Rect& view, std::vector<int>* out) const {
  out->clear();
  // Bands are sorted by y: skip to the first one that reaches the view.
  auto first = std::lower_bound(bands_.begin(), bands_.end(), view.y,
                                [](const TeamBand& b, float y) { return b.rect.bottom() < y; });
  for (auto b = first; b != bands_.end() && b->rect.y < view.bottom(); ++b) {
    if (!b->rect.Intersects(view)) continue;
    for (int i = b->first_node; i < b->end_node; ++i) {
      if (nodes_[i].rect.Intersects(view)) out->push_back(i);
    }
  }
}

int TopologyModel::HitTest(float x, float y) const {
  std::vector<int> v;
  Visible({x, y, 1, 1}, &v);
  for (int i : v) {
    if (nodes_[i].rect.Contains(x, y)) return i;
  }
  return -1;
}

std::map<NodeState, int> TopologyModel::Counts() const {
  std::map<NodeState, int> out;
  for (const auto& n : nodes_) ++out[n.state];
  return out;
}

}  // namespace livefire::gui

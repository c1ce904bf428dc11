#include "livefire/gui/topology_model.h"

#include <algorithm>
#include <set>

namespace livefire::gui {

std::string_view NodeStateName(NodeState s) {
  switch (s) {
    case NodeState::kUnknown: return "unknown";
    case NodeState::kUp: return "up";
    case NodeState::kDown: return "down";
    case NodeState::kCompromised: return "compromised";
    case NodeState::kReverted: return "reverted";
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

struct Column {
  int network = -1;  // -1: the team's routers
  std::vector<int> domains;  // plan domain indices
};

}  // namespace

void TopologyModel::SetPlan(const ExercisePlan& ep) {
  const topology::RangePlan& plan = ep.plan;
  nodes_.clear();
  networks_.clear();
  bands_.clear();
  index_.clear();

  // Band order: shared zone, the plan's blue teams, then any other team seen.
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

  float y = 0;
  float max_w = 0;
  for (const std::string& team : teams) {
    TeamBand band;
    band.team = team;
    band.first_network = static_cast<int>(networks_.size());
    band.first_node = static_cast<int>(nodes_.size());

    // Columns: routers, then this team's networks in plan order.
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
    bool has_domains = false;
    for (size_t i = 0; i < plan.domains.size(); ++i) {
      const auto& d = plan.domains[i];
      if (d.team != team) continue;
      has_domains = true;
      int c = 0;
      if (!d.is_router && !d.interfaces.empty()) {
        auto it = col_of.find(d.interfaces.front().network_key);
        c = it != col_of.end() ? it->second : 0;
      }
      cols[c].domains.push_back(static_cast<int>(i));
    }
    if (!has_domains && band.first_network == static_cast<int>(networks_.size())) continue;

    const float top = y + kBandPad;
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
        NodeView nv;
        nv.key = d.key;
        nv.team = d.team;
        nv.node = d.node;
        nv.template_name = d.template_name;
        nv.is_router = d.is_router;
        for (const auto& itf : d.interfaces) {
          nv.addresses.push_back(itf.address);
          for (int ni = band.first_network; ni < static_cast<int>(networks_.size()); ++ni) {
            if (networks_[ni].key == itf.network_key) nv.networks.push_back(ni);
          }
          // Team routers also have legs on shared networks (earlier bands).
          for (int ni = 0; ni < band.first_network; ++ni) {
            if (networks_[ni].key == itf.network_key) nv.networks.push_back(ni);
          }
        }
        if (auto s = ep.services.find(d.key); s != ep.services.end()) nv.services = s->second;
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
    band.rect = {0, y, x - 2 * kGap + kBandPad, kBandPad + band_h + kGap};
    max_w = std::max(max_w, band.rect.w);
    y += band.rect.h + 2 * kGap;
    bands_.push_back(std::move(band));
  }
  // Bands share one width so the canvas reads as a table of teams.
  for (auto& b : bands_) b.rect.w = max_w;
  bounds_ = {0, 0, max_w, y};
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

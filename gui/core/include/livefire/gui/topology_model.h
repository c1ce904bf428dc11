#pragma once
// Topology view model: the plan's networks and domains laid out per team,
// and each node's state folded from the events. No ImGui here: the renderer
// only draws the rectangles this computes (unit-tested for determinism and
// for never overlapping).
//
// Layout (world units, y down): one band per team: the shared (red) zone
// on top, then the blue teams in plan order in a grid of equal cells,
// row-major, with about a 16:10 aspect overall. Inside a band, networks are
// columns in plan order; a node sits in the column of its first interface,
// in a grid of at most kMaxNodesPerRow per row; the team's router
// (multi-homed) gets its own column at the left of its band.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/event.h"
#include "livefire/gui/plan_file.h"
#include "livefire/time.h"

namespace livefire::gui {

enum class NodeState {
  kUnknown,      // nothing heard yet
  kUp,           // ready, every service's last check up
  kDown,         // a service's last check down, or the domain failed
  kCompromised,  // an objective on it was reached (until reverted)
  kReverted,     // restored from its snapshot, no check since
};
std::string_view NodeStateName(NodeState s);

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  float right() const { return x + w; }
  float bottom() const { return y + h; }
  bool Intersects(const Rect& o) const {
    return x < o.right() && o.x < right() && y < o.bottom() && o.y < bottom();
  }
  bool Contains(float px, float py) const {
    return px >= x && px < right() && py >= y && py < bottom();
  }
};

struct CheckView {
  std::string service;
  std::string status;  // "up"/"down"
  double latency_ms = 0;
  std::string detail;
  SimTime time;
};

struct NodeView {
  std::string key;   // domain key ("blue1.portal")
  std::string team;  // "" for shared nodes
  std::string node;  // scenario node name
  std::string template_name;
  bool is_router = false;
  std::vector<std::string> addresses;
  std::vector<int> networks;  // indices into networks()
  std::vector<ServiceInfo> services;
  NodeState state = NodeState::kUnknown;
  SimTime state_since;
  std::map<std::string, CheckView> checks;  // last check per service
  std::vector<int64_t> recent_events;       // seqs, newest last, at most kRecentEvents
  int compromises = 0;
  Rect rect;
};

struct NetworkView {
  std::string key;   // "blue1.dmz" / "red"
  std::string team;  // "" = shared
  std::string name;  // scenario network
  std::string cidr;
  Rect header;  // the column's title box
  Rect column;  // header and every node under it
};

struct TeamBand {
  std::string team;  // "" = shared zone
  Rect rect;
  int first_node = 0, end_node = 0;  // node index range (nodes are stored band by band)
  int first_network = 0, end_network = 0;
};

class TopologyModel {
 public:
  static constexpr float kNodeW = 132, kNodeH = 40, kGap = 10, kHeaderH = 34, kBandPad = 26;
  static constexpr int kMaxNodesPerRow = 6;
  static constexpr size_t kRecentEvents = 64;

  void SetPlan(const ExercisePlan& plan);
  // Folds one event into node states. Returns true when it touched a node.
  bool Apply(const Event& e);

  const std::vector<NodeView>& nodes() const { return nodes_; }
  const std::vector<NetworkView>& networks() const { return networks_; }
  const std::vector<TeamBand>& bands() const { return bands_; }
  Rect bounds() const { return bounds_; }

  // The node of (team, node name); falls back to the shared node of that
  // name (events about the red zone carry the blue team they acted on).
  int Find(std::string_view team, std::string_view node) const;
  // Node indices whose rectangles intersect `view` (bands culled first).
  void Visible(const Rect& view, std::vector<int>* out) const;
  // The node under a world point, or -1.
  int HitTest(float x, float y) const;
  // Nodes per state (for the legend).
  std::map<NodeState, int> Counts() const;

 private:
  std::vector<NodeView> nodes_;
  std::vector<NetworkView> networks_;
  std::vector<TeamBand> bands_;
  std::map<std::string, int, std::less<>> index_;  // "team/node" -> node index
  Rect bounds_;
  void Touch(NodeView& n, const Event& e);
  // SetPlan's steps: bands laid out one by one at the origin, then arranged.
  struct Column;
  void LayoutBand(const ExercisePlan& ep, const std::string& team);
  std::vector<Column> BandColumns(const topology::RangePlan& plan, const std::string& team,
                                  bool* has_domains);
  NodeView MakeNode(const ExercisePlan& ep, const topology::PlannedDomain& d) const;
  void MoveBand(TeamBand& b, float bx, float by);
  void ArrangeBands();
};

}  // namespace livefire::gui

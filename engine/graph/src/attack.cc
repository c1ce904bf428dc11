#include "livefire/graph/attack.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "attack_impl.h"

namespace livefire::graph {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Kind {
  StepKind kind;
  std::string_view name;
};
constexpr Kind kKinds[] = {{StepKind::kExploit, "exploit"},
                           {StepKind::kLogin, "login"},
                           {StepKind::kCredentials, "credentials"},
                           {StepKind::kEscalate, "escalate"},
                           {StepKind::kInformation, "information"}};

}  // namespace

std::string_view ToString(StepKind k) {
  for (const Kind& x : kKinds) {
    if (x.kind == k) return x.name;
  }
  return "?";
}

StepKind StepKindFrom(std::string_view name) {
  for (const Kind& x : kKinds) {
    if (x.name == name) return x.kind;
  }
  return StepKind::kExploit;
}

model::Privilege AttackState::privilege(size_t node) const {
  if (node >= nodes_) return model::Privilege::kNone;
  if (facts_[nets_ + nodes_ + node]) return model::Privilege::kRoot;
  return facts_[nets_ + node] ? model::Privilege::kUser : model::Privilege::kNone;
}

bool AttackState::holds_credential(size_t credential) const {
  size_t i = nets_ + 2 * nodes_ + credential;
  return i < facts_.size() && facts_[i];
}

bool AttackState::acts_on_network(size_t network) const {
  return network < nets_ && facts_[network];
}

AttackModel::AttackModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AttackModel::AttackModel(AttackModel&&) noexcept = default;
AttackModel& AttackModel::operator=(AttackModel&&) noexcept = default;
AttackModel::~AttackModel() = default;

const std::vector<std::string>& AttackModel::nodes() const { return impl_->nodes; }
const std::vector<std::string>& AttackModel::networks() const { return impl_->nets; }
const std::vector<std::string>& AttackModel::credentials() const { return impl_->creds; }
const std::vector<AttackAction>& AttackModel::actions() const { return impl_->actions; }
size_t AttackModel::num_instances() const { return impl_->instances.size(); }

int AttackModel::FindNode(std::string_view name) const {
  auto it = impl_->node_index.find(name);
  return it == impl_->node_index.end() ? -1 : it->second;
}

int AttackModel::FindCredential(std::string_view name) const {
  auto it = impl_->cred_index.find(name);
  return it == impl_->cred_index.end() ? -1 : it->second;
}

namespace {

// Adds fact f to `facts` and, when it is a foothold, the networks it puts red
// on (structural instances), transitively.
void Gain(const AttackModel::Impl& m, std::vector<uint8_t>& facts, int f) {
  if (facts[f]) return;
  facts[f] = 1;
  std::vector<int> work{f};
  while (!work.empty()) {
    int g = work.back();
    work.pop_back();
    for (int i : m.by_fact[g]) {
      const AttackModel::Impl::Instance& in = m.instances[i];
      if (in.action >= 0) continue;
      int n = m.NetFact(in.net);
      if (!facts[n]) {
        facts[n] = 1;
        work.push_back(n);
      }
    }
  }
}

// Whether a firewall block of the state stops the instance.
bool Stopped(const std::vector<uint8_t>& blocked, const AttackModel::Impl::Instance& in) {
  return in.crosses && in.source >= 0 && static_cast<size_t>(in.source) < blocked.size() &&
         blocked[in.source];
}

bool Satisfied(const AttackModel::Impl& m, const std::vector<uint8_t>& facts,
               const AttackModel::Impl::Instance& in) {
  int pre[2];
  int n = m.Prerequisites(in, pre);
  for (int k = 0; k < n; ++k) {
    if (pre[k] < 0 || !facts[pre[k]]) return false;
  }
  return true;
}

}  // namespace

AttackState AttackModel::Initial() const {
  const Impl& m = *impl_;
  AttackState s;
  s.facts_.assign(m.num_facts(), 0);
  s.nets_ = m.nets.size();
  s.nodes_ = m.nodes.size();
  for (int f : m.entry) Gain(m, s.facts_, f);
  return s;
}

std::vector<AttackChoice> AttackModel::Available(const AttackState& s) const {
  const Impl& m = *impl_;
  std::vector<AttackChoice> out;
  for (size_t i = 0; i < m.instances.size(); ++i) {
    const Impl::Instance& in = m.instances[i];
    if (in.action >= 0 && Satisfied(m, s.facts_, in) && !Stopped(s.blocked_, in)) {
      out.push_back({static_cast<int>(i)});
    }
  }
  return out;
}

const AttackAction& AttackModel::ActionOf(AttackChoice c) const {
  return impl_->actions[impl_->instances[c.instance].action];
}

std::string_view AttackModel::From(AttackChoice c) const {
  const Impl& m = *impl_;
  int src = m.instances[c.instance].source;
  if (src < 0) return {};
  if (src < static_cast<int>(m.nets.size())) return m.nets[src];
  return m.nodes[src - m.nets.size()];
}

bool AttackModel::Apply(AttackChoice c, AttackState& s) const {
  const Impl& m = *impl_;
  if (c.instance < 0 || static_cast<size_t>(c.instance) >= m.instances.size()) return false;
  const Impl::Instance& in = m.instances[c.instance];
  if (in.action < 0 || s.facts_.size() != m.num_facts() || !Satisfied(m, s.facts_, in) ||
      Stopped(s.blocked_, in)) {
    return false;
  }
  for (int g : m.action_facts[in.action].gives) Gain(m, s.facts_, g);
  return true;
}

int AttackModel::ActionIndex(AttackChoice c) const {
  const Impl& m = *impl_;
  if (c.instance < 0 || static_cast<size_t>(c.instance) >= m.instances.size()) return -1;
  return m.instances[c.instance].action;
}

bool AttackModel::CrossesFirewall(AttackChoice c) const {
  const Impl& m = *impl_;
  if (c.instance < 0 || static_cast<size_t>(c.instance) >= m.instances.size()) return false;
  const Impl::Instance& in = m.instances[c.instance];
  return in.action >= 0 && in.source >= 0 && in.crosses;
}

bool AttackModel::Block(AttackChoice c, AttackState& s) const {
  if (!CrossesFirewall(c)) return false;
  const int src = impl_->instances[c.instance].source;
  const size_t sources = impl_->nets.size() + impl_->nodes.size();
  if (static_cast<size_t>(src) >= sources) return false;
  // Sized at the first block: a state without blocks (most of them, and the
  // simulator copies states per candidate) costs no second allocation.
  if (s.blocked_.empty()) s.blocked_.assign(sources, 0);
  if (s.blocked_[src]) return false;
  s.blocked_[src] = 1;
  return true;
}

bool AttackModel::Blocked(const AttackState& s, AttackChoice c) const {
  const Impl& m = *impl_;
  if (c.instance < 0 || static_cast<size_t>(c.instance) >= m.instances.size()) return false;
  return Stopped(s.blocked_, m.instances[c.instance]);
}

void AttackModel::Revoke(size_t node, AttackState& s) const {
  const Impl& m = *impl_;
  if (node >= m.nodes.size() || s.facts_.size() != m.num_facts()) return;
  // Rebuild from what survives: the entry facts, footholds on other nodes and
  // credentials; Gain() re-derives the networks they put red on.
  std::vector<uint8_t> kept = std::move(s.facts_);
  s.facts_.assign(m.num_facts(), 0);
  for (int f : m.entry) Gain(m, s.facts_, f);
  const int user = m.UserFact(static_cast<int>(node)), root = m.RootFact(static_cast<int>(node));
  for (size_t f = m.nets.size(); f < kept.size(); ++f) {
    const int fi = static_cast<int>(f);
    if (kept[f] && fi != user && fi != root) Gain(m, s.facts_, fi);
  }
}

bool AttackModel::Reached(const AttackState& s, std::string_view objective) const {
  for (const Impl::Objective& o : impl_->objectives) {
    if (o.name != objective) continue;
    return o.red && o.node >= 0 && s.privilege(o.node) != model::Privilege::kNone;
  }
  return false;
}

namespace {

// The search: facts settled in order of the cost of the chain that first
// gives them; via[f] is the instance that gave f (-1: held at the start).
class Search {
 public:
  explicit Search(const AttackModel::Impl& m)
      : m_(m),
        dist_(m.num_facts(), kInf),
        via_(m.num_facts(), -1),
        order_(m.num_facts(), -1),
        fact_mark_(m.num_facts(), 0),
        inst_mark_(m.instances.size(), 0) {}

  void Run() {
    using Item = std::pair<double, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> pq;
    for (int f : m_.entry) {
      dist_[f] = 0;
      pq.push({0.0, f});
    }
    int settled = 0;
    while (!pq.empty()) {
      auto [d, f] = pq.top();
      pq.pop();
      if (order_[f] >= 0 || d > dist_[f]) continue;
      order_[f] = settled++;
      for (int i : m_.by_fact[f]) Relax(i, pq);
    }
  }

  bool Holds(int f) const { return order_[f] >= 0; }
  double Cost(int f) const { return dist_[f]; }

  // The instances of the chain giving `f`, in the order red plays them.
  std::vector<int> Chain(int f) {
    ++stamp_;
    std::vector<std::pair<int, int>> steps;  // (order of the fact it gave, instance)
    Collect(f, &steps);
    std::sort(steps.begin(), steps.end());
    std::vector<int> out;
    for (const auto& [o, i] : steps) out.push_back(i);
    return out;
  }

 private:
  template <typename Queue>
  void Relax(int i, Queue& pq) {
    const AttackModel::Impl::Instance& in = m_.instances[i];
    int pre[2];
    int n = m_.Prerequisites(in, pre);
    for (int k = 0; k < n; ++k) {
      if (pre[k] < 0 || order_[pre[k]] < 0) return;  // not all held yet
    }
    double own = in.action < 0 ? 0.0 : m_.actions[in.action].cost;
    // Two prerequisites may share part of their chains: count each step once.
    double cand = n == 1 ? dist_[pre[0]] + own : UnionCost(pre, n) + own;
    int buf;
    auto [given, count] = m_.Given(in, &buf);
    for (size_t k = 0; k < count; ++k) {
      int g = given[k];
      if (order_[g] >= 0 || !(cand < dist_[g])) continue;
      dist_[g] = cand;
      via_[g] = i;
      pq.push({cand, g});
    }
  }

  double UnionCost(const int* pre, int n) {
    ++stamp_;
    double sum = 0;
    for (int k = 0; k < n; ++k) sum += CollectCost(pre[k]);
    return sum;
  }

  // Sum of the costs of the not yet visited steps of f's chain.
  double CollectCost(int f) {
    double sum = 0;
    WalkChain(f, [&](int, int i) { sum += m_.actions[m_.instances[i].action].cost; });
    return sum;
  }

  void Collect(int f, std::vector<std::pair<int, int>>* steps) {
    WalkChain(f, [&](int g, int i) { steps->push_back({order_[g], i}); });
  }

  // Visits each not yet visited step of f's chain once (marks under stamp_):
  // visit(fact, instance index) for every instance that is an action.
  template <typename Visit>
  void WalkChain(int f, Visit&& visit) {
    std::vector<int> work{f};
    while (!work.empty()) {
      int g = work.back();
      work.pop_back();
      if (fact_mark_[g] == stamp_) continue;
      fact_mark_[g] = stamp_;
      int i = via_[g];
      if (i < 0 || inst_mark_[i] == stamp_) continue;
      inst_mark_[i] = stamp_;
      const AttackModel::Impl::Instance& in = m_.instances[i];
      if (in.action >= 0) visit(g, i);
      int pre[2];
      int n = m_.Prerequisites(in, pre);
      for (int k = 0; k < n; ++k) work.push_back(pre[k]);
    }
  }

  const AttackModel::Impl& m_;
  std::vector<double> dist_;
  std::vector<int> via_;
  std::vector<int> order_;
  std::vector<uint32_t> fact_mark_, inst_mark_;
  uint32_t stamp_ = 0;

 public:
  // Where red acted from for instance i: the node whose foothold put it on
  // the network (or the network itself when it was there from the start).
  std::string From(int i) const {
    const AttackModel::Impl::Instance& in = m_.instances[i];
    if (in.source < 0) return {};
    if (in.source >= static_cast<int>(m_.nets.size())) {
      return m_.nodes[in.source - m_.nets.size()];
    }
    int via = via_[in.source];
    if (via >= 0 && m_.instances[via].action < 0) {
      return m_.nodes[m_.instances[via].source - m_.nets.size()];
    }
    return m_.nets[in.source];
  }
};

}  // namespace

std::vector<AttackPath> AttackModel::CheapestPaths() const {
  const Impl& m = *impl_;
  std::vector<AttackPath> out;
  bool any_red = std::any_of(m.objectives.begin(), m.objectives.end(),
                             [](const Impl::Objective& o) { return o.red; });
  if (!any_red) return out;
  Search search(m);
  search.Run();
  for (const Impl::Objective& o : m.objectives) {
    if (!o.red) continue;
    AttackPath p;
    p.objective = o.name;
    p.node = o.node_name;
    int f = o.node >= 0 ? m.UserFact(o.node) : -1;
    if (f >= 0 && search.Holds(f)) {
      p.reachable = true;
      p.cost = search.Cost(f);
      for (int i : search.Chain(f)) {
        const AttackAction& a = m.actions[m.instances[i].action];
        AttackStep st;
        st.node = a.node;
        st.vulnerability = a.vulnerability;
        st.service = a.service;
        st.cost = a.cost;
        st.kind = a.kind;
        st.from = search.From(i);
        st.account = a.account;
        st.credential = a.credential;
        st.yields = a.yields;
        st.privilege = a.gives;
        p.steps.push_back(std::move(st));
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace livefire::graph

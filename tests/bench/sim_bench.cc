// The simulation lab's benchmarks (#18 item 6).
//  - BM_SimNational: 100 blue teams x 50 nodes, an 8-hour exercise, every
//    event folded into the Scorer (what `sim --runs` does). Target < 10 s.
//  - BM_SimNationalStored: the same through the durable event store (what
//    `sim --out` and a live exercise do), for what the store costs.
//  - BM_SimChainRandomAttacker/<nodes>: CyberBattleSim's chain network
//    (`livefire gen-chain`), a uniformly random attacker on the attack model.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "../engine/topology/generated_scenario.h"
#include "chain_scenario.h"
#include "livefire/graph/attack.h"
#include "livefire/graph/topology.h"
#include "livefire/scenario/loader.h"
#include "livefire/scoring/config.h"
#include "livefire/scoring/scorer.h"
#include "livefire/sim/sim.h"
#include "livefire/store/event_store.h"
#include "livefire/topology/plan.h"

namespace livefire {
namespace {

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct National {
  model::Scenario s;
  topology::RangePlan plan;
  scoring::ScoringConfig cfg;
};

Result<National> LoadNational() {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("livefire-bench-sim-" + std::to_string(getpid()));
  std::string lua = topology::testing::GeneratedScenarioLua(100, 50);
  const std::string two = "duration = \"2h\"";
  lua.replace(lua.find(two), two.size(), "duration = \"8h\"");
  fs::create_directories(dir);
  std::ofstream(dir / "scenario.lua") << lua;
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  auto s = scenario::LoadValidScenario(dir.string(), lo);
  fs::remove_all(dir);
  if (!s.ok()) return s.status();
  National n{std::move(s).value(), {}, {}};
  LF_ASSIGN_OR_RETURN(n.plan, topology::MakePlan(n.s));
  n.cfg = scoring::MakeScoringConfig(n.s);
  n.cfg.blue_teams = n.plan.blue_teams;
  std::sort(n.cfg.blue_teams.begin(), n.cfg.blue_teams.end());
  return n;
}

void BM_SimNational(benchmark::State& state) {
  auto n = LoadNational();
  if (!n.ok()) {
    state.SkipWithError(n.status().message().c_str());
    return;
  }
  int64_t events = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    scoring::Scorer scorer(n->cfg);
    scoring::Applied applied;
    int64_t seq = 0;
    sim::Options o;
    o.seed = 7;
    auto r = sim::Run(n->s, n->plan, o, [&](Event& e) {
      e.seq = ++seq;
      applied.clear();
      (void)scorer.Apply(e, &applied);
      seq += static_cast<int64_t>(applied.changes.size());
      return Status::Ok();
    });
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    events = r->events;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(scorer.scores());
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["seconds"] = seconds;
  state.counters["events_per_s"] = static_cast<double>(events) / seconds;
  state.counters["peak_rss_mb"] = PeakRssMb();
}
BENCHMARK(BM_SimNational)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SimNationalStored(benchmark::State& state) {
  auto n = LoadNational();
  if (!n.ok()) {
    state.SkipWithError(n.status().message().c_str());
    return;
  }
  namespace fs = std::filesystem;
  int64_t events = 0;
  double seconds = 0;
  for (auto _ : state) {
    fs::path db =
        fs::temp_directory_path() / ("livefire-bench-simstore-" + std::to_string(getpid()) + ".db");
    fs::remove(db);
    auto t0 = std::chrono::steady_clock::now();
    {
      auto st = store::EventStore::Open(db.string());
      if (!st.ok()) {
        state.SkipWithError(st.status().message().c_str());
        return;
      }
      scoring::Scorer scorer(n->cfg);
      scoring::Applied applied;
      sim::Options o;
      o.seed = 7;
      Status failed;
      auto r = sim::Run(n->s, n->plan, o, [&](Event& e) -> Status {
        LF_ASSIGN_OR_RETURN(Event stored, (*st)->Append(e));
        e.seq = stored.seq;
        applied.clear();
        (void)scorer.Apply(e, &applied);
        for (const auto& c : applied.changes)
          LF_RETURN_IF_ERROR((*st)->Append(scoring::ToEvent(c, e.time)).status());
        return Status::Ok();
      });
      if (!r.ok() || !(*st)->Flush().ok()) {
        state.SkipWithError("simulation or store failed");
        return;
      }
      events = (*st)->head().seq;
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fs::remove(db);
    fs::remove(db.string() + "-wal");
    fs::remove(db.string() + "-shm");
  }
  state.counters["events"] = static_cast<double>(events);  // incl. score.changed
  state.counters["seconds"] = seconds;
  state.counters["events_per_s"] = static_cast<double>(events) / seconds;
  state.counters["peak_rss_mb"] = PeakRssMb();
}
BENCHMARK(BM_SimNationalStored)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

Result<model::Scenario> LoadChain(int nodes) {
  namespace fs = std::filesystem;
  LF_ASSIGN_OR_RETURN(std::string lua, cli::ChainScenarioLua(nodes));
  fs::path dir = fs::temp_directory_path() / ("livefire-bench-chain-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "scenario.lua") << lua;
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  auto s = scenario::LoadValidScenario(dir.string(), lo);
  fs::remove_all(dir);
  return s;
}

Result<graph::AttackModel> ChainModel(int nodes) {
  LF_ASSIGN_OR_RETURN(model::Scenario s, LoadChain(nodes));
  return graph::Topology::Build(s).Attacks();
}

// CyberBattleSim's random agent steps its gym environment with a random
// action of the action space, valid or not; so does this one: a uniformly
// random action instance of the model, applied when red holds its
// prerequisites. Every step counts as an action; an episode ends when the
// final node's flag is reached (then red starts again from the beginning).
void BM_SimChainRandomAttacker(benchmark::State& state) {
  auto chain = ChainModel(static_cast<int>(state.range(0)));
  if (!chain.ok()) {
    state.SkipWithError(chain.status().message().c_str());
    return;
  }
  const graph::AttackModel& m = *chain;
  sim::Rng rng(7);
  graph::AttackState st = m.Initial();
  const size_t n = m.num_instances();
  int64_t actions = 0, applied = 0, episodes = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      applied += m.Apply({static_cast<int>(rng.Below(n))}, st);
      ++actions;
    }
    if (m.Reached(st, "flag")) {
      ++episodes;
      st = m.Initial();
    }
  }
  state.counters["actions_per_s"] =
      benchmark::Counter(static_cast<double>(actions), benchmark::Counter::kIsRate);
  state.counters["valid_share"] = static_cast<double>(applied) / static_cast<double>(actions);
  state.counters["episodes"] = static_cast<double>(episodes);
  state.counters["instances"] = static_cast<double>(n);
}
BENCHMARK(BM_SimChainRandomAttacker)->Arg(12)->Arg(102)->Arg(1002);

// The simulator's own `random` policy: a uniformly random action among those
// red can take now (Available() walks every instance: linear in the chain).
void BM_SimChainRandomValidAttacker(benchmark::State& state) {
  auto chain = ChainModel(static_cast<int>(state.range(0)));
  if (!chain.ok()) {
    state.SkipWithError(chain.status().message().c_str());
    return;
  }
  const graph::AttackModel& m = *chain;
  sim::Rng rng(7);
  graph::AttackState st = m.Initial();
  int64_t actions = 0, episodes = 0;
  for (auto _ : state) {
    auto avail = m.Available(st);
    if (avail.empty() || m.Reached(st, "flag")) {
      ++episodes;
      st = m.Initial();
      continue;
    }
    m.Apply(avail[rng.Below(avail.size())], st);
    ++actions;
  }
  state.counters["actions_per_s"] =
      benchmark::Counter(static_cast<double>(actions), benchmark::Counter::kIsRate);
  state.counters["episodes"] = static_cast<double>(episodes);
}
BENCHMARK(BM_SimChainRandomValidAttacker)->Arg(12)->Arg(102)->Arg(1002);

}  // namespace
}  // namespace livefire

BENCHMARK_MAIN();

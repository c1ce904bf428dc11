#pragma once
// The simulation lab (issue #18): a scenario's exercise played on a model of
// its range instead of VMs, on the simulated clock, as fast as possible.
//
// The model is the one `plan` prints attack paths from (graph::AttackModel:
// reachability through the firewall rules, weaknesses, credentials, accounts),
// one copy of red's state per blue team. On it:
//  - red acts by a policy (paths: the cheapest attack paths; random: a
//    uniformly random valid action, like CyberBattleSim's random agent; lua:
//    the scenario's sim_policy function, in the Lua sandbox) or through the
//    scenario's red injects (their target and technique);
//  - blue (scripted) detects red's actions from the node's logs with a
//    probability and a delay, reports them, patches the weakness used,
//    blocks the source at the firewall (graph::AttackModel::Block) and
//    reverts nodes red owns;
//  - services are checked on the live schedule (checks::CheckScheduler) and
//    are down while an impact objective (deface) holds;
//  - injects fire through the live TriggerEngine (times, `after`, repeats,
//    manual ones never), white-cell tasks are answered by the scripted blue
//    team and graded by a scripted white cell.
// Events are the live kinds (red.action, objective.reached, check.result,
// submission.report, submission.response, grade.given, inject.*), handed to a
// sink in order: the CLI stores them in a normal exercise folder, or folds
// them straight into a Scorer for Monte Carlo runs.
//
// Determinism: every random draw comes from one SplitMix64 stream seeded by
// Options::seed, consumed in event order; the same scenario, plan, options and
// seed give the same events byte for byte.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/model/model.h"
#include "livefire/status.h"
#include "livefire/time.h"
#include "livefire/topology/plan.h"

namespace livefire::sim {

// kLua: the scenario's `sim_policy { red = function(view) ... end }` picks
// among the actions red can take (docs/simulation.md "A scenario's policy").
enum class RedPolicy { kPaths, kRandom, kNone, kLua };
enum class BluePolicy { kScripted, kNone };
std::string_view ToString(RedPolicy p);
std::string_view ToString(BluePolicy p);
// "red=paths|random|none|lua,blue=scripted|none" (either part may be left out).
Status ParsePolicy(std::string_view text, RedPolicy& red, BluePolicy& blue);

// Per-action parameters (docs/simulation.md gives the reasons for each
// default). A weakness may override the first two, and blue's detection,
// patch and block, in its scenario declaration (`sim = { ... }`,
// model::SimParams).
struct Params {
  double exploit_success = 0.7;                     // per attempt
  Duration time_to_exploit = Duration::Minutes(8);  // mean of an exponential
  Duration red_start = Duration::Minutes(5);        // red's first action
  double detect_probability = 0.6;                  // per red action, from the node's logs
  Duration detect_delay = Duration::Minutes(12);    // median of a log-normal (sigma 0.6)
  Duration time_to_patch = Duration::Minutes(20);   // after detection: mean of an exponential
  double block_probability = 0.5;                   // blue blocks a seen source at the firewall
  Duration time_to_block = Duration::Minutes(10);   // after detection: mean of an exponential
  bool revert_owned = true;                         // blue reverts a node it saw red own
  Duration response_time = Duration::Minutes(15);   // task answers: median log-normal (sigma 0.5)
  double response_rate = 0.9;                       // share of tasks a scripted team answers
  Duration grade_delay = Duration::Minutes(5);      // white cell grades after
};

struct Options {
  uint64_t seed = 1;
  RedPolicy red = RedPolicy::kPaths;
  BluePolicy blue = BluePolicy::kScripted;
  Params params;
  std::optional<Duration> stop_after;  // end earlier than the scenario's duration
  // RedPolicy::kLua: budgets of each call of the policy function (the
  // scenario file runs once more in a sandbox of its own, seeded by `seed`).
  int64_t policy_instruction_limit = 1'000'000;
  size_t policy_memory_limit = size_t{32} << 20;
};

// Receives each event in order; assigns seq (and may store it). An error
// stops the run and is returned by Run().
using Sink = std::function<Status(Event& e)>;

struct ObjectiveOutcome {
  std::string team;
  std::string objective;
  bool reached = false;
  SimTime time;  // when reached
};

// One firing of a white-cell task (an inject with response_due or points)
// for one team, and what the blue policy made of it.
struct TaskOutcome {
  std::string team;
  std::string inject;
  SimTime fired;
  Duration due;           // 0: no due time (any answer is in time)
  bool answered = false;  // a submission.response before the exercise ended
  bool on_time = false;   // answered, and by fired + due
};

struct RunSummary {
  int64_t events = 0;
  int64_t red_attempts = 0;  // exploit/login attempts by the policy and red injects
  int64_t red_successes = 0;
  int64_t detections = 0;  // reports filed by scripted blue
  int64_t patches = 0;
  int64_t blocks = 0;  // firewall blocks by scripted blue (sim.blocked)
  int64_t reverts = 0;
  std::vector<ObjectiveOutcome> objectives;  // red objectives, team x objective order
  std::vector<TaskOutcome> tasks;            // white-cell task firings, in firing order
  SimTime end;
};

// Runs one simulated exercise. `plan` is the range plan of the live range
// (topology::MakePlan); its blue teams play. Events start with
// exercise.started and end with exercise.ended; the exercise.created header
// is the caller's (it carries the store's metadata and the scoring rules).
Result<RunSummary> Run(const model::Scenario& scenario, const topology::RangePlan& plan,
                       const Options& options, const Sink& sink);

// A counter-based random stream (SplitMix64): small, fast, and the same on
// every platform (std::uniform_*_distribution is not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  double Exponential(double mean);
  double LogNormal(double median, double sigma);

 private:
  uint64_t state_;
};

}  // namespace livefire::sim

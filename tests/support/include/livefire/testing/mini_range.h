#pragma once
// The runtime tests' small scenario (tests/engine/runtime/data/mini) and its
// plan, with a guest that answers every request with an empty reply: what
// Exercise::Open needs when a test is about the engine rather than the
// guests. RunningMini runs it and drives it over the control endpoint, as
// the CLI and the GUI do (the runtime's and the CLI's tests share it; needs
// livefire::engine_runtime and the scenario loader).

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "livefire/bus/bus.h"
#include "livefire/guest/guest_io.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/topology/plan.h"

namespace livefire::testsupport {

using runtime::Exercise;
using runtime::ExerciseOptions;

inline model::Scenario LoadMini() {
  scenario::LoadOptions lo;
  lo.templates_dir = TemplatesDir();
  auto s = scenario::LoadValidScenario(
      std::string(LIVEFIRE_SOURCE_DIR) + "/tests/engine/runtime/data/mini", lo);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

inline topology::RangePlan PlanOf(const model::Scenario& s) {
  auto plan = topology::MakePlan(s);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return std::move(plan).value();
}

struct MiniRange {
  model::Scenario scenario = LoadMini();
  topology::RangePlan plan = PlanOf(scenario);
  guest::ScriptedGuestIo guest{[](const guest::GuestRequest&) { return guest::GuestReply{}; }};

  // Options for exercise `id` under state_dir (the rest left at defaults).
  static ExerciseOptions Options(const std::filesystem::path& state_dir, const ExerciseId& id) {
    ExerciseOptions o;
    o.state_dir = state_dir.string();
    o.id = id;
    return o;
  }
  // The exercise must go before this range (it keeps references to it).
  Result<std::unique_ptr<Exercise>> Open(const ExerciseOptions& o) {
    return Exercise::Open(scenario, plan, guest, o);
  }
};

// A real-time exercise of the mini range running on its own thread, with a
// control client connected to its endpoint (what the CLI and the GUI do).
struct RunningMini {
  MiniRange mini;
  std::unique_ptr<Exercise> ex;
  Status run_status;
  std::thread engine;
  bus::Context zctx;
  bus::Endpoints eps;
  std::unique_ptr<bus::ControlClient> client;

  // Opens exercise `id` under state_dir, runs it and connects client_name;
  // false (with the failure recorded) when a step fails.
  bool Start(const std::filesystem::path& state_dir, const ExerciseId& id,
             const std::string& client_name) {
    ExerciseOptions o = MiniRange::Options(state_dir, id);
    o.speed = 1.0;  // real time: the exercise outlives the test's requests
    auto opened = mini.Open(o);
    if (!opened.ok()) {
      ADD_FAILURE() << opened.status().ToString();
      return false;
    }
    ex = std::move(opened).value();
    engine = std::thread([this] { run_status = ex->Run(); });
    auto e = bus::DefaultEndpoints(state_dir.string(), id);
    if (!e.ok()) {
      ADD_FAILURE() << e.status().ToString();
      return false;
    }
    eps = *e;
    auto c = bus::ControlClient::Connect(zctx, eps.control, client_name);
    if (!c.ok()) {
      ADD_FAILURE() << c.status().ToString();
      return false;
    }
    client = std::move(c).value();
    return true;
  }
  // Waits for the engine (which the test stopped) and returns how Run ended.
  Status Join() {
    engine.join();
    return run_status;
  }

  // One control request; a transport failure is a test failure (and an
  // empty reply).
  bus::Reply Call(bus::RequestType type, std::string team, nlohmann::json args) {
    bus::Request r;
    r.type = type;
    r.team = std::move(team);
    r.args = std::move(args);
    return Call(std::move(r));
  }
  bus::Reply Call(bus::Request r) {
    auto rep = client->Call(std::move(r), Duration::Seconds(10));
    EXPECT_TRUE(rep.ok()) << rep.status().ToString();
    return rep.value_or(bus::Reply{});
  }

  // Stops the engine, waits for it and returns the whole log it recorded
  // under state_dir.
  std::vector<Event> StopAndReadLog(const std::filesystem::path& state_dir, const ExerciseId& id) {
    EXPECT_TRUE(Call(bus::RequestType::kStop, "", {{"reason", "end of test"}}).ok);
    Status s = Join();
    EXPECT_TRUE(s.ok()) << s.ToString();
    ex.reset();
    auto store = store::EventStore::OpenExercise(state_dir.string(), id, {.read_only = true});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    return (*store)->Read({}).value_or(std::vector<Event>{});
  }
};

// The events of a kind (of one team, when given), in log order.
inline std::vector<const Event*> EventsOfKind(const std::vector<Event>& log, std::string_view kind,
                                              std::string_view team = {}) {
  std::vector<const Event*> out;
  for (const Event& e : log) {
    if (e.kind == kind && (team.empty() || e.team == team)) out.push_back(&e);
  }
  return out;
}

}  // namespace livefire::testsupport

#pragma once
// The runtime tests' small scenario (data/mini) and its plan, with a guest
// that answers every request with an empty reply: what Exercise::Open needs
// when a test is about the engine rather than the guests.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "livefire/bus/bus.h"
#include "livefire/guest/guest_io.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {

inline model::Scenario LoadMini() {
  scenario::LoadOptions lo;
  lo.templates_dir = testsupport::TemplatesDir();
  auto s = scenario::LoadValidScenario(std::string(LIVEFIRE_TEST_DATA_DIR) + "/mini", lo);
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
};

}  // namespace livefire::runtime

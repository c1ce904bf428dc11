#pragma once
// A real engine with live scoring on the shipped provincial-portal scenario,
// listening on CURVE tcp (`run --listen`), for tests of what remote accounts
// see (#14): the accounts `up` makes plus an observer "minister", the host's
// ipc control client, and each account's keys. Guests answer every request
// with an empty reply; service checks are off. Needs livefire::scoring (and
// so the runtime) and the scenario loader.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "livefire/bus/bus.h"
#include "livefire/guest/guest_io.h"
#include "livefire/identity/accounts.h"
#include "livefire/live/live.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/scoring/config.h"
#include "livefire/testing/account_keys.h"
#include "livefire/topology/plan.h"

namespace livefire::testsupport {

struct RemoteEngine {
  model::Scenario scenario;
  topology::RangePlan plan;
  guest::ScriptedGuestIo guest{[](const guest::GuestRequest&) { return guest::GuestReply{}; }};
  identity::AccountBook book;
  std::unique_ptr<runtime::Exercise> ex;
  std::unique_ptr<live::LiveScoring> live;
  std::thread engine;
  bus::Context zctx;
  std::unique_ptr<bus::ControlClient> host;  // the ipc channel (white cell)
  std::string state;
  ExerciseId id{"lf-test-remote-engine"};

  // Opens and runs the exercise under dir at `speed`; ASSERTs on failure
  // (call through ASSERT_NO_FATAL_FAILURE).
  void Start(const std::filesystem::path& dir, double speed) {
    state = dir.string();
    scenario::LoadOptions lo;
    lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
    auto loaded = scenario::LoadValidScenario(
        std::string(LIVEFIRE_SOURCE_DIR) + "/scenarios/provincial-portal", lo);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    scenario = std::move(loaded).value();
    auto p = topology::MakePlan(scenario);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    plan = std::move(p).value();
    const std::string exdir = state + "/exercises/" + id.str();
    std::filesystem::create_directories(exdir);
    auto b = identity::DefaultAccounts(scenario, plan.blue_teams);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    book = std::move(b).value();
    ASSERT_TRUE(book.Add("minister", "white", "", identity::Role::kObserver).ok());
    ASSERT_TRUE(book.Save(identity::AccountBook::PathIn(exdir)).ok());
    runtime::ExerciseOptions o;
    o.state_dir = state;
    o.id = id;
    o.speed = speed;
    o.listen = "tcp://127.0.0.1:0";
    o.created_extra = {{"scoring", scoring::ConfigToJson(scoring::MakeScoringConfig(scenario))}};
    auto opened = runtime::Exercise::Open(scenario, plan, guest, o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ex = std::move(opened).value();
    live = std::make_unique<live::LiveScoring>(scenario, plan,
                                               live::LiveScoringOptions{.run_checks = false});
    ex->AddExtension(live.get());
    engine = std::thread([this] { (void)ex->Run(); });
    auto eps = bus::DefaultEndpoints(state, id);
    ASSERT_TRUE(eps.ok());
    auto h = bus::ControlClient::Connect(zctx, eps->control, "host-test");
    ASSERT_TRUE(h.ok());
    host = std::move(h).value();
  }

  bus::CurveClientKeys Keys(const std::string& account) const { return AccountKeys(book, account); }
  std::unique_ptr<bus::ControlClient> Remote(const std::string& account) {
    auto c = bus::ControlClient::Connect(zctx, ex->control_tcp_endpoint(), account, Keys(account));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  // The reply body of an accepted request (a failure is recorded).
  nlohmann::json Call(bus::ControlClient& c, bus::Request r) {
    auto rep = c.Call(std::move(r), Duration::Seconds(10));
    EXPECT_TRUE(rep.ok() && rep->ok) << (rep.ok() ? rep->error_message : rep.status().ToString());
    return rep.ok() ? rep->body : nlohmann::json::object();
  }
  // Stops the engine and waits for it.
  void Stop() {
    if (!engine.joinable()) return;
    ex->Stop();
    engine.join();
  }
  ~RemoteEngine() { Stop(); }
};

}  // namespace livefire::testsupport

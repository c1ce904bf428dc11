// `livefire status` and `livefire submit` against a running engine whose
// event store cannot write (the store's fault-injection VFS): status shows
// the store's health, a refused submission exits 2 (environment error).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "livefire/testing/wait.h"
#include "livefire/bus/bus.h"
#include "livefire/bus/protocol.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/topology/plan.h"

namespace livefire::cli {
namespace {

using namespace std::chrono_literals;
using testsupport::RunInState;

using testsupport::WaitFor;

TEST(StoreHealth, StatusShowsAFailingStoreAndSubmitExitsTwo) {
  testsupport::TempDir tmp("lf-cli-storefail");
  const std::string state = tmp.path().string();
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  auto s = scenario::LoadValidScenario(
      std::string(LIVEFIRE_SOURCE_DIR) + "/tests/engine/runtime/data/mini", lo);
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto plan = topology::MakePlan(*s);
  ASSERT_TRUE(plan.ok());
  guest::ScriptedGuestIo guest([](const guest::GuestRequest&) { return guest::GuestReply{}; });
  const std::string id = "lf-test-cli-storefail";
  auto faults = std::make_shared<store::StoreFaults>();
  runtime::ExerciseOptions o;
  o.state_dir = state;
  o.id = ExerciseId(id);
  o.speed = 10;
  o.checkpoint_interval = Duration::Seconds(1);
  o.store_faults = faults;
  auto ex = runtime::Exercise::Open(*s, *plan, guest, o);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  Status run_status;
  std::thread engine([&] { run_status = (*ex)->Run(); });
  const std::vector<std::string> submit = {"submit",      id,       "--team",        "blue1",
                                           "--kind",      "report", "--node",        "web",
                                           "--technique", "T1190",  "--description", "seen"};

  ASSERT_TRUE(WaitFor([&] {
    auto r = RunInState(state, {"status", id});
    return r.code == 0 && r.out.find("Store: healthy") != std::string::npos;
  }));

  faults->fail_writes.store(true);
  testsupport::Outcome st{};
  ASSERT_TRUE(WaitFor([&] {
    st = RunInState(state, {"status", id});
    return st.out.find("Store: CANNOT WRITE") != std::string::npos;
  })) << st.out
      << st.err;
  EXPECT_NE(st.out.find("clock is paused"), std::string::npos) << st.out;
  auto js = RunInState(state, {"status", id, "--json"});
  ASSERT_EQ(js.code, 0) << js.err;
  auto j = nlohmann::json::parse(js.out);
  EXPECT_FALSE(j["engine"]["store"]["healthy"].get<bool>()) << js.out;
  auto refused = RunInState(state, submit);
  EXPECT_EQ(refused.code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("cannot write"), std::string::npos) << refused.err;

  faults->fail_writes.store(false);
  ASSERT_TRUE(WaitFor([&] {
    return RunInState(state, {"status", id}).out.find("Store: healthy") != std::string::npos;
  }));
  auto accepted = RunInState(state, submit);
  EXPECT_EQ(accepted.code, 0) << accepted.out << accepted.err;
  EXPECT_NE(accepted.out.find("stored as event"), std::string::npos) << accepted.out;

  EXPECT_EQ(RunInState(state, {"stop", id}).code, 0);
  engine.join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
}

}  // namespace
}  // namespace livefire::cli

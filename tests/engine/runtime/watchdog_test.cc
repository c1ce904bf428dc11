// A loop that does not come back: the mini scenario's "spin" inject (an
// endless Lua loop) under an instruction budget set so high that it never
// runs out. The watchdog records the stall, Stop()/Shutdown() (what the
// signal handler calls) still end the engine within seconds with the
// inject's error outcome, and recovery after a crash mid-run records the
// run as interrupted instead of running it blind again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "livefire/guest/guest_io.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {
namespace {

using namespace std::chrono_literals;

model::Scenario LoadMini() {
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  auto s = scenario::LoadValidScenario(std::string(LIVEFIRE_TEST_DATA_DIR) + "/mini", lo);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

std::vector<Event> ReadAll(const std::string& state_dir, const ExerciseId& id) {
  auto st = store::EventStore::OpenExercise(state_dir, id, {.read_only = true});
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  if (!st.ok()) return {};
  auto events = (*st)->Read({});
  EXPECT_TRUE(events.ok());
  return events.ok() ? std::move(events).value() : std::vector<Event>{};
}

std::vector<const Event*> Find(const std::vector<Event>& log, std::string_view kind,
                               std::string_view inject = {}) {
  std::vector<const Event*> out;
  for (const Event& e : log) {
    if (e.kind != kind) continue;
    if (!inject.empty() && e.payload.value("inject", "") != inject) continue;
    out.push_back(&e);
  }
  return out;
}

// Tells (once) when an inject fires, from the loop thread.
struct FiredSignal : Extension {
  std::string inject;
  std::function<void()> fired;
  bool told = false;
  std::string_view name() const override { return "fired-signal"; }
  void OnEvent(ExerciseContext&, const Event& e, bool replaying) override {
    if (replaying || told || e.kind != kinds::kInjectFired) return;
    if (e.payload.value("inject", "") != inject) return;
    told = true;
    fired();
  }
};

struct Fixture {
  testsupport::TempDir dir{"lf-watchdog"};
  model::Scenario scenario = LoadMini();
  topology::RangePlan plan = *topology::MakePlan(scenario);
  // Every guest call succeeds with no output: the injects before "spin" end.
  guest::ScriptedGuestIo guest{[](const guest::GuestRequest&) { return guest::GuestReply{}; }};
  ExerciseId id{"lf-test-watchdog"};
  FiredSignal sig;  // outlives the exercises it is added to

  ExerciseOptions Options(int64_t budget) {
    ExerciseOptions o;
    o.state_dir = dir.str();
    o.id = id;
    o.fast = true;
    o.bind_bus = false;
    o.lua_instruction_limit = budget;
    o.stall_after = Duration::Millis(200);
    o.stop_grace = Duration::Millis(300);
    return o;
  }
};

constexpr int64_t kHuge = INT64_C(1) << 60;  // never runs out in a test's lifetime

// Runs the exercise on a thread; once "spin" fired and held the loop for
// `hold`, calls `stop` and returns how long Run() took to come back after it.
std::chrono::milliseconds RunAndStopWhileSpinning(Fixture& f, Exercise& ex,
                                                  std::chrono::milliseconds hold,
                                                  const std::function<void()>& stop,
                                                  Status* run_status) {
  std::promise<void> fired;
  f.sig.inject = "spin";
  f.sig.fired = [&] { fired.set_value(); };
  ex.AddExtension(&f.sig);
  auto done = std::async(std::launch::async, [&] { return ex.Run(); });
  EXPECT_EQ(fired.get_future().wait_for(20s), std::future_status::ready) << "spin never fired";
  std::this_thread::sleep_for(hold);
  EXPECT_EQ(done.wait_for(0s), std::future_status::timeout) << "the loop was not held";
  const auto t0 = std::chrono::steady_clock::now();
  stop();
  // Generous: the grace is 300 ms, the hook checks every 1000 instructions.
  if (done.wait_for(20s) != std::future_status::ready) {
    ADD_FAILURE() << "Run() did not return within 20 s of the stop";
    std::abort();  // a hung thread cannot be joined; do not hang the suite
  }
  *run_status = done.get();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0);
}

TEST(Watchdog, StopEndsAScriptThatHoldsTheLoopAndRecordsTheStall) {
  Fixture f;
  auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options(kHuge));
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  Status run;
  auto took = RunAndStopWhileSpinning(
      f, **ex, 600ms, [&] { (*ex)->Stop(); }, &run);
  ASSERT_TRUE(run.ok()) << run.ToString();
  EXPECT_LT(took, 10s);
  EXPECT_TRUE((*ex)->ended());
  ex->reset();

  auto log = ReadAll(f.dir.str(), f.id);
  auto fired = Find(log, kinds::kInjectFired, "spin");
  auto outcomes = Find(log, kinds::kInjectOutcome, "spin");
  ASSERT_FALSE(fired.empty());
  EXPECT_EQ(outcomes.size(), fired.size()) << "every run that fired ended with an outcome";
  for (const Event* o : outcomes) {
    EXPECT_EQ(o->payload["outcome"], "error");
    const std::string reason = o->payload["reason"];
    EXPECT_NE(reason.find("mini/scenario.lua:"), std::string::npos) << reason;
    EXPECT_NE(reason.find("interrupted: the engine is stopping"), std::string::npos) << reason;
  }
  auto stalled = Find(log, "engine.stalled");
  ASSERT_EQ(stalled.size(), 1u);
  EXPECT_GE(stalled[0]->payload["seconds"].get<double>(), 0.6);
  EXPECT_EQ(stalled[0]->payload["limit_seconds"], 0.2);
  EXPECT_EQ(stalled[0]->payload["interrupted"], true);
  ASSERT_FALSE(Find(log, kinds::kExerciseStopped).empty());
  EXPECT_EQ(log.back().kind, kinds::kExerciseEnded);
}

// The signal path: SIGINT/SIGTERM call Shutdown(). The engine leaves without
// ending the exercise, and a restart does not run the interrupted inject again.
TEST(Watchdog, ShutdownLeavesAHeldLoopAndTheRestartDoesNotRerunTheInject) {
  Fixture f;
  {
    auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options(kHuge));
    ASSERT_TRUE(ex.ok()) << ex.status().ToString();
    Status run;
    auto took = RunAndStopWhileSpinning(
        f, **ex, 300ms, [&] { (*ex)->Shutdown(); }, &run);
    ASSERT_TRUE(run.ok()) << run.ToString();
    EXPECT_LT(took, 10s);
    EXPECT_FALSE((*ex)->ended());
  }
  auto before = ReadAll(f.dir.str(), f.id);
  const size_t fired_before = Find(before, kinds::kInjectFired, "spin").size();
  ASSERT_GE(fired_before, 1u);
  EXPECT_EQ(Find(before, kinds::kInjectOutcome, "spin").size(), fired_before);

  // The normal budget for the rest: a spin that had not fired yet ends on it.
  auto again = Exercise::Open(f.scenario, f.plan, f.guest, f.Options(200'000));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->recovered());
  ASSERT_TRUE((*again)->Run().ok());
  again->reset();
  auto after = ReadAll(f.dir.str(), f.id);
  EXPECT_EQ(after.back().kind, kinds::kExerciseEnded);
  for (const std::string team : {"blue1", "blue2"}) {
    size_t fired = 0, outcomes = 0;
    for (const Event* e : Find(after, kinds::kInjectFired, "spin")) fired += e->team == team;
    for (const Event* e : Find(after, kinds::kInjectOutcome, "spin")) outcomes += e->team == team;
    EXPECT_EQ(fired, 1u) << team;
    EXPECT_EQ(outcomes, 1u) << team;
  }
}

// kill -9 while the inject holds the loop: the log has its inject.fired and
// no outcome. The restart records the interrupted error and does not run it
// again (it would hold the loop again under this budget).
TEST(Watchdog, RecoveryMarksARunInterruptedByACrashAsAnError) {
  Fixture f;
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipefd[0]);
    auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options(kHuge));
    if (!ex.ok()) _exit(3);
    f.sig.inject = "spin";
    f.sig.fired = [&] { (void)!write(pipefd[1], "x", 1); };
    (*ex)->AddExtension(&f.sig);
    (void)(*ex)->Run();
    _exit(0);
  }
  close(pipefd[1]);
  char c;
  ASSERT_EQ(read(pipefd[0], &c, 1), 1);
  close(pipefd[0]);
  // The store's writer thread commits while the loop spins.
  std::vector<Event> before;
  for (int i = 0; i < 100 && Find(before, kinds::kInjectFired, "spin").empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    before = ReadAll(f.dir.str(), f.id);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  before = ReadAll(f.dir.str(), f.id);
  auto fired = Find(before, kinds::kInjectFired, "spin");
  ASSERT_EQ(fired.size(), 1u) << "the first team's spin held the loop";
  const std::string team = fired[0]->team;
  ASSERT_TRUE(Find(before, kinds::kInjectOutcome, "spin").empty());

  auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options(kHuge));
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  ASSERT_TRUE((*ex)->recovered());
  // Under the huge budget the other team's spin would hold the loop too:
  // stop the run once the recovery has been recorded.
  std::promise<void> other;
  f.sig.inject = "spin";
  f.sig.fired = [&] { other.set_value(); };
  (*ex)->AddExtension(&f.sig);
  auto done = std::async(std::launch::async, [&] { return (*ex)->Run(); });
  if (other.get_future().wait_for(20s) == std::future_status::ready) (*ex)->Stop();
  ASSERT_EQ(done.wait_for(20s), std::future_status::ready);
  ASSERT_TRUE(done.get().ok());
  ex->reset();

  auto after = ReadAll(f.dir.str(), f.id);
  std::vector<const Event*> mine_fired, mine_out;
  for (const Event* e : Find(after, kinds::kInjectFired, "spin")) {
    if (e->team == team) mine_fired.push_back(e);
  }
  for (const Event* e : Find(after, kinds::kInjectOutcome, "spin")) {
    if (e->team == team) mine_out.push_back(e);
  }
  EXPECT_EQ(mine_fired.size(), 1u) << "not run blind again";
  ASSERT_EQ(mine_out.size(), 1u);
  EXPECT_EQ(mine_out[0]->payload["outcome"], "error");
  EXPECT_EQ(mine_out[0]->payload["reason"], "interrupted by an engine restart");
}

}  // namespace
}  // namespace livefire::runtime

// The exercise loop end to end in fast mode, with the guest agent replaced by
// a scripted double at the GuestIo boundary: injects, triggers, the sandbox,
// the event log, and recovery after a crash.
#include "livefire/runtime/exercise.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.h"
#include "livefire/runtime/triggers.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/event_log.h"
#include "livefire/testing/files.h"
#include "livefire/testing/mini_range.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {
namespace {

using testsupport::LoadMini;
using testsupport::PlanOf;

namespace fs = std::filesystem;

using testsupport::TempDir;

// The range as the scripted guests see it: per team, whether the flag was
// read and the page defaced.
struct FakeRange {
  std::map<std::string, int> flag_reads;
  std::set<std::string> defaced;
  std::vector<std::string> calls;

  guest::GuestReply Answer(const guest::GuestRequest& r) {
    calls.push_back(fmt::format("{} {} {} {}", r.team, ToString(r.op), r.node,
                                r.op == guest::GuestRequest::Op::kExec ? r.command : r.path));
    guest::GuestReply out;
    if (r.op == guest::GuestRequest::Op::kHttp) {
      out.http_status = 200;
      out.out = defaced.count(r.team) ? "HACKED" : "<h1>Welcome</h1>";
      return out;
    }
    if (r.op != guest::GuestRequest::Op::kExec) return out;
    if (r.command.rfind("wget", 0) == 0) {
      out.out = "<h1>Welcome</h1>";
    } else if (r.command == "cat /root/flag.txt") {
      // The first attempt of every team fails; the retry succeeds.
      if (flag_reads[r.team]++ == 0) {
        out.exit_code = 1;
        out.err = "cat: can't open '/root/flag.txt': Permission denied";
      } else {
        out.out = "FLAG{mini-web}\n";
      }
    } else if (r.command == "cat /var/log/cgi.log") {
      out.out = flag_reads[r.team] > 1 ? "GET /cgi-bin/ping.cgi?host=;cat /root/flag\n" : "";
    } else if (r.command.find("HACKED") != std::string::npos) {
      defaced.insert(r.team);
    } else {
      out.exit_code = 127;
    }
    return out;
  }
};

using testsupport::RenderGoldenLog;

std::vector<Event> ReadAll(const std::string& state_dir, const ExerciseId& id) {
  auto st = store::EventStore::OpenExercise(state_dir, id, {.read_only = true});
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  auto events = (*st)->Read({});
  EXPECT_TRUE(events.ok());
  return std::move(events).value();
}

std::vector<const Event*> Find(const std::vector<Event>& log, std::string_view kind,
                               std::string_view team = {}, std::string_view inject = {}) {
  std::vector<const Event*> out;
  for (const Event& e : log) {
    if (e.kind != kind || (!team.empty() && e.team != team)) continue;
    if (!inject.empty() && e.payload.value("inject", "") != inject) continue;
    out.push_back(&e);
  }
  return out;
}

struct Fixture {
  TempDir dir;
  model::Scenario scenario = LoadMini();
  topology::RangePlan plan = PlanOf(scenario);
  FakeRange range;
  guest::ScriptedGuestIo guest{[this](const guest::GuestRequest& r) { return range.Answer(r); }};
  ExerciseId id{"lf-test-mini"};

  ExerciseOptions Options() {
    ExerciseOptions o;
    o.state_dir = dir.str();
    o.id = id;
    o.fast = true;
    o.bind_bus = false;
    o.lua_instruction_limit = 200'000;
    return o;
  }
};

TEST(Exercise, FastRunPlaysTheWholeScenario) {
  Fixture f;
  auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options());
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  ASSERT_TRUE((*ex)->Run().ok());
  EXPECT_TRUE((*ex)->ended());
  ex->reset();
  std::vector<Event> log = ReadAll(f.dir.str(), f.id);

  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.front().kind, kinds::kExerciseCreated);
  EXPECT_EQ(log.back().kind, kinds::kExerciseEnded);
  EXPECT_EQ(log.back().time, SimTime::Start() + Duration::Minutes(30));
  for (const std::string team : {"blue1", "blue2"}) {
    SCOPED_TRACE(team);
    // probe at 1:00 succeeds; exploit at 2:00 fails, succeeds at 3:00 and
    // reaches the objective; deface 2 minutes later.
    auto fired = Find(log, kinds::kInjectFired, team, "exploit");
    ASSERT_EQ(fired.size(), 2u);
    EXPECT_EQ(FormatClock(fired[0]->time), "00:02:00");
    EXPECT_EQ(FormatClock(fired[1]->time), "00:03:00");
    auto outcomes = Find(log, kinds::kInjectOutcome, team, "exploit");
    ASSERT_EQ(outcomes.size(), 2u);
    EXPECT_EQ(outcomes[0]->payload["outcome"], "failure");
    EXPECT_EQ(outcomes[0]->payload["reason"], "flag not readable");
    EXPECT_EQ(outcomes[1]->payload["outcome"], "success");
    EXPECT_EQ(outcomes[1]->payload["points"], 50.0);
    auto reached = Find(log, kinds::kObjectiveReached, team);
    ASSERT_EQ(reached.size(), 2u);
    EXPECT_EQ(reached[0]->payload["objective"], "root-web");
    EXPECT_EQ(reached[1]->payload["objective"], "deface-web");
    EXPECT_EQ(FormatClock(reached[1]->time), "00:05:00");
    // Ground truth for detections: one red.action per red attempt with a technique.
    EXPECT_EQ(Find(log, kinds::kRedAction, team).size(), 4u);  // probe, exploit x2, deface
    // The endless loop is stopped by the instruction budget, named with its
    // line, and the exercise goes on.
    auto spin = Find(log, kinds::kInjectOutcome, team, "spin");
    ASSERT_EQ(spin.size(), 1u);
    EXPECT_EQ(spin[0]->payload["outcome"], "error");
    std::string reason = spin[0]->payload["reason"];
    EXPECT_NE(reason.find("mini/scenario.lua:"), std::string::npos) << reason;
    EXPECT_NE(reason.find("instruction budget"), std::string::npos) << reason;
    // The blue bot's condition waits on the guest, fires once the log shows
    // the attack (polled every 30 s; the 3:00 poll runs after the exploit),
    // reports, and its ctx.after callback runs a minute later.
    auto watch = Find(log, kinds::kInjectFired, team, "watch");
    ASSERT_EQ(watch.size(), 1u);
    EXPECT_EQ(FormatClock(watch[0]->time), "00:03:00");
    auto reports = Find(log, kinds::kSubmissionReport, team);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0]->payload["technique"], "T1190");
    bool follow_up = false;
    for (const Event* e : Find(log, "inject.log", team, "watch")) {
      follow_up |= e->payload["message"] == "follow-up at 00:04:00";
    }
    EXPECT_TRUE(follow_up);
    // Manual white-cell injects never fire on their own.
    EXPECT_TRUE(Find(log, kinds::kInjectFired, team, "press").empty());
  }
  // Addresses are the team's own copy.
  bool saw_translated = false;
  for (const auto& c : f.range.calls)
    saw_translated |= c.find("wget -qO- http://10.") != std::string::npos;
  EXPECT_TRUE(saw_translated);
}

TEST(Exercise, FastRunIsDeterministicAndMatchesTheGoldenLog) {
  std::string first, second;
  for (std::string* out : {&first, &second}) {
    Fixture f;
    auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options());
    ASSERT_TRUE(ex.ok());
    ASSERT_TRUE((*ex)->Run().ok());
    ex->reset();
    *out = RenderGoldenLog(ReadAll(f.dir.str(), f.id));
  }
  EXPECT_EQ(first, second);
  testsupport::ExpectMatchesGolden(first, std::string(LIVEFIRE_TEST_DATA_DIR) + "/mini.events",
                                   "the event log");
}

TEST(Exercise, ExplainInjectFromTheLog) {
  Fixture f;
  auto o = f.Options();
  o.stop_after = Duration::Seconds(90);
  auto ex = Exercise::Open(f.scenario, f.plan, f.guest, o);
  ASSERT_TRUE(ex.ok());
  ASSERT_TRUE((*ex)->Run().ok());
  ex->reset();
  auto log = ReadAll(f.dir.str(), f.id);
  auto why = ExplainInject(f.scenario, log, "exploit", "blue1");
  ASSERT_TRUE(why.ok()) << why.status().ToString();
  EXPECT_NE(why->find("'probe' reached its outcome; starts at 00:02:00"), std::string::npos)
      << *why;
  why = ExplainInject(f.scenario, log, "deface", "blue2");
  EXPECT_NE(why->find("waiting for 'exploit' to end in success"), std::string::npos) << *why;
  EXPECT_NE(ExplainInject(f.scenario, log, "press", "blue1")->find("manual"), std::string::npos);
  EXPECT_EQ(ExplainInject(f.scenario, log, "probe", "blue9").status().code(),
            StatusCode::kNotFound);
}

TEST(Exercise, AnEndedExerciseIsNotRunAgain) {
  Fixture f;
  {
    auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options());
    ASSERT_TRUE(ex.ok());
    ASSERT_TRUE((*ex)->Run().ok());
  }
  auto again = Exercise::Open(f.scenario, f.plan, f.guest, f.Options());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("already ended"), std::string::npos);
}

// kill -9 in the middle of an exercise: the restarted engine resumes the
// clock from the log, records the interrupted run, re-arms what was pending,
// and the log stays one verified chain.
TEST(Exercise, ResumesAfterKillNine) {
  Fixture f;
  pid_t pid = ForkUntilReady([&](const std::function<void()>& ready) {
    // Real time at 120x: the exercise clock passes 00:02:30 after ~1.25 s.
    auto o = f.Options();
    o.fast = false;
    o.speed = 120;
    o.checkpoint_interval = Duration::Seconds(10);
    bool told = false;
    o.on_tick = [&](ExerciseContext& ctx) {
      if (!told && ctx.Now() >= SimTime::Start() + Duration::Seconds(150)) {
        told = true;
        ready();
      }
    };
    auto ex = Exercise::Open(f.scenario, f.plan, f.guest, o);
    if (!ex.ok()) _exit(3);
    (void)(*ex)->Run();
    _exit(0);  // the child leaves without running the test's destructors
  });
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(KillNine(pid));

  auto before = ReadAll(f.dir.str(), f.id);
  ASSERT_FALSE(before.empty());
  SimTime crashed_at = before.back().time;
  EXPECT_GE(crashed_at, SimTime::Start() + Duration::Seconds(140));

  auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options());
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  EXPECT_TRUE((*ex)->recovered());
  EXPECT_EQ((*ex)->Now(), crashed_at);
  ASSERT_TRUE((*ex)->Run().ok());
  ex->reset();

  auto after = ReadAll(f.dir.str(), f.id);
  // Nothing before the crash was lost or changed.
  ASSERT_GE(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].hash, before[i].hash) << "seq " << before[i].seq;
  }
  EXPECT_EQ(Find(after, kinds::kExerciseResumed).size(), 1u);
  EXPECT_EQ(after.back().kind, kinds::kExerciseEnded);
  for (const std::string team : {"blue1", "blue2"}) {
    // probe ran once in all; the chain went on to the objective.
    EXPECT_EQ(Find(after, kinds::kInjectFired, team, "probe").size(), 1u);
    EXPECT_EQ(Find(after, kinds::kObjectiveReached, team, "").size(), 2u) << team;
    // Every fired run has exactly one outcome.
    EXPECT_EQ(Find(after, kinds::kInjectFired, team).size(),
              Find(after, kinds::kInjectOutcome, team).size());
  }
  auto st = store::EventStore::OpenExercise(f.dir.str(), f.id, {.read_only = true});
  ASSERT_TRUE(st.ok());
  auto v = (*st)->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
}

}  // namespace
}  // namespace livefire::runtime

namespace livefire::runtime {
namespace {

// Throws from OnEvent on the 3rd event it sees; counts every hook call.
class ThrowingExtension : public Extension {
 public:
  std::string_view name() const override { return "thrower"; }
  void OnEvent(ExerciseContext&, const Event&, bool) override {
    if (++events == 3) throw std::runtime_error("third event is one too many");
  }
  void OnLoop(ExerciseContext&) override { ++loops_after_throw; }
  void OnEnd(ExerciseContext&) override { ended = true; }
  int events = 0;
  int loops_after_throw = 0;
  bool ended = false;
};

// Counts the events it sees (the extension beside the thrower).
class CountingExtension : public Extension {
 public:
  std::string_view name() const override { return "counter"; }
  void OnEvent(ExerciseContext&, const Event&, bool) override { ++events; }
  int events = 0;
};

TEST(Exercise, AnExtensionThatThrowsIsRecordedAndDisabledAndTheRunEndsCleanly) {
  Fixture f;
  auto ex = Exercise::Open(f.scenario, f.plan, f.guest, f.Options());
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  ThrowingExtension thrower;
  CountingExtension counter;
  (*ex)->AddExtension(&thrower);
  (*ex)->AddExtension(&counter);
  Status run = (*ex)->Run();
  EXPECT_TRUE(run.ok()) << run.ToString();
  EXPECT_TRUE((*ex)->ended());
  ex->reset();

  // Disabled after the throw: no further hook is called on it.
  EXPECT_EQ(thrower.events, 3);
  EXPECT_FALSE(thrower.ended);
  std::vector<Event> log = ReadAll(f.dir.path().string(), f.id);
  ASSERT_GE(log.size(), 4u);
  std::vector<const Event*> errors = Find(log, kEngineError, "");
  ASSERT_EQ(errors.size(), 1u);
  const Event& err = *errors[0];
  EXPECT_EQ(err.seq, 4);  // right after the event it threw on
  EXPECT_EQ(err.payload["source"], "extension");
  EXPECT_EQ(err.payload["name"], "thrower");
  EXPECT_EQ(err.payload["hook"], "OnEvent");
  EXPECT_EQ(err.payload["what"], "third event is one too many");
  EXPECT_EQ(err.payload["disabled"], true);
  // The exercise went on to its end, and the other extension saw all of it.
  EXPECT_EQ(log.back().kind, kinds::kExerciseEnded);
  EXPECT_EQ(log.back().payload["reason"], "duration");
  EXPECT_EQ(counter.events, static_cast<int>(log.size()));
  EXPECT_FALSE(Find(log, kinds::kInjectOutcome, "blue1", "exploit").empty());
}

}  // namespace
}  // namespace livefire::runtime

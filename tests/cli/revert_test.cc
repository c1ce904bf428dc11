// `livefire revert` leaves its record in the exercise's event log (so that
// scoring ends the compromise and applies the revert penalty), on libvirt's
// in-memory test driver: written by the CLI itself when no engine runs, never
// behind the back of an engine that holds the lock.

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "livefire/bus/bus.h"
#include "livefire/event.h"
#include "livefire/guest/guest_io.h"
#include "livefire/runtime/engine_lock.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_range.h"
#include "test_driver_cli.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/topology/plan.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::Outcome;

const std::string kScenario = testsupport::WebAndAttackerScenario("cli-revert");

using testsupport::LastLine;

class RevertCli : public TestDriverCli {
 protected:
  RevertCli() : TestDriverCli(kScenario, "lf-cli-revert") {}
  void SetUp() override {
    TestDriverCli::SetUp();
    if (HasFatalFailure()) return;
    Outcome up = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
    ASSERT_EQ(up.code, 0) << up.out << up.err;
    id_ = LastLine(up.out);
  }
  void TearDown() override {
    if (!id_.empty()) (void)Cli({"down", id_, "--uri", uri_});
    TestDriverCli::TearDown();
  }
  std::string DbPath() const { return store::EventStore::PathFor(state_, ExerciseId(id_)); }
  // The log an engine leaves behind when it stops: created, then red got in.
  void WriteStoppedEngineLog() {
    auto store = store::EventStore::OpenExercise(state_, ExerciseId(id_));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto add = [&](int64_t t_s, std::string team, std::string_view kind, nlohmann::json p) {
      Event e;
      e.time = SimTime::FromNanos(t_s * 1'000'000'000);
      e.team = std::move(team);
      e.kind = std::string(kind);
      e.payload = std::move(p);
      ASSERT_TRUE((*store)->AppendAndWait(std::move(e)).ok());
    };
    add(0, "", kinds::kExerciseCreated,
        {{"scenario", "cli-revert"},
         {"title", "t"},
         {"organisation", ""},
         {"year", 2026},
         {"security_level", 1},
         {"seed", 1}});
    add(60, "blue1", kinds::kObjectiveReached,
        {{"node", "web"}, {"objective", "x"}, {"kind", "read_flag"}});
  }
  std::vector<Event> ReadLog() {
    auto store = store::EventStore::Open(DbPath(), {.read_only = true});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    return (*store)->Read({}).value();
  }

  std::string id_;
};

TEST_F(RevertCli, RecordsTheRevertInTheLogAndTheChainVerifies) {
  WriteStoppedEngineLog();
  Outcome rv =
      Cli({"revert", id_, "blue1", "web", "--reason", "defaced", "--timeout", "1s", "--uri", uri_});
  // The test driver has no guest agent, so the node never reports ready: the
  // revert itself is recorded all the same, its failure after it.
  std::vector<Event> log = ReadLog();
  ASSERT_GE(log.size(), 3u) << rv.out << rv.err;
  const Event& e = log[2];
  EXPECT_EQ(e.kind, kinds::kRangeNodeReverted) << rv.out << rv.err;
  EXPECT_EQ(e.team, "blue1");
  EXPECT_EQ(e.payload["node"], "web");
  EXPECT_EQ(e.payload["by"], "blue1") << "the team asked: the penalty applies";
  EXPECT_EQ(e.payload["reason"], "defaced");
  EXPECT_EQ(e.payload["client"], "livefire-cli");
  EXPECT_EQ(e.time, SimTime::FromNanos(60'000'000'000)) << "the clock where the engine left it";
  EXPECT_TRUE(ValidateEvent(e).ok());
  if (rv.code != 0) {
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[3].kind, kinds::kRangeNodeFailed);
    EXPECT_NE(log[3].payload.value("reason", "").find("revert failed"), std::string::npos);
  }
  Outcome verify = Cli({"verify", id_});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;

  // The white cell's own revert of a whole team's copy: free, one event per
  // scored node (routers are not scored).
  Outcome team = Cli({"revert", id_, "blue1", "--by", "white", "--timeout", "1s", "--uri", uri_});
  std::vector<Event> after = ReadLog();
  int reverted = 0;
  for (size_t i = log.size(); i < after.size(); ++i) {
    if (after[i].kind != kinds::kRangeNodeReverted) continue;
    ++reverted;
    EXPECT_EQ(after[i].payload["by"], "white");
    EXPECT_EQ(after[i].payload["node"], "web");
  }
  EXPECT_EQ(reverted, 1) << team.out << team.err;
  EXPECT_EQ(Cli({"verify", id_}).code, 0);
}

TEST_F(RevertCli, ARunningEngineRecordsTheRevertForTheCli) {
  scenario::LoadOptions lo;
  lo.templates_dir = state_ + "/templates";
  auto sc = scenario::LoadValidScenario(state_ + "/exercises/" + id_ + "/scenario", lo);
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  auto plan = topology::MakePlan(*sc);
  ASSERT_TRUE(plan.ok());
  guest::ScriptedGuestIo guest([](const guest::GuestRequest&) { return guest::GuestReply{}; });
  runtime::ExerciseOptions o;
  o.state_dir = state_;
  o.id = ExerciseId(id_);
  o.speed = 1.0;  // real time: it outlives the revert
  auto ex = runtime::Exercise::Open(*sc, *plan, guest, o);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  Status run_status;
  std::thread engine([&] { run_status = (*ex)->Run(); });
  auto eps = bus::DefaultEndpoints(state_, ExerciseId(id_));
  ASSERT_TRUE(eps.ok());
  // The engine is up once its control socket answers.
  bus::Context zctx;
  auto client = bus::ControlClient::Connect(zctx, eps->control, "test");
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Call(bus::MakeStatusRequest(), Duration::Seconds(10)).ok());

  Outcome rv =
      Cli({"revert", id_, "blue1", "web", "--reason", "defaced", "--timeout", "1s", "--uri", uri_});
  ASSERT_TRUE((*client)->Call(bus::MakeStopRequest("end of test"), Duration::Seconds(10)).ok());
  engine.join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
  ex->reset();

  std::vector<Event> log = ReadLog();
  std::vector<const Event*> audit, reverted, failed;
  for (const Event& e : log) {
    if (e.kind == kinds::kControlRevert) audit.push_back(&e);
    if (e.kind == kinds::kRangeNodeReverted) reverted.push_back(&e);
    if (e.kind == kinds::kRangeNodeFailed) failed.push_back(&e);
  }
  ASSERT_EQ(reverted.size(), 1u) << rv.out << rv.err;
  EXPECT_EQ(reverted[0]->team, "blue1");
  EXPECT_EQ(reverted[0]->payload["node"], "web");
  EXPECT_EQ(reverted[0]->payload["by"], "blue1");
  EXPECT_EQ(reverted[0]->payload["reason"], "defaced");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]->payload["client"], "livefire-cli");
  EXPECT_LT(audit[0]->seq, reverted[0]->seq);
  EXPECT_EQ(failed.size(), rv.code == 0 ? 0u : 1u) << rv.out << rv.err;
  EXPECT_EQ(Cli({"verify", id_}).code, 0);
}

TEST_F(RevertCli, NeverWritesTheLogWhileAnEngineHoldsTheLock) {
  WriteStoppedEngineLog();
  auto lock = runtime::EngineLock::Acquire(state_, ExerciseId(id_));
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  // "The engine" holds the lock but answers no control request: the CLI must
  // not append behind its back, and must not revert unrecorded.
  Outcome rv = Cli({"revert", id_, "blue1", "web", "--timeout", "1s", "--uri", uri_});
  EXPECT_NE(rv.code, 0) << rv.out;
  EXPECT_NE(rv.err.find("no control socket"), std::string::npos) << rv.err;
  EXPECT_EQ(ReadLog().size(), 2u);
}

TEST_F(RevertCli, BeforeTheFirstRunNoLogIsCreated) {
  Outcome rv = Cli({"revert", id_, "blue1", "web", "--timeout", "1s", "--uri", uri_});
  EXPECT_NE(rv.out.find("not scored"), std::string::npos) << rv.out << rv.err;
  EXPECT_FALSE(fs::exists(DbPath())) << "a first event would make `run` take it for a restart";
}

}  // namespace
}  // namespace livefire::cli

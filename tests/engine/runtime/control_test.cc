// The engine's control endpoint end to end: a running exercise (real time,
// ZeroMQ sockets on ipc) driven by a ControlClient as the CLI and the GUI
// drive it. Submissions are acknowledged only once durable; refusals name the
// reason; a malformed message gets an error reply and the engine goes on.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "livefire/bus/bus.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/mini_range.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {
namespace {

using testsupport::RunningMini;

namespace fs = std::filesystem;

TEST(Control, WhiteCellAndTeamsDriveARunningEngine) {
  testsupport::TempDir tmp("lf-control");
  const fs::path& dir = tmp.path();
  ExerciseId id("lf-test-control");
  RunningMini run;
  ASSERT_TRUE(run.Start(dir, id, "test-white-cell"));
  auto call = [&](bus::RequestType type, std::string team, nlohmann::json args) {
    return run.Call(type, std::move(team), std::move(args));
  };

  bus::Reply st = call(bus::RequestType::kStatus, "", {});
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.body["exercise"], "lf-test-control");

  bus::Reply p = call(bus::RequestType::kPause, "", {{"reason", "hot wash-up"}});
  EXPECT_TRUE(p.ok);
  EXPECT_TRUE(call(bus::RequestType::kStatus, "", {}).body["paused"].get<bool>());
  EXPECT_TRUE(call(bus::RequestType::kResume, "", {}).ok);

  // A blue report: acknowledged with its seq once durable.
  bus::Reply rep = call(bus::RequestType::kSubmitReport, "blue1",
                        {{"node", "web"},
                         {"technique", "T1190"},
                         {"description", "seen it"},
                         {"observed_at", "00:00:01"}});
  ASSERT_TRUE(rep.ok) << rep.error_message;
  EXPECT_TRUE(rep.body["durable"].get<bool>());
  int64_t report_seq = rep.body["seq"];
  EXPECT_GT(report_seq, 0);
  // A report from the red team is refused with the reason.
  bus::Reply wrong = call(bus::RequestType::kSubmitReport, "red1",
                          {{"node", "web"}, {"technique", "T1190"}, {"description", "x"}});
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(wrong.error_code, "rejected");
  // The white cell grades it, and fires the press inject for blue2 only.
  bus::Reply g = call(bus::RequestType::kGrade, "blue1",
                      {{"rubric", "50"}, {"points", 40}, {"target_seq", report_seq}});
  EXPECT_TRUE(g.ok) << g.error_message;
  bus::Reply f = call(bus::RequestType::kFireInject, "blue2", {{"inject", "press"}});
  EXPECT_TRUE(f.ok) << f.error_message;
  bus::Reply again = call(bus::RequestType::kFireInject, "blue2", {{"inject", "nope"}});
  EXPECT_EQ(again.error_code, "not_found");
  // Garbage gets an error reply; the engine still answers.
  auto bad = run.client->CallRaw("{not json", Duration::Seconds(10));
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->error_code, "bad_json");
  EXPECT_TRUE(call(bus::RequestType::kStatus, "", {}).ok);

  EXPECT_TRUE(call(bus::RequestType::kStop, "", {{"reason", "end of test"}}).ok);
  Status run_status = run.Join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
  EXPECT_TRUE(run.ex->ended());
  run.ex.reset();
  EXPECT_FALSE(fs::exists(run.eps.control.substr(6))) << "stale control socket left behind";

  auto store = store::EventStore::OpenExercise(dir.string(), id, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  auto find = [&](std::string_view kind, std::string_view team) {
    return testsupport::EventsOfKind(*log, kind, team);
  };
  auto reports = find(kinds::kSubmissionReport, "blue1");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]->seq, report_seq);
  EXPECT_EQ(reports[0]->payload["observed_at"], Duration::Seconds(1).nanos());
  auto grades = find(kinds::kGradeGiven, "blue1");
  ASSERT_EQ(grades.size(), 1u);
  EXPECT_EQ(grades[0]->payload["rubric"], 50);
  EXPECT_EQ(grades[0]->payload["target_seq"], report_seq);
  EXPECT_EQ(find(kinds::kInjectFired, "blue2").size(), 1u);
  EXPECT_TRUE(find(kinds::kInjectFired, "blue1").empty());
  EXPECT_EQ(find(kinds::kExercisePaused, "").size(), 1u);
  EXPECT_EQ(find(kinds::kExerciseStopped, "").size(), 1u);
  EXPECT_EQ(log->back().kind, kinds::kExerciseEnded);
}

}  // namespace
}  // namespace livefire::runtime

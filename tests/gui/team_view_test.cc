// The team view of a blue account (#14), from what a remote blue1 gets: a
// real engine with live scoring, the GUI's remote feed (CURVE subscription,
// the log paged by `events`), its status reply and its report form.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "livefire/gui/feed.h"
#include "livefire/gui/team_model.h"
#include "livefire/testing/remote_engine.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/testing/wait.h"

namespace livefire::gui {
namespace {

TEST(TeamView, OwnScoreLedgerReportsAndOpenTasksFromTheRemoteFeed) {
  testsupport::TempDir tmp("lf-team-view");
  testsupport::RemoteEngine run;
  ASSERT_NO_FATAL_FAILURE(run.Start(tmp.path(), 1));
  // Before the team view opens: blue2 files a report, a task goes to blue1.
  run.Call(*run.host, bus::MakeSubmitReportRequest("blue2", {"portal", "T1190", "", "blue2's"}));
  run.Call(*run.host, bus::MakeFireInjectRequest("press-query", "blue1"));

  const bus::CurveClientKeys keys = run.Keys("blue1");
  FeedOptions fo;
  fo.exercise = run.id.str();
  fo.events_endpoint = run.ex->events_tcp_endpoint();
  fo.control_endpoint = run.ex->control_tcp_endpoint();
  fo.keys = keys;
  auto feed = EventFeed::Start(run.zctx, fo);
  ASSERT_TRUE(feed.ok()) << feed.status().ToString();
  ControlWorker control(run.zctx, run.ex->control_tcp_endpoint(), "livefire-gui",
                        Duration::Seconds(10), keys);
  TeamModel team("blue1");
  std::vector<Event> buf;
  auto pump = [&] {
    buf.clear();
    (*feed)->Drain(&buf, 1000);
    for (const Event& e : buf) team.Apply(e);
  };

  // The form refuses what the engine would, then files the report.
  EXPECT_FALSE(MakeReportRequest("blue1", {"portal", "1190", "", "x"}).ok());
  EXPECT_FALSE(MakeReportRequest("blue1", {"", "T1190", "", "x"}).ok());
  EXPECT_FALSE(MakeReportRequest("blue1", {"portal", "T1190", "later", "x"}).ok());
  auto req = MakeReportRequest("blue1", {"portal", "T1059.004", "", "shell from ping.cgi"});
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  control.Submit(*req, "report");
  std::vector<ControlResult> results;
  ASSERT_TRUE(testsupport::WaitFor([&] {
    for (auto& r : control.TakeResults()) results.push_back(std::move(r));
    return !results.empty();
  }));
  ASSERT_TRUE(results[0].ok) << results[0].message;
  const int64_t seq = nlohmann::json::parse(results[0].message).value("seq", int64_t{0});
  ASSERT_GT(seq, 0);

  // The white cell grades it: a ledger line follows, with the new total.
  bus::GradeFields g;
  g.rubric = "100";
  g.points = 10;
  g.target_seq = seq;
  run.Call(*run.host, bus::MakeGradeRequest("blue1", g));
  ASSERT_TRUE(testsupport::WaitFor(
      [&] {
        pump();
        return !team.ledger().empty() && !team.submissions().empty() &&
               !team.submissions().back().grades.empty();
      },
      std::chrono::seconds(20)));
  EXPECT_GT(team.total(), 0);
  EXPECT_EQ(team.total(), team.ledger().back().total);
  ASSERT_EQ(team.submissions().size(), 1u) << "blue2's report is not blue1's to see";
  EXPECT_EQ(team.submissions()[0].seq, seq);
  EXPECT_EQ(team.submissions()[0].by, "blue1");
  EXPECT_EQ(team.submissions()[0].grades, std::vector<int>{100});

  // The status reply: its open task and its rank on the board as shown.
  auto blue = run.Remote("blue1");
  team.ApplyStatus(run.Call(*blue, bus::MakeStatusRequest()));
  std::vector<TeamTask> open = team.OpenTasks();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].inject, "press-query");
  EXPECT_GT(open[0].due.nanos(), open[0].fired.nanos());
  ASSERT_TRUE(team.rank().has_value());
  EXPECT_EQ(team.rank()->first, 1);
  EXPECT_EQ(team.rank()->second, 2);
  // Hidden by the white cell: the team keeps its own score, not the board.
  run.Call(*run.host, bus::MakeScoreboardRequest("hidden"));
  team.ApplyStatus(run.Call(*blue, bus::MakeStatusRequest()));
  EXPECT_FALSE(team.rank().has_value());
  EXPECT_EQ(team.board_mode(), "hidden");
  EXPECT_GT(team.total(), 0);
  // The task's answer goes through the same form path.
  auto resp = MakeTaskResponseRequest("blue1", "press-query", "statement sent");
  ASSERT_TRUE(resp.ok());
  EXPECT_TRUE(run.Call(*blue, *resp).contains("seq"));
  EXPECT_FALSE(MakeTaskResponseRequest("blue1", "", "x").ok());
  EXPECT_GT((*feed)->status().from_store, 0);
  EXPECT_EQ((*feed)->status().error, "");
}

}  // namespace
}  // namespace livefire::gui

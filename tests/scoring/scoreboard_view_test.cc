// The scoreboard as the white cell shows it (#14): a real engine with live
// scoring on the portal scenario, listening on CURVE tcp. An observer's
// status and feed carry the live board, the board as it stood at the freeze
// (the same as a replay of the log up to that time), or nothing; the white
// cell keeps the live one.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "livefire/scoring/replay.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/remote_engine.h"
#include "livefire/testing/temp_dir.h"

namespace livefire {
namespace {

using json = nlohmann::json;

struct ViewRun : testsupport::RemoteEngine {
  std::unique_ptr<bus::ControlClient> observer;
  std::unique_ptr<bus::Subscriber> feed;

  void StartWithObserver(const std::filesystem::path& dir) {
    ASSERT_NO_FATAL_FAILURE(Start(dir, 60));  // a minute a second: the clock passes the freeze
    observer = Remote("minister");
    ASSERT_NE(observer, nullptr);
    auto f = bus::Subscriber::Connect(zctx, ex->events_tcp_endpoint(), Keys("minister"));
    ASSERT_TRUE(f.ok());
    feed = std::move(f).value();
    ASSERT_TRUE(feed->Subscribe("").ok());
  }

  // blue1 reports and the white cell grades it in `band`: the live board
  // moves (totals are shares of the most possible: bands 0, then 100, 100
  // move it each time). Returns the grade's seq.
  int64_t ReportAndGrade(const char* band) {
    bus::ReportFields f{"portal", "T1190", "", "suspicious POSTs"};
    json sub = Call(*host, bus::MakeSubmitReportRequest("blue1", f));
    bus::GradeFields g;
    g.rubric = band;
    g.points = 10;
    g.target_seq = sub.value("seq", int64_t{0});
    return Call(*host, bus::MakeGradeRequest("blue1", g)).value("seq", int64_t{0});
  }
  // The host's live board once it reflects at least event `seq`.
  json LiveBoardAfter(int64_t seq) {
    for (int i = 0; i < 100; ++i) {
      json st = Call(*host, bus::MakeStatusRequest());
      if (st.contains("scoring") && st["scoring"].value("seq", int64_t{0}) >= seq) {
        return st["scoring"];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the live board never reached seq " << seq;
    return json::object();
  }
  // The scoreboard messages the observer gets within `wait`.
  std::vector<json> Boards(Duration wait) {
    std::vector<json> out;
    auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(wait.nanos());
    while (std::chrono::steady_clock::now() < until) {
      auto m = feed->Receive(Duration::Millis(100));
      EXPECT_TRUE(m.ok());
      if (m.ok() && m->has_value()) {
        EXPECT_EQ((*m)->event.kind, "scoreboard");  // all an observer receives
        out.push_back((*m)->event.payload);
      }
    }
    return out;
  }
};

double Total(const json& board, const std::string& team) {
  for (const json& row : board.value("blue", json::array())) {
    if (row.value("team", "") == team) return row.value("total", 0.0);
  }
  return -1;
}

TEST(ScoreboardView, ObserversSeeItLiveFrozenAtATimeOrHidden) {
  testsupport::TempDir tmp("lf-board");
  ViewRun run;
  ASSERT_NO_FATAL_FAILURE(run.StartWithObserver(tmp.path()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the subscription travels

  // Live: the observer's status carries the board the host sees.
  const int64_t graded = run.ReportAndGrade("0");
  json live0 = run.LiveBoardAfter(graded);
  EXPECT_LT(Total(live0, "blue1"), Total(live0, "blue2"));
  json seen0 = run.Call(*run.observer, bus::MakeStatusRequest());
  EXPECT_EQ(seen0["scoreboard_mode"]["mode"], "live");
  ASSERT_TRUE(seen0.contains("scoring"));
  EXPECT_GE(seen0["scoring"].value("seq", int64_t{0}), graded);
  EXPECT_FALSE(run.Boards(Duration::Millis(600)).empty()) << "live boards reach the observer";

  // Frozen now: later grades move the host's board, not the observer's.
  json frozen = run.Call(*run.host, bus::MakeScoreboardRequest("frozen"));
  ASSERT_EQ(frozen.value("mode", ""), "frozen");
  const int64_t at_ns = frozen["at_ns"].get<int64_t>();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the clock passes `at`
  json live1 = run.LiveBoardAfter(run.ReportAndGrade("100"));
  json seen1 = run.Call(*run.observer, bus::MakeStatusRequest());
  ASSERT_TRUE(seen1.contains("scoring"));
  const json frozen_board = seen1["scoring"];
  EXPECT_LE(frozen_board.value("time_ns", int64_t{0}), at_ns);
  EXPECT_GE(frozen_board.value("seq", int64_t{0}), graded);
  EXPECT_GT(Total(live1, "blue1"), Total(frozen_board, "blue1")) << "50 % of reports, not 0 %";
  std::vector<json> boards = run.Boards(Duration::Millis(800));
  ASSERT_FALSE(boards.empty());
  EXPECT_EQ(boards.back(), frozen_board) << "the feed carries the frozen board too";

  // Hidden: no board in the status, none on the feed, however scores move.
  run.Call(*run.host, bus::MakeScoreboardRequest("hidden"));
  (void)run.Boards(Duration::Millis(300));  // what was already on its way
  run.ReportAndGrade("100");
  EXPECT_TRUE(run.Boards(Duration::Millis(800)).empty());
  EXPECT_FALSE(run.Call(*run.observer, bus::MakeStatusRequest()).contains("scoring"));

  // Live again: the current board at once.
  run.Call(*run.host, bus::MakeScoreboardRequest("live"));
  boards = run.Boards(Duration::Millis(800));
  ASSERT_FALSE(boards.empty());
  json live2 = run.Call(*run.host, bus::MakeStatusRequest())["scoring"];
  EXPECT_EQ(Total(boards.back(), "blue1"), Total(live2, "blue1"));
  EXPECT_GT(Total(live2, "blue1"), Total(live1, "blue1"));

  run.Call(*run.host, bus::MakeStopRequest());
  run.Stop();
  // The frozen board is the log replayed up to the freeze.
  auto store = store::EventStore::OpenExercise(run.state, run.id, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  std::vector<Event> upto;
  for (const Event& e : *log) {
    if (e.time.nanos() <= at_ns) upto.push_back(e);
  }
  auto replay = scoring::ReplayLog(upto);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(scoring::ToJson(replay->board), frozen_board);
}

}  // namespace
}  // namespace livefire

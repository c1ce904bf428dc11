#include "livefire/gui/feed.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "livefire/gui/plan_file.h"
#include "livefire/gui/sample.h"
#include "livefire/gui/scoreboard_model.h"
#include "livefire/store/event_store.h"

namespace livefire::gui {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const ExerciseId kId("lf-20261121-093000-3fa2c1");

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("lf-gui-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// Drains the feed until `want` events arrived or 10 s passed.
std::vector<Event> DrainUntil(EventFeed& feed, size_t want) {
  std::vector<Event> out;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    if (feed.Drain(&out, 100000) == 0) std::this_thread::sleep_for(5ms);
  }
  return out;
}

TEST(PlanFile, RoundTripsAndNamesTheFileWhenCorrupt) {
  TempDir dir;
  ExercisePlan plan = MakeSamplePlan(3, 5);
  plan.exercise = kId.str();
  const std::string path = PlanPathFor(dir.str(), kId);
  ASSERT_TRUE(WritePlanFile(path, plan).ok());
  auto back = ReadPlanFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->exercise, kId.str());
  EXPECT_EQ(back->plan.blue_teams, plan.plan.blue_teams);
  ASSERT_EQ(back->plan.domains.size(), plan.plan.domains.size());
  for (size_t i = 0; i < plan.plan.domains.size(); ++i) {
    EXPECT_EQ(back->plan.domains[i].key, plan.plan.domains[i].key);
    EXPECT_EQ(back->plan.domains[i].is_router, plan.plan.domains[i].is_router);
    ASSERT_EQ(back->plan.domains[i].interfaces.size(), plan.plan.domains[i].interfaces.size());
    EXPECT_EQ(back->plan.domains[i].interfaces[0].network_key,
              plan.plan.domains[i].interfaces[0].network_key);
  }
  EXPECT_EQ(back->services, plan.services);

  EXPECT_EQ(ReadPlanFile(dir.str() + "/missing.json").status().code(), StatusCode::kNotFound);
  std::ofstream(path) << R"({"format":1,"plan":{"networks":[]}})";
  auto bad = ReadPlanFile(path);
  ASSERT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find(path), std::string::npos);
}

TEST(ControlRequests, GradeUsesTheRubricBandsOnly) {
  auto g = MakeGrade("blue1", {42, ""}, 50, 100, "đúng kỹ thuật");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->type, bus::RequestType::kGrade);
  EXPECT_EQ(g->team, "blue1");
  EXPECT_EQ(g->args["rubric"], "50");
  EXPECT_EQ(g->args["points"], 100.0);
  EXPECT_EQ(g->args["target_seq"], 42);
  // What the GUI sends is a request the engine's decoder accepts.
  g->id = "t1";
  auto decoded = bus::DecodeRequest(bus::EncodeRequest(*g));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->args["target_seq"], 42);
  EXPECT_FALSE(MakeGrade("blue1", {42, ""}, 75, 100, "").ok());
  EXPECT_FALSE(MakeGrade("", {42, ""}, 50, 100, "").ok());
  EXPECT_FALSE(MakeGrade("blue1", {42, ""}, 50, 5000, "").ok());
  for (bus::Request r : {MakePause("họp"), MakeResume(), MakeSpeed(4), MakeFireInject("recon-web", "blue2")}) {
    r.id = "x";
    auto d = bus::DecodeRequest(bus::EncodeRequest(r));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->type, r.type);
  }
}

// Issue #13: a grade names what it grades (the engine refuses one that does
// not), and never takes points away.
TEST(ControlRequests, GradeSendsTheSeqOrTheTaskAndNoNegativePoints) {
  auto task = MakeGrade("blue1", {0, "press"}, 100, std::nullopt, "");
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  EXPECT_EQ(task->args["inject"], "press");
  EXPECT_FALSE(task->args.contains("target_seq"));
  EXPECT_FALSE(task->args.contains("points")) << "the task's own points apply";
  task->id = "t2";
  auto decoded = bus::DecodeRequest(bus::EncodeRequest(*task));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->args["inject"], "press");
  auto neither = MakeGrade("blue1", {0, ""}, 50, 10, "");
  ASSERT_FALSE(neither.ok());
  EXPECT_NE(neither.status().message().find("choose what it grades"), std::string::npos);
  EXPECT_FALSE(MakeGrade("blue1", {42, "press"}, 50, 10, "").ok()) << "both";
  auto negative = MakeGrade("blue1", {42, ""}, 50, -1000, "");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("[0, 1000]"), std::string::npos);
  EXPECT_FALSE(MakeGrade("blue1", {42, ""}, 50, std::nullopt, "").ok()) << "a report needs points";
}

TEST(OpenTasks, StatusTasksShowTheTimeLeft) {
  const auto status = nlohmann::json::parse(R"({"tasks": {
      "blue1": [{"inject": "press", "fired_ns": 60000000000, "due_ns": 1260000000000,
                 "left_ns": 652416781480, "responded": false, "response_seq": 0,
                 "graded": false},
                {"inject": "memo", "fired_ns": 0, "due_ns": 0, "left_ns": 0,
                 "responded": true, "response_seq": 17, "graded": false}],
      "blue2": [{"inject": "press", "fired_ns": 60000000000, "due_ns": 1260000000000,
                 "left_ns": 0, "responded": false, "response_seq": 0, "graded": false}]}})");
  auto tasks = OpenTasksFromStatus(status);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0].team, "blue1");
  EXPECT_EQ(tasks[0].inject, "press");
  ASSERT_TRUE(tasks[0].due.has_value());
  EXPECT_EQ(tasks[0].due->nanos(), 1'260'000'000'000);
  EXPECT_EQ(tasks[0].Label(), "10m52s left");
  EXPECT_EQ(tasks[1].Label(), "responded (#17)");
  EXPECT_EQ(tasks[2].team, "blue2");
  EXPECT_EQ(tasks[2].Label(), "overdue");
  EXPECT_TRUE(OpenTasksFromStatus(nlohmann::json::object()).empty());
  EXPECT_TRUE(OpenTasksFromStatus(nlohmann::json::parse("[1]")).empty());
}

TEST(EventFeed, ReplayReadsTheWholeStoreInOrder) {
  TempDir dir;
  const ExercisePlan plan = MakeSamplePlan(4, 6);
  const auto events = MakeSampleEvents(plan, {});
  ASSERT_TRUE(WriteSampleExercise(dir.str(), kId, plan, events).ok());
  bus::Context ctx;
  auto feed = EventFeed::Start(ctx, {.db_path = store::EventStore::PathFor(dir.str(), kId),
                                     .exercise = kId.str(), .backfill_batch = 100});
  ASSERT_TRUE(feed.ok());
  auto got = DrainUntil(**feed, events.size());
  ASSERT_EQ(got.size(), events.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].seq, events[i].seq);
    ASSERT_EQ(got[i].kind, events[i].kind);
  }
  // The status says it is done only after the last batch.
  for (int i = 0; i < 200 && !(*feed)->status().done; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE((*feed)->status().done);
  EXPECT_EQ((*feed)->status().from_store, static_cast<int64_t>(events.size()));
  EXPECT_FALSE((*feed)->status().live);
}

TEST(EventFeed, LiveRepairsEventsTheBusDroppedFromTheStore) {
  TempDir dir;
  auto db = store::EventStore::OpenExercise(dir.str(), kId);
  ASSERT_TRUE(db.ok());
  auto make = [](int i) {
    Event e;
    e.time = SimTime::FromNanos(i * 1'000'000'000LL);
    e.kind = std::string(kinds::kClockCheckpoint);
    e.payload = {{"speed", 1}, {"paused", false}};
    return e;
  };
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE((*db)->Append(make(i)).ok());
  ASSERT_TRUE((*db)->Flush().ok());

  bus::Context ctx;
  auto pub = bus::EventPublisher::Bind(ctx, "tcp://127.0.0.1:0", kId);
  ASSERT_TRUE(pub.ok());
  auto feed = EventFeed::Start(ctx, {.db_path = (*db)->path(),
                                     .events_endpoint = (*pub)->endpoint(),
                                     .exercise = kId.str()});
  ASSERT_TRUE(feed.ok());
  auto first = DrainUntil(**feed, 10);
  ASSERT_EQ(first.size(), 10u);
  // 11..20 are stored, but only 11, 15 and 20 are published: the feed must
  // fetch the rest from the store and still deliver 11..20 once each.
  std::vector<Event> stored;
  for (int i = 11; i <= 20; ++i) {
    auto e = (*db)->Append(make(i));
    ASSERT_TRUE(e.ok());
    stored.push_back(*e);
  }
  ASSERT_TRUE((*db)->Flush().ok());
  std::vector<Event> got;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.size() < 10 && std::chrono::steady_clock::now() < deadline) {
    // Re-publishing is harmless (duplicates are dropped by seq); it also
    // covers ZeroMQ's slow-joiner window.
    for (int i : {11, 15, 20}) ASSERT_TRUE((*pub)->Publish(stored[i - 11]).ok());
    std::this_thread::sleep_for(20ms);
    (*feed)->Drain(&got, 1000);
  }
  ASSERT_EQ(got.size(), 10u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].seq, static_cast<int64_t>(11 + i));
  std::this_thread::sleep_for(50ms);
  (*feed)->Drain(&got, 1000);
  EXPECT_EQ(got.size(), 10u);  // nothing twice
  FeedStatus st = (*feed)->status();
  EXPECT_TRUE(st.live);
  EXPECT_GE(st.backfills, 1);
  EXPECT_GT(st.dropped_dup, 0);
}

TEST(EventFeed, LiveQueuesThePublishedScoreboardNotAsADuplicate) {
  TempDir dir;
  auto db = store::EventStore::OpenExercise(dir.str(), kId);
  ASSERT_TRUE(db.ok());
  Event tick;
  tick.time = SimTime::FromNanos(1'000'000'000);
  tick.kind = std::string(kinds::kClockCheckpoint);
  tick.payload = {{"speed", 1}, {"paused", false}};
  ASSERT_TRUE((*db)->Append(tick).ok());
  ASSERT_TRUE((*db)->Flush().ok());

  bus::Context ctx;
  auto pub = bus::EventPublisher::Bind(ctx, "tcp://127.0.0.1:0", kId);
  ASSERT_TRUE(pub.ok());
  auto feed = EventFeed::Start(
      ctx,
      {.db_path = (*db)->path(), .events_endpoint = (*pub)->endpoint(), .exercise = kId.str()});
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(DrainUntil(**feed, 1).size(), 1u);
  // What scoring/live publishes: seq 0 (derived), team "", kind "scoreboard".
  Event board;
  board.seq = 0;
  board.time = SimTime::FromNanos(2'000'000'000);
  board.kind = std::string(kPublishedScoreboard);
  board.payload = {{"seq", 1},
                   {"time_ns", 2'000'000'000},
                   {"blue", nlohmann::json::array()},
                   {"red", nlohmann::json::array()}};
  std::vector<Event> got;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*pub)->Publish(board).ok());  // again and again: ZeroMQ's slow joiner
    std::this_thread::sleep_for(20ms);
    (*feed)->Drain(&got, 1000);
  }
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0].seq, 0);
  EXPECT_EQ(got[0].kind, kPublishedScoreboard);
  EXPECT_EQ(got[0].payload["seq"], 1);
  FeedStatus st = (*feed)->status();
  EXPECT_GE(st.scoreboards, 1);
  EXPECT_EQ(st.dropped_dup, 0);
  EXPECT_EQ(st.backfills, 0);
}

TEST(ControlWorker, SendsRequestsOffThreadAndReportsReplies) {
  bus::Context ctx;
  auto server = bus::ControlServer::Bind(ctx, "tcp://127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  std::atomic<bool> stop{false};
  std::vector<bus::Request> seen;
  std::mutex mu;
  std::thread engine([&] {
    while (!stop) {
      for (auto& pr : (*server)->Poll()) {
        {
          std::lock_guard<std::mutex> lock(mu);
          seen.push_back(pr.request);
        }
        if (pr.request.type == bus::RequestType::kFireInject) {
          (*server)->ReplyError(pr, bus::errors::kNotFound, "no inject named 'nope'");
        } else {
          (*server)->Reply(pr, {{"paused", true}});
        }
      }
      std::this_thread::sleep_for(2ms);
    }
  });
  {
    ControlWorker w(ctx, (*server)->endpoint(), "livefire-gui", Duration::Seconds(5));
    const uint64_t a = w.Submit(MakePause("họp"), "pause");
    const uint64_t b = w.Submit(MakeFireInject("nope", ""), "fire nope");
    EXPECT_NE(a, b);
    std::vector<ControlResult> results;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (results.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      for (auto& r : w.TakeResults()) results.push_back(std::move(r));
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].ticket, a);
    EXPECT_TRUE(results[0].ok);
    EXPECT_NE(results[0].message.find("paused"), std::string::npos);
    EXPECT_FALSE(results[1].ok);
    EXPECT_NE(results[1].message.find("not_found"), std::string::npos);
    EXPECT_EQ(w.in_flight(), 0u);
  }
  stop = true;
  engine.join();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].client, "livefire-gui");
  EXPECT_EQ(seen[0].args["reason"], "họp");
}

TEST(ControlWorker, NoEngineGivesATimeoutResultNotAHang) {
  bus::Context ctx;
  // A bound ROUTER that never answers: the request times out.
  auto server = bus::ControlServer::Bind(ctx, "tcp://127.0.0.1:0");
  ASSERT_TRUE(server.ok());
  ControlWorker w(ctx, (*server)->endpoint(), "livefire-gui", Duration::Millis(200));
  w.Submit(MakeResume(), "resume");
  std::vector<ControlResult> results;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (results.empty() && std::chrono::steady_clock::now() < deadline) {
    results = w.TakeResults();
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok);
}

}  // namespace
}  // namespace livefire::gui

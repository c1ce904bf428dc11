// A running engine whose event store stops writing (the store's
// fault-injection VFS fails every write): the clock stops, submissions are
// refused with an environment error and never published, status says so; when
// writes succeed again the engine resumes by itself and records the outage.
// Every wait is on a condition with a generous deadline, not on a wall-clock
// window.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "livefire/testing/wait.h"
#include "livefire/bus/bus.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {
namespace {

using namespace std::chrono_literals;

using testsupport::WaitFor;

// Everything the engine publishes, collected on a thread.
class BusRecorder {
 public:
  BusRecorder(bus::Context& ctx, const std::string& endpoint) {
    auto sub = bus::Subscriber::Connect(ctx, endpoint);
    EXPECT_TRUE(sub.ok()) << sub.status().ToString();
    if (!sub.ok()) return;
    sub_ = std::move(sub).value();
    EXPECT_TRUE(sub_->Subscribe("").ok());
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        auto m = sub_->Receive(Duration::Millis(50));
        if (m.ok() && *m) {
          std::lock_guard lk(mu_);
          events_.push_back((*m)->event);
        }
      }
    });
  }
  ~BusRecorder() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Event> events() const {
    std::lock_guard lk(mu_);
    return events_;
  }

 private:
  std::unique_ptr<bus::Subscriber> sub_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Event> events_;
};

TEST(StoreFailure, TheEnginePausesRefusesAndResumesByItselfWithNothingPublishedUnstored) {
  testsupport::TempDir tmp("lf-storefail");
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  auto s = scenario::LoadValidScenario(std::string(LIVEFIRE_TEST_DATA_DIR) + "/mini", lo);
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto plan = topology::MakePlan(*s);
  ASSERT_TRUE(plan.ok());
  guest::ScriptedGuestIo guest([](const guest::GuestRequest&) { return guest::GuestReply{}; });
  ExerciseId id("lf-test-storefail");
  auto faults = std::make_shared<store::StoreFaults>();
  ExerciseOptions o;
  o.state_dir = tmp.path().string();
  o.id = id;
  o.speed = 10;  // 30 exercise minutes = 3 wall minutes: the test ends it first
  // Checkpoints every exercise second keep commits coming.
  o.checkpoint_interval = Duration::Seconds(1);
  o.store_faults = faults;
  auto ex = Exercise::Open(*s, *plan, guest, o);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();

  bus::Context zctx;
  auto eps = bus::DefaultEndpoints(tmp.path().string(), id);
  ASSERT_TRUE(eps.ok());
  BusRecorder recorder(zctx, eps->events);
  Status run_status;
  std::thread engine([&] { run_status = (*ex)->Run(); });
  auto client = bus::ControlClient::Connect(zctx, eps->control, "test");
  ASSERT_TRUE(client.ok());
  auto call = [&](bus::RequestType type, std::string team, nlohmann::json args) {
    bus::Request r;
    r.type = type;
    r.team = std::move(team);
    r.args = std::move(args);
    auto rep = (*client)->Call(r, Duration::Seconds(30));
    EXPECT_TRUE(rep.ok()) << rep.status().ToString();
    return rep.value_or(bus::Reply{});
  };
  auto status = [&] { return call(bus::RequestType::kStatus, "", {}).body; };
  const nlohmann::json report = {{"node", "web"},
                                 {"technique", "T1190"},
                                 {"description", "seen it"},
                                 {"observed_at", "00:00:01"}};

  // Healthy: the status says so, and the subscriber is connected (it got one).
  EXPECT_TRUE(status()["store"]["healthy"].get<bool>());
  ASSERT_TRUE(WaitFor([&] { return !recorder.events().empty(); }));

  // The disk fails.
  faults->fail_writes.store(true);
  nlohmann::json down;
  ASSERT_TRUE(WaitFor([&] {
    down = status();
    return !down["store"]["healthy"].get<bool>() && down["store"]["clock_paused"].get<bool>();
  })) << down.dump();
  EXPECT_FALSE(down["store"]["error"].get<std::string>().empty());
  // The clock holds: later status replies show the same exercise time.
  const int64_t frozen = down["time_ns"].get<int64_t>();
  ASSERT_TRUE(WaitFor([&] { return status()["store"]["failed_attempts"].get<int64_t>() >= 3; }));
  EXPECT_EQ(status()["time_ns"].get<int64_t>(), frozen);
  // A submission is refused as an environment failure, with the reason.
  bus::Reply refused = call(bus::RequestType::kSubmitReport, "blue1", report);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.error_code, "internal");
  EXPECT_NE(refused.error_message.find("cannot write"), std::string::npos) << refused.error_message;
  EXPECT_EQ(status()["time_ns"].get<int64_t>(), frozen);

  // The disk is back: the engine resumes by itself.
  faults->fail_writes.store(false);
  ASSERT_TRUE(WaitFor([&] {
    nlohmann::json j = status();
    return j["store"]["healthy"].get<bool>() && !j["store"]["clock_paused"].get<bool>() &&
           j["time_ns"].get<int64_t>() > frozen;
  }));
  bus::Reply accepted = call(bus::RequestType::kSubmitReport, "blue1", report);
  ASSERT_TRUE(accepted.ok) << accepted.error_message;
  EXPECT_TRUE(accepted.body["durable"].get<bool>());
  const int64_t accepted_seq = accepted.body["seq"].get<int64_t>();

  EXPECT_TRUE(call(bus::RequestType::kStop, "", {{"reason", "end of test"}}).ok);
  engine.join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
  ex->reset();
  // The last events reach a connected subscriber before it stops.
  WaitFor(
      [&] {
        auto got = recorder.events();
        return !got.empty() && got.back().kind == kinds::kExerciseEnded;
      },
      10s);
  recorder.Stop();

  auto st = store::EventStore::OpenExercise(tmp.path().string(), id, {.read_only = true});
  ASSERT_TRUE(st.ok());
  auto v = (*st)->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  auto log = (*st)->Read({});
  ASSERT_TRUE(log.ok());
  std::map<int64_t, const Event*> by_seq;
  std::vector<const Event*> unhealthy, recovered, reports;
  for (const Event& e : *log) {
    by_seq[e.seq] = &e;
    if (e.kind == kStoreUnhealthy) unhealthy.push_back(&e);
    if (e.kind == kStoreRecovered) recovered.push_back(&e);
    if (e.kind == kinds::kSubmissionReport) reports.push_back(&e);
  }
  // The outage is recorded once, in order, with what failed and for how long.
  ASSERT_EQ(unhealthy.size(), 1u);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_LT(unhealthy[0]->seq, recovered[0]->seq);
  EXPECT_FALSE(unhealthy[0]->payload["error"].get<std::string>().empty());
  EXPECT_EQ(unhealthy[0]->time.nanos(), recovered[0]->time.nanos()) << "the clock ran";
  EXPECT_GT(recovered[0]->payload["outage_ns"].get<int64_t>(), 0);
  EXPECT_GE(recovered[0]->payload["failed_attempts"].get<int64_t>(), 3);
  // Only the accepted submission is in the log.
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]->seq, accepted_seq);
  // Everything published is stored, under the same seq with the same hash;
  // derived messages (seq 0) aside.
  auto published = recorder.events();
  ASSERT_FALSE(published.empty());
  int64_t last_seq = 0;
  for (const Event& e : published) {
    if (e.seq == 0) continue;
    auto it = by_seq.find(e.seq);
    ASSERT_NE(it, by_seq.end()) << "published seq " << e.seq << " is not stored";
    EXPECT_EQ(it->second->hash, e.hash) << "seq " << e.seq << " holds another event";
    EXPECT_EQ(it->second->kind, e.kind);
    EXPECT_GT(e.seq, last_seq) << "published out of order";
    last_seq = e.seq;
    if (e.kind == kinds::kSubmissionReport) {
      EXPECT_EQ(e.seq, accepted_seq);
    }
  }
}

}  // namespace
}  // namespace livefire::runtime

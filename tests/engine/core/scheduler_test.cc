#include "livefire/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace livefire {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, RunsEventsInTimeThenSequenceOrder) {
  Scheduler s;
  std::vector<std::string> order;
  s.At(SimTime::Start() + Duration::Seconds(5), [&](SimTime) { order.push_back("b5"); });
  s.At(SimTime::Start() + Duration::Seconds(1), [&](SimTime) { order.push_back("a1"); });
  s.At(SimTime::Start() + Duration::Seconds(5), [&](SimTime) { order.push_back("c5"); });
  EXPECT_EQ(s.RunUntil(SimTime::Start() + Duration::Seconds(10)), 3u);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "b5", "c5"}));
  EXPECT_EQ(s.Now(), SimTime::Start() + Duration::Seconds(10));
}

TEST(Scheduler, CallbackSeesItsOwnTimeAndCanScheduleMore) {
  Scheduler s;
  std::vector<int64_t> seen;
  std::function<void(SimTime)> tick = [&](SimTime now) {
    seen.push_back((now - SimTime::Start()).millis());
    if (seen.size() < 4) s.After(Duration::Millis(100), tick);
  };
  s.After(Duration::Millis(100), tick);
  s.RunUntil(SimTime::Start() + Duration::Seconds(1));
  EXPECT_EQ(seen, (std::vector<int64_t>{100, 200, 300, 400}));
}

TEST(Scheduler, StopsAtTheHorizon) {
  Scheduler s;
  int ran = 0;
  s.After(Duration::Seconds(1), [&](SimTime) { ++ran; });
  s.After(Duration::Seconds(3), [&](SimTime) { ++ran; });
  s.RunUntil(SimTime::Start() + Duration::Seconds(2));
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.NextTime(), SimTime::Start() + Duration::Seconds(3));
}

TEST(Scheduler, CancelledTimersNeverRun) {
  Scheduler s;
  int ran = 0;
  TimerId a = s.After(Duration::Seconds(1), [&](SimTime) { ++ran; });
  s.After(Duration::Seconds(2), [&](SimTime) { ++ran; });
  EXPECT_TRUE(s.Cancel(a));
  EXPECT_FALSE(s.Cancel(a));
  s.RunUntil(SimTime::Start() + Duration::Seconds(5));
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(s.Step());
}

TEST(Scheduler, PastTimesRunNowAndClockNeverGoesBack) {
  Scheduler s(SimTime::Start() + Duration::Seconds(10));
  SimTime seen;
  s.At(SimTime::Start() + Duration::Seconds(3), [&](SimTime now) { seen = now; });
  s.Step();
  EXPECT_EQ(seen, SimTime::Start() + Duration::Seconds(10));
}

TEST(Scheduler, PendingTimersListsLabelsInRunOrder) {
  Scheduler s;
  s.After(Duration::Seconds(9), [](SimTime) {}, "late");
  s.After(Duration::Seconds(1), [](SimTime) {}, "early");
  auto p = s.PendingTimers();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].label, "early");
  EXPECT_EQ(p[1].label, "late");
}

TEST(Pacer, MapsWallTimeBySpeed) {
  auto w0 = Pacer::WallClock::time_point{} + 1000s;
  Pacer p(SimTime::Start(), 60.0, w0);
  EXPECT_EQ(p.SimAt(w0 + 1s), SimTime::Start() + Duration::Minutes(1));
  EXPECT_EQ(p.WallAt(SimTime::Start() + Duration::Hours(1)), w0 + 60s);
}

TEST(Pacer, PauseFreezesExerciseTimeAndResumeContinues) {
  auto w0 = Pacer::WallClock::time_point{} + 1000s;
  Pacer p(SimTime::Start(), 1.0, w0);
  p.Pause(w0 + 10s);
  EXPECT_TRUE(p.paused());
  EXPECT_EQ(p.SimAt(w0 + 100s), SimTime::Start() + Duration::Seconds(10));
  EXPECT_EQ(p.WallAt(SimTime::Start() + Duration::Seconds(20)), Pacer::WallClock::time_point::max());
  p.Resume(w0 + 100s);
  EXPECT_EQ(p.SimAt(w0 + 105s), SimTime::Start() + Duration::Seconds(15));
}

TEST(Pacer, SpeedChangeKeepsTimeContinuous) {
  auto w0 = Pacer::WallClock::time_point{} + 1000s;
  Pacer p(SimTime::Start(), 1.0, w0);
  ASSERT_TRUE(p.SetSpeed(10.0, w0 + 10s).ok());
  EXPECT_EQ(p.SimAt(w0 + 10s), SimTime::Start() + Duration::Seconds(10));
  EXPECT_EQ(p.SimAt(w0 + 11s), SimTime::Start() + Duration::Seconds(20));
  EXPECT_FALSE(p.SetSpeed(0, w0).ok());
  EXPECT_FALSE(p.SetSpeed(-1, w0).ok());
}

}  // namespace
}  // namespace livefire

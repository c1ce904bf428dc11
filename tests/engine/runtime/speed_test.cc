// Speeds are bounded (0.01..1000 exercise seconds per wall second) by one
// function, and a running engine refuses a speed request outside the range
// whoever sends it, with a message that prints the number readably.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include "livefire/bus/bus.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/scheduler.h"
#include "livefire/testing/mini_range.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {
namespace {

using testsupport::MiniRange;
using testsupport::RunningMini;

namespace fs = std::filesystem;

TEST(ValidateSpeed, AcceptsTheRangeInclusive) {
  for (double v : {kMinSpeed, 0.5, 1.0, 60.0, kMaxSpeed}) {
    EXPECT_TRUE(ValidateSpeed(v).ok()) << v;
  }
  EXPECT_EQ(kMinSpeed, 0.01);
  EXPECT_EQ(kMaxSpeed, 1000);
}

TEST(ValidateSpeed, RefusesOutsideNaNAndInfinities) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, 0.0099, 1e-9, -1.0, 1000.001, 1e300, -inf, inf,
                   std::numeric_limits<double>::quiet_NaN()}) {
    Status s = ValidateSpeed(v);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << v;
  }
}

TEST(ValidateSpeed, MessagePrintsTheNumberReadably) {
  EXPECT_EQ(ValidateSpeed(-1).message(),
            "speed -1 is outside 0.01..1000 (exercise seconds per wall second)");
  EXPECT_NE(ValidateSpeed(1e300).message().find("speed 1e+300 is outside"), std::string::npos);
  EXPECT_NE(ValidateSpeed(1e-9).message().find("speed 1e-09 is outside"), std::string::npos);
  EXPECT_NE(ValidateSpeed(std::nan("")).message().find("speed nan is outside"), std::string::npos);
  EXPECT_LT(ValidateSpeed(-std::numeric_limits<double>::max()).message().size(), 80u);
}

TEST(SpeedControl, ARunningEngineRefusesASpeedOutsideTheRange) {
  fs::path dir = fs::temp_directory_path() / fmt::format("lf-speed-{}", getpid());
  fs::remove_all(dir);
  RunningMini run;
  ASSERT_TRUE(run.Start(dir, ExerciseId("lf-test-speed"), "not-the-cli"));
  // Raw requests: another client than the CLI, which checks first.
  auto raw = [&](const std::string& speed) {
    auto rep =
        run.client->CallRaw(fmt::format(R"({{"v":1,"type":"speed","id":"s","speed":{}}})", speed),
                            Duration::Seconds(10));
    EXPECT_TRUE(rep.ok()) << rep.status().ToString();
    return rep.value_or(bus::Reply{});
  };
  for (const char* bad : {"1e-9", "0", "-1", "1e300", "1000.5"}) {
    bus::Reply r = raw(bad);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_EQ(r.error_code, "bad_request") << bad;
    EXPECT_NE(r.error_message.find("is outside 0.01..1000"), std::string::npos) << r.error_message;
    EXPECT_LT(r.error_message.size(), 120u) << r.error_message;
  }
  EXPECT_EQ(raw("-1").error_message,
            "speed: field 'speed': speed -1 is outside 0.01..1000 (exercise seconds per wall "
            "second)");
  // The engine goes on at its speed, and takes one inside the range.
  bus::Request st;
  st.type = bus::RequestType::kStatus;
  auto status = run.client->Call(st, Duration::Seconds(10));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->body["speed"].get<double>(), 1.0);
  bus::Reply good = raw("1000");
  EXPECT_TRUE(good.ok) << good.error_message;
  EXPECT_TRUE(raw("0.01").ok);

  bus::Request stop;
  stop.type = bus::RequestType::kStop;
  EXPECT_TRUE(run.client->Call(stop, Duration::Seconds(10)).ok());
  Status run_status = run.Join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
  run.ex.reset();
  fs::remove_all(dir);
}

TEST(SpeedControl, OpenRefusesAnOutOfRangeSpeed) {
  MiniRange mini;
  fs::path dir = fs::temp_directory_path() / fmt::format("lf-speed-open-{}", getpid());
  ExerciseOptions o = MiniRange::Options(dir, ExerciseId("lf-test-speed-open"));
  o.speed = 1e300;
  auto ex = mini.Open(o);
  EXPECT_EQ(ex.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir)) << "refused before anything was created";
}

}  // namespace
}  // namespace livefire::runtime

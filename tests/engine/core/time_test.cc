#include "livefire/time.h"

#include <gtest/gtest.h>

namespace livefire {
namespace {

Duration P(std::string_view s) {
  auto r = ParseDuration(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.value_or(Duration::Nanos(-1));
}

TEST(Duration, ParsesUnitSequences) {
  EXPECT_EQ(P("1h30m"), Duration::Minutes(90));
  EXPECT_EQ(P("90s"), Duration::Seconds(90));
  EXPECT_EQ(P("250ms"), Duration::Millis(250));
  EXPECT_EQ(P("2d"), Duration::Hours(48));
  EXPECT_EQ(P("1h 5m 3s"), Duration::Seconds(3903));
  EXPECT_EQ(P("1.5h"), Duration::Minutes(90));
  EXPECT_EQ(P("0.25s"), Duration::Millis(250));
  EXPECT_EQ(P("10us"), Duration::Micros(10));
  EXPECT_EQ(P("7ns"), Duration::Nanos(7));
  EXPECT_EQ(P("  45m  "), Duration::Minutes(45));
}

TEST(Duration, ParsesClockForms) {
  EXPECT_EQ(P("00:05:00"), Duration::Minutes(5));
  EXPECT_EQ(P("01:02:03"), Duration::Seconds(3723));
  EXPECT_EQ(P("05:00"), Duration::Minutes(5));
  EXPECT_EQ(P("01:00:00.5"), Duration::Hours(1) + Duration::Millis(500));
  EXPECT_EQ(P("26:00:00"), Duration::Hours(26));
}

TEST(Duration, BareNumberIsSeconds) {
  EXPECT_EQ(P("300"), Duration::Minutes(5));
  EXPECT_EQ(P("1.5"), Duration::Millis(1500));
}

TEST(Duration, RejectsMalformedInputWithTheText) {
  for (const char* bad : {"", "abc", "5x", "-5m", "1m1h", "1h1h", "m", "1:2:3:4", "01:75:00",
                          "00:00:61", "1.2.3s", "99999999999999999999s", "1h-"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos)
        << r.status().message();
  }
}

TEST(Duration, FormatsCompactly) {
  EXPECT_EQ(FormatDuration(Duration::Minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(Duration::Seconds(45)), "45s");
  EXPECT_EQ(FormatDuration(Duration::Zero()), "0s");
  EXPECT_EQ(FormatDuration(Duration::Millis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Duration::Millis(60500)), "1m0.5s");
  EXPECT_EQ(FormatDuration(Duration::Hours(2)), "2h");
  EXPECT_EQ(FormatDuration(Duration::Seconds(-30)), "-30s");
}

TEST(Duration, HumanFormRoundsToWhatPeopleRead) {
  EXPECT_EQ(HumanDuration(Duration::Nanos(652'416'781'480)), "10m52s");  // not 10m52.41678148s
  EXPECT_EQ(HumanDuration(Duration::Seconds(3780)), "1h03m");
  EXPECT_EQ(HumanDuration(Duration::Seconds(3810)), "1h04m");  // 1h03m30s rounds up
  EXPECT_EQ(HumanDuration(Duration::Seconds(45)), "45s");
  EXPECT_EQ(HumanDuration(Duration::Seconds(605)), "10m05s");
  EXPECT_EQ(HumanDuration(Duration::Minutes(10)), "10m");
  EXPECT_EQ(HumanDuration(Duration::Hours(2)), "2h");
  EXPECT_EQ(HumanDuration(Duration::Millis(3599'700)), "1h");
  EXPECT_EQ(HumanDuration(Duration::Millis(250)), "250ms");
  EXPECT_EQ(HumanDuration(Duration::Millis(999'700)), "16m40s");
  EXPECT_EQ(HumanDuration(Duration::Nanos(999'600'000)), "1s");
  EXPECT_EQ(HumanDuration(Duration::Zero()), "0s");
  EXPECT_EQ(HumanDuration(Duration::Seconds(-90)), "-1m30s");
}

TEST(Duration, FormatThenParseRoundTrips) {
  for (int64_t ns : {int64_t{1}, int64_t{999}, int64_t{1'000'000}, int64_t{1'500'000'000},
                     int64_t{3'723'000'000'000}, int64_t{86'400'000'000'007}}) {
    Duration d = Duration::Nanos(ns);
    EXPECT_EQ(P(FormatDuration(d)), d) << FormatDuration(d);
  }
}

TEST(SimTime, ArithmeticAndClockFormat) {
  SimTime t = SimTime::Start() + Duration::Minutes(90);
  EXPECT_EQ(FormatClock(t), "01:30:00");
  EXPECT_EQ(FormatClock(t + Duration::Millis(250)), "01:30:00.250");
  EXPECT_EQ(t - SimTime::Start(), Duration::Minutes(90));
  EXPECT_LT(SimTime::Start(), t);
  EXPECT_EQ(FormatClock(SimTime::Start() + Duration::Hours(26)), "26:00:00");
}

}  // namespace
}  // namespace livefire

#pragma once
// Exercise time. Everything that happens in an exercise is stamped with a
// SimTime: int64 nanoseconds since the exercise started. Wall time is only
// recorded beside it, never used to decide anything, so that a replay of the
// event log reproduces every decision.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "livefire/status.h"

namespace livefire {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Nanos(int64_t n) { return Duration(n); }
  static constexpr Duration Micros(int64_t n) { return Duration(n * 1'000); }
  static constexpr Duration Millis(int64_t n) { return Duration(n * 1'000'000); }
  static constexpr Duration Seconds(int64_t n) { return Duration(n * 1'000'000'000); }
  static constexpr Duration Minutes(int64_t n) { return Seconds(n * 60); }
  static constexpr Duration Hours(int64_t n) { return Seconds(n * 3600); }
  static constexpr Duration Zero() { return Duration(0); }

  constexpr int64_t nanos() const { return ns_; }
  constexpr double seconds() const { return static_cast<double>(ns_) / 1e9; }
  constexpr int64_t millis() const { return ns_ / 1'000'000; }

  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
  constexpr Duration& operator+=(Duration o) { ns_ += o.ns_; return *this; }
  constexpr Duration& operator-=(Duration o) { ns_ -= o.ns_; return *this; }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// A point in exercise time (nanoseconds since the exercise started).
class SimTime {
 public:
  constexpr SimTime() = default;
  static constexpr SimTime FromNanos(int64_t ns) { return SimTime(ns); }
  static constexpr SimTime Start() { return SimTime(0); }
  static constexpr SimTime Max() { return SimTime(INT64_MAX); }

  constexpr int64_t nanos() const { return ns_; }
  constexpr Duration SinceStart() const { return Duration::Nanos(ns_); }

  constexpr SimTime operator+(Duration d) const { return SimTime(ns_ + d.nanos()); }
  constexpr SimTime operator-(Duration d) const { return SimTime(ns_ - d.nanos()); }
  constexpr Duration operator-(SimTime o) const { return Duration::Nanos(ns_ - o.ns_); }
  constexpr SimTime& operator+=(Duration d) { ns_ += d.nanos(); return *this; }
  constexpr auto operator<=>(const SimTime&) const = default;

 private:
  constexpr explicit SimTime(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// Parses "1h30m", "90s", "250ms", "1.5h", "2d", "1h 5m 3s", "00:05:00",
// "01:02:03.5", "05:00" (mm:ss) and a bare number of seconds ("300").
// Negative durations and overflow are errors.
Result<Duration> ParseDuration(std::string_view text);

// Compact human form: "1h30m", "45s", "1m0.5s", "250ms", "0s"; negative
// values get a leading '-'. ParseDuration(FormatDuration(d)) == d.
std::string FormatDuration(Duration d);

// Durations as people read them in reports, tables and messages: whole
// seconds below an hour ("45s", "10m52s", "10m05s", "10m"), whole minutes
// from an hour up ("1h03m", "2h"), milliseconds below a second ("250ms").
// Rounded to the nearest unit, so not for values that must parse back
// exactly (configuration uses FormatDuration).
std::string HumanDuration(Duration d);

// Clock form for displays and logs: "01:30:00" or "01:30:00.250" when there
// are sub-second parts; hours grow past 24 ("26:00:00").
std::string FormatClock(SimTime t);

}  // namespace livefire

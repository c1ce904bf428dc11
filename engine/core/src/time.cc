#include "livefire/time.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace livefire {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

Status Bad(std::string_view text, std::string_view why) {
  return Status::InvalidArgument(fmt::format("invalid duration '{}': {}", text, why));
}

// Parses "12" or "12.345" into integer nanoseconds of `unit_ns` units,
// rejecting overflow. Fractions are kept to nanosecond precision.
bool ParseScaled(std::string_view num, int64_t unit_ns, int64_t* out) {
  if (num.empty()) return false;
  size_t dot = num.find('.');
  std::string_view ip = num.substr(0, dot);
  std::string_view fp = dot == std::string_view::npos ? std::string_view() : num.substr(dot + 1);
  if (ip.empty() && fp.empty()) return false;
  __extension__ typedef __int128 i128;  // overflow checks need more than 64 bits
  i128 whole = 0;
  for (char c : ip) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    whole = whole * 10 + (c - '0');
    if (whole > std::numeric_limits<int64_t>::max()) return false;
  }
  i128 total = whole * unit_ns;
  // Fraction: digits beyond nanosecond precision of the unit are dropped.
  i128 scale = unit_ns;
  for (char c : fp) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    scale /= 10;
    total += (c - '0') * scale;
  }
  if (total > std::numeric_limits<int64_t>::max()) return false;
  *out = static_cast<int64_t>(total);
  return true;
}

Result<Duration> ParseClockForm(std::string_view text) {
  // hh:mm:ss[.frac] or mm:ss[.frac]
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) return Bad(text, "too many ':' fields (want hh:mm:ss or mm:ss)");
  int64_t total = 0;
  const int64_t units[] = {3600 * kNsPerSec, 60 * kNsPerSec, kNsPerSec};
  size_t first_unit = 3 - parts.size();
  for (size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    std::string_view p = parts[i];
    if (!last && p.find('.') != std::string_view::npos) return Bad(text, "fraction before seconds");
    int64_t v = 0;
    if (!ParseScaled(p, units[first_unit + i], &v)) return Bad(text, "expected digits");
    // A field after the first is bounded by the one before it ("01:75:00" is a typo).
    if (i > 0 && v >= 60 * units[first_unit + i]) return Bad(text, "minutes and seconds must be < 60");
    if (total > std::numeric_limits<int64_t>::max() - v) return Bad(text, "too large");
    total += v;
  }
  return Duration::Nanos(total);
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (t.empty()) return Bad(text, "empty");
  if (t.front() == '-') return Bad(text, "negative durations are not allowed");
  if (t.find(':') != std::string_view::npos) return ParseClockForm(t);

  // A bare number means seconds.
  bool bare = true;
  for (char c : t) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') bare = false;
  }
  if (bare) {
    int64_t v = 0;
    if (!ParseScaled(t, kNsPerSec, &v)) return Bad(text, "expected a number");
    return Duration::Nanos(v);
  }

  // Sequence of <number><unit>, optionally separated by spaces. Units must
  // appear from largest to smallest, each at most once.
  struct Unit {
    std::string_view name;
    int64_t ns;
  };
  static constexpr Unit kUnits[] = {
      {"d", 86400 * kNsPerSec}, {"h", 3600 * kNsPerSec}, {"m", 60 * kNsPerSec},
      {"s", kNsPerSec},         {"ms", 1'000'000},       {"us", 1'000},
      {"ns", 1},
  };
  int64_t total = 0;
  int last_rank = -1;
  size_t i = 0;
  while (i < t.size()) {
    if (std::isspace(static_cast<unsigned char>(t[i]))) {
      ++i;
      continue;
    }
    size_t num_start = i;
    while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
    std::string_view num = t.substr(num_start, i - num_start);
    if (num.empty()) return Bad(text, "expected a number before a unit");
    size_t unit_start = i;
    while (i < t.size() && std::isalpha(static_cast<unsigned char>(t[i]))) ++i;
    std::string_view unit = t.substr(unit_start, i - unit_start);
    if (unit.empty()) return Bad(text, "missing unit after a number (use d, h, m, s, ms, us, ns)");
    int rank = -1;
    for (int u = 0; u < static_cast<int>(std::size(kUnits)); ++u) {
      if (kUnits[u].name == unit) rank = u;
    }
    if (rank < 0) return Bad(text, fmt::format("unknown unit '{}' (use d, h, m, s, ms, us, ns)", unit));
    if (rank <= last_rank) return Bad(text, "units must go from largest to smallest, once each");
    last_rank = rank;
    int64_t v = 0;
    if (!ParseScaled(num, kUnits[rank].ns, &v)) return Bad(text, "bad number or too large");
    if (total > std::numeric_limits<int64_t>::max() - v) return Bad(text, "too large");
    total += v;
  }
  return Duration::Nanos(total);
}

std::string FormatDuration(Duration d) {
  int64_t ns = d.nanos();
  if (ns == 0) return "0s";
  std::string out;
  uint64_t v;
  if (ns < 0) {
    out = "-";
    v = static_cast<uint64_t>(-(ns + 1)) + 1;  // safe for INT64_MIN
  } else {
    v = static_cast<uint64_t>(ns);
  }
  if (v < static_cast<uint64_t>(kNsPerSec)) {
    // Sub-second values read best in the largest exact unit.
    if (v % 1'000'000 == 0) return out + fmt::format("{}ms", v / 1'000'000);
    if (v % 1'000 == 0) return out + fmt::format("{}us", v / 1'000);
    return out + fmt::format("{}ns", v);
  }
  uint64_t secs = v / kNsPerSec;
  uint64_t frac = v % kNsPerSec;
  uint64_t h = secs / 3600, m = (secs / 60) % 60, s = secs % 60;
  if (h) out += fmt::format("{}h", h);
  if (m) out += fmt::format("{}m", m);
  if (s || frac) {
    out += fmt::format("{}", s);
    if (frac) {
      std::string f = fmt::format("{:09d}", frac);
      while (!f.empty() && f.back() == '0') f.pop_back();
      out += "." + f;
    }
    out += "s";
  }
  return out;
}

std::string HumanDuration(Duration d) {
  int64_t ns = d.nanos();
  std::string sign;
  uint64_t v;
  if (ns < 0) {
    sign = "-";
    v = static_cast<uint64_t>(-(ns + 1)) + 1;  // safe for INT64_MIN
  } else {
    v = static_cast<uint64_t>(ns);
  }
  constexpr uint64_t kMs = 1'000'000, kSec = kNsPerSec;
  if (v < kSec - kMs / 2) {
    const uint64_t ms = (v + kMs / 2) / kMs;
    return ms == 0 ? "0s" : sign + fmt::format("{}ms", ms);
  }
  uint64_t secs = (v + kSec / 2) / kSec;
  if (secs < 3600) {
    const uint64_t m = secs / 60, s = secs % 60;
    if (m == 0) return sign + fmt::format("{}s", s);
    return sign + (s == 0 ? fmt::format("{}m", m) : fmt::format("{}m{:02}s", m, s));
  }
  const uint64_t mins = (secs + 30) / 60, h = mins / 60, m = mins % 60;
  return sign + (m == 0 ? fmt::format("{}h", h) : fmt::format("{}h{:02}m", h, m));
}

std::string FormatClock(SimTime t) {
  int64_t ns = t.nanos();
  std::string sign;
  if (ns < 0) {
    sign = "-";
    ns = -ns;
  }
  int64_t secs = ns / kNsPerSec;
  int64_t ms = (ns % kNsPerSec) / 1'000'000;
  std::string out = fmt::format("{}{:02d}:{:02d}:{:02d}", sign, secs / 3600, (secs / 60) % 60, secs % 60);
  if (ms) out += fmt::format(".{:03d}", ms);
  return out;
}

}  // namespace livefire

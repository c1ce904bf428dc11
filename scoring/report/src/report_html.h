#pragma once
// Shared by the HTML report's source files (internal to scoring/report):
// report_html.cc writes the sections, report_charts.cc the inline SVG charts.

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/report/report.h"

namespace livefire::report::html {

inline std::string E(std::string_view s) { return HtmlEscape(s); }

inline std::string Num(double v, int digits = 1) {
  if (std::abs(v) < 0.5 * std::pow(10.0, -digits)) v = 0;  // no "-0.0"
  return fmt::format("{:.{}f}", v, digits);
}

inline std::string Signed(double v) {
  std::string n = Num(v, 2);
  return v > 0 && n != "0.00" ? "+" + n : n;
}

inline std::string Secs(const std::optional<double>& s) {
  if (!s) return "—";
  return HumanDuration(Duration::Nanos(std::llround(*s * 1e9)));
}

inline std::string Causes(const std::vector<int64_t>& seqs) {
  std::string out;
  for (int64_t s : seqs) out += (out.empty() ? "#" : ", #") + std::to_string(s);
  return out;
}

// The x axis of every chart: exercise time from start to end.
struct Axis {
  SimTime from, to;
  double x0 = 150, x1 = 1000 - 15;
  double X(SimTime t) const {
    double span = static_cast<double>(std::max<int64_t>(1, (to - from).nanos()));
    double f = static_cast<double>((t - from).nanos()) / span;
    return x0 + std::clamp(f, 0.0, 1.0) * (x1 - x0);
  }
  Duration Step() const {
    Duration span = to - from;
    for (Duration d :
         {Duration::Minutes(1), Duration::Minutes(5), Duration::Minutes(10), Duration::Minutes(15),
          Duration::Minutes(30), Duration::Hours(1), Duration::Hours(2), Duration::Hours(6)}) {
      if (span.nanos() / d.nanos() <= 10) return d;
    }
    return Duration::Hours(12);
  }
  // Vertical grid lines and clock labels under y_bottom.
  std::string Ticks(double y_top, double y_bottom) const {
    std::string out;
    Duration step = Step();
    for (SimTime t = from; t <= to; t += step) {
      double x = X(t);
      out += fmt::format(
          "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e3e8ee\"/>"
          "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>",
          x, y_top, y_bottom, y_bottom + 14, FormatClock(t).substr(0, 5));
    }
    return out;
  }
};

// Weighted totals of the blue teams over time.
std::string ScoreChart(const ReportData& r, const Axis& ax);
// Red actions (top lane) against blue's credited reports (bottom lane).
std::string TimelineChart(const TeamReport& t, const Axis& ax);
// Up (green) and down (red) rounds as a step band.
std::string AvailabilityChart(const ServiceSeries& s, const Axis& ax);

}  // namespace livefire::report::html

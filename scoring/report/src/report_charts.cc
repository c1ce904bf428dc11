// The report's inline SVG charts: no scripts, so every mark is drawn here.
#include <algorithm>
#include <map>
#include <set>

#include "report_html.h"

namespace livefire::report::html {

namespace {

const char* kTeamColours[] = {"#1f5fa8", "#2e9e57", "#8e44ad", "#d68910",
                              "#16a085", "#c0392b", "#34495e", "#7f8c8d"};

}  // namespace

std::string ScoreChart(const ReportData& r, const Axis& ax) {
  double lo = 0, hi = 0;
  for (const auto& t : r.blue) {
    const auto& ser = t.total_series;
    for (size_t k = 0; k < ser.size(); ++k) {
      if (k + 1 < ser.size() && ser[k + 1].first == ser[k].first) continue;
      lo = std::min(lo, ser[k].second);
      hi = std::max(hi, ser[k].second);
    }
  }
  if (hi - lo < 1) hi = lo + 1;
  const double top = 12, bottom = 230, h = 260;
  auto Y = [&](double v) { return bottom - (v - lo) / (hi - lo) * (bottom - top); };
  std::string svg = fmt::format(
      "<svg viewBox=\"0 0 1000 {}\" role=\"img\" aria-label=\"weighted total over time\">", h);
  svg += ax.Ticks(top, bottom);
  for (int i = 0; i <= 4; ++i) {
    double v = lo + (hi - lo) * i / 4;
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#eef1f4\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>",
        ax.x0, Y(v), ax.x1, ax.x0 - 6, Y(v) + 4, Num(v, 0));
  }
  svg +=
      fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#9aa5b1\"/>",
                  ax.x0, Y(0), ax.x1);
  size_t i = 0;
  for (const auto& t : r.blue) {
    const char* colour = kTeamColours[i++ % std::size(kTeamColours)];
    std::string pts = fmt::format("{:.1f},{:.1f}", ax.X(ax.from), Y(0));
    double last = 0;
    const auto& ser = t.total_series;
    for (size_t k = 0; k < ser.size(); ++k) {
      // Several changes at one instant: draw only where the instant ends up.
      if (k + 1 < ser.size() && ser[k + 1].first == ser[k].first) continue;
      pts += fmt::format(" {0:.1f},{1:.1f} {0:.1f},{2:.1f}", ax.X(ser[k].first), Y(last),
                         Y(ser[k].second));
      last = ser[k].second;
    }
    pts += fmt::format(" {:.1f},{:.1f}", ax.X(ax.to), Y(last));
    svg += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>"
        "<text x=\"8\" y=\"{}\" style=\"fill:{};font-weight:600\">{} {}</text>",
        pts, colour, 20 + 16 * (i - 1), colour, E(t.team.name), Num(last, 1));
  }
  svg += "</svg>";
  return svg;
}

// Red actions (top lane) against blue's credited reports (bottom lane).
// Technique labels go in as many rows above the lane as needed so that
// actions close in time do not print over each other.
std::string TimelineChart(const TeamReport& t, const Axis& ax) {
  constexpr double kCharWidth = 6.6, kRow = 13;
  std::vector<int> row_of;
  std::vector<double> row_end;  // right edge of the last label in each row
  for (const auto& a : t.actions) {
    double half = kCharWidth * static_cast<double>(a.technique.size()) / 2 + 4;
    double x = ax.X(a.time);
    size_t row = 0;
    while (row < row_end.size() && row_end[row] > x - half) ++row;
    if (row == row_end.size()) row_end.push_back(0);
    row_end[row] = x + half;
    row_of.push_back(static_cast<int>(row));
  }
  const double red_y = 18 + kRow * static_cast<double>(std::max<size_t>(1, row_end.size()));
  const double blue_y = red_y + 80, h = blue_y + 40;
  std::string svg = fmt::format(
      "<svg viewBox=\"0 0 1000 {}\" role=\"img\" aria-label=\"red actions and detections\">", h);
  svg += ax.Ticks(red_y - 12, blue_y + 18);
  svg += fmt::format(
      "<text x=\"8\" y=\"{}\" style=\"fill:#c0392b;font-weight:600\">Đỏ / red actions</text>"
      "<text x=\"8\" y=\"{}\" style=\"fill:#1f5fa8;font-weight:600\">Xanh / detections</text>",
      red_y + 4, blue_y + 4);
  svg += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#f1c6c1\"/>"
      "<line x1=\"{0}\" y1=\"{3}\" x2=\"{2}\" y2=\"{3}\" stroke=\"#c5d6ea\"/>",
      ax.x0, red_y, ax.x1, blue_y);
  for (size_t i = 0; i < t.actions.size(); ++i) {
    const ActionLine& a = t.actions[i];
    double x = ax.X(a.time);
    double label_y = red_y - 11 - kRow * row_of[i];
    if (a.detected) {
      double bx = ax.X(a.reported);
      svg += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#7f8fa6\" "
          "stroke-dasharray=\"3 2\"/><circle cx=\"{:.1f}\" cy=\"{}\" r=\"6\" fill=\"#1f5fa8\">"
          "<title>{} reported {} (TTD {}, TTR {})</title></circle>",
          x, red_y, bx, blue_y, bx, blue_y, E(a.technique), FormatClock(a.reported),
          HumanDuration(a.ttd), HumanDuration(a.ttr));
      svg += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{}\" r=\"6\" fill=\"#c0392b\"><title>{} {} "
          "on {}</title></circle>",
          x, red_y, FormatClock(a.time), E(a.technique), E(a.node));
    } else {
      svg += fmt::format(
          "<circle cx=\"{0:.1f}\" cy=\"{1}\" r=\"6\" fill=\"#fff\" stroke=\"#c0392b\" "
          "stroke-width=\"2\"><title>{2} {3} on {4}: not detected</title></circle>"
          "<path d=\"M{5:.1f},{6} l6,6 M{7:.1f},{6} l-6,6\" stroke=\"#c0392b\" "
          "stroke-width=\"1.5\"/>",
          x, red_y, FormatClock(a.time), E(a.technique), E(a.node), x - 3, red_y + 9, x + 3);
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x, label_y,
                       E(a.technique));
  }
  svg += "</svg>";
  return svg;
}

// Up (green) and down (red) rounds as a step band: each round holds until the next.
std::string AvailabilityChart(const ServiceSeries& s, const Axis& ax) {
  const double h = 34;
  std::string svg = fmt::format(
      "<svg viewBox=\"{} 0 {} {}\" preserveAspectRatio=\"none\" "
      "style=\"height:{}px\" shape-rendering=\"crispEdges\" role=\"img\">",
      ax.x0, ax.x1 - ax.x0, h, h);
  svg += fmt::format("<rect x=\"{}\" y=\"4\" width=\"{}\" height=\"{}\" fill=\"#eef1f4\"/>", ax.x0,
                     ax.x1 - ax.x0, h - 8);
  for (size_t i = 0; i < s.points.size(); ++i) {
    const auto& p = s.points[i];
    SimTime end = i + 1 < s.points.size() ? s.points[i + 1].time : ax.to;
    double x = ax.X(p.time), w = std::max(0.5, ax.X(end) - x);
    double y = p.up ? 4 : 12;  // down rounds are drawn lower: a step, not just a colour
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{} {}{}"
        "</title></rect>",
        x, y, w, h - 4 - y, p.up ? "#2e9e57" : "#c0392b", FormatClock(p.time), p.up ? "up" : "down",
        p.up || p.detail.empty() ? "" : ": " + E(p.detail));
  }
  svg += "</svg>";
  return svg;
}

}  // namespace livefire::report::html

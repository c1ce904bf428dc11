// The maturity page and the annual statistics as self-contained HTML with
// inline SVG (no script, no external file). Labels are Vietnamese / English.
#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <set>

#include "livefire/archive/maturity.h"
#include "livefire/archive/stats.h"
#include "livefire/escape.h"

namespace livefire::archive {

namespace {

std::string E(std::string_view s) { return EscapeMarkup(s); }

constexpr const char* kCss = R"css(
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;font-size:14px;margin:24px;color:#1d2330}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d5dae3}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d5dae3;padding:4px 8px;text-align:left}
th{background:#eef1f6}.lvl{font-weight:700}.insufficient{color:#8a94a3;font-style:italic}
.declared{color:#6c4fa3}.tier{font-size:18px;font-weight:700;color:#1f5fa8}
svg text{font-family:inherit;font-size:11px}.charts{display:flex;gap:32px;flex-wrap:wrap}
)css";

std::string Page(const std::string& title, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n"
      "<style>{}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
      E(title), kCss, body);
}

std::string Fmt1(double v) { return fmt::format("{:.1f}", v); }

const char* kPalette[] = {"#1f5fa8", "#c0392b", "#2e9e57", "#d68910", "#6c4fa3",
                          "#16a2b8", "#8a5a2b", "#e84393", "#5d6d7e", "#27ae60"};

// Radar: one axis per measured parameter, levels 0-4; the subject filled,
// the peers' mean dashed.
std::string Radar(const Assessment& a, const MaturityModel& m) {
  std::vector<size_t> axes;
  for (size_t i = 0; i < m.parameters.size(); ++i) {
    if (m.parameters[i].measured) axes.push_back(i);
  }
  if (axes.size() < 3) return "";
  const double cx = 200, cy = 190, R = 140;
  auto pt = [&](size_t k, double level) {
    const double ang = -std::numbers::pi / 2 + 2 * std::numbers::pi * k / axes.size();
    return std::pair{cx + R * level / 4 * std::cos(ang), cy + R * level / 4 * std::sin(ang)};
  };
  std::string o = "<svg id=\"radar\" width=\"400\" height=\"390\" viewBox=\"0 0 400 390\" "
                  "role=\"img\" aria-label=\"radar\">\n";
  for (int ring = 1; ring <= 4; ++ring) {
    std::string pts;
    for (size_t k = 0; k < axes.size(); ++k) {
      auto [x, y] = pt(k, ring);
      pts += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    o += fmt::format("<polygon points=\"{}\" fill=\"none\" stroke=\"#d5dae3\"/>\n", pts);
  }
  std::string subject, peers;
  for (size_t k = 0; k < axes.size(); ++k) {
    const auto& r = a.ratings[axes[k]];
    auto [x, y] = pt(k, 4.3);
    auto [ex, ey] = pt(k, 4);
    o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#d5dae3\"/>\n",
                     cx, cy, ex, ey);
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}{}</text>\n", x,
                     y + 4, E(r.id), r.level ? "" : " ?");
    auto [sx, sy] = pt(k, r.level.value_or(0));
    subject += fmt::format("{:.1f},{:.1f} ", sx, sy);
    double sum = 0;
    int n = 0;
    for (const auto& p : a.peers) {
      if (auto l = p.levels.at(r.id)) {
        sum += *l;
        ++n;
      }
    }
    auto [px, py] = pt(k, n ? sum / n : 0);
    peers += fmt::format("{:.1f},{:.1f} ", px, py);
  }
  if (!a.peers.empty()) {
    o += fmt::format(
        "<polygon class=\"peers\" points=\"{}\" fill=\"none\" stroke=\"#8a94a3\" "
        "stroke-dasharray=\"4 3\" stroke-width=\"1.5\"/>\n",
        peers);
  }
  o += fmt::format(
      "<polygon class=\"subject\" points=\"{}\" fill=\"#1f5fa8\" fill-opacity=\"0.25\" "
      "stroke=\"#1f5fa8\" stroke-width=\"2\"/>\n",
      subject);
  o += "<text x=\"10\" y=\"380\">▬ đơn vị / subject";
  if (!a.peers.empty()) o += "   ┅ trung bình cùng cấp độ / peers' mean";
  o += "</text>\n</svg>\n";
  return o;
}

// Trend: mean level per year (per exercise when all fall in one year), one
// line per rated parameter.
std::string Trend(const Assessment& a, const MaturityModel& m) {
  std::set<int> years;
  for (const auto& r : a.ratings) {
    for (const auto& [y, l] : r.level_by_year) years.insert(y);
  }
  std::vector<int> ys(years.begin(), years.end());
  if (ys.empty()) return "";
  const double left = 40, top = 20, w = 420, h = 200;
  auto X = [&](size_t i) { return ys.size() == 1 ? left + w / 2 : left + w * i / (ys.size() - 1); };
  auto Y = [&](double l) { return top + h - h * l / 4; };
  std::string o = fmt::format(
      "<svg id=\"trend\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
      "aria-label=\"trend\">\n",
      left + w + 140, top + h + 40);
  for (int l = 0; l <= 4; ++l) {
    o += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#eef1f6\"/><text x=\"{}\" "
        "y=\"{:.1f}\">{}</text>\n",
        left, Y(l), left + w, Y(l), left - 16, Y(l) + 4, l);
  }
  for (size_t i = 0; i < ys.size(); ++i) {
    o += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", X(i),
                     top + h + 18, ys[i]);
  }
  int line = 0;
  for (size_t p = 0; p < a.ratings.size(); ++p) {
    const auto& r = a.ratings[p];
    if (r.level_by_year.empty() || !m.parameters[p].measured) continue;
    const char* colour = kPalette[line % 10];
    std::string pts;
    for (size_t i = 0; i < ys.size(); ++i) {
      auto it = r.level_by_year.find(ys[i]);
      if (it == r.level_by_year.end()) continue;
      pts += fmt::format("{:.1f},{:.1f} ", X(i), Y(it->second));
      o += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", X(i),
                       Y(it->second), colour);
    }
    o += fmt::format(
        "<polyline class=\"trend-line\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
        "stroke-width=\"2\"/>\n<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n",
        pts, colour, left + w + 20, top + 12 + 14 * line, colour, E(r.id));
    ++line;
  }
  return o + "</svg>\n";
}

std::string LevelCell(const ParameterRating& r) {
  if (r.status == "measured") return fmt::format("<td class=\"lvl\">{}</td>", *r.level);
  if (r.status == "declared") {
    return fmt::format("<td class=\"declared\">{} (tự khai / declared)</td>", *r.level);
  }
  if (r.status == kInsufficient) {
    return "<td class=\"insufficient\">chưa đủ bằng chứng / insufficient evidence</td>";
  }
  return "<td class=\"insufficient\">không đo được / not measured</td>";
}

std::string TrendWord(const std::string& t) {
  if (t == "up") return "↑ tăng / up";
  if (t == "down") return "↓ giảm / down";
  if (t == "flat") return "→ giữ nguyên / flat";
  return "—";
}

}  // namespace

std::string RenderMaturityHtml(const Assessment& a, const MaturityModel& m) {
  std::string b;
  b += fmt::format("<h1>Đánh giá mức độ trưởng thành đội ứng cứu sự cố / IR-team maturity: {}</h1>\n",
                   E(a.subject));
  b += fmt::format(
      "<p>Mô hình / model: {} v{} · Năm / years: {} · Cấp độ an toàn / security level: {} · "
      "Cuộc diễn tập / exercises: {}</p>\n",
      E(a.model_name), E(a.model_version),
      a.years.from == YearRange{}.from && a.years.to == YearRange{}.to
          ? std::string("tất cả / all")
          : fmt::format("{}–{}", a.years.from, a.years.to),
      a.security_level, a.exercises.size());
  b += fmt::format("<p>Xếp hạng / tier: <span class=\"tier\" id=\"tier\">{}</span></p>\n", E(a.tier));
  b += "<div class=\"charts\">\n" + Radar(a, m) + Trend(a, m) + "</div>\n";
  b += "<h2>Tham số / Parameters</h2>\n<table id=\"parameters\">\n<tr><th>Tham số / parameter</th>"
       "<th>Mức / level (0–4)</th><th>Giá trị / value</th><th>Xu hướng / trend</th>"
       "<th>Bằng chứng / evidence</th></tr>\n";
  for (size_t i = 0; i < a.ratings.size(); ++i) {
    const auto& r = a.ratings[i];
    const auto& p = m.parameters[i];
    std::string value = r.value ? Fmt1(*r.value) + " " + p.unit : "—";
    std::string ev;
    for (const auto& o : r.observations) {
      std::string seqs;
      for (size_t k = 0; k < o.seqs.size() && k < 8; ++k) {
        if (k) seqs += ',';
        seqs += std::to_string(o.seqs[k]);
      }
      if (o.seqs.size() > 8) seqs += ",…";
      ev += fmt::format("{} ({}, {}): {} → {}{}<br>", E(o.exercise), o.year, E(o.team),
                        Fmt1(o.value), o.level, seqs.empty() ? "" : " · seq " + seqs);
    }
    b += fmt::format("<tr><td><b>{}</b> {} / {}</td>{}<td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     E(p.id), E(p.name_vi), E(p.name_en), LevelCell(r), E(value),
                     TrendWord(r.trend), ev.empty() ? "—" : ev);
  }
  b += "</table>\n";
  b += "<h2>Cần cải thiện / What to improve next</h2>\n<ol id=\"improve\">\n";
  for (const auto& i : a.improve) {
    b += fmt::format("<li><b>{}</b> (mức / level {}): {}<br><i>{}</i></li>\n", E(i.parameter),
                     i.level, E(i.advice_vi), E(i.advice_en));
  }
  b += "</ol>\n";
  auto list = [&](const char* title, const char* id, const std::vector<std::string>& items) {
    b += fmt::format("<h2>{}</h2>\n<ul id=\"{}\">\n", title, id);
    for (const auto& s : items) b += "<li>" + E(s) + "</li>\n";
    if (items.empty()) b += "<li>—</li>\n";
    b += "</ul>\n";
  };
  list("Kỹ thuật chưa phát hiện / Techniques missed", "techniques-missed", a.techniques_missed);
  list("Nhiệm vụ trễ hoặc thiếu / Tasks late or missing", "tasks-late", a.tasks_late);
  b += fmt::format(
      "<h2>So sánh cùng cấp độ {} / Peers at security level {}</h2>\n<p>{}</p>\n"
      "<table id=\"peers\">\n<tr><th>Đơn vị / team</th><th>Xếp hạng / tier</th>",
      a.security_level, a.security_level,
      a.peers_named ? "Tên hiển thị theo yêu cầu của ban tổ chức / named at the white cell's request"
                    : "Ẩn danh / anonymised");
  for (const auto& p : m.parameters) {
    if (p.measured) b += "<th>" + E(p.id) + "</th>";
  }
  b += "</tr>\n";
  for (const auto& peer : a.peers) {
    b += fmt::format("<tr><td>{}</td><td>{}</td>", E(peer.label), E(peer.tier));
    for (const auto& p : m.parameters) {
      if (!p.measured) continue;
      auto l = peer.levels.at(p.id);
      b += "<td>" + (l ? std::to_string(*l) : std::string("—")) + "</td>";
    }
    b += "</tr>\n";
  }
  b += "</table>\n";
  b += "<p>Cuộc diễn tập / exercises: ";
  for (size_t i = 0; i < a.exercises.size(); ++i) {
    if (i) b += ", ";
    b += E(a.exercises[i]);
  }
  b += "</p>\n";
  return Page("Maturity " + a.subject, b);
}

std::string RenderStatsHtml(const YearStats& s) {
  std::string b = fmt::format(
      "<h1>Thống kê diễn tập năm {0} / Exercise statistics {0}</h1>\n"
      "<p>Số cuộc diễn tập / exercises: <b id=\"exercise-count\">{1}</b> · Lượt chuyên gia tham gia "
      "/ participants: <b id=\"participants\">{2}</b></p>\n",
      s.year, s.exercises.size(), s.participants);
  b += "<h2>Theo đơn vị và loại hình / By organisation and kind</h2>\n<table id=\"by-organisation\">"
       "<tr><th>Đơn vị / organisation</th><th>Loại / kind</th><th>Số cuộc / exercises</th></tr>\n";
  for (const auto& [org, kinds] : s.by_organisation) {
    for (const auto& [kind, n] : kinds) {
      b += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", E(org), E(kind), n);
    }
  }
  b += "</table>\n<h2>Điểm yếu phát hiện theo mức độ / Weaknesses found by severity</h2>\n"
       "<table id=\"weaknesses\"><tr><th>Mức độ / severity</th><th>Số lượng / count</th></tr>\n";
  for (const auto& [sev, n] : s.weaknesses) {
    b += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", E(sev), n);
  }
  auto per = [](int64_t n, int d) { return d ? Fmt1(static_cast<double>(n) / d) : std::string("—"); };
  b += fmt::format(
      "</table>\n<h2>Quốc gia và địa phương / National against local</h2>\n<table id=\"national\">"
      "<tr><th></th><th>Số cuộc / exercises</th><th>Nghiêm trọng+cao / severe+high</th>"
      "<th>Mỗi cuộc / per exercise</th></tr>\n"
      "<tr><td>Quốc gia / national</td><td>{}</td><td>{}</td><td>{}</td></tr>\n"
      "<tr><td>Bộ, tỉnh / ministry, province, other</td><td>{}</td><td>{}</td><td>{}</td></tr>\n"
      "</table>\n",
      s.national_exercises, s.national_severe_high, per(s.national_severe_high, s.national_exercises),
      s.local_exercises, s.local_severe_high, per(s.local_severe_high, s.local_exercises));
  b += "<h2>Cuộc diễn tập / Exercises</h2>\n<table id=\"exercises\"><tr><th>ID</th><th>Đơn vị / "
       "organisation</th><th>Loại / kind</th><th>Cấp độ / level</th><th>Đội / teams</th>"
       "<th>Người / participants</th><th>Nghiêm trọng+cao / severe+high</th></tr>\n";
  for (const auto& r : s.exercises) {
    b += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     E(r.id), E(r.organisation), E(r.kind), r.security_level, r.teams,
                     r.participants, r.severe_high());
  }
  b += "</table>\n<h2>Đội theo xếp hạng / Teams by tier</h2>\n<table id=\"tiers\">"
       "<tr><th>Xếp hạng / tier</th><th>Đội / teams</th></tr>\n";
  for (const auto& [tier, teams] : s.teams_by_tier) {
    std::string names;
    for (size_t i = 0; i < teams.size(); ++i) {
      if (i) names += ", ";
      names += E(teams[i]);
    }
    b += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", E(tier), names);
  }
  b += "</table>\n<h2>Đơn vị chưa diễn tập / Organisations with no exercise</h2>\n<ul id=\"without\">\n";
  for (const auto& o : s.organisations_without_exercise) b += "<li>" + E(o) + "</li>\n";
  if (s.organisations_without_exercise.empty()) b += "<li>—</li>\n";
  b += "</ul>\n";
  return Page(fmt::format("livefire stats {}", s.year), b);
}

}  // namespace livefire::archive

// The HTML rendering of the after-action report: one self-contained file
// (inline CSS and SVG, no scripts, no fonts or images from anywhere) that a
// white cell can mail, archive or print. Labels are bilingual (Vietnamese /
// English) since reports go to ministries and to foreign observers alike.
#include "report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "livefire/report/report.h"

namespace livefire::report {

namespace {

using namespace html;  // NOLINT: this file's own helpers

const char* kCss = R"css(
:root{--blue:#1f5fa8;--red:#c0392b;--green:#2e9e57;--amber:#d68910;--grey:#8a94a3;
--ink:#1d2733;--line:#dfe4ea;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font-family:"Noto Sans","Segoe UI","DejaVu Sans",Arial,sans-serif;font-size:14px;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px}
header.top{background:#14283f;color:#fff;padding:24px 28px;border-radius:8px}
header.top h1{margin:4px 0 8px;font-size:24px}
header.top .kicker{text-transform:uppercase;letter-spacing:.08em;font-size:12px;opacity:.8}
header.top p{margin:4px 0 12px;opacity:.9;max-width:900px}
dl.facts{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:8px 20px;margin:12px 0 0}
dl.facts div{min-width:0}
dl.facts dt{font-size:11px;text-transform:uppercase;opacity:.75}
dl.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
code.hash{font-family:"DejaVu Sans Mono",monospace;font-size:11px;font-weight:400;overflow-wrap:anywhere}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 22px;margin:18px 0}
h2{font-size:19px;margin:0 0 12px}
h3{font-size:15px;margin:18px 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.pos{color:var(--green)}.neg{color:var(--red)}.zero{color:var(--grey)}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;white-space:nowrap}
.low{background:#5d9cec}.medium{background:var(--amber)}.high{background:#e67e22}.critical{background:var(--red)}
.ok{background:var(--green)}.miss{background:var(--red)}.na{background:#cfd6de;color:#556}
.dup{background:var(--grey)}.sit{background:#7f8c8d}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:8px 0 4px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fafbfc}
.card .k{font-size:11px;text-transform:uppercase;color:#5a6675}
.card .v{font-size:19px;font-weight:700}
.card .s{font-size:12px;color:#5a6675}
ul.lessons{margin:4px 0;padding-left:20px}
ul.lessons li{margin:3px 0}
.tag{font-size:11px;text-transform:uppercase;font-weight:700;margin-right:6px}
.tag.undetected_technique,.tag.false_report{color:var(--red)}
.tag.slow_detection{color:var(--amber)}.tag.sla_breach{color:#8e44ad}
svg{display:block;width:100%;height:auto}
svg text{font-size:11px;fill:#3b4654}
.grid td{text-align:center;font-weight:600}
.grid td.tech{text-align:left;font-weight:400}
details{margin:6px 0;border:1px solid var(--line);border-radius:6px;padding:4px 10px}
details summary{cursor:pointer;font-weight:600;padding:4px 0}
tr.z td{color:#8a94a3}
.svc{display:grid;grid-template-columns:200px 1fr;gap:8px;align-items:center;margin:4px 0}
.svc .lbl{font-size:13px}.svc .lbl small{color:#5a6675;display:block}
.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
footer{color:#5a6675;font-size:12px;text-align:center;margin:20px 0 40px}
@media print{body{background:#fff}section{break-inside:avoid-page}}
)css";

std::string Sev(const std::string& s) {
  std::string cls = s == "low" || s == "medium" || s == "high" || s == "critical" ? s : "na";
  return fmt::format("<span class=\"chip {}\">{}</span>", cls, E(s));
}

std::string DeltaCell(double d) {
  const char* cls = d > 0 ? "pos" : d < 0 ? "neg" : "zero";
  return fmt::format("<td class=\"n {}\">{}</td>", cls, Signed(d));
}

const char* CategoryLabel(scoring::Category c) {
  switch (c) {
    case scoring::Category::kAvailability:
      return "Tính sẵn sàng / availability";
    case scoring::Category::kRedImpact:
      return "Tác động tấn công / red impact";
    case scoring::Category::kDetection:
      return "Phát hiện / detection";
    case scoring::Category::kReports:
      return "Báo cáo / reports";
    case scoring::Category::kPenalties:
      return "Phạt / penalties";
  }
  return "";
}

std::string TeamTitle(const ReportTeam& t) {
  return t.display_name.empty()
             ? E(t.name)
             : fmt::format("{} <small>({})</small>", E(t.display_name), E(t.name));
}

std::string LedgerHtml(const TeamReport& t, const model::ScoringWeights& w) {
  std::string out = "<h3>Sổ điểm / score ledger</h3>";
  for (scoring::Category c : scoring::kCategories) {
    int64_t n = 0;
    for (const auto& e : t.ledger) n += e.category == c;
    int k = static_cast<int>(c);
    double pct = t.score.category[k];
    out += fmt::format(
        "<details><summary>{} — {} entries, {} % of its maximum ({} of {} raw points), "
        "x {:.2f} = {} points</summary>",
        CategoryLabel(c), n, Num(pct, 1), Num(t.score.points[k], 2), Num(t.score.max[k], 2),
        Weight(w, c), Num(Weight(w, c) * pct, 2));
    if (n == 0) {
      out += "<p>No entries.</p></details>";
      continue;
    }
    out +=
        "<table><tr><th class=\"n\">#</th><th>Time</th><th class=\"n\">Δ %</th><th>Reason</th>"
        "<th>Events</th></tr>";
    for (const auto& e : t.ledger) {
      if (e.category != c) continue;
      out += fmt::format("<tr{}><td class=\"n\">{}</td><td>{}</td>{}<td>{}</td><td>{}</td></tr>",
                         e.delta == 0 ? " class=\"z\"" : "", e.seq, FormatClock(e.time),
                         DeltaCell(e.delta), E(e.reason), Causes(e.causes));
    }
    out += "</table></details>";
  }
  return out;
}

std::string Card(std::string_view k, const std::string& v, const std::string& s) {
  return fmt::format(
      "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div>"
      "<div class=\"s\">{}</div></div>",
      k, v, s);
}

std::string BlueCardsHtml(const TeamReport& t) {
  const scoring::TeamMetrics& m = t.metrics;
  std::string sev;
  for (const char* s : {"critical", "high", "medium", "low"}) {
    auto it = m.compromises_by_severity.find(s);
    if (it != m.compromises_by_severity.end() && it->second > 0) {
      sev += fmt::format("{} {} ", it->second, Sev(s));
    }
  }
  std::string out = "<div class=\"cards\">";
  out += Card("Tổng điểm / total", Num(t.score.total, 2), "weighted");
  out += Card("MTTD", Secs(m.mean_ttd_s), "median " + Secs(m.median_ttd_s));
  out += Card("MTTR", Secs(m.mean_ttr_s), "median " + Secs(m.median_ttr_s));
  out +=
      Card("Sẵn sàng / availability", m.availability_pct ? Num(*m.availability_pct, 1) + " %" : "—",
           fmt::format("{} / {} rounds up", m.up_rounds, m.check_rounds));
  out += Card("Bị xâm phạm / compromises", std::to_string(m.compromises), sev);
  out +=
      Card("Báo cáo / reports", std::to_string(m.reports_accepted),
           fmt::format("accepted; {} false, {} duplicate", m.reports_false, m.reports_duplicate));
  out += Card("ATT&amp;CK",
              fmt::format("{}/{}", m.techniques_detected.size(), m.techniques_executed.size()),
              "techniques detected");
  out += "</div>";
  return out;
}

std::string LessonsHtml(const TeamReport& t) {
  std::string out = "<h3>Bài học / lessons</h3>";
  if (t.lessons.empty()) {
    return out +
           "<p>Nothing to flag: every technique detected in time, no SLA breach, no false "
           "report.</p>";
  }
  out += "<ul class=\"lessons\">";
  for (const auto& l : t.lessons) {
    out += fmt::format("<li><span class=\"tag {}\">{}</span>{} <small>(events {})</small></li>",
                       l.kind, E(l.kind), E(l.text), Causes(l.seqs));
  }
  return out + "</ul>";
}

std::string ActionRowHtml(const ActionLine& a) {
  std::string inject = E(a.inject);
  if (!a.inject_description.empty()) {
    inject += fmt::format("<br><small>{}</small>", E(a.inject_description));
  }
  if (a.detected) {
    return fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"chip ok\">{}"
        "</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td>#{}, #{}</td></tr>",
        FormatClock(a.time), E(a.technique), E(a.node), inject, FormatClock(a.reported),
        HumanDuration(a.ttd), HumanDuration(a.ttr), Num(a.credit, 1), a.seq, a.report_seq);
  }
  return fmt::format(
      "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"chip miss\">"
      "not detected</span></td><td class=\"n\">—</td><td class=\"n\">—</td>"
      "<td class=\"n\">0.0</td><td>#{}</td></tr>",
      FormatClock(a.time), E(a.technique), E(a.node), inject, a.seq);
}

std::string TimelineHtml(const TeamReport& t, const Axis& ax) {
  std::string out = "<h3>Dòng thời gian / red actions and detections</h3>";
  out +=
      "<div class=\"legend\"><span><i style=\"background:#c0392b\"></i>red action</span>"
      "<span><i style=\"background:#1f5fa8\"></i>credited report</span>"
      "<span><i style=\"background:#fff;border:2px solid #c0392b\"></i>not detected</span></div>";
  out += TimelineChart(t, ax);
  if (t.actions.empty()) return out + "<p>No red actions against this team.</p>";
  out +=
      "<table><tr><th>Time</th><th>Technique</th><th>Node</th><th>Inject</th><th>Detected"
      "</th><th class=\"n\">TTD</th><th class=\"n\">TTR</th><th class=\"n\">Credit</th>"
      "<th>Events</th></tr>";
  for (const auto& a : t.actions) out += ActionRowHtml(a);
  return out + "</table>";
}

std::string AvailabilityHtml(const TeamReport& t, const Axis& ax) {
  std::string out = "<h3>Tính sẵn sàng dịch vụ / service availability</h3>";
  if (t.availability.empty()) out += "<p>No service checks recorded.</p>";
  for (const auto& s : t.availability) {
    double pct = s.rounds > 0 ? 100.0 * static_cast<double>(s.up_rounds) / s.rounds : 0;
    std::string sla =
        s.sla_charges > 0 ? fmt::format(", SLA {} x, −{:g}", s.sla_charges, s.sla_points) : "";
    out += fmt::format(
        "<div class=\"svc\"><div class=\"lbl\">{}/{}<small>{} % ({}/{}){}</small></div>{}</div>",
        E(s.node), E(s.service), Num(pct, 1), s.up_rounds, s.rounds, sla, AvailabilityChart(s, ax));
  }
  return out;
}

std::string CompromisesHtml(const TeamReport& t) {
  std::string out = "<h3>Xâm phạm / compromises</h3>";
  if (t.compromises.empty()) return out + "<p>None.</p>";
  out +=
      "<table><tr><th>Time</th><th>Node</th><th>Objective</th><th>Severity</th><th>By</th>"
      "<th class=\"n\">Deduction</th><th>Event</th></tr>";
  for (const auto& c : t.compromises) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{} <small>({})</small></td><td>{}</td><td>{}</td>"
        "<td class=\"n neg\">−{}</td><td>#{}</td></tr>",
        FormatClock(c.time), E(c.node), E(c.objective), E(c.kind), Sev(c.severity), E(c.red_team),
        Num(c.deduction, 2), c.seq);
  }
  return out + "</table>";
}

std::string IncidentReportsHtml(const TeamReport& t) {
  std::string out = "<h3>Báo cáo sự cố / incident reports</h3>";
  if (t.reports.empty()) return out + "<p>None filed.</p>";
  out +=
      "<table><tr><th>Time</th><th>Technique</th><th>Node</th><th>Outcome</th>"
      "<th class=\"n\">Points</th><th>Description</th><th>Event</th></tr>";
  for (const auto& l : t.reports) {
    const char* cls = l.outcome == "accepted"    ? "ok"
                      : l.outcome == "false"     ? "miss"
                      : l.outcome == "duplicate" ? "dup"
                                                 : "sit";
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"chip {}\">{}</span></td>{}"
        "<td>{}{}</td><td>#{}</td></tr>",
        FormatClock(l.time), E(l.technique.empty() ? "—" : l.technique), E(l.node), cls,
        E(l.outcome), DeltaCell(l.points), E(l.description),
        l.by.empty() ? "" : fmt::format(" <small>({})</small>", E(l.by)), l.seq);
  }
  return out + "</table>";
}

std::string BlueTeamHtml(const ReportData& r, const TeamReport& t, const Axis& ax) {
  std::string out = fmt::format("<section id=\"team-{}\"><h2>#{} {}</h2>", E(t.team.name), t.rank,
                                TeamTitle(t.team));
  if (!t.team.organisation.empty()) out += fmt::format("<p>{}</p>", E(t.team.organisation));
  out += BlueCardsHtml(t);
  out += LessonsHtml(t);
  out += TimelineHtml(t, ax);
  out += AvailabilityHtml(t, ax);
  out += CompromisesHtml(t);
  out += IncidentReportsHtml(t);
  out += LedgerHtml(t, r.config.params.weights);
  out += "</section>";
  return out;
}

std::string WeaknessesHtml(const TeamReport& t) {
  const auto& found = t.metrics.weaknesses_found;
  std::string out = "<h3>Điểm yếu tìm thấy / weaknesses found</h3>";
  if (found.empty()) return out + "<p>None validated.</p>";
  std::string counts;
  for (const char* s : {"critical", "high", "medium", "low"}) {
    auto it = t.metrics.weaknesses_by_severity.find(s);
    if (it != t.metrics.weaknesses_by_severity.end() && it->second > 0) {
      counts += fmt::format("{} {} ", it->second, Sev(s));
    }
  }
  out += fmt::format("<p>{} found: {}</p>", found.size(), counts);
  out +=
      "<table><tr><th>Time</th><th>Against</th><th>Node</th><th>Weakness</th><th>CWE</th>"
      "<th>Severity</th><th>How</th><th>Events</th></tr>";
  for (const auto& w : found) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>#{}{}</td></tr>",
        FormatClock(w.time), E(w.against), E(w.node), E(w.weakness), E(w.cwe), Sev(w.severity),
        w.how == "planted" ? "planted (matched)" : "accepted by the white cell", w.seq,
        w.review_seq > 0 ? fmt::format(", #{}", w.review_seq) : "");
  }
  return out + "</table>";
}

std::string RedTeamHtml(const TeamReport& t, const model::ScoringWeights& w) {
  std::string out = fmt::format("<section id=\"team-{}\"><h2>#{} {} <small>(red)</small></h2>",
                                E(t.team.name), t.rank, TeamTitle(t.team));
  out += fmt::format(
      "<p>Weighted total <b>{}</b>; red impact {} %, reports {} %, penalties {} % (of each "
      "category's maximum).</p>",
      Num(t.score.total, 2), Num(t.score.category[1], 1), Num(t.score.category[3], 1),
      Num(t.score.category[4], 1));
  out += WeaknessesHtml(t);
  out += LedgerHtml(t, w);
  out += "</section>\n";
  return out;
}

std::string DocumentHead(const ReportData& r) {
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += fmt::format("<title>Báo cáo sau diễn tập — {}</title>\n", E(r.title));
  o += fmt::format("<style>{}</style>\n</head>\n<body>\n<main>\n", kCss);
  return o;
}

std::string HeaderHtml(const ReportData& r) {
  std::string o =
      "<header class=\"top\"><div class=\"kicker\">Báo cáo sau diễn tập · After-action report"
      "</div>";
  o += fmt::format("<h1>{}</h1>", E(r.title.empty() ? r.scenario : r.title));
  if (!r.description.empty()) o += fmt::format("<p>{}</p>", E(r.description));
  auto fact = [&](std::string_view k, const std::string& v) {
    o += fmt::format("<div><dt>{}</dt><dd>{}</dd></div>", k, v);
  };
  o += "<dl class=\"facts\">";
  fact("Đơn vị / organisation", E(r.organisation));
  fact("Năm / year", std::to_string(r.year));
  fact("Cấp độ / security level",
       fmt::format("{} <small>(Nghị định 85/2016)</small>", r.security_level));
  fact("Mã / exercise", E(r.exercise_id));
  fact("Thời lượng / duration",
       fmt::format("{} <small>(planned {}{})</small>", HumanDuration(r.ended - r.started),
                   HumanDuration(r.planned),
                   r.end_reason.empty() ? ", not ended" : ", ended: " + E(r.end_reason)));
  fact("Kịch bản / scenario", E(r.scenario));
  fact("Seed", std::to_string(r.seed));
  fact("Sự kiện / events", std::to_string(r.event_count));
  o += "</dl><dl class=\"facts\" style=\"grid-template-columns:1fr\">";
  fact("Nhật ký / log head hash",
       fmt::format("<code class=\"hash\">{}</code> {}", E(r.head_hash),
                   r.chain_ok ? "<span class=\"chip ok\">chain verified</span>"
                              : "<span class=\"chip miss\">CHAIN BROKEN: " + E(r.chain_problem) +
                                    "</span>"));
  o += "</dl></header>\n";
  return o;
}

std::string TeamsHtml(const ReportData& r) {
  std::string o =
      "<section><h2>Các đội / teams</h2><table><tr><th>Team</th><th>Tên / name</th><th>Role</th>"
      "<th>Organisation</th><th class=\"n\">Members</th></tr>";
  for (const auto& t : r.teams) {
    o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                     E(t.name), E(t.display_name), E(t.role), E(t.organisation), t.members);
  }
  o += "</table></section>\n";
  return o;
}

std::string ScoreboardTableHtml(const ReportData& r) {
  std::string o =
      "<section><h2>Bảng điểm / scoreboard</h2><table><tr><th class=\"n\">#</th><th>Team</th>";
  for (scoring::Category c : scoring::kCategories) {
    o += fmt::format("<th class=\"n\">{}<br><small>x {:.2f}</small></th>",
                     E(scoring::CategoryName(c)), Weight(r.config.params.weights, c));
  }
  o += "<th class=\"n\">Total</th></tr>";
  for (const auto* list : {&r.blue, &r.red}) {
    for (const auto& t : *list) {
      o += fmt::format("<tr><td class=\"n\">{}</td><td>{} <small>{}</small></td>", t.rank,
                       TeamTitle(t.team), E(t.team.role));
      for (scoring::Category c : scoring::kCategories) {
        // % of the category's maximum, then the points it adds to the total.
        double pct = t.score.category[static_cast<int>(c)];
        o += fmt::format("<td class=\"n\">{} %<br><small>{} pts</small></td>", Num(pct, 1),
                         Num(Weight(r.config.params.weights, c) * pct, 2));
      }
      o += fmt::format("<td class=\"n\"><b>{}</b></td></tr>", Num(t.score.total, 2));
    }
  }
  o += "</table>";
  return o;
}

std::vector<std::pair<std::string, std::string>> ParamRows(const model::ScoringParams& p) {
  return {
      {"check_interval", FormatDuration(p.check_interval)},
      {"round_points", fmt::format("{:g}", p.round_points)},
      {"sla_threshold / penalty / cap",
       fmt::format("{} rounds / {:g} / {:g}", p.sla_threshold, p.sla_penalty, p.sla_cap)},
      {"compromise_points", fmt::format("{:g}", p.compromise_points)},
      {"persist_rate / cap", fmt::format("{:g} / {:g}", p.persist_rate, p.persist_cap)},
      {"detection_points", fmt::format("{:g}", p.detection_points)},
      {"ttd full / zero credit, floor",
       fmt::format("{} / {}, {:g} ({})", FormatDuration(p.ttd_full_credit),
                   FormatDuration(p.ttd_zero_credit), p.ttd_floor,
                   p.ttd_decay == model::DecayShape::kLinear ? "linear" : "quadratic")},
      {"detection_window / slack", fmt::format("{} / {}", FormatDuration(p.detection_window),
                                               FormatDuration(p.detection_slack))},
      {"detection_refund", fmt::format("{:g}", p.detection_refund)},
      {"false_report_penalty", fmt::format("{:g}", p.false_report_penalty)},
      {"revert_penalty", fmt::format("{:g}", p.revert_penalty)},
      {"wrong flags free / penalty",
       fmt::format("{} / {:g}", p.free_wrong_flags, p.wrong_flag_penalty)},
      {"late_factor / grace",
       fmt::format("{:g} / {}", p.late_factor, FormatDuration(p.late_grace))},
  };
}

// Closes the scoreboard section opened by ScoreboardTableHtml.
std::string ParametersHtml(const ReportData& r) {
  std::string o = fmt::format(
      "<h3>Tham số chấm điểm / scoring parameters{}</h3><table><tr><th>Parameter</th>"
      "<th>Value</th><th>Parameter</th><th>Value</th></tr>",
      r.config_recorded ? "" : " (not recorded in the log: defaults)");
  auto params = ParamRows(r.config.params);
  for (size_t i = 0; i < params.size(); i += 2) {
    o += fmt::format("<tr><td>{}</td><td>{}</td>", E(params[i].first), E(params[i].second));
    if (i + 1 < params.size()) {
      o += fmt::format("<td>{}</td><td>{}</td></tr>", E(params[i + 1].first),
                       E(params[i + 1].second));
    } else {
      o += "<td></td><td></td></tr>";
    }
  }
  o += "</table><p><small>Rules: docs/scoring.md. Every figure below cites the events (#seq) it "
       "comes from.</small></p></section>\n";
  return o;
}

// One blue team's cell for a technique; counts what it detected and executed.
std::string CoverageCell(const TeamReport& t, const std::string& tech, int& detected,
                         int& executed) {
  const auto& ex = t.metrics.techniques_executed;
  const auto& de = t.metrics.techniques_detected;
  if (std::binary_search(de.begin(), de.end(), tech)) {
    ++detected;
    ++executed;
    // The fastest time to report for this technique.
    std::optional<Duration> best;
    for (const auto& a : t.actions) {
      if (a.detected && a.technique == tech && (!best || a.ttr < *best)) best = a.ttr;
    }
    return fmt::format("<td style=\"background:#d4efdf\">✔ {}</td>",
                       best ? HumanDuration(*best) : "");
  }
  if (std::binary_search(ex.begin(), ex.end(), tech)) {
    ++executed;
    return "<td style=\"background:#f5c6c0\">✘ missed</td>";
  }
  return "<td style=\"background:#eef1f4;color:#8a94a3\">—</td>";
}

std::string CoverageHtml(const ReportData& r) {
  std::string o = "<section><h2>Độ phủ ATT&amp;CK / technique coverage</h2>";
  if (r.techniques.empty()) return o + "<p>Red executed no ATT&amp;CK technique.</p></section>\n";
  o += "<table class=\"grid\"><tr><th>Technique</th>";
  for (const auto& t : r.blue) o += fmt::format("<th>{}</th>", E(t.team.name));
  o += "<th>Detected by</th></tr>";
  for (const auto& tech : r.techniques) {
    o += fmt::format("<tr><td class=\"tech\">{}</td>", E(tech));
    int detected = 0, executed = 0;
    for (const auto& t : r.blue) o += CoverageCell(t, tech, detected, executed);
    o += fmt::format("<td>{}/{}</td></tr>", detected, executed);
  }
  o += "</table><p><small>✔ detected (fastest time to report) · ✘ executed, never detected "
       "· — not executed against that team</small></p>";
  o += "</section>\n";
  return o;
}

std::string Chip(const char* cls, std::string_view text) {
  return fmt::format("<span class=\"chip {}\">{}</span>", cls, E(text));
}

const char* TimingClass(const std::string& timing) {
  if (timing == "on time") return "ok";
  if (timing == "late") return "medium";
  if (timing == "missing" || timing == "too late") return "miss";
  return "na";
}

std::string TaskGradeCell(const TaskLine& t) {
  if (t.grade_seq == 0) return "<td>not graded</td><td class=\"n\">—</td>";
  std::string factor = t.late_factor != 1 ? fmt::format(" x {:g}", t.late_factor) : std::string();
  return fmt::format("<td>{} % of {}{} <small>#{} by {}{}</small></td><td class=\"n\">{}</td>",
                     t.rubric, t.points > 0 ? Num(t.points, 0) : std::string("its points"), factor,
                     t.grade_seq, E(t.grader), t.comment.empty() ? "" : ": " + E(t.comment),
                     Num(t.awarded, 2));
}

std::string TasksHtml(const ReportData& r) {
  std::string o = "<section><h2>Nhiệm vụ / white-cell tasks</h2>";
  if (r.tasks.empty()) return o + "<p>No white-cell task was given.</p></section>\n";
  o += fmt::format(
      "<p><small>Due = fired + response_due; a response within the grace ({}) after it is late "
      "(grade x {:g}), later ones and missing responses earn 0.</small></p>",
      HumanDuration(r.config.params.late_grace), r.config.params.late_factor);
  o += "<table><tr><th>Task</th><th>Team</th><th>Fired</th><th>Due</th><th>Responses</th>"
       "<th>Timing</th><th>Grade</th><th class=\"n\">Points</th></tr>";
  for (const auto& t : r.tasks) {
    std::string responses;
    for (const auto& x : t.responses) {
      responses += fmt::format("{}#{} {}{}{}", responses.empty() ? "" : "<br>", x.seq,
                               FormatClock(x.time), x.by.empty() ? "" : " (" + E(x.by) + ")",
                               x.text.empty() ? "" : "<br><small>" + E(x.text) + "</small>");
    }
    if (responses.empty()) responses = "—";
    std::string task = E(t.inject);
    if (!t.description.empty()) task += "<br><small>" + E(t.description) + "</small>";
    o += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{} <small>#{}</small></td><td>{}</td><td>{}</td>"
        "<td>{}{}</td>{}</tr>",
        task, E(t.team), FormatClock(t.fired), t.fired_seq,
        t.due ? FormatClock(*t.due) : std::string("—"), responses,
        Chip(TimingClass(t.timing), t.timing),
        t.late_factor != 1 ? fmt::format(" <small>x {:g}</small>", t.late_factor) : "",
        TaskGradeCell(t));
  }
  return o + "</table></section>\n";
}

std::string FindingReview(const FindingLine& f) {
  if (f.validation == "planted") return Chip("ok", "planted");
  if (f.review.empty() || f.review == "pending") return Chip("na", "unplanted: not reviewed");
  std::string who = f.reviewer.empty() ? "" : " by " + E(f.reviewer);
  std::string why = f.comment.empty() ? "" : ": " + E(f.comment);
  return fmt::format("{} <small>#{}{}{}</small>",
                     Chip(f.review == "accepted" ? "ok" : "miss", "unplanted, " + f.review),
                     f.review_seq, who, why);
}

std::string RedSubmissionsHtml(const ReportData& r) {
  std::string o = "<section><h2>Cờ và phát hiện của đội đỏ / red flags and findings</h2>";
  o += "<h3>Cờ / flags</h3>";
  if (r.flags.empty()) {
    o += "<p>None submitted.</p>";
  } else {
    o += "<table><tr><th>Time</th><th>Team</th><th>Against</th><th>Flag</th><th>Objective</th>"
         "<th class=\"n\">Penalty</th><th>Event</th></tr>";
    for (const auto& f : r.flags) {
      o += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>#{}</td></tr>",
          FormatClock(f.time), E(f.team), E(f.against),
          f.correct ? Chip("ok", "correct") : Chip("miss", "wrong"), E(f.objective),
          DeltaCell(f.penalty), f.seq);
    }
    o += "</table>";
  }
  o += "<h3>Phát hiện / findings</h3>";
  if (r.findings.empty()) return o + "<p>None submitted.</p></section>\n";
  o += "<table><tr><th>Time</th><th>Team</th><th>Against</th><th>Node</th><th>Reported</th>"
       "<th>Validation</th><th>Weakness / CWE</th><th>Severity</th><th>Evidence</th>"
       "<th>Event</th></tr>";
  for (const auto& f : r.findings) {
    std::string weakness = E(f.weakness);
    if (!f.cwe.empty()) weakness += (weakness.empty() ? "" : " / ") + E(f.cwe);
    o += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td><small>{}</small></td><td>#{}</td></tr>",
        FormatClock(f.time), E(f.team), E(f.against), E(f.node), E(f.vulnerability),
        FindingReview(f), weakness.empty() ? "—" : weakness,
        f.severity.empty() ? "—" : Sev(f.severity), E(f.evidence), f.seq);
  }
  return o + "</table></section>\n";
}

std::string RevertsHtml(const ReportData& r) {
  std::string o = "<section><h2>Khôi phục và phạt / reverts and penalties</h2>";
  o += "<h3>Khôi phục / reverts</h3>";
  if (r.reverts.empty()) {
    o += "<p>No node was reverted.</p>";
  } else {
    o += "<table><tr><th>Time</th><th>Team</th><th>Node</th><th>Asked by</th><th>Back</th>"
         "<th class=\"n\">Duration</th><th class=\"n\">Penalty</th><th>Compromises ended</th>"
         "<th>Events</th></tr>";
    for (const auto& v : r.reverts) {
      std::string ended;
      for (const auto& x : v.ended) ended += (ended.empty() ? "" : "<br>") + E(x);
      std::string asked = E(v.by);
      if (!v.account.empty()) asked += " <small>(account " + E(v.account) + ")</small>";
      if (!v.reason.empty()) asked += "<br><small>" + E(v.reason) + "</small>";
      o += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>{}"
          "<td>{}</td><td>#{}{}</td></tr>",
          FormatClock(v.time), E(v.team), E(v.node), asked,
          v.back.empty() ? std::string("not recorded")
                         : (v.back == "ready" ? Chip("ok", "ready") : Chip("miss", "failed")),
          v.duration ? HumanDuration(*v.duration) : std::string("—"), DeltaCell(v.penalty),
          ended.empty() ? std::string("—") : ended, v.seq,
          v.back_seq > 0 ? fmt::format(", #{}", v.back_seq) : "");
    }
    o += "</table>";
  }
  o += "<h3>Phạt / penalties</h3>";
  if (r.penalties.empty()) return o + "<p>No penalty events.</p></section>\n";
  o += "<table><tr><th>Time</th><th>Team</th><th>Kind</th><th class=\"n\">Points</th>"
       "<th>Reason</th><th>Event</th></tr>";
  for (const auto& p : r.penalties) {
    o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>#{}</td></tr>",
                     FormatClock(p.time), E(p.team), E(p.kind), DeltaCell(p.points), E(p.reason),
                     p.seq);
  }
  return o + "</table></section>\n";
}

std::string WarningsHtml(const ReportData& r) {
  if (r.warnings.empty()) return "";
  std::string o = "<section><h2>Cảnh báo / warnings</h2><ul>";
  for (const auto& w : r.warnings) o += fmt::format("<li>{}</li>", E(w));
  o += "</ul></section>\n";
  return o;
}

std::string FooterHtml(const ReportData& r) {
  return fmt::format(
      "<footer>Generated by livefire from the event log of {} ({} events, head {}). "
      "Self-contained: no scripts, no external resources.</footer>\n</main>\n</body>\n</html>\n",
      E(r.exercise_id), r.event_count, E(r.head_hash.substr(0, 16)));
}

}  // namespace

std::string RenderReportHtml(const ReportData& r) {
  Axis ax{r.started, std::max(r.ended, r.started + Duration::Minutes(1))};
  std::string o;
  o.reserve(1 << 20);
  o += DocumentHead(r);
  o += HeaderHtml(r);
  o += TeamsHtml(r);
  o += ScoreboardTableHtml(r);
  o += "<h3>Điểm theo thời gian / weighted total over time (blue teams)</h3>";
  o += ScoreChart(r, ax);
  o += ParametersHtml(r);
  o += CoverageHtml(r);
  o += TasksHtml(r);
  o += RedSubmissionsHtml(r);
  o += RevertsHtml(r);
  for (const auto& t : r.blue) o += BlueTeamHtml(r, t, ax);
  for (const auto& t : r.red) o += RedTeamHtml(t, r.config.params.weights);
  o += WarningsHtml(r);
  o += FooterHtml(r);
  return o;
}

}  // namespace livefire::report

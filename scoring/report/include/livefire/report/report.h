#pragma once
// The after-action report: everything a debrief needs, derived from the
// event log alone (plus the scenario's display names when available). A pure
// function of its input: the same log gives the same report, byte for byte,
// and every number cites the events it came from. Rendered as JSON (for
// archives and year-over-year comparison) and as one self-contained HTML
// file (inline CSS and SVG, no scripts, no network). docs/report.md
// explains every figure.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/model/model.h"
#include "livefire/scoring/config.h"
#include "livefire/scoring/scorer.h"
#include "livefire/status.h"
#include "livefire/store/event_store.h"
#include "livefire/time.h"

namespace livefire::report {

// What the report is made from.
struct ReportInput {
  std::string exercise_id;
  store::ExerciseRecord exercise;
  std::vector<store::TeamRecord> teams;
  std::vector<store::NodeRecord> nodes;
  std::vector<Event> events;    // the whole log, seq order
  store::VerifyReport verify;   // the chain check of that log (head hash)
  scoring::ScoringConfig config;         // what the log was scored with
  bool config_recorded = true;  // false: rebuilt, default parameters
  // Optional (the exercise's scenario copy): team display names, node roles,
  // inject descriptions. Must outlive BuildReport().
  const model::Scenario* scenario = nullptr;
};

// Reads the log, the exercise/team/node records and the chain check from an
// (ideally read-only) store. The config is the caller's (see
// ConfigFromEvents); scenario stays null.
Result<ReportInput> ReadReportInput(const store::EventStore& store, scoring::ScoringConfig config,
                                    bool config_recorded = true);

struct ReportTeam {
  std::string name, role, display_name, organisation;
  int members = 0;
};

// One red action against a blue team and what blue made of it.
struct ActionLine {
  int64_t seq = 0;  // the red.action event
  SimTime time;
  std::string node, technique, inject, inject_description, detail;
  bool detected = false;   // a report was credited for it
  int64_t report_seq = 0;  // the credited submission.report
  SimTime reported;        // its event time
  Duration ttd;            // observed_at - action (>= 0)
  Duration ttr;            // report - action
  double credit = 0;       // detection points earned (before weighting)
};

// One incident report a team filed and what the scorer made of it.
struct ReportLine {
  int64_t seq = 0;
  SimTime time;
  std::string node, technique, description, by;
  std::string outcome;  // "accepted", "false", "duplicate", "situation" (no technique)
  double points = 0;    // detection points of the report (negative for false)
};

struct AvailabilityPoint {
  int64_t seq = 0;
  SimTime time;
  bool up = false;
  std::string detail;
};

struct ServiceSeries {
  std::string node, service;
  std::vector<AvailabilityPoint> points;  // check.result rounds in order
  int64_t rounds = 0, up_rounds = 0;
  int64_t sla_charges = 0;  // rounds that cost an SLA penalty
  double sla_points = 0;    // points those charges cost
  Duration longest_outage;  // longest run of failed rounds (first failure to next up/end)
  SimTime longest_outage_from;
};

struct CompromiseLine {
  int64_t seq = 0;
  SimTime time;
  std::string node, objective, kind, severity, red_team;
  double deduction = 0;  // the initial red_impact deduction (persistence is in the ledger)
};

struct Lesson {
  std::string kind;  // "undetected_technique", "slow_detection", "sla_breach", "false_report"
  std::string text;  // English sentence naming the technique/service/time
  std::vector<int64_t> seqs;  // events behind it
};

// A blue team's response to a white-cell task.
struct TaskResponse {
  int64_t seq = 0;  // the submission.response
  SimTime time;
  std::string by, text;
};

// One white-cell task (a white inject fired) as one blue team met it.
struct TaskLine {
  std::string inject, description, team;
  int64_t fired_seq = 0;  // the (last) inject.fired for the team
  SimTime fired;
  std::optional<SimTime> due;  // fired + response_due; none = no deadline
  double points = 0;           // what a 100 % grade is worth (0 = the grade's own points)
  std::vector<TaskResponse> responses;
  // Of the graded response (else the first): "on time", "late" (within the
  // grace: x late_factor), "too late" (after it: 0); with no response
  // "missing" once due (0), "open" before; "no deadline" when there is none.
  std::string timing;
  double late_factor = 1;  // what the timing multiplies the grade by
  int64_t grade_seq = 0;   // the last grade.given of the task (0 = not graded)
  int64_t graded_seq = 0;  // the response it graded
  int rubric = 0;          // its band, % of the points
  double awarded = 0;      // reports points the grades earned (after the late factor)
  std::string grader, comment;
};

// A red flag submission.
struct FlagLine {
  int64_t seq = 0;
  SimTime time;
  std::string team, against, objective, by;
  bool correct = false;
  double penalty = 0;  // penalties points it cost red (<= 0; free wrong flags 0)
};

// A red finding and its validation.
struct FindingLine {
  int64_t seq = 0;
  SimTime time;
  std::string team, against, node, vulnerability, evidence, by;
  std::string validation;               // "planted" or "unplanted" (as the engine recorded it)
  std::string weakness, cwe, severity;  // the planted one's, or the review's severity
  std::string review;                   // "" (planted), "pending", "accepted" or "rejected"
  int64_t review_seq = 0;
  std::string reviewer, comment;
};

// A node put back to its snapshot (range.node.reverted).
struct RevertLine {
  int64_t seq = 0;
  SimTime time;
  std::string team, node, by, account, reason;  // by: who asked; account: whose request
  std::string back;  // "ready", "failed" or "" (the log does not say it came back)
  int64_t back_seq = 0;
  std::optional<Duration> duration;  // revert to ready/failed
  double penalty = 0;                // penalties points it cost (<= 0)
  std::vector<std::string> ended;    // "objective on node" of each compromise it ended
  std::vector<int64_t> ended_seqs;   // their objective.reached events
};

// A white-cell penalty event.
struct PenaltyLine {
  int64_t seq = 0;
  SimTime time;
  std::string team, kind, reason;
  double points = 0;  // penalties points charged (<= 0)
};

struct TeamReport {
  ReportTeam team;
  int rank = 0;  // within the role (scoreboard order)
  scoring::TeamScore score;
  scoring::TeamMetrics metrics;
  std::vector<scoring::LedgerEntry> ledger;  // every entry, zero ones too, in entry order
  std::vector<ActionLine> actions;  // red actions against this team (blue only)
  std::vector<ReportLine> reports;
  std::vector<ServiceSeries> availability;  // by node/service name
  std::vector<CompromiseLine> compromises;
  std::vector<Lesson> lessons;
  // Weighted total after each change, for the score-over-time chart.
  std::vector<std::pair<SimTime, double>> total_series;
};

struct ReportData {
  std::string exercise_id;
  std::string scenario, title, description, organisation;
  int year = 0;
  int security_level = 0;
  uint64_t seed = 0;
  Duration planned;               // the scenario's duration (exercise.created duration_ns)
  SimTime started;                // exercise.started (or the first event)
  SimTime ended;                  // exercise.ended (or the last event)
  std::string end_reason;         // "duration", "stopped", or "" while still running
  std::string status;             // the exercise record's status
  std::vector<ReportTeam> teams;  // every team, scenario order where known
  scoring::ScoringConfig config;
  bool config_recorded = true;
  int64_t event_count = 0;
  std::string head_hash;  // hash of the last event (Verify)
  bool chain_ok = true;
  std::string chain_problem;
  std::vector<TeamReport> blue;         // ranked
  std::vector<TeamReport> red;          // ranked
  std::vector<std::string> techniques;  // every technique red executed, sorted
  std::vector<TaskLine> tasks;          // by firing, then team
  std::vector<FlagLine> flags;
  std::vector<FindingLine> findings;
  std::vector<RevertLine> reverts;
  std::vector<PenaltyLine> penalties;
  std::vector<std::string> warnings;    // malformed scoring events (skipped)
};

// Replays the log through the Scorer and gathers everything above. Fails
// only when the log is not in seq order.
Result<ReportData> BuildReport(const ReportInput& in);

nlohmann::json ReportToJson(const ReportData& r);
// One self-contained UTF-8 HTML document (lang="vi"); everything taken from
// the log is HTML-escaped.
std::string RenderReportHtml(const ReportData& r);

// &, <, >, " and ' as entities.
std::string HtmlEscape(std::string_view s);

}  // namespace livefire::report

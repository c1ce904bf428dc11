#include "livefire/gui/team_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "livefire/gui/timeline_model.h"
#include "livefire/time.h"

namespace livefire::gui {

namespace {

using json = nlohmann::json;

// A grade's band: the protocol sends "0"/"50"/"100"; older logs a number.
int Band(const json& rubric) {
  if (rubric.is_number()) return rubric.get<int>();
  if (rubric.is_string()) {
    const std::string& s = rubric.get_ref<const std::string&>();
    if (!s.empty() &&
        std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
      return std::stoi(s);
  }
  return -1;
}

}  // namespace

void TeamModel::Apply(const Event& e) {
  if (e.seq != 0 && e.seq <= last_seq_) return;
  if (e.seq != 0) last_seq_ = e.seq;
  now_ = std::max(now_, e.time);
  if (!e.team.empty() && e.team != team_) return;
  const json& p = e.payload;
  const std::string& k = e.kind;
  if (k == kinds::kExercisePaused) paused_ = true;
  if (k == kinds::kExerciseResumed) paused_ = false;
  if (k == kinds::kClockCheckpoint) paused_ = p.value("paused", paused_);
  if (k == kinds::kExerciseEnded) ended_ = true;
  if (k == kinds::kScoreChanged && !e.team.empty()) {
    LedgerLine l{e.seq,
                 e.time,
                 p.value("delta", 0.0),
                 p.value("total", 0.0),
                 p.value("reason", std::string()),
                 p.value("cause_seq", int64_t{0})};
    total_ = l.total;
    ledger_.push_back(std::move(l));
  } else if (k == kinds::kSubmissionReport || k == kinds::kSubmissionResponse) {
    TeamSubmission s;
    s.seq = e.seq;
    s.time = e.time;
    s.kind = k;
    s.summary = k == kinds::kSubmissionResponse ? "response to " + p.value("inject", std::string())
                                                : TimelineModel::Summarize(e);
    s.by = p.value("account", std::string());
    submissions_.push_back(std::move(s));
  } else if (k == kinds::kGradeGiven) {
    const int64_t target = p.value("target_seq", int64_t{0});
    for (TeamSubmission& s : submissions_) {
      if (s.seq == target) s.grades.push_back(Band(p.value("rubric", json())));
    }
  } else if (k == "scoreboard" && e.team.empty()) {
    // The board as the white cell shows it (published, seq 0).
    const json& blue = p.value("blue", json::array());
    rank_.reset();
    for (const json& row : blue) {
      if (row.value("team", "") == team_) {
        rank_ = std::pair{row.value("rank", 0), static_cast<int>(blue.size())};
      }
    }
  }
}

void TeamModel::ApplyStatus(const json& status) {
  if (status.contains("time_ns")) {
    now_ = std::max(now_, SimTime::FromNanos(status["time_ns"].get<int64_t>()));
  }
  paused_ = status.value("paused", paused_);
  if (status.contains("scoreboard_mode")) {
    board_mode_ = status["scoreboard_mode"].value("mode", board_mode_);
  }
  if (!status.contains("scoring")) {
    rank_.reset();  // hidden
  } else {
    Event board;
    board.kind = "scoreboard";
    board.payload = status["scoring"];
    Apply(board);
  }
  tasks_.clear();
  const json tasks =
      status.contains("tasks") ? status["tasks"].value(team_, json::array()) : json::array();
  for (const json& t : tasks) {
    tasks_.push_back({t.value("inject", std::string()),
                      SimTime::FromNanos(t.value("fired_ns", int64_t{0})),
                      SimTime::FromNanos(t.value("due_ns", int64_t{0})),
                      t.value("responded", false), t.value("graded", false)});
  }
}

std::vector<TeamTask> TeamModel::OpenTasks() const {
  std::vector<TeamTask> open;
  for (const TeamTask& t : tasks_) {
    if (!t.responded) open.push_back(t);
  }
  // Deadlines first (soonest first), then tasks without one, by name.
  std::stable_sort(open.begin(), open.end(), [](const TeamTask& a, const TeamTask& b) {
    const bool da = a.due.nanos() > 0, db = b.due.nanos() > 0;
    if (da != db) return da;
    if (da && a.due != b.due) return a.due < b.due;
    return a.inject < b.inject;
  });
  return open;
}

Result<bus::Request> MakeReportRequest(const std::string& team, const ReportForm& f) {
  if (f.node.empty()) return Status::InvalidArgument("report: give the node it concerns");
  // ATT&CK technique ids: T, four digits, optionally .three digits.
  const std::string& t = f.technique;
  auto digits = [&](size_t from, size_t n) {
    return t.size() >= from + n &&
           std::all_of(t.begin() + static_cast<long>(from), t.begin() + static_cast<long>(from + n),
                       [](unsigned char c) { return std::isdigit(c); });
  };
  const bool technique_ok = !t.empty() && t[0] == 'T' && digits(1, 4) &&
                            (t.size() == 5 || (t.size() == 9 && t[5] == '.' && digits(6, 3)));
  if (!technique_ok) {
    return Status::InvalidArgument(
        fmt::format("report: technique '{}' is not an ATT&CK id such as T1190 or T1059.004", t));
  }
  if (f.description.empty()) return Status::InvalidArgument("report: describe what was seen");
  if (!f.observed_at.empty()) {
    if (auto d = ParseDuration(f.observed_at); !d.ok()) {
      return Status::InvalidArgument("report: observed at: " + d.status().message());
    }
  }
  return bus::MakeSubmitReportRequest(team, {f.node, f.technique, f.observed_at, f.description});
}

Result<bus::Request> MakeTaskResponseRequest(const std::string& team, const std::string& inject,
                                             const std::string& text) {
  if (inject.empty()) return Status::InvalidArgument("response: choose the task it answers");
  if (text.empty()) return Status::InvalidArgument("response: write the response");
  return bus::MakeSubmitResponseRequest(team, inject, text);
}

}  // namespace livefire::gui

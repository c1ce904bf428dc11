#include "livefire/gui/timeline_model.h"

#include <fmt/format.h>

#include <cmath>

namespace livefire::gui {

namespace {

std::string Str(const nlohmann::json& p, const char* key) {
  auto it = p.find(key);
  if (it == p.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_null()) return {};
  if (it->is_number_float()) return FormatNumber(it->get<double>());
  return it->dump();
}

// A `when` trigger as its condition: what it watches and how often.
std::string WhenLabel(const nlohmann::json& p) {
  std::string c = Str(p, "condition");
  std::string every = Str(p, "poll");
  return "when: " + (c.empty() ? std::string("its condition holds") : c) +
         (every.empty() ? "" : " (checked every " + every + ")");
}

std::string Clip(std::string s, size_t max = 160) {
  if (s.size() <= max) return s;
  size_t cut = max;
  // Do not cut a UTF-8 sequence in half (Vietnamese text is multi-byte).
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "…";
  return s;
}

}  // namespace

Tone OutcomeTone(std::string_view side, std::string_view outcome) {
  if (outcome.empty() || outcome == "running") return Tone::kPending;
  if (outcome == "error") return Tone::kError;
  if (outcome == "skipped") return Tone::kSkipped;
  if (outcome == "refused") return Tone::kBad;
  const bool red = side == "red";
  if (outcome == "success") return red ? Tone::kBad : Tone::kGood;
  if (outcome == "failure") return red ? Tone::kGood : Tone::kBad;
  return Tone::kNeutral;
}

std::string_view ToneName(Tone t) {
  switch (t) {
    case Tone::kGood:
      return "good";
    case Tone::kBad:
      return "bad";
    case Tone::kError:
      return "error";
    case Tone::kSkipped:
      return "skipped";
    case Tone::kPending:
      return "pending";
    case Tone::kNeutral:
      break;
  }
  return "neutral";
}

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return fmt::format("{}", v);
  if (std::abs(v) < 1e15 && v == std::trunc(v)) return fmt::format("{}", static_cast<int64_t>(v));
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string InjectRow::PlannedLabel() const {
  if (planned) return FormatClock(*planned);
  if (!condition.empty()) return condition;
  return "manual";
}

std::optional<Duration> InjectRow::Drift() const {
  if (!planned || !fired) return std::nullopt;
  return *fired - *planned;
}

std::string TimelineModel::Summarize(const Event& e) {
  const auto& p = e.payload;
  const std::string& k = e.kind;
  if (k == kinds::kCheckResult) {
    std::string s = fmt::format("{} {} {}", Str(p, "node"), Str(p, "service"), Str(p, "status"));
    std::string d = Str(p, "detail");
    if (!d.empty()) s += " (" + d + ")";
    return Clip(s);
  }
  if (k == kinds::kInjectArmed) {
    int64_t at = p.value("at_ns", int64_t{0});
    return fmt::format("{} [{}] armed for {}", Str(p, "inject"), Str(p, "side"),
                       FormatClock(SimTime::FromNanos(at)));
  }
  if (k == kinds::kInjectFired) {
    std::string s = fmt::format("{} [{}] fired", Str(p, "inject"), Str(p, "side"));
    if (Str(p, "trigger") == "when") s += ", " + WhenLabel(p);
    return Clip(s);
  }
  if (k == kinds::kInjectOutcome) {
    return Clip(fmt::format("{} -> {}: {}", Str(p, "inject"), Str(p, "outcome"), Str(p, "reason")));
  }
  if (k == kinds::kInjectSkipped) {
    return Clip(fmt::format("{} skipped: {}", Str(p, "inject"), Str(p, "reason")));
  }
  if (k == kinds::kRedAction) {
    return Clip(fmt::format("{} on {} via {}: {}", Str(p, "technique"), Str(p, "node"),
                            Str(p, "inject"), Str(p, "detail")));
  }
  if (k == kinds::kObjectiveReached) {
    return fmt::format("objective {} ({}) on {}", Str(p, "objective"), Str(p, "kind"), Str(p, "node"));
  }
  if (k == kinds::kSubmissionReport) {
    return Clip(fmt::format("report {} on {}: {}", Str(p, "technique"), Str(p, "node"),
                            Str(p, "description")));
  }
  if (k == kinds::kSubmissionFinding) {
    return Clip(fmt::format("finding {} on {}", Str(p, "vulnerability"), Str(p, "node")));
  }
  if (k == kinds::kSubmissionResponse) {
    return Clip(fmt::format("response to task {}: {}", Str(p, "inject"), Str(p, "text")));
  }
  if (k == kinds::kSubmissionFlag) {
    return fmt::format("flag {}", p.value("correct", false) ? "correct" : "wrong");
  }
  if (k == kinds::kGradeGiven) {
    std::string s = fmt::format("grade {} % of {}", Str(p, "rubric"), Str(p, "points"));
    if (p.contains("target_seq")) s += " for #" + Str(p, "target_seq");
    std::string c = Str(p, "comment");
    if (!c.empty()) s += ": " + c;
    return Clip(s);
  }
  if (k == kinds::kPenalty) {
    return Clip(fmt::format("penalty {} {}: {}", Str(p, "kind"), Str(p, "points"), Str(p, "reason")));
  }
  if (k == kinds::kScoreChanged) {
    const double d = p.value("delta", 0.0);
    return Clip(fmt::format("total {} ({}{}) {}", Str(p, "total"), d >= 0 ? "+" : "",
                            FormatNumber(d), Str(p, "reason")));
  }
  if (k == kinds::kRangeNodeReady || k == kinds::kRangeNodeFailed || k == kinds::kRangeNodeReverted) {
    std::string s = Str(p, "node");
    std::string r = Str(p, "reason");
    if (!r.empty()) s += ": " + r;
    return Clip(s);
  }
  if (k == kinds::kExerciseCreated) return Clip(Str(p, "title"));
  if (k == kinds::kExerciseSpeed || k == kinds::kExerciseStarted) {
    return fmt::format("speed x{}", Str(p, "speed"));
  }
  if (k == kinds::kExercisePaused || k == kinds::kExerciseResumed || k == kinds::kExerciseStopped) {
    std::string s = "by " + Str(p, "by");
    std::string r = Str(p, "reason");
    if (!r.empty()) s += ": " + r;
    return Clip(s);
  }
  if (k == kinds::kExerciseEnded) return "reason: " + Str(p, "reason");
  return Clip(p.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

const InjectRow* TimelineModel::FindInject(const std::string& team,
                                           const std::string& inject) const {
  auto it = inject_index_.find(team + "/" + inject);
  return it == inject_index_.end() ? nullptr : &injects_[it->second];
}

Tone TimelineModel::RowTone(const Event& e, const InjectRow* inject) {
  const auto& p = e.payload;
  const std::string& k = e.kind;
  if (k == kinds::kInjectOutcome || k == kinds::kInjectSkipped) {
    std::string side = Str(p, "side");
    if (side.empty() && inject != nullptr) side = inject->side;
    return OutcomeTone(side, k == kinds::kInjectSkipped ? "skipped" : Str(p, "outcome"));
  }
  if (k == kinds::kCheckResult) return Str(p, "status") == "up" ? Tone::kGood : Tone::kBad;
  if (k == kinds::kObjectiveReached || k == kinds::kRedAction) return Tone::kBad;
  if (k == kinds::kRangeNodeFailed) return Tone::kError;
  if (k == kinds::kRangeNodeReady) return Tone::kGood;
  if (k == kinds::kSubmissionFlag) return p.value("correct", false) ? Tone::kBad : Tone::kGood;
  if (k == kinds::kSubmissionFinding) {
    return Str(p, "validation") == "planted" ? Tone::kBad : Tone::kPending;
  }
  if (k == kinds::kFindingReviewed) return p.value("accepted", false) ? Tone::kBad : Tone::kGood;
  if (k == kinds::kControlRefused) return Tone::kError;
  return Tone::kNeutral;
}

InjectRow& TimelineModel::InjectFor(const std::string& team, const std::string& inject) {
  std::string key = team + "/" + inject;
  auto it = inject_index_.find(key);
  if (it != inject_index_.end()) return injects_[it->second];
  inject_index_.emplace(key, static_cast<int>(injects_.size()));
  InjectRow r;
  r.inject = inject;
  r.team = team;
  injects_.push_back(std::move(r));
  return injects_.back();
}

void TimelineModel::Apply(const Event& e) {
  TimelineRow row;
  row.seq = e.seq;
  row.time = e.time;
  row.team = e.team;
  row.kind = e.kind;
  row.inject = Str(e.payload, "inject");
  row.technique = Str(e.payload, "technique");
  const std::string& k = e.kind;
  if (k == kinds::kRedAction && !row.inject.empty() && !row.technique.empty()) {
    auto [it, added] = inject_technique_.emplace(row.inject, row.technique);
    // Rows of this inject filed before red said what it did match it now.
    if (added) cache_valid_ = false;
    for (auto& ir : injects_) {
      if (ir.inject == row.inject && ir.technique.empty()) ir.technique = row.technique;
    }
  }
  if (row.technique.empty() && !row.inject.empty()) {
    if (auto it = inject_technique_.find(row.inject); it != inject_technique_.end()) {
      row.technique = it->second;
    }
  }
  if (!row.inject.empty() && k.starts_with("inject.")) {
    InjectRow& ir = InjectFor(e.team, row.inject);
    if (ir.technique.empty()) ir.technique = row.technique;
    std::string side = Str(e.payload, "side");
    if (!side.empty()) ir.side = side;
    if (k == kinds::kInjectArmed) {
      ir.planned = SimTime::FromNanos(e.payload.value("at_ns", e.time.nanos()));
    } else if (k == kinds::kInjectFired) {
      ir.fired = e.time;
      ir.outcome.clear();  // a re-fired inject is pending again
      if (Str(e.payload, "trigger") == "when") ir.condition = WhenLabel(e.payload);
    } else if (k == kinds::kInjectOutcome) {
      ir.finished = e.time;
      ir.outcome = Str(e.payload, "outcome");
      ir.reason = Str(e.payload, "reason");
      if (auto pts = e.payload.find("points"); pts != e.payload.end() && pts->is_number()) {
        ir.points = pts->get<double>();
      }
    } else if (k == kinds::kInjectSkipped) {
      ir.finished = e.time;
      ir.outcome = "skipped";
      ir.reason = Str(e.payload, "reason");
    }
  }
  row.summary = Summarize(e);
  row.tone = RowTone(e, row.inject.empty() ? nullptr : FindInject(e.team, row.inject));
  teams_.insert(e.team);
  kinds_.insert(e.kind);
  if (!row.technique.empty()) techniques_.insert(row.technique);
  rows_.push_back(std::move(row));
}

bool TimelineModel::Matches(const TimelineRow& r, const TimelineFilter& f) const {
  if (f.hide_checks && (r.kind == kinds::kCheckResult || r.kind == kinds::kClockCheckpoint)) {
    return false;
  }
  if (!f.team.empty()) {
    if (f.team == "*" ? !r.team.empty() : r.team != f.team) return false;
  }
  if (!f.kind.empty()) {
    if (f.kind.back() == '.' ? !r.kind.starts_with(f.kind) : r.kind != f.kind) return false;
  }
  if (!f.technique.empty()) {
    const std::string* t = &r.technique;
    if (t->empty() && !r.inject.empty()) {
      if (auto it = inject_technique_.find(r.inject); it != inject_technique_.end()) t = &it->second;
    }
    // "T1059" also matches its sub-techniques ("T1059.004").
    if (!t->starts_with(f.technique)) return false;
    if (t->size() > f.technique.size() && (*t)[f.technique.size()] != '.') return false;
  }
  if (!f.text.empty() && r.summary.find(f.text) == std::string::npos &&
      r.inject.find(f.text) == std::string::npos) {
    return false;
  }
  return true;
}

const std::vector<int>& TimelineModel::Filtered(const TimelineFilter& f) {
  if (!cache_valid_ || !(f == cached_filter_)) {
    cached_.clear();
    cached_upto_ = 0;
    cached_filter_ = f;
    cache_valid_ = true;
  }
  for (; cached_upto_ < rows_.size(); ++cached_upto_) {
    if (Matches(rows_[cached_upto_], f)) cached_.push_back(static_cast<int>(cached_upto_));
  }
  return cached_;
}

std::vector<std::string> TimelineModel::InjectNames() const {
  std::set<std::string> names;
  for (const auto& r : injects_) names.insert(r.inject);
  return {names.begin(), names.end()};
}

}  // namespace livefire::gui

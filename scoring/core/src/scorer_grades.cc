// Reports and penalties: submissions remembered for grading, inject firings,
// white-team grades, penalties and wrong flags.
#include <fmt/format.h>

#include <algorithm>

#include "scorer_state.h"

namespace livefire::scoring {

using namespace internal;  // NOLINT: the scorer's own internals

void Scorer::State::RememberSubmission(const Event& e) {
  submissions[e.seq] = {e.time, e.team};
  submission_order.push_back(e.seq);
  if (submission_order.size() > kMaxSubmissions) {
    submissions.erase(submission_order.front());
    submission_order.pop_front();
  }
}

Status Scorer::State::OnFired(const Event& e) {
  FieldReader f(e);
  std::string inject;
  LF_RETURN_IF_ERROR(f.Str("inject", inject));
  fired[e.team + '/' + inject] = e.time;
  auto it = cfg.injects.find(inject);
  if (it == cfg.injects.end() || it->second.response_due.nanos() <= 0) return Status::Ok();
  // A task with a deadline: each team it was fired for owes a response.
  std::vector<std::string> owed;
  if (e.team.empty()) {
    owed = cfg.blue_teams;
  } else {
    owed.push_back(e.team);
  }
  for (auto& t : owed) {
    responded.erase(t + '/' + inject);
    tasks_due.emplace(e.time + it->second.response_due, std::make_tuple(t, inject, e.seq));
  }
  return Status::Ok();
}

Status Scorer::State::OnResponse(const Event& e) {
  FieldReader f(e);
  std::string inject;
  LF_RETURN_IF_ERROR(f.NeedTeam());
  LF_RETURN_IF_ERROR(f.Str("inject", inject));
  RememberSubmission(e);
  responded[e.team + '/' + inject] = e.seq;
  return Status::Ok();
}

void Scorer::State::TasksDueUntil(SimTime t, int64_t trigger_seq) {
  while (!tasks_due.empty() && tasks_due.begin()->first < t) {
    auto [due, task] = *tasks_due.begin();
    tasks_due.erase(tasks_due.begin());
    const auto& [team, inject, fired_seq] = task;
    if (responded.count(team + '/' + inject)) continue;
    std::string key = team + "|task:" + inject;
    if (grade_max.count(key)) continue;  // already graded
    double points = cfg.injects.at(inject).points;
    grade_max[key] = points;
    grades[key] = 0;
    SimTime was = time;
    time = due;  // the entry is dated when the task fell due
    Add(team, Category::kReports, 0,
        fmt::format("task {}: no response by its due time {}: 0 of {}", inject, FormatClock(due),
                    Pts(points)),
        {fired_seq, trigger_seq}, points);
    time = was;
  }
}

Status Scorer::State::OnGrade(const Event& e) {
  FieldReader f(e);
  LF_RETURN_IF_ERROR(f.NeedTeam());
  double band = -1;
  auto rit = e.payload.find("rubric");
  if (rit == e.payload.end()) return f.Error("payload lacks field 'rubric'");
  if (rit->is_number()) {
    band = rit->get<double>();
  } else if (rit->is_string()) {
    std::string r = rit->get<std::string>();
    if (!r.empty() && r.back() == '%') r.pop_back();
    if (r == "0" || r == "50" || r == "100") band = std::stod(r);
  }
  if (band != 0 && band != 50 && band != 100) {
    return f.Error("rubric must be 0, 50 or 100 (% of the inject's points)");
  }
  double points = 0;
  std::string inject, grader;
  int64_t target = 0;
  bool has_target = false;
  LF_RETURN_IF_ERROR(f.Num("points", points));
  LF_RETURN_IF_ERROR(f.Str("inject", inject, false));
  LF_RETURN_IF_ERROR(f.Str("grader", grader, false));
  LF_RETURN_IF_ERROR(f.Int("target_seq", target, has_target));
  const Submission* sub = nullptr;
  if (has_target) {
    auto it = submissions.find(target);
    if (it == submissions.end()) {
      return f.Error(fmt::format("target_seq {} is not a known submission", target));
    }
    if (it->second.team != e.team) {
      return f.Error(fmt::format("target_seq {} was submitted by team '{}', not '{}'", target,
                                 it->second.team, e.team));
    }
    sub = &it->second;
  }
  const auto& p = cfg.params;
  double max = std::abs(points);
  const InjectInfo* info = nullptr;
  if (!inject.empty()) {
    if (auto it = cfg.injects.find(inject); it != cfg.injects.end()) {
      info = &it->second;
      if (info->points > 0) max = info->points;
    }
  }
  double factor = 1;
  std::string timing;
  if (sub != nullptr && info != nullptr && info->response_due.nanos() > 0) {
    auto fit = fired.find(e.team + '/' + inject);
    if (fit == fired.end()) fit = fired.find('/' + inject);
    if (fit != fired.end()) {
      SimTime due = fit->second + info->response_due;
      SimTime close = due + p.late_grace;
      if (sub->time <= due) {
        timing = fmt::format(", on time (due {})", FormatClock(due));
      } else if (sub->time <= close) {
        factor = p.late_factor;
        timing = fmt::format(", late (due {}, submitted {}): x {}", FormatClock(due),
                             FormatClock(sub->time), Pts(p.late_factor));
      } else {
        factor = 0;
        timing = fmt::format(", refused: submitted {} after close {}", FormatClock(sub->time),
                             FormatClock(close));
      }
    }
  }
  double award = band / 100.0 * max * factor;
  // A task (an inject with points) has one grade per team: the latest, of
  // whichever response, replaces the earlier one.
  bool task = info != nullptr && info->points > 0;
  std::string key = e.team + '|' +
                    (task              ? "task:" + inject
                     : has_target      ? fmt::format("seq:{}", target)
                     : !inject.empty() ? "inject:" + inject
                                       : fmt::format("grade:{}", e.seq));
  double& before = grades[key];
  double& max_before = grade_max[key];
  double delta = award - before;
  double max_delta = max - max_before;
  std::string what = inject.empty() ? std::string("response") : "inject " + inject;
  std::string why = fmt::format("grade {} % of {} for {}{}: {} of {}{}{}", Pts(band), Pts(max),
                                what, timing, Pts(award), Pts(max),
                                grader.empty() ? "" : " by " + grader,
                                before != 0 ? fmt::format(" (regrade, was {})", Pts(before)) : "");
  before = award;
  max_before = max;
  std::vector<int64_t> causes = {e.seq};
  if (has_target) causes.push_back(target);
  Add(e.team, Category::kReports, delta, why, std::move(causes), max_delta);
  return Status::Ok();
}

Status Scorer::State::OnPenalty(const Event& e) {
  FieldReader f(e);
  std::string kind, reason;
  double points = 0;
  LF_RETURN_IF_ERROR(f.NeedTeam());
  LF_RETURN_IF_ERROR(f.Str("kind", kind));
  LF_RETURN_IF_ERROR(f.Num("points", points));
  LF_RETURN_IF_ERROR(f.Str("reason", reason, false));
  Add(e.team, Category::kPenalties, -std::abs(points),
      fmt::format("penalty ({}): {}", kind, reason), {e.seq});
  return Status::Ok();
}

Status Scorer::State::OnFlag(const Event& e) {
  FieldReader f(e);
  bool correct = false;
  LF_RETURN_IF_ERROR(f.NeedTeam());
  LF_RETURN_IF_ERROR(f.Bool("correct", correct));
  RememberSubmission(e);
  if (correct) return Status::Ok();
  TeamState& ts = Team(e.team);
  ++ts.wrong_flags;
  const auto& p = cfg.params;
  if (ts.wrong_flags > p.free_wrong_flags) {
    Add(e.team, Category::kPenalties, -p.wrong_flag_penalty,
        fmt::format("wrong flag #{} (the first {} are free)", ts.wrong_flags, p.free_wrong_flags),
        {e.seq});
  } else {
    Add(e.team, Category::kPenalties, 0,
        fmt::format("wrong flag #{} (free, {} allowed)", ts.wrong_flags, p.free_wrong_flags),
        {e.seq});
  }
  return Status::Ok();
}

}  // namespace livefire::scoring

#include "livefire/gui/exercise_model.h"

#include <algorithm>
#include <cstdlib>

namespace livefire::gui {

bool ExerciseModel::Apply(const Event& e) {
  if (e.seq == 0) {
    // Derived, not in the log: the engine's published scoreboard.
    if (e.kind != kPublishedScoreboard) return false;
    return scoreboard_.ApplyPublished(e.payload).ok();
  }
  if (e.seq <= last_seq_) return false;
  if (last_seq_ > 0 && e.seq != last_seq_ + 1) ++gaps_;
  last_seq_ = e.seq;
  ++applied_;
  if (e.time > header_.now) header_.now = e.time;

  const auto& p = e.payload;
  const std::string& k = e.kind;
  if (k == kinds::kExerciseCreated) {
    header_.scenario = p.value("scenario", "");
    header_.title = p.value("title", "");
    header_.organisation = p.value("organisation", "");
    header_.year = p.value("year", 0);
    header_.security_level = p.value("security_level", 0);
    header_.duration = Duration::Nanos(p.value("duration_ns", int64_t{0}));
  } else if (k == kinds::kExerciseStarted) {
    header_.started = true;
    header_.speed = p.value("speed", header_.speed);
  } else if (k == kinds::kExercisePaused) {
    header_.paused = true;
  } else if (k == kinds::kExerciseResumed) {
    header_.paused = false;
  } else if (k == kinds::kExerciseSpeed) {
    header_.speed = p.value("speed", header_.speed);
  } else if (k == kinds::kClockCheckpoint) {
    header_.speed = p.value("speed", header_.speed);
    header_.paused = p.value("paused", header_.paused);
  } else if (k == kinds::kExerciseEnded) {
    header_.ended = true;
    header_.end_reason = p.value("reason", "");
  } else if (k == kinds::kSubmissionReport || k == kinds::kSubmissionFinding ||
             k == kinds::kSubmissionFlag || k == kinds::kSubmissionResponse) {
    Submission s;
    s.seq = e.seq;
    s.time = e.time;
    s.team = e.team;
    s.kind = k;
    s.technique = p.value("technique", "");
    if (k == kinds::kSubmissionResponse) s.inject = p.value("inject", "");
    s.summary = TimelineModel::Summarize(e);
    submissions_.push_back(std::move(s));
  } else if (k == kinds::kGradeGiven) {
    auto t = p.find("target_seq");
    if (t != p.end() && t->is_number_integer()) {
      int64_t target = t->get<int64_t>();
      auto it = std::lower_bound(submissions_.begin(), submissions_.end(), target,
                                 [](const Submission& s, int64_t v) { return s.seq < v; });
      if (it != submissions_.end() && it->seq == target) {
        const auto& r = p.find("rubric");
        int band = -1;
        if (r != p.end() && r->is_number()) band = r->get<int>();
        if (r != p.end() && r->is_string()) band = std::atoi(r->get<std::string>().c_str());
        it->grades.push_back(band);
      }
    }
  }
  topology_.Apply(e);
  timeline_.Apply(e);
  scoreboard_.Apply(e);
  return true;
}

}  // namespace livefire::gui

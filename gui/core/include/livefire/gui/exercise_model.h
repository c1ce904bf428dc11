#pragma once
// The control room's whole state, derived from events only: header (title,
// clock, paused, speed), topology, timeline and scoreboard (which shows the
// engine's published scores or scoring::ReplayLog's, never its own). Events must come
// in seq order; duplicates (a live event already read from the store) are
// dropped, and a gap is reported so the feed can backfill from the store.

#include <cstdint>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/gui/plan_file.h"
#include "livefire/gui/scoreboard_model.h"
#include "livefire/gui/timeline_model.h"
#include "livefire/gui/topology_model.h"

namespace livefire::gui {

struct ExerciseHeader {
  std::string exercise;
  std::string scenario;
  std::string title;
  std::string organisation;
  int year = 0;
  int security_level = 0;
  SimTime now;            // time of the latest event
  Duration duration;      // planned length (0 = unknown)
  double speed = 1;
  bool started = false;
  bool paused = false;
  bool ended = false;
  std::string end_reason;
};

struct Submission {
  int64_t seq = 0;
  SimTime time;
  std::string team;
  std::string kind;    // submission.report / .finding / .flag / .response
  std::string inject;  // the task a response answers ("" for the others)
  std::string summary;
  std::string technique;
  std::vector<int> grades;  // rubric bands given so far (0/50/100)
};

class ExerciseModel {
 public:
  void SetPlan(const ExercisePlan& plan) { topology_.SetPlan(plan); }

  // Applies e when e.seq == last_seq() + 1 (or the log starts later).
  // Returns false for a duplicate (seq <= last_seq()), which is skipped;
  // a gap is applied but counted in gaps(). A derived message (seq 0) is no
  // log event: the published scoreboard goes to scoreboard() (true when it
  // was taken), any other is ignored.
  bool Apply(const Event& e);

  int64_t last_seq() const { return last_seq_; }
  int64_t gaps() const { return gaps_; }
  int64_t applied() const { return applied_; }
  const ExerciseHeader& header() const { return header_; }
  TopologyModel& topology() { return topology_; }
  const TopologyModel& topology() const { return topology_; }
  TimelineModel& timeline() { return timeline_; }
  ScoreboardModel& scoreboard() { return scoreboard_; }
  const ScoreboardModel& scoreboard() const { return scoreboard_; }
  // Submissions awaiting or having a white-cell grade, in seq order.
  const std::vector<Submission>& submissions() const { return submissions_; }
  void set_exercise(std::string id) { header_.exercise = std::move(id); }

 private:
  ExerciseHeader header_;
  TopologyModel topology_;
  TimelineModel timeline_;
  ScoreboardModel scoreboard_;
  std::vector<Submission> submissions_;
  int64_t last_seq_ = 0;
  int64_t gaps_ = 0;
  int64_t applied_ = 0;
};

}  // namespace livefire::gui

#pragma once
// Timeline view model: every event as a one-line row along exercise time,
// filtered by team, kind and ATT&CK technique, plus the inject table (what
// was planned by inject.armed against what fired and its outcome).
// Filtering is incremental: rows appended after a filter was applied are
// tested once, so a running exercise costs O(new events) per frame.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/time.h"

namespace livefire::gui {

struct TimelineRow {
  int64_t seq = 0;
  SimTime time;
  std::string team;
  std::string kind;
  std::string technique;  // ATT&CK id the event names or its inject used ("" = none)
  std::string inject;     // inject the event belongs to ("" = none)
  std::string summary;    // human-readable payload digest
};

struct TimelineFilter {
  std::string team;        // "" = all; "*" = exercise-wide events only
  std::string kind;        // "" = all; ending in '.' = prefix ("inject.")
  std::string technique;   // "" = all
  std::string text;        // "" = all; substring of summary (case-sensitive)
  bool hide_checks = false;  // drop check.result / clock.checkpoint noise
  bool operator==(const TimelineFilter&) const = default;
};

struct InjectRow {
  std::string inject;
  std::string team;  // "" = exercise-wide
  std::string side;  // red/blue/white
  std::optional<SimTime> planned;  // inject.armed at_ns
  std::optional<SimTime> fired;
  std::optional<SimTime> finished;
  std::string outcome;  // success/failure/error/skipped or "" while pending
  std::string reason;
  double points = 0;
  std::string technique;
  // Fired minus planned (positive = late); nullopt when either is unknown.
  std::optional<Duration> Drift() const;
};

class TimelineModel {
 public:
  void Apply(const Event& e);

  const std::vector<TimelineRow>& rows() const { return rows_; }
  // Indices into rows() matching f, in seq order.
  const std::vector<int>& Filtered(const TimelineFilter& f);
  bool Matches(const TimelineRow& r, const TimelineFilter& f) const;

  // Inject rows in order of first appearance.
  const std::vector<InjectRow>& injects() const { return injects_; }
  const std::set<std::string>& teams() const { return teams_; }
  const std::set<std::string>& kinds() const { return kinds_; }
  const std::set<std::string>& techniques() const { return techniques_; }
  // Inject names seen (for the control panel's manual fire list).
  std::vector<std::string> InjectNames() const;

  // One line describing an event's payload ("portal http down (timeout)").
  static std::string Summarize(const Event& e);

 private:
  std::vector<TimelineRow> rows_;
  std::vector<InjectRow> injects_;
  std::map<std::string, int> inject_index_;           // "team/inject" -> injects_ index
  std::map<std::string, std::string> inject_technique_;  // inject -> technique
  std::set<std::string> teams_, kinds_, techniques_;
  TimelineFilter cached_filter_;
  std::vector<int> cached_;
  size_t cached_upto_ = 0;
  bool cache_valid_ = false;
  InjectRow& InjectFor(const std::string& team, const std::string& inject);
};

}  // namespace livefire::gui

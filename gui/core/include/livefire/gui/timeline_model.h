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
#include <string_view>
#include <vector>

#include "livefire/event.h"
#include "livefire/time.h"

namespace livefire::gui {

// What an outcome means for the white cell, so that the views colour it by
// meaning rather than by word: a red inject's success is bad news for blue,
// a blue inject's success good news.
enum class Tone { kNeutral, kGood, kBad, kError, kSkipped, kPending };
// outcome: success/failure/error/skipped/refused/"" (pending); side: the
// inject's owner (red/blue/white; "" = unknown, read as not red).
Tone OutcomeTone(std::string_view side, std::string_view outcome);
std::string_view ToneName(Tone t);  // "good", "bad", ...

// Numbers as people read them: integers as they are, others with at most
// two decimals and no float noise (0.8999999999999999 -> "0.9").
std::string FormatNumber(double v);

struct TimelineRow {
  int64_t seq = 0;
  SimTime time;
  std::string team;
  std::string kind;
  std::string technique;  // ATT&CK id the event names or its inject used ("" = none)
  std::string inject;     // inject the event belongs to ("" = none)
  std::string summary;    // human-readable payload digest
  Tone tone = Tone::kNeutral;  // outcomes, checks, flags and findings by meaning
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
  // "when: <what it watches> (checked every 1m)" for a `when`-triggered
  // inject (inject.fired "trigger": "when"), "" otherwise.
  std::string condition;
  // Fired minus planned (positive = late); nullopt when either is unknown.
  std::optional<Duration> Drift() const;
  // What the planned column shows: the armed time, the condition, or
  // "manual" (fired by the white cell).
  std::string PlannedLabel() const;
  Tone tone() const { return OutcomeTone(side, outcome); }
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
  const InjectRow* FindInject(const std::string& team, const std::string& inject) const;
  static Tone RowTone(const Event& e, const InjectRow* inject);
};

}  // namespace livefire::gui

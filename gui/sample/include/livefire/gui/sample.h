#pragma once
// Generated exercises for the benchmark, the smoke test and screenshots: a
// plan of any size and a plausible, fully deterministic event log for it
// (seeded; the seed is part of the exercise.created payload). The events
// follow the catalogue in livefire/event.h, so every view model and the
// scorer process them exactly as a recorded exercise.

#include <cstdint>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/gui/plan_file.h"
#include "livefire/ids.h"

namespace livefire::gui {

struct SampleOptions {
  std::string title = "Diễn tập thực chiến: Cổng thông tin điện tử tỉnh";
  std::string organisation = "Sở Thông tin và Truyền thông";
  uint64_t seed = 20261121;
  int check_rounds = 20;           // check.result rounds over every node
  Duration round_interval = Duration::Minutes(1);
  double compromise_fraction = 0.1;  // of blue teams, per red inject
};

// teams blue teams, nodes_per_team nodes each over three networks
// (dmz/internal/mgmt), a router per team and a shared red zone (1 attacker).
ExercisePlan MakeSamplePlan(int teams, int nodes_per_team);

// Events for a plan: lifecycle, range.node.ready for every domain, check
// rounds, armed/fired/outcome red injects with red.action, objectives,
// a revert, blue reports, a grade, pause/resume and the end.
std::vector<Event> MakeSampleEvents(const ExercisePlan& plan, const SampleOptions& options);

// Writes <state_dir>/exercises/<id>/{events.db,plan.json}: a finished
// exercise the GUI (and `livefire replay`) can open.
Status WriteSampleExercise(const std::string& state_dir, const ExerciseId& id,
                           const ExercisePlan& plan, const std::vector<Event>& events);

}  // namespace livefire::gui

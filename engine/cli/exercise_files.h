#pragma once
// What an exercise keeps beside its range so that `run`, `why`, `report`
// and the GUI work from the exercise id alone, also after a crash:
//   <state>/exercises/<id>/exercise.json   uri, team count, when it was made
//   <state>/exercises/<id>/scenario/       a copy of the scenario folder as
//                                          it was at `up` (later edits to the
//                                          source do not change a running or
//                                          finished exercise)
//   <state>/exercises/<id>/plan.json       the provisioner's state: the range
//                                          plan `up` provisioned (topology
//                                          codec) and the guest specs

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "livefire/ids.h"
#include "livefire/model/model.h"
#include "livefire/scoring/replay.h"
#include "livefire/store/event_store.h"
#include "livefire/topology/plan.h"

namespace livefire::cli {

struct ExerciseFiles {
  ExerciseId id;
  std::string dir;           // <state>/exercises/<id>
  std::string scenario_dir;  // dir/scenario
  std::string uri;           // libvirt URI of the range
  int team_count = 0;        // --teams given to up (0 = the scenario's)
  std::string source;        // the scenario folder it was copied from
};

// Copies the scenario folder and writes exercise.json (atomically).
Status SaveExerciseFiles(const Context& ctx, const ExerciseId& id, const std::string& scenario_dir,
                         const std::string& uri, int team_count);

Result<ExerciseFiles> ReadExerciseFiles(const Context& ctx, const std::string& id_text);

struct LoadedExercise {
  ExerciseFiles files;
  model::Scenario scenario;
  topology::RangePlan plan;  // computed from the scenario copy
  // The plan `up` recorded in plan.json; `down` keeps it (with down.json
  // beside it) as the record of a finished exercise's topology.
  std::optional<topology::RangePlan> recorded_plan;
  Status recorded_plan_status;  // why plan.json could not be read (not an error for readers)
};
// Loads the scenario copy and plans it; reads the recorded plan when there
// is one.
Result<LoadedExercise> LoadExercise(const Context& ctx, const std::string& id_text);

// For commands that act on the range: FailedPrecondition when `up` recorded
// no plan or the range was taken down, or when the scenario copy no longer yields it (naming what
// changed). Then ex.plan is the recorded plan.
Status RequireRecordedPlan(LoadedExercise& ex);

// An exercise's event log, opened read-only, for the scoring readers.
struct ExerciseLog {
  std::string exercise;
  std::unique_ptr<store::EventStore> store;
  std::vector<Event> events;  // the whole log, seq order
  // For logs that record no scoring config: the store's team and node
  // tables with default parameters.
  scoring::ReplayOptions replay_options;
};

// NotFound naming the path when the exercise has no event log.
Result<ExerciseLog> OpenExerciseLog(const Context& ctx, const std::string& id_text);

}  // namespace livefire::cli

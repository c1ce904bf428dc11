#pragma once
// What an exercise keeps beside its range so that `run`, `why`, `report`
// and the GUI work from the exercise id alone, also after a crash:
//   <state>/exercises/<id>/exercise.json   uri, team count, when it was made
//   <state>/exercises/<id>/scenario/       a copy of the scenario folder as
//                                          it was at `up` (later edits to the
//                                          source do not change a running or
//                                          finished exercise)

#include <string>

#include "cli.h"
#include "livefire/ids.h"
#include "livefire/model/model.h"
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
  topology::RangePlan plan;  // the same plan `up` provisioned (plans are deterministic)
};
Result<LoadedExercise> LoadExercise(const Context& ctx, const std::string& id_text);

}  // namespace livefire::cli

#pragma once
// The exercise state file (plan.json) and the revert log (reverts.jsonl).

#include <map>
#include <string>

#include "livefire/provision/guest.h"
#include "livefire/provision/provisioner.h"
#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::provision {

struct ExerciseState {
  std::string exercise;
  topology::RangePlan plan;
  std::map<std::string, GuestSpec> guests;  // by domain key
};

// Written to a temporary file and renamed, so a crash never leaves half a file.
Status WriteExerciseState(const std::string& path, const ExerciseState& st);
// NotFound when the exercise has no state; DataLoss when the file is corrupt.
Result<ExerciseState> ReadExerciseState(const std::string& path);

// Appends one JSON line and flushes it to disk.
Status AppendRevert(const std::string& path, const RevertRecord& r);

}  // namespace livefire::provision

#pragma once
// An exercise's accounts for the commands: made at `up`, read by `run` and
// `accounts` (see livefire/identity/accounts.h).

#include <string>
#include <vector>

#include "exercise_files.h"
#include "livefire/identity/accounts.h"

namespace livefire::cli {

// The scenario's white and red teams and the plan's blue teams.
std::vector<std::string> ExerciseTeams(const LoadedExercise& ex);

// Reads accounts.json, or makes the default accounts (one per team and
// person) and saves them when there is none yet (an exercise set up before
// accounts existed gets them on first use).
Result<identity::AccountBook> EnsureAccounts(const LoadedExercise& ex);
Result<identity::AccountBook> EnsureAccounts(const std::string& exercise_dir,
                                             const model::Scenario& scenario,
                                             const std::vector<std::string>& blue_teams);

}  // namespace livefire::cli

#include "accounts_files.h"

namespace livefire::cli {

std::vector<std::string> ExerciseTeams(const LoadedExercise& ex) {
  std::vector<std::string> out;
  for (const model::Team& t : ex.scenario.teams) {
    if (t.role != model::TeamRole::kBlue) out.push_back(t.name);
  }
  for (const std::string& b : ex.plan.blue_teams) out.push_back(b);
  return out;
}

Result<identity::AccountBook> EnsureAccounts(const LoadedExercise& ex) {
  return EnsureAccounts(ex.files.dir, ex.scenario, ex.plan.blue_teams);
}

Result<identity::AccountBook> EnsureAccounts(const std::string& exercise_dir,
                                             const model::Scenario& scenario,
                                             const std::vector<std::string>& blue_teams) {
  const std::string path = identity::AccountBook::PathIn(exercise_dir);
  auto book = identity::AccountBook::Load(path);
  if (book.ok() || book.status().code() != StatusCode::kNotFound) return book;
  LF_ASSIGN_OR_RETURN(identity::AccountBook made,
                      identity::DefaultAccounts(scenario, blue_teams));
  LF_RETURN_IF_ERROR(made.Save(path));
  return made;
}

}  // namespace livefire::cli

#include "exercise_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "livefire/archive/archive.h"
#include "livefire/files.h"
#include "livefire/scenario/loader.h"
#include "livefire/templates/catalog.h"
#include "livefire/store/private_files.h"

namespace livefire::cli {

namespace fs = std::filesystem;

namespace {
std::string ExerciseDir(const Context& ctx, const ExerciseId& id) {
  return ctx.state_dir + "/exercises/" + id.str();
}
// The "plan" of the provisioner's state file; nullopt when there is none.
Result<std::optional<topology::RangePlan>> ReadRecordedPlan(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::optional<topology::RangePlan>();
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("plan")) {
    return Status::DataLoss(fmt::format("{} is not an exercise state file", path));
  }
  auto plan = topology::PlanFromJson(j["plan"]);
  if (!plan.ok()) return plan.status().WithContext(path);
  return std::optional<topology::RangePlan>(std::move(plan).value());
}

}  // namespace

Status SaveExerciseFiles(const Context& ctx, const ExerciseId& id, const std::string& scenario_dir,
                         const std::string& uri, int team_count) {
  std::string dir = ExerciseDir(ctx, id);
  std::error_code ec;
  // <state>/exercises as usual (qemu traverses it), the exercise's own folder
  // and the scenario copy (it holds the flags) root's only, from the start
  // (store/private_files.h). No other thread creates files while `up` is here.
  fs::create_directories(fs::path(dir).parent_path(), ec);
  store::ScopedUmask umask(077);
  if (!ec) fs::create_directories(dir, ec);
  if (ec) return Status::Internal(fmt::format("cannot create {}: {}", dir, ec.message()));
  fs::path src = fs::path(scenario_dir);
  if (fs::is_regular_file(src)) src = src.parent_path();  // a path to scenario.lua
  src = fs::absolute(src, ec);
  std::string copy = dir + "/scenario";
  // A resumed `up` keeps the copy the exercise started with.
  if (!fs::exists(copy)) {
    std::string tmp = copy + ".tmp";
    fs::remove_all(tmp, ec);
    fs::copy(src, tmp, fs::copy_options::recursive, ec);
    if (ec) {
      return Status::Internal(
          fmt::format("cannot copy the scenario {} to {}: {}", src.string(), tmp, ec.message()));
    }
    LF_RETURN_IF_ERROR(RenameDurably(tmp, copy));
  }
  nlohmann::json j = {{"exercise", id.str()},
                      {"uri", uri},
                      {"team_count", team_count},
                      {"source", src.string()},
                      {"scenario_dir", copy}};
  if (Status s = WriteFileAtomic(dir + "/exercise.json", j.dump(2) + "\n", 0600); !s.ok()) {
    return s;
  }
  // fs::copy keeps the source's modes, whatever the umask.
  return store::RestrictExerciseFolder(dir);
}

Result<ExerciseFiles> ReadExerciseFiles(const Context& ctx, const std::string& id_text) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(id_text));
  ExerciseFiles f;
  f.id = id;
  f.dir = ExerciseDir(ctx, id);
  std::string path = f.dir + "/exercise.json";
  std::ifstream in(path);
  if (!in) {
    return Status::NotFound(
        fmt::format("no exercise '{}' under {} (no {}; create one with "
                    "`livefire up DIR`)",
                    id.str(), ctx.state_dir, path));
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::DataLoss(fmt::format("{} is not valid JSON", path));
  }
  f.uri = j.value("uri", "");
  f.team_count = j.value("team_count", 0);
  f.source = j.value("source", "");
  f.scenario_dir = f.dir + "/scenario";
  return f;
}

Result<LoadedExercise> LoadExercise(const Context& ctx, const std::string& id_text) {
  LoadedExercise out;
  LF_ASSIGN_OR_RETURN(out.files, ReadExerciseFiles(ctx, id_text));
  LF_ASSIGN_OR_RETURN(std::string templates_dir, templates::DefaultTemplatesDir());
  LF_ASSIGN_OR_RETURN(out.scenario, scenario::LoadValidScenario(out.files.scenario_dir,
                                                                {.templates_dir = templates_dir}));
  LF_ASSIGN_OR_RETURN(templates::Catalog catalog, templates::Catalog::Load(templates_dir));
  topology::PlanOptions po;
  po.team_count = out.files.team_count;
  po.template_resources = catalog.Resources();
  LF_ASSIGN_OR_RETURN(out.plan, topology::MakePlan(out.scenario, po));
  auto recorded = ReadRecordedPlan(out.files.dir + "/plan.json");
  if (recorded.ok()) {
    out.recorded_plan = std::move(recorded).value();
  } else {
    out.recorded_plan_status = recorded.status();
  }
  return out;
}

Status RequireRecordedPlan(LoadedExercise& ex) {
  const std::string id = ex.files.id.str();
  LF_RETURN_IF_ERROR(ex.recorded_plan_status);
  std::error_code ec;
  // `down` keeps plan.json as the record of the topology; down.json says the
  // range it describes is gone.
  if (std::filesystem::exists(ex.files.dir + "/down.json", ec)) {
    return Status::FailedPrecondition(
        fmt::format("exercise {} has no range (taken down, see {}/down.json): set it up again "
                    "with `livefire up {}`",
                    id, ex.files.dir, ex.files.source.empty() ? "DIR" : ex.files.source));
  }
  if (!ex.recorded_plan) {
    return Status::FailedPrecondition(
        fmt::format("exercise {} has no range (no {}/plan.json): set it up again with `livefire "
                    "up {}`",
                    id, ex.files.dir, ex.files.source.empty() ? "DIR" : ex.files.source));
  }
  std::vector<std::string> changes = topology::PlanDifferences(*ex.recorded_plan, ex.plan);
  if (!changes.empty()) {
    constexpr size_t kShown = 5;  // enough to see the cause, short enough to read
    std::string what;
    for (size_t i = 0; i < changes.size() && i < kShown; ++i) {
      what += (i ? "; " : "") + changes[i];
    }
    if (changes.size() > kShown) what += fmt::format("; and {} more", changes.size() - kShown);
    return Status::FailedPrecondition(fmt::format(
        "the scenario copy in {} no longer yields the plan recorded at up: {}; run `livefire "
        "down {}` and `up` again",
        ex.files.scenario_dir, what, id));
  }
  ex.plan = *ex.recorded_plan;
  return Status::Ok();
}

Result<ExerciseLog> OpenExerciseLog(const Context& ctx, const std::string& id_text) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(id_text));
  std::string path = store::EventStore::PathFor(ctx.state_dir, id);
  auto opened = store::EventStore::Open(path, {.read_only = true});
  if (!opened.ok()) {
    if (opened.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(
          fmt::format("no exercise '{}' under {} (no {})", id.str(), ctx.state_dir, path));
    }
    return opened.status();
  }
  ExerciseLog log;
  log.exercise = id.str();
  log.store = std::move(opened).value();
  LF_ASSIGN_OR_RETURN(log.events, log.store->Read({}));
  // Older logs: the teams and nodes tables carry what the rules weigh by.
  LF_ASSIGN_OR_RETURN(log.replay_options, archive::FallbackReplayOptions(*log.store));
  return log;
}

}  // namespace livefire::cli

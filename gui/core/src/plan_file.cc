#include "livefire/gui/plan_file.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "livefire/files.h"

namespace livefire::gui {

using nlohmann::json;

std::string PlanPathFor(const std::string& state_dir, const ExerciseId& id) {
  return (std::filesystem::path(state_dir) / "exercises" / id.str() / "plan.json").string();
}

Result<ExercisePlan> ReadPlanFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("{}: no plan file", path));
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return Status::DataLoss(fmt::format("{}: not JSON", path));
  return PlanFromJson(j, path);
}

Result<ExercisePlan> PlanFromJson(const json& j, const std::string& path) {
  try {
    ExercisePlan out;
    out.exercise = j.value("exercise", "");
    j.at("plan").get_to(out.plan);  // refuses another format_version
    if (auto g = j.find("guests"); g != j.end() && g->is_object()) {
      for (const auto& [key, guest] : g->items()) {
        auto s = guest.find("services");
        if (s == guest.end()) continue;
        std::vector<ServiceInfo> services;
        for (const auto& sv : *s) {
          services.push_back(
              {sv.value("kind", ""), sv.value("protocol", "tcp"), sv.value("port", 0)});
        }
        out.services.emplace(key, std::move(services));
      }
    }
    return out;
  } catch (const json::exception& e) {
    return Status::DataLoss(fmt::format("{}: not a plan state file: {}", path, e.what()));
  }
}

Status WritePlanFile(const std::string& path, const ExercisePlan& plan) {
  json guests = json::object();
  for (const auto& [key, services] : plan.services) {
    json s = json::array();
    for (const auto& sv : services) {
      s.push_back({{"kind", sv.kind}, {"protocol", sv.protocol}, {"port", sv.port}});
    }
    guests[key] = {{"services", s}};
  }
  json j = {{"format", 1}, {"exercise", plan.exercise}, {"plan", plan.plan}, {"guests", guests}};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  return WriteFileAtomic(path, j.dump(2) + "\n");
}

}  // namespace livefire::gui

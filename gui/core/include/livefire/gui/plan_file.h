#pragma once
// The range plan as the control room sees it: read from the provisioner's
// state file <state_dir>/exercises/<id>/plan.json ({"format":1, "exercise",
// "plan": the topology codec's plan, "guests":{domain key: {"services":[...]}}}), so the GUI
// needs neither libvirt nor the scenario to draw a finished exercise.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "livefire/ids.h"
#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::gui {

// A service as provisioned on a guest (guest.h GuestService).
struct ServiceInfo {
  std::string kind;      // "http", "smtp", ...
  std::string protocol;  // "tcp"/"udp"
  int port = 0;
  bool operator==(const ServiceInfo&) const = default;
};

struct ExercisePlan {
  std::string exercise;
  topology::RangePlan plan;
  std::map<std::string, std::vector<ServiceInfo>> services;  // by domain key
};

// <state_dir>/exercises/<id>/plan.json
std::string PlanPathFor(const std::string& state_dir, const ExerciseId& id);

// NotFound when the file is absent; DataLoss naming the file and the JSON
// field when it is not a plan state file.
Result<ExercisePlan> ReadPlanFile(const std::string& path);
// The same from the file's JSON (a remote engine's `plan` reply); `where`
// names it in errors.
Result<ExercisePlan> PlanFromJson(const nlohmann::json& j, const std::string& where);

// Writes the same format (the subset the GUI reads, with no guest files or
// secrets): used by tests, benchmarks and demos that have no provisioner.
Status WritePlanFile(const std::string& path, const ExercisePlan& plan);

}  // namespace livefire::gui

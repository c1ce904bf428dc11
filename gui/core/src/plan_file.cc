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

namespace {

// Reads both the provisioner's layout and topology::ToJson's (interfaces name
// their network "network_key" or "network").
topology::RangePlan PlanFrom(const json& j) {
  topology::RangePlan p;
  p.scenario = j.value("scenario", "");
  p.blue_teams = j.at("blue_teams").get<std::vector<std::string>>();
  for (const auto& n : j.at("networks")) {
    topology::PlannedNetwork pn;
    pn.key = n.at("key").get<std::string>();
    pn.scenario_network = n.value("scenario_network", pn.key);
    pn.team = n.value("team", "");
    pn.cidr = n.value("cidr", "");
    pn.host_address = n.value("host_address", "");
    pn.prefix = n.value("prefix", 24);
    p.networks.push_back(std::move(pn));
  }
  for (const auto& d : j.at("domains")) {
    topology::PlannedDomain pd;
    pd.key = d.at("key").get<std::string>();
    pd.node = d.at("node").get<std::string>();
    pd.team = d.value("team", "");
    pd.template_name = d.value("template", "");
    for (const auto& i : d.at("interfaces")) {
      topology::PlannedInterface pi;
      pi.network_key = i.contains("network_key") ? i.at("network_key").get<std::string>()
                                                 : i.at("network").get<std::string>();
      pi.address = i.value("address", "");
      pi.prefix = i.value("prefix", 24);
      pi.mac = i.value("mac", "");
      pd.interfaces.push_back(std::move(pi));
    }
    pd.layer = d.value("layer", 0);
    pd.security_level = d.value("security_level", 3);
    pd.value = d.value("value", 1.0);
    pd.is_router = d.value("is_router", false);
    pd.gateway = d.value("gateway", "");
    p.domains.push_back(std::move(pd));
  }
  return p;
}

}  // namespace

Result<ExercisePlan> ReadPlanFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("{}: no plan file", path));
  try {
    json j = json::parse(in);
    ExercisePlan out;
    out.exercise = j.value("exercise", "");
    out.plan = PlanFrom(j.at("plan"));
    if (auto g = j.find("guests"); g != j.end() && g->is_object()) {
      for (const auto& [key, guest] : g->items()) {
        auto s = guest.find("services");
        if (s == guest.end()) continue;
        std::vector<ServiceInfo> services;
        for (const auto& sv : *s) {
          services.push_back({sv.value("kind", ""), sv.value("protocol", "tcp"), sv.value("port", 0)});
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
  const topology::RangePlan& p = plan.plan;
  json nets = json::array();
  for (const auto& n : p.networks) {
    nets.push_back({{"key", n.key}, {"scenario_network", n.scenario_network}, {"team", n.team},
                    {"cidr", n.cidr}, {"host_address", n.host_address}, {"prefix", n.prefix}});
  }
  json doms = json::array();
  for (const auto& d : p.domains) {
    json ifs = json::array();
    for (const auto& i : d.interfaces) {
      ifs.push_back({{"network_key", i.network_key}, {"address", i.address},
                     {"prefix", i.prefix}, {"mac", i.mac}});
    }
    doms.push_back({{"key", d.key}, {"node", d.node}, {"team", d.team},
                    {"template", d.template_name}, {"vcpus", d.resources.vcpus},
                    {"memory_mb", d.resources.memory_mb}, {"disk_gb", d.resources.disk_gb},
                    {"interfaces", ifs}, {"layer", d.layer}, {"security_level", d.security_level},
                    {"value", d.value}, {"is_router", d.is_router}, {"gateway", d.gateway},
                    {"routes", json::array()}});
  }
  json guests = json::object();
  for (const auto& [key, services] : plan.services) {
    json s = json::array();
    for (const auto& sv : services) {
      s.push_back({{"kind", sv.kind}, {"protocol", sv.protocol}, {"port", sv.port}});
    }
    guests[key] = {{"services", s}};
  }
  json j = {{"format", 1},
            {"exercise", plan.exercise},
            {"plan", {{"scenario", p.scenario}, {"blue_teams", p.blue_teams},
                      {"networks", nets}, {"domains", doms}}},
            {"guests", guests}};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  return WriteFileAtomic(path, j.dump(2) + "\n");
}

}  // namespace livefire::gui

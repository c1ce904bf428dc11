#include "state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "livefire/files.h"

namespace livefire::provision {

using nlohmann::json;

namespace {

json PlanJson(const topology::RangePlan& p) {
  json nets = json::array();
  for (const auto& n : p.networks) {
    nets.push_back({{"key", n.key},
                    {"scenario_network", n.scenario_network},
                    {"team", n.team},
                    {"cidr", n.cidr},
                    {"host_address", n.host_address},
                    {"prefix", n.prefix}});
  }
  json doms = json::array();
  for (const auto& d : p.domains) {
    json ifs = json::array();
    for (const auto& i : d.interfaces) {
      ifs.push_back({{"network_key", i.network_key},
                     {"address", i.address},
                     {"prefix", i.prefix},
                     {"mac", i.mac}});
    }
    json routes = json::array();
    for (const auto& r : d.routes) {
      routes.push_back({{"destination", r.destination}, {"via", r.via}});
    }
    json rules = json::array();
    for (const auto& r : d.router_rules) {
      rules.push_back({{"allow", r.action == model::RuleAction::kAllow},
                       {"from", r.from},
                       {"to", r.to},
                       {"protocol", r.protocol},
                       {"port_min", r.port_min},
                       {"port_max", r.port_max},
                       {"description", r.description},
                       {"file", r.loc.file},
                       {"line", r.loc.line}});
    }
    doms.push_back(
        {{"key", d.key},
         {"node", d.node},
         {"team", d.team},
         {"template", d.template_name},
         {"vcpus", d.resources.vcpus},
         {"memory_mb", d.resources.memory_mb},
         {"disk_gb", d.resources.disk_gb},
         {"interfaces", ifs},
         {"layer", d.layer},
         {"security_level", d.security_level},
         {"value", d.value},
         {"is_router", d.is_router},
         {"gateway", d.gateway},
         {"routes", routes},
         {"router_rules", rules},
         {"router_default_allow", d.router_default_policy == model::RuleAction::kAllow}});
  }
  return {{"scenario", p.scenario},
          {"blue_teams", p.blue_teams},
          {"networks", nets},
          {"domains", doms}};
}

topology::RangePlan PlanFromJson(const json& j) {
  topology::RangePlan p;
  p.scenario = j.at("scenario").get<std::string>();
  p.blue_teams = j.at("blue_teams").get<std::vector<std::string>>();
  for (const auto& n : j.at("networks")) {
    topology::PlannedNetwork pn;
    pn.key = n.at("key");
    pn.scenario_network = n.at("scenario_network");
    pn.team = n.at("team");
    pn.cidr = n.at("cidr");
    pn.host_address = n.at("host_address");
    pn.prefix = n.at("prefix");
    p.networks.push_back(std::move(pn));
  }
  for (const auto& d : j.at("domains")) {
    topology::PlannedDomain pd;
    pd.key = d.at("key");
    pd.node = d.at("node");
    pd.team = d.at("team");
    pd.template_name = d.at("template");
    pd.resources.vcpus = d.at("vcpus");
    pd.resources.memory_mb = d.at("memory_mb");
    pd.resources.disk_gb = d.at("disk_gb");
    for (const auto& i : d.at("interfaces")) {
      pd.interfaces.push_back({i.at("network_key"), i.at("address"), i.at("prefix"), i.at("mac")});
    }
    pd.layer = d.at("layer");
    pd.security_level = d.at("security_level");
    pd.value = d.at("value");
    pd.is_router = d.at("is_router");
    pd.gateway = d.value("gateway", std::string());
    if (d.contains("routes")) {
      for (const auto& r : d["routes"]) pd.routes.push_back({r.at("destination"), r.at("via")});
    }
    if (d.contains("router_rules")) {
      for (const auto& r : d["router_rules"]) {
        model::FirewallRule fr;
        fr.action =
            r.at("allow").get<bool>() ? model::RuleAction::kAllow : model::RuleAction::kDeny;
        fr.from = r.at("from");
        fr.to = r.at("to");
        fr.protocol = r.at("protocol");
        fr.port_min = r.at("port_min");
        fr.port_max = r.at("port_max");
        fr.description = r.at("description");
        fr.loc.file = r.at("file");
        fr.loc.line = r.at("line");
        pd.router_rules.push_back(std::move(fr));
      }
    }
    pd.router_default_policy = d.value("router_default_allow", false) ? model::RuleAction::kAllow
                                                                      : model::RuleAction::kDeny;
    p.domains.push_back(std::move(pd));
  }
  return p;
}

json GuestJson(const GuestSpec& g) {
  json svcs = json::array();
  for (const auto& s : g.services) {
    svcs.push_back({{"kind", s.kind}, {"protocol", s.protocol}, {"port", s.port}});
  }
  json accts = json::array();
  for (const auto& a : g.accounts) accts.push_back({{"user", a.user}, {"password", a.password}});
  json files = json::array();
  for (const auto& f : g.files) {
    // Contents may be binary: kept as a byte array rather than a string.
    files.push_back(
        {{"path", f.path},
         {"content", json::binary_t(std::vector<uint8_t>(f.content.begin(), f.content.end()))},
         {"mode", f.mode}});
  }
  return {{"hostname", g.hostname}, {"services", svcs},   {"vulnerabilities", g.vulnerabilities},
          {"accounts", accts},      {"flag", g.flag},     {"files", files},
          {"gateway", g.gateway},   {"routes", g.routes}, {"ip_forward", g.ip_forward}};
}

GuestSpec GuestFromJson(const json& j) {
  GuestSpec g;
  g.hostname = j.at("hostname");
  for (const auto& s : j.at("services"))
    g.services.push_back({s.at("kind"), s.at("protocol"), s.at("port")});
  g.vulnerabilities = j.at("vulnerabilities").get<std::vector<std::string>>();
  for (const auto& a : j.at("accounts")) g.accounts.push_back({a.at("user"), a.at("password")});
  g.flag = j.at("flag");
  for (const auto& f : j.at("files")) {
    const auto& bytes = f.at("content").get_binary();
    g.files.push_back({f.at("path"), std::string(bytes.begin(), bytes.end()), f.at("mode")});
  }
  g.gateway = j.at("gateway");
  g.routes = j.at("routes").get<std::vector<std::string>>();
  g.ip_forward = j.at("ip_forward");
  return g;
}

}  // namespace

Status WriteExerciseState(const std::string& path, const ExerciseState& st) {
  json guests = json::object();
  for (const auto& [k, g] : st.guests) guests[k] = GuestJson(g);
  json j = {
      {"format", 1}, {"exercise", st.exercise}, {"plan", PlanJson(st.plan)}, {"guests", guests}};
  // Binary contents serialise as {"bytes":[...],"subtype":null}.
  return WriteFileAtomic(path, j.dump(2) + "\n");
}

Result<ExerciseState> ReadExerciseState(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("no such exercise (no state file {})", path));
  try {
    json j = json::parse(in);
    ExerciseState st;
    st.exercise = j.at("exercise");
    st.plan = PlanFromJson(j.at("plan"));
    for (const auto& [k, g] : j.at("guests").items()) {
      json gj = g;
      // Restore the binary file contents that dump() wrote as objects.
      for (auto& f : gj.at("files")) {
        const auto& c = f.at("content");
        if (c.is_object()) {
          f["content"] = json::binary_t(c.at("bytes").get<std::vector<uint8_t>>());
        }
      }
      st.guests.emplace(k, GuestFromJson(gj));
    }
    return st;
  } catch (const json::exception& e) {
    return Status::DataLoss(fmt::format("{}: corrupt exercise state: {}", path, e.what()));
  }
}

Status AppendRevert(const std::string& path, const RevertRecord& r) {
  json j = {{"type", "revert"},   {"wall_time", r.wall_time}, {"exercise", r.exercise},
            {"team", r.team},     {"node", r.node},           {"domain", r.domain},
            {"method", r.method}, {"reason", r.reason},       {"seconds", r.seconds},
            {"ok", r.ok}};
  if (!r.ok) j["error"] = r.error;
  std::string line = j.dump() + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::Internal(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  // One write() with O_APPEND: concurrent appenders never interleave a line.
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    return Status::Internal(fmt::format("cannot append to {}: {}", path, std::strerror(err)));
  }
  return Status::Ok();
}

}  // namespace livefire::provision

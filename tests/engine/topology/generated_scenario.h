#pragma once
// Writes a generated scenario.lua: `teams` blue teams, each with
// `nodes_per_team` micro nodes spread over five per-team networks (DMZ ->
// app -> data -> users -> mgmt, each reachable on HTTP from the previous
// one), a shared red zone with one attacker, and one flag objective on the
// deepest node. Used by the topology tests (small) and bench_topology (100
// teams x 50 nodes). The text is deterministic.

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace livefire::topology::testing {

inline std::string GeneratedScenarioLua(int teams, int nodes_per_team) {
  static constexpr const char* kNets[] = {"dmz", "app", "data", "users", "mgmt"};
  std::string s;
  s += fmt::format(
      "-- generated: {} blue teams x {} nodes\n"
      "scenario {{\n"
      "  name = \"generated-{}x{}\",\n"
      "  title = \"Generated range\",\n"
      "  organisation = \"livefire benchmarks\",\n"
      "  security_level = 3,\n"
      "  duration = \"2h\",\n"
      "  seed = 7,\n"
      "  default_policy = \"deny\",\n"
      "}}\n\n",
      teams, nodes_per_team, teams, nodes_per_team);
  s += "team \"white\" { role = \"white\" }\n";
  s += "team \"red\" { role = \"red\" }\n";
  for (int t = 1; t <= teams; ++t) {
    s += fmt::format("team \"blue{}\" {{ role = \"blue\", members = 5 }}\n", t);
  }
  s += "\nnetwork \"red\" { cidr = \"198.18.0.0/24\", zone = \"shared\" }\n";
  for (int n = 0; n < 5; ++n) {
    s += fmt::format("network \"{}\" {{ cidr = \"10.10.{}.0/24\" }}\n", kNets[n], n);
  }
  s += "\nallow { from = \"red\", to = \"dmz\", ports = 80 }\n";
  for (int n = 1; n < 5; ++n) {
    s +=
        fmt::format("allow {{ from = \"{}\", to = \"{}\", ports = 80 }}\n", kNets[n - 1], kNets[n]);
  }
  s += "\nnode \"attacker\" {\n"
       "  template = \"micro\",\n"
       "  iface { network = \"red\", address = \"198.18.0.10\" },\n"
       "}\n";
  for (int k = 0; k < nodes_per_team; ++k) {
    int n = k % 5;
    const char* from = n == 0 ? "red" : kNets[n - 1];
    s += fmt::format(
        "\nnode \"host{}\" {{\n"
        "  template = \"micro\",\n"
        "  iface {{ network = \"{}\", address = \"10.10.{}.{}\" }},\n"
        "  service \"http\" {{ port = 80, reachable_from = {{ \"{}\" }},\n"
        "                    check = {{ kind = \"http\", path = \"/\" }} }},\n"
        "  vuln \"cgi-cmd-injection\" {{ service = \"http\", cost = {} }},\n"
        "}}\n",
        k, kNets[n], n, 10 + k / 5, from, 1 + k % 7);
  }
  s += fmt::format(
      "\nobjective \"deep-flag\" {{\n"
      "  kind = \"read_flag\",\n"
      "  node = \"host{}\",\n"
      "  path = \"/root/flag.txt\",\n"
      "  flag = \"LF{{generated}}\",\n"
      "  points = 100,\n"
      "}}\n",
      nodes_per_team - 1);
  return s;
}

// Writes DIR/scenario.lua and returns DIR.
inline std::string WriteGeneratedScenario(const std::filesystem::path& dir, int teams,
                                          int nodes_per_team) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "scenario.lua") << GeneratedScenarioLua(teams, nodes_per_team);
  return dir.string();
}

}  // namespace livefire::topology::testing

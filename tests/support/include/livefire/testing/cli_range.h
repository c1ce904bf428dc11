#pragma once
// What the CLI tests on libvirt's test driver share: a small range scenario,
// a "built" micro template (the test driver never boots it) and the last
// line of output (where `up` prints the exercise id).

#include <filesystem>
#include <fstream>
#include <string>

namespace livefire::testsupport {

inline std::string LastLine(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.find_last_of('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// A web node on a per-team dmz serving http to the shared red zone, and an
// attacker there. `name` keeps each test's exercises apart.
inline std::string WebAndAttackerScenario(const std::string& name) {
  return "scenario { name = \"" + name + "\", title = \"CLI test " + name +
         "\", duration = \"1h\", seed = 1,\n"
         R"(           address_pool = "10.96.0.0/12", default_policy = "deny" }
team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }
network "red" { cidr = "172.30.0.0/24", zone = "shared" }
allow { from = "red", to = "dmz", protocol = "tcp", ports = {80} }
node "web" { template = "micro",
  iface { network = "dmz", address = "10.10.1.10" },
  service "http" { port = 80, reachable_from = {"red"} } }
node "attacker" { template = "micro", iface { network = "red", address = "172.30.0.10" } }
)";
}

// The micro template's real manifest beside one-byte kernel and initrd files,
// under <state_dir>/templates: the test driver defines domains from them but
// never boots them, so plan and up on test:///default need nothing more.
inline void FakeBuiltMicroTemplate(const std::string& state_dir) {
  const std::string dir = state_dir + "/templates/micro";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates/micro/manifest.json",
                             dir + "/manifest.json",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir + "/vmlinuz") << "k";
  std::ofstream(dir + "/initrd.img") << "i";
}

}  // namespace livefire::testsupport

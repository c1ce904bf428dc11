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

json GuestJson(const GuestSpec& g) {
  json svcs = json::array();
  for (const auto& s : g.services) {
    svcs.push_back({{"kind", s.kind}, {"protocol", s.protocol}, {"port", s.port}});
  }
  json accts = json::array();
  for (const auto& a : g.accounts) {
    accts.push_back({{"user", a.user}, {"password", a.password}, {"admin", a.admin}});
  }
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
  for (const auto& a : j.at("accounts")) {
    // "admin" is absent in the state of exercises brought up before it existed.
    g.accounts.push_back({a.at("user"), a.at("password"), a.value("admin", false)});
  }
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
  json j = {{"format", 1}, {"exercise", st.exercise}, {"plan", st.plan}, {"guests", guests}};
  // Binary contents serialise as {"bytes":[...],"subtype":null}.
  return WriteFileAtomic(path, j.dump(2) + "\n", 0600);
}

Result<ExerciseState> ReadExerciseState(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("no such exercise (no state file {})", path));
  try {
    json j = json::parse(in);
    ExerciseState st;
    st.exercise = j.at("exercise");
    // The topology codec refuses a plan of another format_version.
    j.at("plan").get_to(st.plan);
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

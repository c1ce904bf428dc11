#pragma once
// A real range on qemu:///system for the real-VM tests: builds the VM
// templates it needs (cached by vm-templates/build.sh), opens a
// LibvirtProvisioner on a fresh state folder under /tmp, and always takes
// the range down again, failures included. Header-only: a test including it
// links livefire::engine_provision and livefire::engine_net.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "livefire/net/http.h"
#include "livefire/provision/libvirt.h"

namespace livefire::testsupport {

// Where vm-templates/build.sh puts its artifacts (LIVEFIRE_STATE_DIR).
inline std::string TemplatesStateDir() {
  const char* d = std::getenv("LIVEFIRE_STATE_DIR");
  return d && *d ? d : "/var/lib/livefire";
}

// vm-templates/build.sh NAME (a no-op when up to date); false, with a test
// failure recorded, when it fails.
inline bool BuildTemplate(std::string_view name) {
  const std::string cmd = fmt::format("bash {}/vm-templates/build.sh {} >/dev/null",
                                      LIVEFIRE_SOURCE_DIR, name);
  if (std::system(cmd.c_str()) == 0) return true;
  ADD_FAILURE() << "vm-templates/build.sh " << name << " failed";
  return false;
}

// One bounded HTTP GET to a range VM: "HTTP <status>\n<body>", or "" when
// it gets no answer.
inline std::string HttpGet(const std::string& addr, int port, const std::string& path,
                           int timeout_s = 10) {
  auto r = net::HttpGet(addr, port, path, Duration::Seconds(timeout_s));
  return r.ok() ? fmt::format("HTTP {}\n{}", r->status, r->body) : std::string();
}

class LibvirtRange {
 public:
  // A provisioner on a fresh folder /tmp/lf-TAG-XXXXXX for one exercise id;
  // null, with the failure recorded, when libvirt cannot be reached.
  static std::unique_ptr<LibvirtRange> Open(std::string_view tag) {
    std::string dir = fmt::format("/tmp/lf-{}-XXXXXX", tag);
    if (mkdtemp(dir.data()) == nullptr) {
      ADD_FAILURE() << "cannot create " << dir;
      return nullptr;
    }
    chmod(dir.c_str(), 0755);  // qemu (user libvirt-qemu) writes consoles and overlays below
    provision::LibvirtConfig c;
    c.uri = "qemu:///system";
    c.state_dir = dir;
    c.templates_dir = TemplatesStateDir() + "/templates";
    auto p = provision::LibvirtProvisioner::Open(c);
    if (!p.ok()) {
      ADD_FAILURE() << p.status().ToString();
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      return nullptr;
    }
    return std::unique_ptr<LibvirtRange>(new LibvirtRange(dir, std::move(*p)));
  }

  ~LibvirtRange() {
    auto d = prov_->Down(exercise_);
    if (!d.ok()) ADD_FAILURE() << "cleanup: " << d.status().ToString();
    std::error_code ec;
    std::filesystem::remove_all(state_, ec);
  }
  LibvirtRange(const LibvirtRange&) = delete;
  LibvirtRange& operator=(const LibvirtRange&) = delete;

  provision::LibvirtProvisioner& prov() { return *prov_; }
  const ExerciseId& exercise() const { return exercise_; }

  // Up with the wall time it took, in seconds.
  Result<provision::UpReport> Up(const topology::RangePlan& plan,
                                 const provision::UpOptions& options, double* seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = prov_->Up(plan, exercise_, options);
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

  // `sh -c script` on one node through the guest agent; a failed call is a
  // test failure and an empty result.
  provision::ExecResult Run(std::string_view team, std::string_view node,
                            const std::string& script, int timeout_s = 60) {
    auto r = prov_->Exec(exercise_, TeamId(std::string(team)), NodeId(std::string(node)),
                         {"/bin/sh", "-c", script}, Duration::Seconds(timeout_s));
    EXPECT_TRUE(r.ok()) << node << ": " << r.status().ToString();
    return r.ok() ? *r : provision::ExecResult{};
  }

  // The file's content (a failed read is a test failure and "").
  std::string Pull(std::string_view team, std::string_view node, const std::string& path) {
    auto r =
        prov_->PullFile(exercise_, TeamId(std::string(team)), NodeId(std::string(node)), path);
    EXPECT_TRUE(r.ok()) << node << ":" << path << ": " << r.status().ToString();
    return r.ok() ? *r : std::string();
  }

 private:
  LibvirtRange(std::string state, std::unique_ptr<provision::LibvirtProvisioner> prov)
      : state_(std::move(state)),
        prov_(std::move(prov)),
        exercise_(MakeExerciseId(std::time(nullptr), static_cast<uint64_t>(getpid()))) {}

  std::string state_;
  std::unique_ptr<provision::LibvirtProvisioner> prov_;
  ExerciseId exercise_;
};

}  // namespace livefire::testsupport

// Provisioning benchmarks.
//
// BM_UpTestDriver/N, BM_DownTestDriver/N: engine overhead per domain (plan
// checks, XML, libvirt calls, state file, worker pool) on libvirt's in-memory
// test driver, which runs no guest. Target: <= 5 ms per domain at N = 1000.
//
// BM_MicroRange/livefire and BM_MicroRange/virsh_baseline: 10 real micro
// nodes on qemu:///system (TCG) from nothing until every guest agent answers
// guest-ping, once through the provisioner and once the way a user would
// script it (sequential `virsh define` + `virsh start` over the same XMLs,
// then polling each agent with `virsh qemu-agent-command`). Targets:
// livefire <= 25 s and >= 2x faster than the baseline.
//
// BM_DebianRange/{0,1}/{1,4}: the same for 1 and 4 debian nodes (livefire's
// ready includes the declared nginx and OpenSSH listening), with the qemu
// processes' resident memory per node. Target: within 1.2x of the baseline.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <libvirt/libvirt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "livefire/provision/libvirt.h"

namespace livefire::provision {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string MakeTempDir(const char* prefix) {
  std::string t = fmt::format("/tmp/{}-XXXXXX", prefix);
  if (!mkdtemp(t.data())) return "";
  chmod(t.c_str(), 0755);  // qemu writes console logs below
  return t;
}

// `teams` copies of (dmz, lan), domains spread over them round-robin.
topology::RangePlan BigPlan(int domains, int base_octet, int nets = 2) {
  topology::RangePlan p;
  p.scenario = "bench";
  p.blue_teams = {"blue1"};
  for (int n = 0; n < nets; ++n) {
    p.networks.push_back({fmt::format("blue1.net{}", n), fmt::format("net{}", n), "blue1",
                          fmt::format("10.{}.{}.0/22", base_octet, n * 4),
                          fmt::format("10.{}.{}.1", base_octet, n * 4), 22, "", ""});
  }
  for (int i = 0; i < domains; ++i) {
    topology::PlannedDomain d;
    d.key = fmt::format("blue1.n{}", i);
    d.node = fmt::format("n{}", i);
    d.team = "blue1";
    d.template_name = "micro";
    d.resources = {1, 160, 0};
    int net = i % nets;
    int host = 10 + i / nets;
    d.interfaces = {{p.networks[static_cast<size_t>(net)].key,
                     fmt::format("10.{}.{}.{}", base_octet, net * 4 + host / 250, host % 250 + 2),
                     22, fmt::format("52:54:00:b{}:{:02x}:{:02x}", net % 10, i >> 8, i & 0xff)}};
    p.domains.push_back(std::move(d));
  }
  return p;
}

void FakeTemplate(const std::string& state) {
  fs::create_directories(state + "/templates/micro");
  std::ofstream(state + "/templates/micro/manifest.json")
      << R"({"name":"micro","boot":"direct-kernel","resources":{"vcpus":1,"memory_mb":256}})";
  std::ofstream(state + "/templates/micro/vmlinuz") << "k";
  std::ofstream(state + "/templates/micro/initrd.img") << "i";
}

// A provisioner on libvirt's test driver with a fake template in a fresh
// folder; the extra connection keeps the driver's state alive meanwhile.
struct TestDriver {
  virConnectPtr guard = virConnectOpen("test:///default");
  std::string dir;
  Result<std::unique_ptr<LibvirtProvisioner>> prov;
  explicit TestDriver(const char* prefix)
      : dir(MakeTempDir(prefix)), prov(OpenWithFakeTemplate(dir)) {}
  ~TestDriver() {
    fs::remove_all(dir);
    virConnectClose(guard);
  }

 private:
  static Result<std::unique_ptr<LibvirtProvisioner>> OpenWithFakeTemplate(const std::string& d) {
    FakeTemplate(d);
    return LibvirtProvisioner::Open({"test:///default", d, "", ""});
  }
};

// Up and Down of n domains on the test driver; `measure` says which of the two
// is timed (the other is setup or cleanup of the round).
enum class Measure { kUp, kDown };

void TimeTestDriver(benchmark::State& state, const char* id, int octet, Measure measure) {
  const int n = static_cast<int>(state.range(0));
  TestDriver driver(id);
  if (!driver.prov.ok()) {
    state.SkipWithError(driver.prov.status().ToString().c_str());
    return;
  }
  auto& prov = driver.prov;
  topology::RangePlan plan = BigPlan(n, octet, 10);
  UpOptions o;
  o.wait_ready = false;
  double total = 0;
  int round = 0;
  for (auto _ : state) {
    ExerciseId ex(fmt::format("lf-20260101-000000-{:06x}", ++round));
    if (measure == Measure::kDown && !(*prov)->Up(plan, ex, o).ok()) {
      state.SkipWithError("Up failed");
      break;
    }
    auto t0 = Clock::now();
    bool ok;
    if (measure == Measure::kUp) {
      auto r = (*prov)->Up(plan, ex, o);
      ok = r.ok() && r->complete();
    } else {
      auto r = (*prov)->Down(ex);
      ok = r.ok() && r->domains == n;
    }
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    total += s;
    if (!ok) {
      state.SkipWithError(measure == Measure::kUp ? "Up failed" : "Down failed");
      break;
    }
    if (measure == Measure::kUp) {
      state.PauseTiming();
      (void)(*prov)->Down(ex);
      state.ResumeTiming();
    }
  }
  state.counters["ms_per_domain"] =
      benchmark::Counter(total * 1000.0 / n / static_cast<double>(state.iterations()));
  if (measure == Measure::kUp) state.SetItemsProcessed(state.iterations() * n);
}

void BM_UpTestDriver(benchmark::State& state) {
  TimeTestDriver(state, "lf-bench-up", 200, Measure::kUp);
}
BENCHMARK(BM_UpTestDriver)
    ->Arg(100)
    ->Arg(1000)
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_DownTestDriver(benchmark::State& state) {
  TimeTestDriver(state, "lf-bench-down", 201, Measure::kDown);
}
BENCHMARK(BM_DownTestDriver)
    ->Arg(1000)
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// ---- real nodes: livefire beside a plain virsh boot --------------------------

std::string TemplatesStateDir() {
  const char* d = std::getenv("LIVEFIRE_STATE_DIR");
  return std::string(d && *d ? d : "/var/lib/livefire") + "/templates";
}

bool BuildTemplate(const std::string& name) {
  return std::system(("bash " + std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates/build.sh " +
                      name + " >/dev/null")
                         .c_str()) == 0;
}

// Resident memory of the qemu processes running `names`, in MiB each.
double QemuRssMiBPerDomain(const std::vector<std::string>& names) {
  double kib = 0;
  for (const auto& n : names) {
    FILE* p = popen(("ps -eo rss=,args= | grep -F 'guest=" + n + ",' | grep -v grep").c_str(), "r");
    if (!p) continue;
    double v = 0;
    if (fscanf(p, "%lf", &v) == 1) kib += v;
    pclose(p);
  }
  return names.empty() ? 0 : kib / 1024.0 / static_cast<double>(names.size());
}

// One benchmark run: `nodes` real nodes of template `tmpl` on qemu:///system
// (TCG) from nothing to ready, through the provisioner (ready = agent
// answers, configuration applied, declared TCP ports accept) or the way a
// user would script it (`virsh define` + `virsh start` over the same XMLs
// and overlays, then polling each agent with guest-ping). Counters: seconds,
// and the qemu processes' resident memory per node once ready.
void RealRange(benchmark::State& state, const std::string& tmpl_name, int nodes, int memory_mb,
               const GuestSpec& guest, int parallelism, bool baseline) {
  state.SetLabel(fmt::format("{} x{} {}", tmpl_name, nodes, baseline ? "virsh_baseline" : "livefire"));
  if (!BuildTemplate(tmpl_name)) {
    state.SkipWithError(("vm-templates/build.sh " + tmpl_name + " failed").c_str());
    return;
  }
  const std::string dir = MakeTempDir("lf-bench-real");
  LibvirtConfig cfg{"qemu:///system", dir, TemplatesStateDir(), ""};
  auto prov = LibvirtProvisioner::Open(cfg);
  if (!prov.ok()) {
    state.SkipWithError(prov.status().ToString().c_str());
    return;
  }
  auto tmpl = templates::LoadBuilt(cfg.templates_dir, tmpl_name);
  if (!tmpl.ok()) {
    state.SkipWithError(tmpl.status().ToString().c_str());
    return;
  }
  topology::RangePlan plan = BigPlan(nodes, 100 + getpid() % 100);
  for (auto& d : plan.domains) {
    d.template_name = tmpl_name;
    d.resources = {1, memory_mb, 0};
  }
  int round = 0;
  for (auto _ : state) {
    ExerciseId ex = MakeExerciseId(std::time(nullptr), static_cast<uint64_t>(getpid()) + ++round);
    std::vector<std::string> names;
    for (const auto& d : plan.domains) names.push_back(DomainName(ex, d));
    double secs = 0;
    if (!baseline) {
      UpOptions o;
      o.parallelism = parallelism;
      o.retries = 0;
      o.ready_timeout = Duration::Seconds(900);
      for (const auto& d : plan.domains) o.guests[d.key] = guest;
      auto t0 = Clock::now();
      auto r = (*prov)->Up(plan, ex, o);
      secs = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!r.ok() || !r->complete()) {
        state.SkipWithError(r.ok() ? r->domains[0].status.ToString().c_str()
                                   : r.status().ToString().c_str());
      }
    } else {
      // The same definitions, written out for virsh.
      const std::string xdir = dir + "/xml";
      const ExercisePaths paths = (*prov)->Paths(ex);
      fs::create_directories(xdir);
      fs::create_directories(paths.dir + "/console");
      fs::create_directories(fs::path(paths.disk("x")).parent_path());
      std::string script = "set -e\n";
      for (const auto& n : plan.networks) {
        std::string f = xdir + "/" + NetworkName(ex, n) + ".xml";
        std::ofstream(f) << NetworkXml(ex, n).value();
        script +=
            fmt::format("virsh -q net-define {0} >/dev/null; virsh -q net-start {1} >/dev/null\n",
                        f, NetworkName(ex, n));
      }
      for (size_t k = 0; k < plan.domains.size(); ++k) {
        DomainXmlInput in;
        in.exercise = ex;
        in.scenario = plan.scenario;
        in.domain = &plan.domains[k];
        in.tmpl = &*tmpl;
        in.name = names[k];
        in.console_log = paths.console(in.name);
        for (const auto& n : plan.networks) in.network_names[n.key] = NetworkName(ex, n);
        if (!tmpl->diskless()) {
          in.overlay = paths.disk(in.name);
          script += fmt::format("qemu-img create -q -f qcow2 -F qcow2 -b {} {}\n", tmpl->disk,
                                in.overlay);
        }
        std::string f = xdir + "/" + in.name + ".xml";
        std::ofstream(f) << DomainXml(in).value();
        script += fmt::format("virsh -q define {0} >/dev/null; virsh -q start {1} >/dev/null\n", f,
                              in.name);
      }
      for (const auto& name : names) {
        script += fmt::format(
            "until virsh -q qemu-agent-command {} '{{\"execute\":\"guest-ping\"}}' "
            ">/dev/null 2>&1; do sleep 0.5; done\n",
            name);
      }
      std::ofstream(xdir + "/baseline.sh") << script;
      auto t0 = Clock::now();
      int rc = std::system(
          ("LIBVIRT_DEFAULT_URI=qemu:///system timeout 900 bash " + xdir + "/baseline.sh").c_str());
      secs = std::chrono::duration<double>(Clock::now() - t0).count();
      if (rc != 0) state.SkipWithError("baseline script failed");
    }
    state.SetIterationTime(secs);
    state.counters["seconds"] = secs;
    state.counters["rss_mib_per_node"] = QemuRssMiBPerDomain(names);
    state.PauseTiming();
    auto down = (*prov)->Down(ex);  // objects carry our metadata either way
    if (!down.ok()) state.SkipWithError(down.status().ToString().c_str());
    state.ResumeTiming();
  }
  fs::remove_all(dir);
}

// Args: {baseline?, parallelism}.
void BM_MicroRange(benchmark::State& state) {
  RealRange(state, "micro", 10, 160, GuestSpec{}, static_cast<int>(state.range(1)),
            state.range(0) == 1);
}
BENCHMARK(BM_MicroRange)
    ->Args({0, 4})
    ->Args({1, 0})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

// Args: {baseline?, nodes}. Ready for livefire includes nginx + PHP-FPM and
// OpenSSH listening (target: within 1.2x of the baseline's boot to agent).
void BM_DebianRange(benchmark::State& state) {
  GuestSpec web;
  web.services = {{"http", "tcp", 80}, {"ssh", "tcp", 22}};
  RealRange(state, "debian", static_cast<int>(state.range(1)), 1024, web, 4,
            state.range(0) == 1);
}
BENCHMARK(BM_DebianRange)
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({0, 4})
    ->Args({1, 4})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace livefire::provision

BENCHMARK_MAIN();

#pragma once
// Host capacity: whether this host's memory and cores can hold a range plan,
// decided before anything boots (`plan` says it, `up` refuses), so a range
// too big for the host fails with the numbers instead of halfway through.
// The rule (docs/vm-templates.md, "Capacity"): guests run under TCG, memory
// is not overcommitted, vCPUs are.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::topology {

struct HostCapacity {
  int64_t memory_available_mb = 0;  // /proc/meminfo MemAvailable
  int cpus = 0;                     // cores this process may run on (nproc)
};

struct CapacityRule {
  // Per running domain on top of its guest memory: the qemu process and its
  // TCG translation cache (a 1 GiB debian guest measured ~850 MiB RSS once
  // booted; the cache and qemu itself take up to ~100 MiB beyond the RAM the
  // guest touched).
  int64_t overhead_mb_per_domain = 128;
  // Templates whose guests cost more than that (manifest
  // "resources.qemu_overhead_mb", by template name): a small debian guest
  // fills its RAM with page cache and runs far more code under TCG (the
  // two-team provincial-egov demo: 13.5-14 GiB resident for 13 domains).
  std::map<std::string, int64_t, std::less<>> overhead_mb_by_template;
  // Left to the host, the engine and libvirt.
  int64_t host_reserve_mb = 512;
  // vCPUs per host core. Exercise guests are mostly idle between attacks;
  // 16 is OpenStack Nova's default cpu_allocation_ratio. One domain may not
  // have more vCPUs than the host has cores (its threads would only contend).
  int vcpus_per_core = 16;
};

struct CapacityDemand {
  int domains = 0;
  int64_t guest_memory_mb = 0;  // sum of the domains' memory_mb
  int64_t overhead_mb = 0;      // the domains' qemu/TCG overhead, summed
  std::map<int64_t, int> overhead_groups;  // overhead MiB -> domains with it
  int64_t memory_mb = 0;        // guest memory + overhead + host reserve
  int vcpus = 0;                // sum of the domains' vcpus
  int max_domain_vcpus = 0;
  std::string widest;  // key of the domain with the most vCPUs
};

CapacityDemand Demand(const RangePlan& plan, const CapacityRule& rule = {});

// Ok when the host holds the plan; otherwise ResourceExhausted saying every
// limit that is exceeded, with the numbers.
Status CheckCapacity(const RangePlan& plan, const HostCapacity& host,
                     const CapacityRule& rule = {});

// One line: "capacity: 12 domains need 3584 MiB (...) of 21525 MiB available; 12 vCPUs of
// 32 allowed (2 cores x 16)".
std::string FormatCapacity(const RangePlan& plan, const HostCapacity& host,
                           const CapacityRule& rule = {});

// Where the host's capacity comes from: the real host, or a fixed value in
// tests (nobody exhausts a test machine's memory to test this).
class HostCapacitySource {
 public:
  virtual ~HostCapacitySource() = default;
  virtual Result<HostCapacity> Read() const = 0;
};

// This host: MemAvailable from meminfo_path, cores from the process's CPU
// affinity (what nproc prints).
class ProcHostCapacity final : public HostCapacitySource {
 public:
  explicit ProcHostCapacity(std::string meminfo_path = "/proc/meminfo")
      : meminfo_path_(std::move(meminfo_path)) {}
  Result<HostCapacity> Read() const override;

 private:
  std::string meminfo_path_;
};

class FixedHostCapacity final : public HostCapacitySource {
 public:
  explicit FixedHostCapacity(HostCapacity c) : c_(c) {}
  Result<HostCapacity> Read() const override { return c_; }

 private:
  HostCapacity c_;
};

// MemAvailable of a /proc/meminfo text, in MiB; InvalidArgument when absent.
Result<int64_t> ParseMemAvailableMb(std::string_view meminfo);

}  // namespace livefire::topology

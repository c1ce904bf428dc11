#include "livefire/topology/capacity.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sched.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace livefire::topology {

CapacityDemand Demand(const RangePlan& plan, const CapacityRule& rule) {
  CapacityDemand d;
  for (const PlannedDomain& p : plan.domains) {
    ++d.domains;
    d.guest_memory_mb += p.resources.memory_mb;
    const auto o = rule.overhead_mb_by_template.find(p.template_name);
    const int64_t overhead =
        o == rule.overhead_mb_by_template.end() ? rule.overhead_mb_per_domain : o->second;
    d.overhead_mb += overhead;
    ++d.overhead_groups[overhead];
    d.vcpus += p.resources.vcpus;
    if (p.resources.vcpus > d.max_domain_vcpus) {
      d.max_domain_vcpus = p.resources.vcpus;
      d.widest = p.key;
    }
  }
  d.memory_mb = d.guest_memory_mb + d.overhead_mb + rule.host_reserve_mb;
  return d;
}

namespace {

std::string MemoryTerms(const CapacityDemand& d, const CapacityRule& rule) {
  // "2 x 128 MiB", or "10 x 448 + 3 x 128 MiB" when templates differ.
  std::vector<std::string> groups;
  for (auto it = d.overhead_groups.rbegin(); it != d.overhead_groups.rend(); ++it) {
    groups.push_back(fmt::format("{} x {}", it->second, it->first));
  }
  if (groups.empty()) groups.push_back(fmt::format("0 x {}", rule.overhead_mb_per_domain));
  return fmt::format("{} MiB guest memory + {} MiB qemu/TCG overhead + {} MiB host reserve",
                     d.guest_memory_mb, fmt::join(groups, " + "), rule.host_reserve_mb);
}

int64_t AllowedVcpus(const HostCapacity& host, const CapacityRule& rule) {
  return int64_t{host.cpus} * rule.vcpus_per_core;
}

}  // namespace

Status CheckCapacity(const RangePlan& plan, const HostCapacity& host, const CapacityRule& rule) {
  CapacityDemand d = Demand(plan, rule);
  std::vector<std::string> why;
  if (d.memory_mb > host.memory_available_mb) {
    why.push_back(fmt::format("memory: {} domains need {} MiB ({}) but the host has {} MiB "
                              "available (MemAvailable)",
                              d.domains, d.memory_mb, MemoryTerms(d, rule),
                              host.memory_available_mb));
  }
  if (d.vcpus > AllowedVcpus(host, rule)) {
    why.push_back(fmt::format("cores: {} domains have {} vCPUs but {} cores allow {} ({} vCPUs "
                              "per core)",
                              d.domains, d.vcpus, host.cpus, AllowedVcpus(host, rule),
                              rule.vcpus_per_core));
  }
  if (d.max_domain_vcpus > host.cpus) {
    why.push_back(fmt::format("cores: domain {} has {} vCPUs, more than the host's {} cores",
                              d.widest, d.max_domain_vcpus, host.cpus));
  }
  if (why.empty()) return Status::Ok();
  return Status::ResourceExhausted(
      fmt::format("this host cannot hold the range ({} team(s)): {}; use fewer teams (--teams) or "
                  "smaller node resources, or free memory",
                  plan.blue_teams.size(), fmt::join(why, "; ")));
}

std::string FormatCapacity(const RangePlan& plan, const HostCapacity& host,
                           const CapacityRule& rule) {
  CapacityDemand d = Demand(plan, rule);
  return fmt::format("capacity: {} domains need {} MiB ({}) of {} MiB available; {} vCPUs of {} "
                     "allowed ({} cores x {})",
                     d.domains, d.memory_mb, MemoryTerms(d, rule), host.memory_available_mb,
                     d.vcpus, AllowedVcpus(host, rule), host.cpus, rule.vcpus_per_core);
}

Result<int64_t> ParseMemAvailableMb(std::string_view meminfo) {
  constexpr std::string_view kKey = "MemAvailable:";
  size_t at = 0;
  while (at < meminfo.size()) {
    size_t end = meminfo.find('\n', at);
    std::string_view line = meminfo.substr(at, end == std::string_view::npos ? end : end - at);
    if (line.substr(0, kKey.size()) == kKey) {
      std::string_view rest = line.substr(kKey.size());
      size_t b = rest.find_first_not_of(' ');
      int64_t kb = 0;
      if (b != std::string_view::npos) {
        auto [p, ec] = std::from_chars(rest.data() + b, rest.data() + rest.size(), kb);
        std::string_view unit(p, static_cast<size_t>(rest.data() + rest.size() - p));
        if (ec == std::errc{} && unit == " kB") return kb / 1024;
      }
      return Status::InvalidArgument(fmt::format("malformed meminfo line '{}'", line));
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return Status::InvalidArgument("meminfo has no MemAvailable line");
}

Result<HostCapacity> ProcHostCapacity::Read() const {
  std::ifstream in(meminfo_path_);
  if (!in) return Status::Unavailable(fmt::format("cannot read {}", meminfo_path_));
  std::ostringstream text;
  text << in.rdbuf();
  auto mb = ParseMemAvailableMb(text.str());
  if (!mb.ok()) return mb.status().WithContext(meminfo_path_);
  HostCapacity c;
  c.memory_available_mb = *mb;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    return Status::Unavailable("sched_getaffinity failed: cannot count the host's cores");
  }
  c.cpus = CPU_COUNT(&set);
  return c;
}

}  // namespace livefire::topology

#include "livefire/topology/capacity.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "livefire/testing/files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::topology {
namespace {

RangePlan PlanOf(std::initializer_list<std::pair<int, int>> vcpus_mb) {
  RangePlan p;
  p.blue_teams = {"blue1"};
  int i = 0;
  for (auto [vcpus, mb] : vcpus_mb) {
    PlannedDomain d;
    d.key = fmt::format("d{}", i++);
    d.resources = {vcpus, mb, 0};
    p.domains.push_back(d);
  }
  return p;
}

TEST(Capacity, DemandSumsGuestsOverheadAndReserve) {
  CapacityDemand d = Demand(PlanOf({{1, 256}, {2, 1024}, {1, 256}}));
  EXPECT_EQ(d.domains, 3);
  EXPECT_EQ(d.guest_memory_mb, 1536);
  EXPECT_EQ(d.memory_mb, 1536 + 3 * 128 + 512);
  EXPECT_EQ(d.vcpus, 4);
  EXPECT_EQ(d.max_domain_vcpus, 2);
  EXPECT_EQ(d.widest, "d1");
}

TEST(Capacity, ATemplatesOwnOverheadCountsForItsDomainsAndIsSaid) {
  RangePlan p = PlanOf({{1, 512}, {1, 512}, {1, 128}});
  p.domains[0].template_name = p.domains[1].template_name = "debian";
  p.domains[2].template_name = "micro";
  CapacityRule rule;
  rule.overhead_mb_by_template = {{"debian", 448}};
  CapacityDemand d = Demand(p, rule);
  EXPECT_EQ(d.overhead_mb, 2 * 448 + 128);
  EXPECT_EQ(d.memory_mb, 1152 + 2 * 448 + 128 + 512);
  Status st = CheckCapacity(p, {2000, 2}, rule);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("3 domains need 2688 MiB (1152 MiB guest memory + 2 x 448 + 1 x 128 "
                              "MiB qemu/TCG overhead + 512 MiB host reserve)"),
            std::string::npos)
      << st.message();
}

TEST(Capacity, FitsExactlyAtTheLimit) {
  RangePlan p = PlanOf({{1, 256}, {1, 256}});
  EXPECT_TRUE(CheckCapacity(p, {512 + 256 + 512, 1}).ok());
  Status short_by_one = CheckCapacity(p, {512 + 256 + 512 - 1, 1});
  ASSERT_FALSE(short_by_one.ok());
  EXPECT_EQ(short_by_one.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(short_by_one.message(),
            "this host cannot hold the range (1 team(s)): memory: 2 domains need 1280 MiB (512 "
            "MiB guest memory + 2 x 128 MiB qemu/TCG overhead + 512 MiB host reserve) but the "
            "host has 1279 MiB available (MemAvailable); use fewer teams (--teams) or smaller "
            "node resources, or free memory");
}

TEST(Capacity, VcpusOvercommitSixteenPerCore) {
  RangePlan p;
  for (int i = 0; i < 33; ++i) p.domains.push_back(PlanOf({{1, 1}}).domains[0]);
  EXPECT_FALSE(CheckCapacity(p, {1 << 20, 2}).ok());
  p.domains.pop_back();
  EXPECT_TRUE(CheckCapacity(p, {1 << 20, 2}).ok());
  // A custom rule is honoured.
  EXPECT_FALSE(CheckCapacity(p, {1 << 20, 2}, {.vcpus_per_core = 4}).ok());
}

TEST(Capacity, OneDomainWiderThanTheHostIsRefused) {
  Status st = CheckCapacity(PlanOf({{4, 256}}), {1 << 20, 2});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cores: domain d0 has 4 vCPUs, more than the host's 2 cores"),
            std::string::npos)
      << st.message();
}

TEST(Capacity, EveryExceededLimitIsSaid) {
  Status st = CheckCapacity(PlanOf({{4, 4096}}), {1000, 0});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("memory: "), std::string::npos);
  EXPECT_NE(st.message().find("cores: 1 domains have 4 vCPUs but 0 cores allow 0"),
            std::string::npos);
  EXPECT_NE(st.message().find("domain d0 has 4 vCPUs"), std::string::npos);
}

TEST(Capacity, ParsesMemAvailable) {
  auto mb = ParseMemAvailableMb(
      "MemTotal:       32768000 kB\nMemFree:         1000 kB\nMemAvailable:   22042380 kB\n");
  ASSERT_TRUE(mb.ok()) << mb.status().message();
  EXPECT_EQ(*mb, 22042380 / 1024);
  EXPECT_FALSE(ParseMemAvailableMb("MemTotal: 1 kB\n").ok());
  EXPECT_FALSE(ParseMemAvailableMb("MemAvailable: lots\n").ok());
}

TEST(Capacity, ProcSourceReadsTheGivenMeminfoAndCountsCores) {
  testsupport::TempDir tmp;
  std::string path = testsupport::WriteFile(tmp.path(), "meminfo", "MemAvailable:    2097152 kB\n");
  auto c = ProcHostCapacity(path).Read();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->memory_available_mb, 2048);
  EXPECT_GE(c->cpus, 1);
  auto missing = ProcHostCapacity(tmp.str() + "/nope").Read();
  EXPECT_FALSE(missing.ok());
  // The real host answers too.
  auto here = ProcHostCapacity().Read();
  ASSERT_TRUE(here.ok()) << here.status().message();
  EXPECT_GT(here->memory_available_mb, 0);
}

}  // namespace
}  // namespace livefire::topology

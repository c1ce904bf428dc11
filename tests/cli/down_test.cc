// `livefire down` on libvirt's in-memory test driver: it removes what libvirt
// leaves behind for the exercise's own domains and networks (qemu logs,
// network status files, in folders given as options), keeps plan.json and
// the event log as the exercise's record, and `ls` then hides the exercise
// (or marks it down with --all).

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "livefire/ids.h"
#include "livefire/provision/provisioner.h"
#include "livefire/testing/cli_range.h"
#include "test_driver_cli.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::Outcome;

const std::string kScenario = testsupport::WebAndAttackerScenario("cli-down");

using testsupport::LastLine;

std::set<std::string> Entries(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

class DownCli : public TestDriverCli {
 protected:
  DownCli() : TestDriverCli(kScenario, "lf-cli-down") {}
  void SetUp() override {
    TestDriverCli::SetUp();
    fs::create_directories(logs_);
    fs::create_directories(nets_);
  }

  // libvirt names of the exercise's domains or networks, as libvirt has them.
  std::vector<std::string> Names(const std::string& id, bool domains) {
    const std::string prefix = "lf-" + provision::ExerciseShort(ExerciseId(id)) + "-";
    std::vector<std::string> out;
    if (domains) {
      virDomainPtr* list = nullptr;
      int n = virConnectListAllDomains(conn_, &list, 0);
      for (int i = 0; i < n; ++i) {
        std::string name = virDomainGetName(list[i]);
        if (name.rfind(prefix, 0) == 0) out.push_back(name);
        virDomainFree(list[i]);
      }
      std::free(list);
    } else {
      virNetworkPtr* list = nullptr;
      int n = virConnectListAllNetworks(conn_, &list, 0);
      for (int i = 0; i < n; ++i) {
        std::string name = virNetworkGetName(list[i]);
        if (name.rfind(prefix, 0) == 0) out.push_back(name);
        virNetworkFree(list[i]);
      }
      std::free(list);
    }
    return out;
  }

  std::string logs_ = state_ + "/var-log-libvirt-qemu";
  std::string nets_ = state_ + "/run-libvirt-network";
};

TEST_F(DownCli, DownRemovesExactlyTheExercisesLibvirtLeftoversAndKeepsTheRecord) {
  Outcome up = Cli({"up", state_ + "/scenario", "--teams", "2", "--uri", uri_, "--no-wait"});
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  const std::string id = LastLine(up.out);
  const std::string dir = state_ + "/exercises/" + id;
  const std::vector<std::string> domains = Names(id, true);
  const std::vector<std::string> networks = Names(id, false);
  ASSERT_EQ(domains.size(), 5u);   // 2 x (router, web) + the shared attacker
  ASSERT_EQ(networks.size(), 3u);  // 2 x dmz + red

  // What libvirt leaves: a log per domain (one rotated), a status file per
  // network and an empty folder for one; beside them other exercises' files
  // and names that only start like ours.
  std::set<std::string> ours;
  for (const auto& d : domains) {
    std::ofstream(logs_ + "/" + d + ".log") << "qemu log";
    ours.insert(d + ".log");
  }
  std::ofstream(logs_ + "/" + domains[0] + ".log.1") << "rotated";
  ours.insert(domains[0] + ".log.1");
  for (const auto& n : networks) {
    std::ofstream(nets_ + "/" + n + ".xml") << "<networkstatus/>";
    ours.insert(n + ".xml");
  }
  // libvirt's own network folder keeps an empty ports/ folder: still empty.
  fs::create_directories(nets_ + "/" + networks[0] + "/ports");
  ours.insert(networks[0]);
  const std::set<std::string> foreign_logs = {"lf-zzzzzz-blue1-web.log", domains[0] + "2.log",
                                              "other.log"};
  const std::set<std::string> foreign_nets = {"lf-zzzzzz-blue1-dmz.xml", networks[0] + "x.xml",
                                              "default.xml"};
  for (const auto& f : foreign_logs) std::ofstream(logs_ + "/" + f) << "not ours";
  for (const auto& f : foreign_nets) std::ofstream(nets_ + "/" + f) << "not ours";
  // A non-empty folder of ours is not emptied (libvirt still uses it or
  // someone put something there): left in place with a warning.
  fs::create_directories(nets_ + "/" + networks[1]);
  std::ofstream(nets_ + "/" + networks[1] + "/keep") << "x";
  // The event log of a run (any file of the record).
  std::ofstream(dir + "/events.db") << "log";

  Outcome down =
      Cli({"down", id, "--uri", uri_, "--libvirt-log-dir", logs_, "--libvirt-network-dir", nets_});
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_NE(down.out.find("removed " + id + ": 5 domains, 3 networks, " +
                          std::to_string(ours.size()) + " libvirt leftovers"),
            std::string::npos)
      << down.out;
  EXPECT_NE(down.err.find("warning: left " + nets_ + "/" + networks[1] + " in place"),
            std::string::npos)
      << down.err;
  EXPECT_EQ(Entries(logs_), foreign_logs);
  std::set<std::string> nets_left = foreign_nets;
  nets_left.insert(networks[1]);
  EXPECT_EQ(Entries(nets_), nets_left);
  EXPECT_TRUE(Names(id, true).empty());
  EXPECT_TRUE(Names(id, false).empty());

  // The record stays: plan.json (the topology the GUI shows), the event log.
  EXPECT_TRUE(fs::exists(dir + "/plan.json"));
  EXPECT_TRUE(fs::exists(dir + "/events.db"));
  EXPECT_TRUE(fs::exists(dir + "/exercise.json"));
  EXPECT_TRUE(fs::exists(dir + "/down.json"));
  EXPECT_FALSE(fs::exists(dir + "/console"));
  EXPECT_FALSE(fs::exists(dir + "/disks"));

  // A leftover that appears later (libvirt flushing a log) goes with a
  // second down, found through the kept plan's names.
  std::ofstream(logs_ + "/" + domains[1] + ".log") << "late";
  Outcome again =
      Cli({"down", id, "--uri", uri_, "--libvirt-log-dir", logs_, "--libvirt-network-dir", nets_});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("0 domains, 0 networks, 1 libvirt leftovers"), std::string::npos)
      << again.out;
  EXPECT_EQ(Entries(logs_), foreign_logs);
  std::ofstream(nets_ + "/" + networks[1] + "/keep").close();
  fs::remove_all(nets_ + "/" + networks[1]);
  Outcome third =
      Cli({"down", id, "--uri", uri_, "--libvirt-log-dir", logs_, "--libvirt-network-dir", nets_});
  EXPECT_EQ(third.code, 0);
  EXPECT_NE(third.out.find("nothing to remove"), std::string::npos) << third.out;

  // Commands that act on the range say it is down.
  Outcome exec = Cli({"exec", id, "blue1", "web", "--uri", uri_, "--", "true"});
  EXPECT_EQ(exec.code, 1);
  EXPECT_NE(exec.err.find("was taken down"), std::string::npos) << exec.err;
}

TEST_F(DownCli, LsHidesExercisesTakenDownAndAllMarksThem) {
  Outcome a = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
  ASSERT_EQ(a.code, 0) << a.err;
  Outcome b = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
  ASSERT_EQ(b.code, 0) << b.err;
  const std::string gone = LastLine(a.out), live = LastLine(b.out);
  ASSERT_NE(gone, live);
  ASSERT_EQ(
      Cli({"down", gone, "--uri", uri_, "--libvirt-log-dir", logs_, "--libvirt-network-dir", nets_})
          .code,
      0);

  Outcome ls = Cli({"ls", "--uri", uri_, "--json"});
  ASSERT_EQ(ls.code, 0) << ls.err;
  auto j = nlohmann::json::parse(ls.out);
  ASSERT_EQ(j.size(), 1u) << ls.out;
  EXPECT_EQ(j[0]["exercise"], live);
  EXPECT_EQ(j[0]["down"], false);

  Outcome all = Cli({"ls", "--uri", uri_, "--json", "--all"});
  ASSERT_EQ(all.code, 0) << all.err;
  auto k = nlohmann::json::parse(all.out);
  ASSERT_EQ(k.size(), 2u) << all.out;
  for (const auto& e : k) {
    EXPECT_EQ(e["down"], e["exercise"] == gone) << e.dump();
    if (e["exercise"] == gone) {
      EXPECT_EQ(e["domains"], 0);
    }
  }
  Outcome table = Cli({"ls", "--uri", uri_, "--all"});
  ASSERT_EQ(table.code, 0);
  const auto row = table.out.find(gone);
  ASSERT_NE(row, std::string::npos) << table.out;
  EXPECT_NE(table.out.substr(row, table.out.find('\n', row) - row).find("down"), std::string::npos)
      << table.out;
  EXPECT_EQ(Cli({"ls", "--uri", uri_}).out.find(gone), std::string::npos);

  // Up again (resume) brings it back.
  Outcome re = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait", "--resume", gone});
  ASSERT_EQ(re.code, 0) << re.err;
  EXPECT_FALSE(fs::exists(state_ + "/exercises/" + gone + "/down.json"));
  EXPECT_NE(Cli({"ls", "--uri", uri_}).out.find(gone), std::string::npos);
  EXPECT_EQ(Cli({"down", live, "--uri", uri_}).code, 0);
  EXPECT_EQ(Cli({"down", gone, "--uri", uri_}).code, 0);
}

}  // namespace
}  // namespace livefire::cli

// Real micro-nodes on qemu:///system under TCG: 3 nodes on 2 isolated
// networks. Builds the micro template first (cached by vm-templates/build.sh)
// and always takes the range down again, failures included.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "livefire/testing/libvirt_range.h"

namespace livefire::provision {
namespace {

namespace fs = std::filesystem;

// Short answers from the micro nodes' busybox httpd.
std::string HttpGet(const std::string& addr, int port, const std::string& path) {
  return testsupport::HttpGet(addr, port, path, 5);
}

class MicroRange : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testsupport::BuildTemplate("micro")) return;
    range_ = testsupport::LibvirtRange::Open("provision-slow").release();
    if (range_ == nullptr) return;
    prov_ = &range_->prov();
    ex_ = &range_->exercise();

    // Subnets derived from the pid, so that concurrent runs do not collide.
    const int o = 100 + getpid() % 100;
    plan_ = new topology::RangePlan;
    plan_->scenario = "slowtest";
    plan_->blue_teams = {"blue1"};
    plan_->networks = {{"blue1.dmz", "dmz", "blue1", fmt::format("10.231.{}.0/24", o),
                        fmt::format("10.231.{}.1", o), 24, "", ""},
                       {"blue1.lan", "lan", "blue1", fmt::format("10.232.{}.0/24", o),
                        fmt::format("10.232.{}.1", o), 24, "", ""}};
    auto node = [&](std::string name, int layer, std::vector<topology::PlannedInterface> ifs) {
      topology::PlannedDomain d;
      d.key = "blue1." + name;
      d.node = name;
      d.team = "blue1";
      d.template_name = "micro";
      d.resources = {1, 192, 0};
      d.interfaces = std::move(ifs);
      d.layer = layer;
      return d;
    };
    const std::string mac = fmt::format("52:54:00:e7:{:02x}:", o);
    plan_->domains = {
        node("db", 0, {{"blue1.lan", fmt::format("10.232.{}.20", o), 24, mac + "01"}}),
        node("web", 1, {{"blue1.dmz", fmt::format("10.231.{}.10", o), 24, mac + "02"}}),
        node("jump", 1,
             {{"blue1.dmz", fmt::format("10.231.{}.30", o), 24, mac + "03"},
              {"blue1.lan", fmt::format("10.232.{}.30", o), 24, mac + "04"}})};
    web_addr_ = new std::string(plan_->domains[1].interfaces[0].address);
    GuestSpec web;
    web.services = {{"http", "tcp", 80}};
    web.vulnerabilities = {"cgi-cmd-injection"};
    web.accounts = {{"operator", "Winter2026!"}};
    web.flag = "FLAG{slow-test}";
    web.files = {{"/etc/lf-planted/notice.txt", "planted by livefire\n", 0640}};
    GuestSpec db;
    db.services = {{"telnet", "tcp", 23}};
    UpOptions o2;
    o2.parallelism = 3;
    o2.retries = 1;
    o2.ready_timeout = Duration::Seconds(240);
    o2.guests = {{"blue1.web", web}, {"blue1.db", db}};
    auto r = prov_->Up(*plan_, *ex_, o2);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    up_ = new UpReport(*r);
    options_ = new UpOptions(o2);
  }

  static void TearDownTestSuite() {
    delete range_;
    delete plan_;
    delete web_addr_;
    delete up_;
    delete options_;
  }

  void SetUp() override {
    if (up_ == nullptr) GTEST_FAIL() << "the range did not come up (see SetUpTestSuite)";
  }

  static inline testsupport::LibvirtRange* range_ = nullptr;
  static inline LibvirtProvisioner* prov_ = nullptr;  // range_'s
  static inline const ExerciseId* ex_ = nullptr;      // range_'s
  static inline topology::RangePlan* plan_ = nullptr;
  static inline std::string* web_addr_ = nullptr;
  static inline UpReport* up_ = nullptr;
  static inline UpOptions* options_ = nullptr;
};

TEST_F(MicroRange, EveryNodeIsReadyAndHttpAnswersTheHost) {
  for (const auto& d : up_->domains) {
    EXPECT_TRUE(d.ok) << d.key << ": " << d.status.ToString();
  }
  std::string page = HttpGet(*web_addr_, 80, "/");
  EXPECT_NE(page.find("200"), std::string::npos) << page.substr(0, 200);
  EXPECT_NE(page.find("web"), std::string::npos);
  std::cerr << "up: " << up_->seconds << " s for " << up_->domains.size() << " nodes\n";
}

TEST_F(MicroRange, ExecReturnsOutputErrorsAndExitCode) {
  auto r = prov_->Exec(*ex_, TeamId("blue1"), NodeId("web"),
                       {"/bin/sh", "-c", "cat /etc/hostname; echo oops >&2; exit 3"},
                       Duration::Seconds(30));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "web\n");
  EXPECT_EQ(r->err, "oops\n");
  EXPECT_EQ(r->exit_code, 3);
  // The flag given through the agent at boot, and the planted file with its mode.
  auto flag = prov_->PullFile(*ex_, TeamId("blue1"), NodeId("web"), "/root/flag.txt");
  ASSERT_TRUE(flag.ok()) << flag.status().ToString();
  EXPECT_EQ(*flag, "FLAG{slow-test}\n");
  auto mode =
      prov_->Exec(*ex_, TeamId("blue1"), NodeId("web"),
                  {"stat", "-c", "%a", "/etc/lf-planted/notice.txt"}, Duration::Seconds(30));
  ASSERT_TRUE(mode.ok()) << mode.status().ToString();
  EXPECT_EQ(mode->out, "640\n");
  // The two-legged node reaches the db over the lan.
  auto ping = prov_->Exec(*ex_, TeamId("blue1"), NodeId("jump"),
                          {"ping", "-c", "1", "-W", "5", plan_->domains[0].interfaces[0].address},
                          Duration::Seconds(30));
  ASSERT_TRUE(ping.ok()) << ping.status().ToString();
  EXPECT_EQ(ping->exit_code, 0) << ping->out << ping->err;
}

TEST_F(MicroRange, SecretsAreNeitherOnTheCommandLineNorInTheLogs) {
  const TeamId team("blue1");
  const NodeId web("web");
  auto run = [&](const std::string& script) {
    auto r = prov_->Exec(*ex_, team, web, {"/bin/sh", "-c", script}, Duration::Seconds(30));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ExecResult{};
  };
  // What any process on the box can read, then the logs a foothold may reach.
  const std::string cmdline = run("cat /proc/cmdline").out;
  EXPECT_NE(cmdline.find("lf.host=web"), std::string::npos) << cmdline;
  const std::string logs =
      run("cat /var/log/messages /var/log/*.log /run/lf-warnings 2>/dev/null; dmesg").out;
  EXPECT_NE(logs.find("Command line:"), std::string::npos) << "the kernel's log is not there";
  for (const std::string& where : {cmdline, logs}) {
    for (const char* secret : {"slow-test", "Winter2026", "operator", "cgi-cmd-injection", "lf.pw",
                               "lf.flag", "lf.vuln"}) {
      EXPECT_EQ(where.find(secret), std::string::npos) << secret << " in:\n" << where;
    }
  }
  // The configuration file is gone once applied, and its directory is root's.
  EXPECT_EQ(run("stat -c %a /run/livefire; test -e /run/livefire/config").out, "700\n");
  // Yet the flag file and the account are there: the password hashes to the
  // stored sha512 crypt (checked last: this command line names the password).
  auto flag = prov_->PullFile(*ex_, team, web, "/root/flag.txt");
  ASSERT_TRUE(flag.ok()) << flag.status().ToString();
  EXPECT_EQ(*flag, "FLAG{slow-test}\n");
  EXPECT_EQ(run("stat -c '%a %U' /root/flag.txt").out, "600 root\n");
  ExecResult pw =
      run("h=$(grep '^operator:' /etc/shadow | cut -d: -f2); salt=$(echo \"$h\" | cut -d'$' -f3); "
          "[ \"$(mkpasswd -m sha512 -S \"$salt\" 'Winter2026!')\" = \"$h\" ] && echo match; "
          "grep '^operator:' /etc/passwd | cut -d: -f3,6");
  EXPECT_EQ(pw.out, "match\n1000:/home/operator\n") << pw.err;
}

// busybox 1.35's wget segfaults on -T (on the host as well: not the agent's
// doing); the engine bounds it with `timeout` instead, as ctx.http{from=} does.
TEST_F(MicroRange, WgetUnderTheAgentFetchesAPageBoundedByTimeout) {
  const std::string url = "http://" + *web_addr_ + "/";
  auto r =
      prov_->Exec(*ex_, TeamId("blue1"), NodeId("jump"),
                  {"/bin/sh", "-c",
                   "f=/tmp/lf-http-$$; timeout 10 wget -S -O $f '" + url +
                       "' </dev/null 2>$f.h; rc=$?; cat $f; cat $f.h >&2; rm -f $f $f.h; exit $rc"},
                  Duration::Seconds(30));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_NE(r->out.find("web"), std::string::npos) << r->out;
  EXPECT_NE(r->err.find("HTTP/1.1 200"), std::string::npos) << r->err;
  // An unreachable port ends by the bound, not by a hang.
  auto dead = prov_->Exec(
      *ex_, TeamId("blue1"), NodeId("jump"),
      {"/bin/sh", "-c", "timeout 3 wget -q -O /dev/null http://" + *web_addr_ + ":81/ </dev/null"},
      Duration::Seconds(30));
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  EXPECT_NE(dead->exit_code, 0);
}

TEST_F(MicroRange, ExecTimeoutIsDeadlineExceeded) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = prov_->Exec(*ex_, TeamId("blue1"), NodeId("db"), {"sleep", "60"}, Duration::Seconds(2));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));
  auto ps =
      prov_->Exec(*ex_, TeamId("blue1"), NodeId("db"), {"pidof", "sleep"}, Duration::Seconds(30));
  ASSERT_TRUE(ps.ok());
  EXPECT_NE(ps->exit_code, 0) << "the timed-out command still runs: " << ps->out;
}

TEST_F(MicroRange, PushAndPullRoundTripBinaryContent) {
  std::string blob;
  for (int i = 0; i < 200000; ++i) blob += static_cast<char>((i * 7919) & 0xff);
  ASSERT_TRUE(
      prov_->PushFile(*ex_, TeamId("blue1"), NodeId("db"), "/tmp/x/blob.bin", blob, 0600).ok());
  auto back = prov_->PullFile(*ex_, TeamId("blue1"), NodeId("db"), "/tmp/x/blob.bin");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back == blob, true) << "sizes " << back->size() << " vs " << blob.size();
}

TEST_F(MicroRange, SecondUpKeepsTheRunningRange) {
  auto r = prov_->Up(*plan_, *ex_, *options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const auto& d : r->domains) EXPECT_TRUE(d.ok && d.kept) << d.key << d.status.ToString();
  EXPECT_LT(r->seconds, 30);
}

TEST_F(MicroRange, RevertRestoresAModifiedFile) {
  const TeamId team("blue1");
  const NodeId web("web");
  auto page = [&] { return HttpGet(*web_addr_, 80, "/"); };
  const std::string original = page();
  ASSERT_NE(original.find("200"), std::string::npos);

  // Cold revert: defaced page and removed planted file come back.
  ASSERT_TRUE(prov_->PushFile(*ex_, team, web, "/www/index.html", "defaced by red\n", 0644).ok());
  ASSERT_NE(page().find("defaced by red"), std::string::npos);
  ASSERT_TRUE(
      prov_->Exec(*ex_, team, web, {"rm", "/etc/lf-planted/notice.txt"}, Duration::Seconds(30))
          .ok());
  auto recs = prov_->Revert(*ex_, team, web, "slow test", Duration::Seconds(240));
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_TRUE((*recs)[0].ok) << (*recs)[0].error;
  EXPECT_EQ((*recs)[0].method, "reboot");
  EXPECT_EQ(page().find("defaced by red"), std::string::npos);
  EXPECT_NE(page().find("200"), std::string::npos);
  auto planted = prov_->PullFile(*ex_, team, web, "/etc/lf-planted/notice.txt");
  ASSERT_TRUE(planted.ok()) << planted.status().ToString();
  EXPECT_EQ(*planted, "planted by livefire\n");

  // Snapshot, then a restore revert.
  ASSERT_TRUE(prov_->Snapshot(*ex_, team, web).ok());
  ASSERT_NE(page().find("200"), std::string::npos) << "the node must keep running after a snapshot";
  ASSERT_TRUE(prov_->PushFile(*ex_, team, web, "/www/index.html", "defaced again\n", 0644).ok());
  ASSERT_NE(page().find("defaced again"), std::string::npos);
  auto fast = prov_->Revert(*ex_, team, web, "slow test", Duration::Seconds(240));
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  EXPECT_TRUE((*fast)[0].ok) << (*fast)[0].error;
  EXPECT_EQ((*fast)[0].method, "restore");
  std::cerr << "revert: reboot " << (*recs)[0].seconds << " s, restore " << (*fast)[0].seconds
            << " s\n";
  EXPECT_EQ(page().find("defaced again"), std::string::npos);
  auto check = prov_->Exec(*ex_, team, web, {"cat", "/etc/hostname"}, Duration::Seconds(30));
  ASSERT_TRUE(check.ok()) << check.status().ToString();

  std::ifstream log(prov_->Paths(*ex_).reverts());
  std::string line;
  int n = 0;
  while (std::getline(log, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["node"], "web");
    EXPECT_EQ(j["ok"], true);
    ++n;
  }
  EXPECT_EQ(n, 2);
}

// Last: Down leaves no libvirt object and no file.
TEST_F(MicroRange, ZDownLeavesNoLibvirtObjectAndNoFile) {
  auto d = prov_->Down(*ex_);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->domains, 3);
  EXPECT_EQ(d->networks, 2);
  virConnectPtr c = virConnectOpen("qemu:///system");
  ASSERT_NE(c, nullptr);
  const std::string prefix = "lf-" + ExerciseShort(*ex_) + "-";
  for (const auto& dom : plan_->domains) {
    virDomainPtr p = virDomainLookupByName(c, DomainName(*ex_, dom).c_str());
    EXPECT_EQ(p, nullptr) << dom.key;
    if (p) virDomainFree(p);
  }
  for (const auto& net : plan_->networks) {
    virNetworkPtr p = virNetworkLookupByName(c, NetworkName(*ex_, net).c_str());
    EXPECT_EQ(p, nullptr) << net.key;
    if (p) virNetworkFree(p);
  }
  virConnectClose(c);
  // The range's files go. What is evidence stays (Provisioner::Down): the
  // plan and the revert log when the exercise has a record; a folder the
  // provisioner alone filled goes whole.
  const ExercisePaths paths = prov_->Paths(*ex_);
  for (const std::string& gone :
       {paths.dir + "/console", paths.dir + "/saves", paths.dir + "/disks"}) {
    EXPECT_FALSE(fs::exists(gone)) << gone;
  }
  if (fs::exists(paths.dir)) {
    EXPECT_TRUE(fs::exists(paths.plan())) << paths.dir;
  }
  auto again = prov_->Down(*ex_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->nothing());
}

}  // namespace
}  // namespace livefire::provision

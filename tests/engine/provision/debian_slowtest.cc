// One real debian-template node on qemu:///system under TCG: builds the
// template (cached by vm-templates/build.sh), boots it with nginx + PHP-FPM
// and OpenSSH declared, and checks that the declarations arrived through the
// guest agent, that the services answer and log where a defender looks, and
// that a revert gives the node back its pristine disk. Always takes the range
// down again, failures included. Address pool: 10.64.0.0/16.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <nlohmann/json.hpp>

#include "livefire/net/http.h"
#include "livefire/net/conn.h"
#include "livefire/provision/libvirt.h"

namespace livefire::provision {
namespace {

namespace fs = std::filesystem;

std::string TemplatesStateDir() {
  const char* d = std::getenv("LIVEFIRE_STATE_DIR");
  return d && *d ? d : "/var/lib/livefire";
}

std::string HttpGet(const std::string& addr, int port, const std::string& path) {
  auto r = net::HttpGet(addr, port, path, Duration::Seconds(10));
  return r.ok() ? fmt::format("HTTP {}\n{}", r->status, r->body) : std::string();
}

class DebianNode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string build = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates/build.sh";
    ASSERT_EQ(std::system(("bash " + build + " debian >/dev/null").c_str()), 0)
        << "vm-templates/build.sh debian failed";
    char tmpl[] = "/tmp/lf-debian-slow-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    state_ = new std::string(tmpl);
    chmod(tmpl, 0755);  // qemu (user libvirt-qemu) writes the console log and overlay below
    LibvirtConfig c;
    c.uri = "qemu:///system";
    c.state_dir = *state_;
    c.templates_dir = TemplatesStateDir() + "/templates";
    auto p = LibvirtProvisioner::Open(c);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    prov_ = p->release();
    ex_ = new ExerciseId(MakeExerciseId(std::time(nullptr), static_cast<uint64_t>(getpid())));

    const int o = getpid() % 250 + 1;  // 10.64.o.0/24, apart from concurrent runs
    plan_ = new topology::RangePlan;
    plan_->scenario = "debian-slowtest";
    plan_->blue_teams = {"blue1"};
    plan_->networks = {{"blue1.dmz", "dmz", "blue1", fmt::format("10.64.{}.0/24", o),
                        fmt::format("10.64.{}.1", o), 24, "", ""}};
    topology::PlannedDomain d;
    d.key = "blue1.web";
    d.node = "web";
    d.team = "blue1";
    d.template_name = "debian";
    d.resources = {1, 1024, 0};
    d.interfaces = {{"blue1.dmz", fmt::format("10.64.{}.10", o), 24,
                     fmt::format("52:54:00:64:{:02x}:10", o)}};
    plan_->domains = {d};
    addr_ = new std::string(d.interfaces[0].address);

    GuestSpec web;
    web.services = {{"http", "tcp", 80}, {"ssh", "tcp", 22}};
    web.accounts = {{"operator", "Winter2026!"}};
    web.flag = "FLAG{debian-slow-test}";
    web.files = {{"/var/www/html/sum.php", "<?php echo 'sum=' . (6 * 7) . \"\\n\";\n", 0644}};
    UpOptions u;
    u.parallelism = 1;
    u.retries = 0;
    u.ready_timeout = Duration::Seconds(600);
    u.guests = {{"blue1.web", web}};
    auto t0 = std::chrono::steady_clock::now();
    auto r = prov_->Up(*plan_, *ex_, u);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    up_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    up_ = new UpReport(*r);
  }

  static void TearDownTestSuite() {
    if (prov_ && ex_) {
      auto d = prov_->Down(*ex_);
      if (!d.ok()) ADD_FAILURE() << "cleanup: " << d.status().ToString();
    }
    if (state_) fs::remove_all(*state_);
    delete prov_;
    delete ex_;
    delete plan_;
    delete state_;
    delete addr_;
    delete up_;
  }

  void SetUp() override {
    if (up_ == nullptr) GTEST_FAIL() << "the node did not come up (see SetUpTestSuite)";
  }

  static ExecResult Run(const std::string& script) {
    auto r = prov_->Exec(*ex_, TeamId("blue1"), NodeId("web"), {"/bin/sh", "-c", script},
                         Duration::Seconds(60));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ExecResult{};
  }

  static inline LibvirtProvisioner* prov_ = nullptr;
  static inline ExerciseId* ex_ = nullptr;
  static inline topology::RangePlan* plan_ = nullptr;
  static inline std::string* state_ = nullptr;
  static inline std::string* addr_ = nullptr;
  static inline UpReport* up_ = nullptr;
  static inline double up_seconds_ = 0;
};

TEST_F(DebianNode, BootsReadyWithTheDeclaredServicesListening) {
  ASSERT_EQ(up_->domains.size(), 1u);
  EXPECT_TRUE(up_->domains[0].ok) << up_->domains[0].status.ToString();
  // Ready means: agent answers, configuration applied, 80 and 22 accept.
  EXPECT_TRUE(net::TcpConnects(*addr_, 22, net::Clock::now() + std::chrono::seconds(5)));
  EXPECT_EQ(Run("cat /etc/hostname").out, "web\n");
  // A port may accept a moment before systemd has read the daemon's pid file.
  std::string active;
  for (int i = 0; i < 30; ++i) {
    active = Run("systemctl is-active nginx php8.2-fpm ssh").out;
    if (active == "active\nactive\nactive\n") break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_EQ(active, "active\nactive\nactive\n");
  // Undeclared services stay off.
  EXPECT_EQ(Run("systemctl is-active mariadb postfix smbd named vsftpd dovecot").out,
            "inactive\ninactive\ninactive\ninactive\ninactive\ninactive\n");
  const std::string mem = Run("free -m | awk '/^Mem:/ {print $3}'").out;
  std::cerr << "debian boot-to-ready: " << up_seconds_ << " s (Up report " << up_->seconds
            << " s); guest memory used " << mem.substr(0, mem.size() - 1) << " MiB\n";
}

TEST_F(DebianNode, HttpRequestLandsInTheNginxAccessLogAndPhpRuns) {
  const std::string probe = fmt::format("/lf-probe-{}.html", getpid());
  std::string page = HttpGet(*addr_, 80, probe);
  EXPECT_NE(page.find("HTTP 404"), std::string::npos) << page.substr(0, 200);
  std::string php = HttpGet(*addr_, 80, "/sum.php");
  EXPECT_NE(php.find("HTTP 200"), std::string::npos) << php;
  EXPECT_NE(php.find("sum=42"), std::string::npos) << php;
  // nginx writes its combined-format line with the peer (the host's address
  // on the range network) and the path.
  std::string log;
  for (int i = 0; i < 20 && log.find(probe) == std::string::npos; ++i) {
    auto r = prov_->PullFile(*ex_, TeamId("blue1"), NodeId("web"), "/var/log/nginx/access.log");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    log = *r;
    if (log.find(probe) == std::string::npos) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_NE(log.find("\"GET " + probe + " HTTP/1.1\" 404"), std::string::npos) << log;
  EXPECT_NE(log.find(plan_->networks[0].host_address), std::string::npos) << log;
  EXPECT_NE(log.find("\"GET /sum.php HTTP/1.1\" 200"), std::string::npos) << log;
}

TEST_F(DebianNode, AccountsFlagAndSecretsThroughTheAgentOnly) {
  EXPECT_EQ(Run("id -u operator >/dev/null && echo yes").out, "yes\n");
  EXPECT_EQ(Run("stat -c '%a %U' /root/flag.txt; cat /root/flag.txt").out,
            "600 root\nFLAG{debian-slow-test}\n");
  EXPECT_EQ(Run("stat -c %a /run/livefire; test -e /run/livefire/config || echo gone").out,
            "700\ngone\n");
  const std::string cmdline = Run("cat /proc/cmdline").out;
  EXPECT_NE(cmdline.find("root=/dev/vda"), std::string::npos) << cmdline;
  const std::string logs =
      Run("cat /proc/cmdline /var/log/lf-init.log /var/log/syslog 2>/dev/null; dmesg").out;
  for (const char* secret : {"debian-slow-test", "Winter2026", "lf.pw", "lf.flag"}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << secret << " in:\n" << logs;
  }
  // The password is the declared one (checked last: this command names it).
  EXPECT_EQ(Run("h=$(getent shadow operator | cut -d: -f2); "
                "[ \"$(perl -e 'print crypt($ARGV[0], $ARGV[1])' 'Winter2026!' \"$h\")\" = \"$h\" ] "
                "&& echo match")
                .out,
            "match\n");
  // OpenSSH answers with its banner; auth.log, syslog and auditd are there.
  EXPECT_EQ(Run("test -s /var/log/auth.log && test -s /var/log/syslog && "
                "test -s /var/log/audit/audit.log && echo logs")
                .out,
            "logs\n");
}

TEST_F(DebianNode, RevertGivesBackThePristineDisk) {
  const TeamId team("blue1");
  const NodeId web("web");
  ASSERT_TRUE(prov_->PushFile(*ex_, team, web, "/var/www/html/index.html", "defaced by red\n", 0644)
                  .ok());
  ASSERT_NE(HttpGet(*addr_, 80, "/").find("defaced by red"), std::string::npos);
  ASSERT_EQ(Run("echo 'red:x:0:0::/root:/bin/bash' >> /etc/passwd; sync; echo ok").out, "ok\n");
  auto recs = prov_->Revert(*ex_, team, web, "debian slow test", Duration::Seconds(600));
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_TRUE((*recs)[0].ok) << (*recs)[0].error;
  std::cerr << "debian revert (" << (*recs)[0].method << "): " << (*recs)[0].seconds << " s\n";
  EXPECT_EQ(HttpGet(*addr_, 80, "/").find("defaced by red"), std::string::npos);
  EXPECT_NE(HttpGet(*addr_, 80, "/").find("HTTP 200"), std::string::npos);
  EXPECT_EQ(Run("grep -c '^red:' /etc/passwd").out, "0\n");
  // Re-planted after the revert.
  std::string php;
  for (int i = 0; i < 10 && php.find("sum=42") == std::string::npos; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::seconds(1));
    php = HttpGet(*addr_, 80, "/sum.php");
  }
  EXPECT_NE(php.find("sum=42"), std::string::npos) << php;

  // Snapshot (memory + overlay copy), deface, revert: the overlay swap and
  // restore take seconds, not a boot.
  ASSERT_TRUE(prov_->Snapshot(*ex_, team, web).ok());
  ASSERT_NE(HttpGet(*addr_, 80, "/").find("HTTP 200"), std::string::npos)
      << "the node must keep running after a snapshot";
  ASSERT_TRUE(
      prov_->PushFile(*ex_, team, web, "/var/www/html/index.html", "defaced again\n", 0644).ok());
  ASSERT_EQ(Run("sync; echo ok").out, "ok\n");
  auto fast = prov_->Revert(*ex_, team, web, "debian slow test", Duration::Seconds(600));
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  EXPECT_TRUE((*fast)[0].ok) << (*fast)[0].error;
  EXPECT_EQ((*fast)[0].method, "restore");
  std::cerr << "debian revert (restore): " << (*fast)[0].seconds << " s\n";
  EXPECT_LT((*fast)[0].seconds, 60);
  EXPECT_EQ(HttpGet(*addr_, 80, "/").find("defaced again"), std::string::npos);
  EXPECT_EQ(Run("cat /var/www/html/index.html | grep -c defaced").out, "0\n");

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

}  // namespace
}  // namespace livefire::provision

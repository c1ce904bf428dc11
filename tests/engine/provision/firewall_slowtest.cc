// The router firewall on real micro guests (qemu:///system, TCG): a router
// with a leg on a team network and on the shared red network, a server behind
// it and an attacker in front. The ruleset is RouterRuleset's output, pushed
// and loaded through the guest agent exactly as the engine does it
// (guest-file-open/write/close of /etc/lf/firewall.nft, then guest-exec of
// firewall-apply). Traffic only flows between the range's own VMs (and the
// host's bridge addresses); the networks are isolated (no <forward>).
// Everything created is removed again, failures included.

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "livefire/provision/firewall.h"

namespace livefire::provision {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct RunResult {
  int exit = -1;  // -1: could not run, or killed at the deadline
  std::string out;
};

// argv without a shell; stdout+stderr captured; killed after `limit`.
RunResult Run(const std::vector<std::string>& argv, std::chrono::seconds limit) {
  RunResult r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return r;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  const auto deadline = Clock::now() + limit;
  bool killed = false;
  for (;;) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, left) <= 0) continue;
    char buf[4096];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    r.out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!killed && WIFEXITED(status)) r.exit = WEXITSTATUS(status);
  return r;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kB64[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], '='};
  }
  return out;
}

std::string Unbase64(std::string_view in) {
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = std::strchr(kB64, c);
    if (c == '=' || c == '\0' || p == nullptr) continue;
    v = (v << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

const std::vector<std::string> kVirsh = {"virsh", "-q", "-c", "qemu:///system"};

RunResult Virsh(std::vector<std::string> args,
                std::chrono::seconds limit = std::chrono::seconds(60)) {
  std::vector<std::string> argv = kVirsh;
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, limit);
}

struct GuestRun {
  int exit = -1;
  std::string out;  // stdout
  std::string err;  // stderr, or why the command could not run
};

// A free 10.252.X.0/24 (no host route or address uses it), skipping `not`.
std::string FreeSubnet(const std::string& skip) {
  std::string routes = Run({"ip", "-4", "route", "show"}, std::chrono::seconds(10)).out +
                       Run({"ip", "-4", "addr", "show"}, std::chrono::seconds(10)).out;
  for (int x = 10 + getpid() % 200; x < 250; ++x) {
    std::string net = fmt::format("10.252.{}", x);
    if (net == skip) continue;
    if (routes.find(net + ".") == std::string::npos) return net;
  }
  return "";
}

// Three micro guests on two isolated networks; the destructor removes them.
class FirewallRange : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_FAIL() << "needs root (qemu:///system, bridges)";
    if (Virsh({"version"}, std::chrono::seconds(20)).exit != 0) {
      GTEST_FAIL() << "libvirtd does not answer on qemu:///system (bash .ci/setup starts it)";
    }
    const std::string src = LIVEFIRE_SOURCE_DIR;
    ASSERT_EQ(std::system(("bash " + src + "/vm-templates/build.sh micro >/dev/null").c_str()), 0)
        << "vm-templates/build.sh micro failed";
    const char* sd = std::getenv("LIVEFIRE_STATE_DIR");
    tpl_ = std::string(sd && *sd ? sd : "/var/lib/livefire") + "/templates/micro";
    std::ifstream m(tpl_ + "/manifest.json");
    manifest_ = json::parse(m);
    std::ifstream x(src + "/vm-templates/micro/domain.xml.example");
    std::stringstream ss;
    ss << x.rdbuf();
    domain_xml_ = ss.str();
    domain_xml_ = domain_xml_.substr(domain_xml_.find("<domain"));

    char tmpl[] = "/tmp/lf-firewall-slow-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    chmod(tmpl, 0755);  // qemu (libvirt-qemu) writes the console logs here

    id_ = std::to_string(getpid());
    lan_ = FreeSubnet("");
    red_ = FreeSubnet(lan_);
    ASSERT_FALSE(lan_.empty() || red_.empty()) << "no free 10.252.X.0/24 test subnets";
    DefineNetwork("lan", lan_);
    if (HasFatalFailure()) return;
    DefineNetwork("red", red_);
  }

  void TearDown() override {
    for (const std::string& d : domains_) {
      Virsh({"destroy", d});
      Virsh({"undefine", d});
    }
    for (const std::string& n : networks_) {
      Virsh({"net-destroy", n});
      Virsh({"net-undefine", n});
    }
    if (!work_.empty()) fs::remove_all(work_);
  }

  void DefineNetwork(const std::string& which, const std::string& subnet) {
    std::string name = "lf-fw-" + id_ + "-" + which;
    std::string bridge = fmt::format("lffw{}{}", which[0], getpid() % 100000);
    std::string file = work_ + "/net-" + which + ".xml";
    // Isolated: no <forward>, no DHCP/DNS.
    std::ofstream(file) << fmt::format(
        "<network>\n  <name>{}</name>\n  <bridge name='{}' stp='off' delay='0'/>\n"
        "  <dns enable='no'/>\n  <ip address='{}.1' netmask='255.255.255.0'/>\n</network>\n",
        name, bridge, subnet);
    RunResult r = Virsh({"net-define", file});
    ASSERT_EQ(r.exit, 0) << r.out;
    networks_.push_back(name);
    r = Virsh({"net-start", name});
    ASSERT_EQ(r.exit, 0) << r.out;
  }

  // Defines and starts one guest; nics: (network suffix, mac byte).
  void StartGuest(const std::string& host, const std::vector<std::string>& nets,
                  const std::string& lf_args) {
    std::string name = "lf-fw-" + id_ + "-" + host;
    std::string xml = domain_xml_;
    auto put = [&xml](const std::string& key, const std::string& value) {
      for (size_t p; (p = xml.find(key)) != std::string::npos;) xml.replace(p, key.size(), value);
    };
    // One <interface> per leg, in leg order (= eth0, eth1... in the guest).
    size_t a = xml.find("    <interface type='network'>");
    size_t b = xml.find("</interface>\n", a) + 13;
    std::string nic = xml.substr(a, b - a), nics;
    for (size_t i = 0; i < nets.size(); ++i) {
      std::string one = nic;
      auto sub = [&one](const std::string& k, const std::string& v) {
        one.replace(one.find(k), k.size(), v);
      };
      sub("@NETWORK@", "lf-fw-" + id_ + "-" + nets[i]);
      sub("@MAC@", fmt::format("52:54:00:fe:{:02x}:{:02x}", domains_.size() + 1, i + 1));
      nics += one;
    }
    xml.replace(a, b - a, nics);
    const std::string console = work_ + "/" + host + ".console";
    put("<uuid>@UUID@</uuid>\n", "");
    put("@NAME@", name);
    put("@MEMORY_MB@", std::to_string(manifest_["resources"]["memory_mb"].get<int>()));
    put("@VCPUS@", std::to_string(manifest_["resources"]["vcpus"].get<int>()));
    put("@KERNEL@", tpl_ + "/vmlinuz");
    put("@INITRD@", tpl_ + "/initrd.img");
    put("@CMDLINE@",
        manifest_["kernel_cmdline"].get<std::string>() + " lf.host=" + host + " " + lf_args);
    put("@CONSOLE_LOG@", console);
    put("@EXERCISE@", "firewall-slowtest-" + id_);
    put("@TEAM@", "blue1");
    put("@NODE@", host);
    std::string file = work_ + "/" + host + ".xml";
    std::ofstream(file) << xml;
    RunResult r = Virsh({"define", file});
    ASSERT_EQ(r.exit, 0) << r.out;
    domains_.push_back(name);
    r = Virsh({"start", name});
    ASSERT_EQ(r.exit, 0) << r.out;
    consoles_.push_back(console);
  }

  // Waits until every guest printed LIVEFIRE-READY (TCG on a shared host:
  // generous but bounded).
  void WaitReady(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    for (size_t i = 0; i < consoles_.size(); ++i) {
      for (;;) {
        std::ifstream in(consoles_[i]);
        std::stringstream ss;
        ss << in.rdbuf();
        if (ss.str().find("\nLIVEFIRE-READY ") != std::string::npos) {
          // Boot figures for the log: the router's firewall set-up and readiness.
          for (const char* what : {"livefire: router: ", "livefire: up after "}) {
            size_t at = ss.str().find(what);
            if (at == std::string::npos) continue;
            std::cout << domains_[i] << ": " << ss.str().substr(at, ss.str().find('\n', at) - at)
                      << "\n";
          }
          break;
        }
        ASSERT_EQ(ss.str().find("LIVEFIRE-WARN"), std::string::npos) << ss.str();
        ASSERT_LT(Clock::now(), deadline) << domains_[i] << " not ready:\n" << ss.str();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    }
  }

  std::string Dom(const std::string& host) const { return "lf-fw-" + id_ + "-" + host; }

  Result<json> Agent(const std::string& host, const json& cmd) {
    RunResult r = Virsh({"qemu-agent-command", "--timeout", "20", Dom(host), cmd.dump()},
                        std::chrono::seconds(40));
    if (r.exit != 0) return Status::Unavailable(host + ": " + r.out);
    json j = json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.contains("return")) return Status::Internal(host + ": " + r.out);
    return j["return"];
  }

  // The engine's push: guest-file-open/write/close.
  Status PushFile(const std::string& host, const std::string& path, const std::string& content) {
    LF_ASSIGN_OR_RETURN(json h, Agent(host, {{"execute", "guest-file-open"},
                                             {"arguments", {{"path", path}, {"mode", "w"}}}}));
    LF_ASSIGN_OR_RETURN(
        json w, Agent(host, {{"execute", "guest-file-write"},
                             {"arguments", {{"handle", h}, {"buf-b64", Base64(content)}}}}));
    LF_ASSIGN_OR_RETURN(
        json c, Agent(host, {{"execute", "guest-file-close"}, {"arguments", {{"handle", h}}}}));
    if (w.value("count", -1) != static_cast<int>(content.size())) {
      return Status::Internal("short guest-file-write");
    }
    return Status::Ok();
  }

  // guest-exec with captured output, polled to completion (bounded).
  GuestRun Exec(const std::string& host, const std::string& path,
                const std::vector<std::string>& args) {
    GuestRun g;
    Result<json> started =
        Agent(host, {{"execute", "guest-exec"},
                     {"arguments", {{"path", path}, {"arg", args}, {"capture-output", true}}}});
    if (!started.ok()) {
      g.err = started.status().ToString();
      return g;
    }
    int pid = (*started)["pid"];
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      Result<json> st =
          Agent(host, {{"execute", "guest-exec-status"}, {"arguments", {{"pid", pid}}}});
      if (!st.ok()) {
        g.err = st.status().ToString();
        return g;
      }
      if ((*st).value("exited", false)) {
        g.exit = (*st).value("exitcode", -1);
        g.out = Unbase64((*st).value("out-data", ""));
        g.err = Unbase64((*st).value("err-data", ""));
        return g;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    g.err = "guest-exec did not finish in 60 s";
    return g;
  }

  GuestRun Sh(const std::string& host, const std::string& cmd) {
    return Exec(host, "/bin/sh", {"-c", cmd});
  }

  std::string tpl_, work_, id_, lan_, red_, domain_xml_;
  json manifest_;
  std::vector<std::string> networks_, domains_, consoles_;
};

TEST_F(FirewallRange, RouterEnforcesTheGeneratedRuleset) {
  const std::string server = lan_ + ".10", attacker = red_ + ".10";
  const std::string router_lan = lan_ + ".254", router_red = red_ + ".250";
  // lf.router=1: the fail-closed baseline is in force from boot.
  StartGuest("fwrouter", {"lan", "red"},
             fmt::format("lf.if=eth0:{}/24,eth1:{}/24 lf.router=1", router_lan, router_red));
  if (HasFatalFailure()) return;
  StartGuest(
      "fwserver", {"lan"},
      fmt::format("lf.if=eth0:{}/24 lf.gw={} lf.svc=http:80,telnet:23,ftp:21 lf.config=agent",
                  server, router_lan));
  if (HasFatalFailure()) return;
  StartGuest("fwattacker", {"red"},
             fmt::format("lf.if=eth0:{}/24 lf.routes={}.0/24@{}", attacker, lan_, router_red));
  if (HasFatalFailure()) return;
  // The server's /init waits for its secrets, as the engine gives them:
  // anonymous FTP, for the passive-mode check through the router below.
  for (const auto until = Clock::now() + std::chrono::seconds(240);;) {
    if (PushFile("fwserver", "/run/livefire/config", "lf.vuln=ftp-anonymous\nlf.end=1\n").ok())
      break;
    ASSERT_LT(Clock::now(), until) << "fwserver: the guest agent never took the configuration";
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  WaitReady(std::chrono::seconds(240));
  if (HasFatalFailure()) return;

  // Control: both services listen (the host reaches the server directly on
  // its bridge, not through the router).
  GuestRun up = Sh("fwserver", "netstat -ltn");
  ASSERT_EQ(up.exit, 0) << up.out;
  ASSERT_NE(up.out.find(":80 "), std::string::npos) << up.out;
  ASSERT_NE(up.out.find(":23 "), std::string::npos) << up.out;

  // One bounded HTTP request with busybox nc.
  const std::string wget =
      fmt::format("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 8 nc {} 80 2>&1; true", server);
  // Telnet: bytes arrive only if the TCP connection was made (telnetd talks
  // first); a dropped SYN leaves nothing within the bound.
  const std::string telnet = fmt::format(
      "n=$(timeout 8 nc {} 23 </dev/null 2>/dev/null | head -c 3 | wc -c); echo $n", server);

  // 1. Baseline: the router forwards nothing yet.
  GuestRun base = Sh("fwrouter", "cat /var/log/firewall.log; nft list table inet livefire");
  ASSERT_EQ(base.exit, 0) << base.out;
  EXPECT_NE(base.out.find("applied baseline /etc/lf/firewall-baseline.nft"), std::string::npos)
      << base.out;
  GuestRun w0 = Sh("fwattacker", wget);
  EXPECT_EQ(w0.out.find("<h1>fwserver</h1>"), std::string::npos) << w0.out;

  // 2. The engine's ruleset: web allowed, telnet denied (logged), ICMP in,
  // everything else by the default deny.
  topology::PlannedDomain router;
  router.key = "blue1.lf-router";
  router.node = "lf-router";
  router.team = "blue1";
  router.template_name = "micro";
  router.is_router = true;
  router.interfaces = {{"blue1.lan", router_lan, 24, ""}, {"red", router_red, 24, ""}};
  router.router_default_policy = model::RuleAction::kDeny;
  auto rule = [](model::RuleAction a, std::string from, std::string to, std::string proto, int port,
                 int line, std::string what) {
    model::FirewallRule r;
    r.action = a;
    r.from = std::move(from);
    r.to = std::move(to);
    r.protocol = std::move(proto);
    r.port_min = r.port_max = port;
    r.loc = {"firewall_slowtest.lua", line};
    r.description = std::move(what);
    return r;
  };
  router.router_rules = {
      rule(model::RuleAction::kAllow, red_ + ".0/24", lan_ + ".0/24", "tcp", 80, 1, "web"),
      rule(model::RuleAction::kDeny, "*", server + "/32", "tcp", 23, 2, "no telnet"),
      rule(model::RuleAction::kAllow, red_ + ".0/24", "*", "icmp", 0, 3, "ping in"),
      rule(model::RuleAction::kAllow, red_ + ".0/24", server + "/32", "tcp", 21, 4, "ftp")};
  Result<std::string> ruleset = RouterRuleset(router);
  ASSERT_TRUE(ruleset.ok()) << ruleset.status().ToString();
  ASSERT_TRUE(PushFile("fwrouter", std::string(kRouterRulesetPath), *ruleset).ok());
  GuestRun apply = Exec("fwrouter", std::string(kFirewallApply), {std::string(kRouterRulesetPath)});
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("applied /etc/lf/firewall.nft"), std::string::npos) << apply.out;

  GuestRun w1 = Sh("fwattacker", wget);
  EXPECT_NE(w1.out.find("<h1>fwserver</h1>"), std::string::npos) << "port 80 must pass: " << w1.out;
  GuestRun t1 = Sh("fwattacker", telnet);
  EXPECT_EQ(t1.out, "0\n") << "port 23 must be dropped: " << t1.out;
  // FTP: only port 21 is allowed; busybox ftpget's passive data connection
  // (to a high port) passes because the ct helper makes it "related".
  GuestRun f1 = Sh("fwattacker",
                   fmt::format("rm -f /tmp/got; timeout 20 ftpget -u anonymous -p x {} /tmp/got "
                               "README.txt; echo rc=$?; cat /tmp/got",
                               server));
  EXPECT_NE(f1.out.find("rc=0\nPublic files."), std::string::npos)
      << "passive FTP through the router: " << f1.out << f1.err;
  GuestRun p1 = Sh("fwattacker", fmt::format("ping -c 1 -W 3 {} >/dev/null; echo $?", server));
  EXPECT_EQ(p1.out, "0\n") << "ICMP red -> lan is allowed: " << p1.out;
  GuestRun p2 = Sh("fwserver", fmt::format("ping -c 1 -W 3 {} >/dev/null; echo $?", attacker));
  EXPECT_NE(p2.out, "0\n") << "lan -> red is not allowed (default deny): " << p2.out;

  // 3. What a defender sees on the router: counters, kernel log, messages.
  // klogd hands kernel lines to syslogd asynchronously: allow a moment.
  GuestRun seen =
      Sh("fwrouter",
         "sleep 2; nft list chain inet livefire forward; echo ===; dmesg | grep lf-drop;"
         " echo ===; grep lf-drop /var/log/messages; echo ===; cat /var/log/firewall.log");
  ASSERT_EQ(seen.exit, 0) << seen.out;
  EXPECT_NE(seen.out.find("lf-drop r2 IN=eth1 OUT=eth0"), std::string::npos) << seen.out;
  EXPECT_NE(seen.out.find("DPT=23"), std::string::npos) << seen.out;
  EXPECT_NE(seen.out.find("lf-drop default IN=eth0 OUT=eth1"), std::string::npos) << seen.out;
  std::vector<std::string> part;
  for (size_t b = 0, e; b <= seen.out.size(); b = e + 4) {
    e = seen.out.find("===\n", b);
    if (e == std::string::npos) e = seen.out.size();
    part.push_back(seen.out.substr(b, e - b));
  }
  ASSERT_EQ(part.size(), 4u) << seen.out;
  EXPECT_NE(part[2].find("kernel: ["), std::string::npos) << part[2];
  EXPECT_NE(part[2].find("] lf-drop r2 IN=eth1 OUT=eth0"), std::string::npos)
      << "/var/log/messages must carry the drops: " << part[2];
  EXPECT_NE(seen.out.find("applied ruleset /etc/lf/firewall.nft"), std::string::npos) << seen.out;
  EXPECT_EQ(seen.out.find("counter packets 0 bytes 0 accept comment \"r1 "), std::string::npos)
      << "rule 1 must have counted the web traffic: " << seen.out;
  EXPECT_EQ(seen.out.find("counter packets 0 bytes 0 drop comment \"r2 "), std::string::npos)
      << "rule 2 must have counted the telnet SYNs: " << seen.out;

  // The telnet attempt never reached the server.
  GuestRun tlog = Sh("fwserver", "cat /var/log/telnet.log 2>/dev/null; true");
  EXPECT_EQ(tlog.out.find(attacker), std::string::npos) << tlog.out;

  // 4. A broken ruleset is refused and the one in force stays.
  ASSERT_TRUE(PushFile("fwrouter", "/etc/lf/broken.nft", "table inet livefire { chain x {\n").ok());
  GuestRun bad = Exec("fwrouter", std::string(kFirewallApply), {"/etc/lf/broken.nft"});
  EXPECT_EQ(bad.exit, 1) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("Error"), std::string::npos) << bad.err;
  GuestRun w2 = Sh("fwattacker", wget);
  EXPECT_NE(w2.out.find("<h1>fwserver</h1>"), std::string::npos) << w2.out;
  GuestRun t2 = Sh("fwattacker", telnet);
  EXPECT_EQ(t2.out, "0\n") << t2.out;
}

}  // namespace
}  // namespace livefire::provision

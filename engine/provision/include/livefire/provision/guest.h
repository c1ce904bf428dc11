#pragma once
// What a guest is told at boot and given after it: the scenario's services,
// planted vulnerabilities, accounts, flag and files for one planned domain.
// The micro template reads the non-secret part from its kernel command line
// and the secrets (accounts, flag, vulnerabilities) from a root-only file the
// engine writes through the guest agent at boot (contract:
// vm-templates/micro/README.md); files are pushed through the guest agent
// after readiness, and again after every cold revert.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/model/model.h"
#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::provision {

struct GuestService {
  std::string kind;  // template service: "http", "telnet", "ftp", "smtp", "dns"
  std::string protocol = "tcp";
  int port = 0;
};

struct GuestAccount {
  std::string user;
  std::string password;
  // The scenario's `admin`: root on the node, as the attack model assumes
  // (debian: sudo and adm; micro: uid 0).
  bool admin = false;
};

struct GuestFile {
  std::string path;     // absolute path in the guest
  std::string content;  // bytes
  int mode = 0644;
};

struct GuestSpec {
  std::string hostname;  // defaults to the scenario node name
  std::vector<GuestService> services;
  std::vector<std::string> vulnerabilities;  // template vulnerability ids
  std::vector<GuestAccount> accounts;
  std::string flag;  // written by the template to /root/flag.txt
  std::vector<GuestFile> files;
  std::string gateway;              // default route ("" = none)
  std::vector<std::string> routes;  // "CIDR@VIA"
  bool ip_forward = false;          // routers forward between their networks
};

// One GuestSpec per planned domain key, from the scenario the plan was made
// from. Relative PlantedFile sources are read from scenario.dir; a missing
// source is an InvalidArgument naming scenario.lua:LINE.
Result<std::map<std::string, GuestSpec>> GuestSpecsFromScenario(const model::Scenario& s,
                                                                const topology::RangePlan& plan);

// The micro template's lf.* kernel arguments for `d` (lf.host, lf.if, lf.gw,
// lf.routes, lf.svc, lf.router, lf.config=agent), to append to the manifest's
// kernel_cmdline. Interfaces are eth0..N in plan order, matching the NIC
// order of the domain XML. Never a secret: every guest process reads
// /proc/cmdline and the kernel logs it.
std::string MicroKernelCommandLine(const topology::PlannedDomain& d, const GuestSpec& g);

// Where the micro template's /init (booted with lf.config=agent) waits for
// MicroGuestConfig, in a directory only root can enter, and the file it
// creates once that configuration is applied.
inline constexpr std::string_view kMicroConfigPath = "/run/livefire/config";
inline constexpr std::string_view kMicroConfigApplied = "/run/livefire/applied";

// The secrets of `g` for kMicroConfigPath: lf.vuln=, lf.pw=, lf.admins=, lf.flag= lines
// (encoded as the command line would), always ended by "lf.end=1".
std::string MicroGuestConfig(const GuestSpec& g);

// Everything a template with "guest_config": "agent-full" (debian) is told,
// for kMicroConfigPath: lf.host=, lf.if=ethN:IP/PREFIX,..., lf.gw=,
// lf.routes=, lf.svc=KIND:PORT,... (every service), then the secrets as in
// MicroGuestConfig, ended by "lf.end=1". Contract: vm-templates/debian/README.md.
std::string FullGuestConfig(const topology::PlannedDomain& d, const GuestSpec& g);

// RFC 3986 percent-encoding of everything but unreserved characters (the
// template decodes lf.pw and lf.flag values with `httpd -d`).
std::string PercentEncode(std::string_view s);

}  // namespace livefire::provision

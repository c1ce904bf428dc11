#include "livefire/provision/guest.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace livefire::provision {

namespace {

constexpr std::array<std::string_view, 5> kMicroServices = {"http", "telnet", "ftp", "smtp", "dns"};

bool IsMicroService(std::string_view k) {
  for (auto m : kMicroServices) {
    if (m == k) return true;
  }
  return false;
}

// The debian template's service kinds (vm-templates/debian/manifest.json).
constexpr std::array<std::string_view, 10> kDebianServices = {
    "http", "https", "ssh", "smtp", "imap", "pop3", "ftp", "smb", "mysql", "dns"};

bool IsDebianService(std::string_view k) {
  for (auto m : kDebianServices) {
    if (m == k) return true;
  }
  return false;
}

// "file:line" (formatted here so that this file needs only the model's data).
std::string Where(const model::SourceLoc& l) {
  if (l.line == 0) return l.file;
  return fmt::format("{}:{}", l.file, l.line);
}

const model::Node* FindNode(const model::Scenario& s, std::string_view name) {
  for (const auto& n : s.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// The router's address on `network_key`, among routers serving `team`.
std::string GatewayFor(const topology::RangePlan& plan, const topology::PlannedDomain& d) {
  if (d.is_router || d.interfaces.empty()) return "";
  const std::string& net = d.interfaces.front().network_key;
  for (const auto& r : plan.domains) {
    if (!r.is_router || (r.team != d.team && !r.team.empty())) continue;
    for (const auto& i : r.interfaces) {
      if (i.network_key == net) return i.address;
    }
  }
  return "";
}

}  // namespace

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Result<std::map<std::string, GuestSpec>> GuestSpecsFromScenario(const model::Scenario& s,
                                                                const topology::RangePlan& plan) {
  std::map<std::string, GuestSpec> out;
  for (const auto& d : plan.domains) {
    GuestSpec g;
    g.hostname = d.node;
    g.ip_forward = d.is_router;
    g.gateway = d.gateway.empty() ? GatewayFor(plan, d) : d.gateway;
    for (const auto& r : d.routes) g.routes.push_back(r.destination + "@" + r.via);
    const model::Node* n = FindNode(s, d.node);
    if (n == nullptr) {
      // Routers are added by the plan and have no scenario node.
      out.emplace(d.key, std::move(g));
      continue;
    }
    const bool micro = d.template_name == "micro";
    for (const auto& svc : n->services) {
      std::string kind = svc.name;
      if (micro && !IsMicroService(kind) && IsMicroService(svc.check.kind)) kind = svc.check.kind;
      // A service named for what it serves ("portal") runs as its check's kind.
      if (!micro && !IsDebianService(kind) && IsDebianService(svc.check.kind)) {
        kind = svc.check.kind;
      }
      if (micro && !IsMicroService(kind)) {
        return Status::InvalidArgument(fmt::format(
            "{}: service '{}' of node '{}': the micro template runs only http, telnet, ftp, "
            "smtp and dns (name the service after one, or set check.kind)",
            Where(svc.loc), svc.name, n->name));
      }
      g.services.push_back({kind, svc.protocol.empty() ? "tcp" : svc.protocol, svc.port});
    }
    for (const auto& v : n->vulnerabilities) g.vulnerabilities.push_back(v.id);
    for (const auto& a : n->accounts) g.accounts.push_back({a.user, a.password, a.admin});
    for (const auto& o : s.objectives) {
      if (o.node != n->name || o.flag.empty()) continue;
      if (o.kind != model::ObjectiveKind::kReadFlag &&
          o.kind != model::ObjectiveKind::kExfiltrate) {
        continue;
      }
      if (micro && g.flag.empty() && (o.path.empty() || o.path == "/root/flag.txt")) {
        g.flag = o.flag;
      } else if (!o.path.empty() &&
                 std::none_of(n->files.begin(), n->files.end(),
                              [&](const model::PlantedFile& f) { return f.path == o.path; })) {
        // The scenario plants the file itself when it declares one there.
        g.files.push_back({o.path, o.flag + "\n", 0600});
      }
    }
    for (const auto& f : n->files) {
      GuestFile gf{f.path, f.content, f.mode};
      if (!f.source.empty()) {
        std::string p = f.source.front() == '/' ? f.source : s.dir + "/" + f.source;
        std::ifstream in(p, std::ios::binary);
        if (!in) {
          return Status::InvalidArgument(
              fmt::format("{}: file source '{}' cannot be read ({})", Where(f.loc), f.source, p));
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        gf.content = ss.str();
      }
      g.files.push_back(std::move(gf));
    }
    out.emplace(d.key, std::move(g));
  }
  return out;
}

std::string MicroKernelCommandLine(const topology::PlannedDomain& d, const GuestSpec& g) {
  std::vector<std::string> args;
  args.push_back("lf.host=" + (g.hostname.empty() ? d.node : g.hostname));
  std::vector<std::string> ifs;
  for (size_t i = 0; i < d.interfaces.size(); ++i) {
    ifs.push_back(fmt::format("eth{}:{}/{}", i, d.interfaces[i].address, d.interfaces[i].prefix));
  }
  if (!ifs.empty()) args.push_back("lf.if=" + Join(ifs, ","));
  // The plan's gateway and routes unless the guest spec overrides them.
  const std::string& gw = g.gateway.empty() ? d.gateway : g.gateway;
  std::vector<std::string> routes = g.routes;
  if (routes.empty()) {
    for (const auto& r : d.routes) routes.push_back(r.destination + "@" + r.via);
  }
  // Routers boot fail-closed (forward nothing) until the engine's ruleset is applied.
  if (d.is_router) args.push_back("lf.router=1");
  if (!gw.empty()) args.push_back("lf.gw=" + gw);
  if (!routes.empty()) args.push_back("lf.routes=" + Join(routes, ","));
  std::vector<std::string> svcs;
  for (const auto& s : g.services) {
    if (IsMicroService(s.kind)) svcs.push_back(fmt::format("{}:{}", s.kind, s.port));
  }
  if (!svcs.empty()) args.push_back("lf.svc=" + Join(svcs, ","));
  // Accounts, flag and vulnerabilities follow through the guest agent.
  args.push_back("lf.config=agent");
  return Join(args, " ");
}

std::string FullGuestConfig(const topology::PlannedDomain& d, const GuestSpec& g) {
  std::string out = "lf.host=" + (g.hostname.empty() ? d.node : g.hostname) + "\n";
  std::vector<std::string> ifs;
  for (size_t i = 0; i < d.interfaces.size(); ++i) {
    ifs.push_back(fmt::format("eth{}:{}/{}", i, d.interfaces[i].address, d.interfaces[i].prefix));
  }
  if (!ifs.empty()) out += "lf.if=" + Join(ifs, ",") + "\n";
  const std::string& gw = g.gateway.empty() ? d.gateway : g.gateway;
  std::vector<std::string> routes = g.routes;
  if (routes.empty()) {
    for (const auto& r : d.routes) routes.push_back(r.destination + "@" + r.via);
  }
  if (!gw.empty()) out += "lf.gw=" + gw + "\n";
  if (!routes.empty()) out += "lf.routes=" + Join(routes, ",") + "\n";
  std::vector<std::string> svcs;
  for (const auto& s : g.services) svcs.push_back(fmt::format("{}:{}", s.kind, s.port));
  if (!svcs.empty()) out += "lf.svc=" + Join(svcs, ",") + "\n";
  return out + MicroGuestConfig(g);
}

std::string MicroGuestConfig(const GuestSpec& g) {
  std::string out;
  if (!g.vulnerabilities.empty()) out += "lf.vuln=" + Join(g.vulnerabilities, ",") + "\n";
  std::vector<std::string> pws;
  for (const auto& a : g.accounts) {
    pws.push_back(PercentEncode(a.user) + ":" + PercentEncode(a.password));
  }
  if (!pws.empty()) out += "lf.pw=" + Join(pws, ",") + "\n";
  std::vector<std::string> admins;
  for (const auto& a : g.accounts) {
    if (a.admin) admins.push_back(PercentEncode(a.user));
  }
  if (!admins.empty()) out += "lf.admins=" + Join(admins, ",") + "\n";
  if (!g.flag.empty()) out += "lf.flag=" + PercentEncode(g.flag) + "\n";
  // The guest reads the file only once this last line is there.
  out += "lf.end=1\n";
  return out;
}

}  // namespace livefire::provision

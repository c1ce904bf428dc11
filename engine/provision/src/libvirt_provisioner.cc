#include <fmt/format.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "livefire/net/conn.h"
#include "livefire/files.h"
#include "livefire/provision/firewall.h"
#include "livefire/provision/libvirt.h"
#include "parallel_for.h"
#include "run_command.h"

namespace livefire::provision {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

// ---- RAII for libvirt handles ------------------------------------------------
struct ConnDeleter {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
struct DomDeleter {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
struct NetDeleter {
  void operator()(virNetworkPtr n) const { virNetworkFree(n); }
};
struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using Conn = std::unique_ptr<virConnect, ConnDeleter>;
using Dom = std::unique_ptr<virDomain, DomDeleter>;
using Net = std::unique_ptr<virNetwork, NetDeleter>;
using CStr = std::unique_ptr<char, FreeDeleter>;

// Every libvirt failure becomes a Status naming the object and libvirt's
// message. libvirt keeps the last error per thread, so read it at once.
Status VirError(std::string_view what) {
  const char* msg = virGetLastErrorMessage();
  int code = virGetLastErrorCode();
  std::string m = fmt::format("{}: {}", what, msg ? msg : "unknown libvirt error");
  switch (code) {
    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_NO_NETWORK:
      return Status::NotFound(m);
    case VIR_ERR_OPERATION_TIMEOUT:
    case VIR_ERR_AGENT_UNRESPONSIVE:
      return Status::Unavailable(m);
    default:
      return Status::Unavailable(m);
  }
}

void SilentErrorHandler(void*, virErrorPtr) {}

std::once_flag g_libvirt_init;  // libvirt's own one-time set-up, not engine state

bool IsActive(virDomainPtr d) { return virDomainIsActive(d) == 1; }

// The guest agent carries file contents and command output in base64.
std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string in;
  in.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r') in += c;
  }
  if (in.size() % 4 != 0) return Status::DataLoss("base64 text length is not a multiple of 4");
  std::string out(3 * (in.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return Status::DataLoss("invalid base64 text");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = (in.size() >= 2 && in[in.size() - 2] == '=') ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

// What a target's definition is made from (DomainXml(in) builds it).
struct Built {
  DomainXmlInput in;
  const templates::Template* tmpl = nullptr;
};

struct LibvirtProvisioner::Impl {
  Conn conn;
  std::mutex tmpl_mu;
  std::map<std::string, templates::Template> built;  // templates by name, loaded once

  Result<Built> Build(const LibvirtConfig& cfg, const Target& t);
  Result<Dom> Running(const std::string& name);

  Result<Dom> Lookup(const std::string& name) {
    virDomainPtr d = virDomainLookupByName(conn.get(), name.c_str());
    if (!d) return VirError("domain " + name);
    return Dom(d);
  }

  // One guest agent command; the "return" member of the reply.
  Result<json> Agent(virDomainPtr d, const std::string& name, const json& cmd, int timeout_s) {
    const std::string text = cmd.dump();
    CStr reply(virDomainQemuAgentCommand(d, text.c_str(), std::max(1, timeout_s), 0));
    if (!reply) {
      return VirError(fmt::format("domain {}: guest agent {}", name,
                                  cmd.value("execute", std::string("command"))));
    }
    try {
      json j = json::parse(reply.get());
      if (j.contains("error")) {
        return Status::Unavailable(fmt::format("domain {}: guest agent {}: {}", name,
                                               cmd.value("execute", std::string()),
                                               j["error"].value("desc", j["error"].dump())));
      }
      return j.contains("return") ? j["return"] : json();
    } catch (const json::exception& e) {
      return Status::DataLoss(fmt::format("domain {}: bad guest agent reply: {}", name, e.what()));
    }
  }
};

LibvirtProvisioner::LibvirtProvisioner(LibvirtConfig config)
    : Provisioner(config.state_dir), config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  if (config_.templates_dir.empty()) config_.templates_dir = config_.state_dir + "/templates";
}

LibvirtProvisioner::~LibvirtProvisioner() = default;

Status LibvirtProvisioner::Connect() {
  std::call_once(g_libvirt_init, [] {
    virInitialize();
    // Errors come back as Status values; libvirt must not also print them.
    virSetErrorFunc(nullptr, SilentErrorHandler);
  });
  virConnectPtr c = virConnectOpen(config_.uri.c_str());
  if (!c) {
    return VirError("cannot connect to libvirt at " + config_.uri)
        .WithContext("is libvirtd running? (libvirtd -d; virtlogd -d)");
  }
  impl_->conn.reset(c);
  return Status::Ok();
}

Result<std::unique_ptr<LibvirtProvisioner>> LibvirtProvisioner::Open(LibvirtConfig config) {
  auto p = std::make_unique<LibvirtProvisioner>(std::move(config));
  LF_RETURN_IF_ERROR(p->Connect());
  return p;
}

namespace {

Status NeedConn(const virConnectPtr c) {
  return c ? Status::Ok() : Status::FailedPrecondition("the provisioner is not connected");
}

}  // namespace

Status LibvirtProvisioner::DoPrepare(const topology::RangePlan& plan, const ExerciseId&) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  std::lock_guard lock(impl_->tmpl_mu);
  for (const auto& d : plan.domains) {
    if (impl_->built.count(d.template_name)) continue;
    auto t = templates::LoadBuilt(config_.templates_dir, d.template_name);
    if (!t.ok() && t.status().code() == StatusCode::kNotFound && !config_.build_script.empty()) {
      spdlog::info("building template {} ({})", d.template_name, config_.build_script);
      // build.sh writes to $LIVEFIRE_STATE_DIR/templates: point it at ours.
      std::map<std::string, std::string> env;
      if (config_.templates_dir == config_.state_dir + "/templates") {
        env["LIVEFIRE_STATE_DIR"] = config_.state_dir;
      }
      auto out = RunCommand({"bash", config_.build_script, d.template_name}, env);
      if (!out.ok()) return out.status().WithContext("building template " + d.template_name);
      t = templates::LoadBuilt(config_.templates_dir, d.template_name);
    }
    if (!t.ok()) return t.status().WithContext("domain " + d.key);
    impl_->built.emplace(d.template_name, *t);
  }
  return Status::Ok();
}

Result<Provisioner::Presence> LibvirtProvisioner::DoEnsureNetwork(
    const ExerciseId& exercise, const topology::PlannedNetwork& net) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  const std::string name = NetworkName(exercise, net);
  LF_ASSIGN_OR_RETURN(const std::string xml, NetworkXml(exercise, net));
  if (virNetworkPtr raw = virNetworkLookupByName(impl_->conn.get(), name.c_str())) {
    Net n(raw);
    CStr desc(virNetworkGetXMLDesc(n.get(), 0));
    if (!desc) return VirError("network " + name);
    auto have = ParseNetworkXml(desc.get());
    if (!have.ok()) return have.status().WithContext("network " + name);
    if (have->bridge != BridgeName(exercise, name)) {
      // The bridge name hashes the full exercise id: this is someone else's.
      return Status::AlreadyExists(fmt::format(
          "network {} exists and belongs to another exercise with the same short id", name));
    }
    const bool correct =
        have->host_address == net.host_address && have->prefix == net.prefix && !have->forward;
    if (correct) {
      if (virNetworkIsActive(n.get()) != 1 && virNetworkCreate(n.get()) < 0) {
        return VirError("starting network " + name);
      }
      return Presence::kKept;
    }
    spdlog::warn("network {} differs from the plan: redefining it", name);
    if (virNetworkIsActive(n.get()) == 1 && virNetworkDestroy(n.get()) < 0) {
      return VirError("stopping network " + name);
    }
    if (virNetworkUndefine(n.get()) < 0) return VirError("undefining network " + name);
  }
  Net n(virNetworkDefineXML(impl_->conn.get(), xml.c_str()));
  if (!n) return VirError("defining network " + name);
  if (virNetworkCreate(n.get()) < 0) return VirError("starting network " + name);
  return Presence::kCreated;
}

// Which template and definition a target gets (templates load lazily, so
// that Exec and Revert work in a process that did not run Up).
Result<Built> LibvirtProvisioner::Impl::Build(const LibvirtConfig& cfg, const Target& t) {
  Impl& impl = *this;
  const ExerciseId& exercise = t.exercise;
  const topology::RangePlan& plan = *t.plan;
  const topology::PlannedDomain& d = *t.domain;
  const GuestSpec& g = *t.guest;
  const std::string& name = t.name;
  const ExercisePaths& paths = t.paths;
  const templates::Template* tmpl;
  {
    std::lock_guard lock(impl.tmpl_mu);
    auto it = impl.built.find(d.template_name);
    if (it == impl.built.end()) {
      LF_ASSIGN_OR_RETURN(templates::Template t,
                          templates::LoadBuilt(cfg.templates_dir, d.template_name));
      it = impl.built.emplace(d.template_name, std::move(t)).first;
    }
    tmpl = &it->second;  // std::map nodes are stable
  }
  DomainXmlInput in;
  in.exercise = exercise;
  in.scenario = plan.scenario;
  in.domain = &d;
  in.guest = &g;
  in.tmpl = tmpl;
  in.name = name;
  in.console_log = paths.console(name);
  in.overlay = paths.disk(name);
  for (const auto& n : plan.networks) in.network_names[n.key] = NetworkName(exercise, n);
  return Built{std::move(in), tmpl};
}

namespace {

Status CreateOverlay(const templates::Template& t, const std::string& overlay) {
  std::error_code ec;
  fs::remove(overlay, ec);
  auto r =
      RunCommand({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", t.disk, overlay});
  return r.ok() ? Status::Ok() : r.status().WithContext("creating overlay " + overlay);
}

// Last non-empty line of a console log, to explain a guest that never got ready.
std::string ConsoleTail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(no console output)";
  in.seekg(0, std::ios::end);
  auto size = static_cast<long long>(in.tellg());
  in.seekg(std::max(0LL, size - 4096));
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  auto nl = tail.find_last_of('\n');
  std::string last = nl == std::string::npos ? tail : tail.substr(nl + 1);
  if (!last.empty() && last.back() == '\r') last.pop_back();
  return last.empty() ? "(no console output)" : "'" + last + "'";
}

}  // namespace

Result<Provisioner::Presence> LibvirtProvisioner::DoEnsureDomain(const Target& t,
                                                                 bool check_ready) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  LF_ASSIGN_OR_RETURN(Built b, impl_->Build(config_, t));
  LF_ASSIGN_OR_RETURN(std::string xml, DomainXml(b.in));
  LF_ASSIGN_OR_RETURN(const RangeMetadata want, ParseRangeMetadata(xml));
  if (virDomainPtr raw = virDomainLookupByName(impl_->conn.get(), t.name.c_str())) {
    Dom d(raw);
    CStr meta(virDomainGetMetadata(d.get(), VIR_DOMAIN_METADATA_ELEMENT,
                                   std::string(kMetadataNamespace).c_str(),
                                   VIR_DOMAIN_AFFECT_CONFIG));
    RangeMetadata have;
    if (meta) {
      auto m = ParseRangeMetadata(meta.get());
      if (m.ok()) have = std::move(m).value();
    }
    if (have.exercise != t.exercise.str()) {
      return Status::AlreadyExists(fmt::format(
          "domain {} exists and does not belong to exercise {} (it belongs to '{}')", t.name,
          t.exercise.str(), have.exercise.empty() ? "nobody known" : have.exercise));
    }
    if (have.spec == want.spec) {
      if (!IsActive(d.get())) return Presence::kKept;
      if (!check_ready) return Presence::kRunning;
      // Running: keep it only if it answers now; otherwise restart it.
      if (impl_->Agent(d.get(), t.name, {{"execute", "guest-ping"}}, 2).ok()) {
        bool services = true;
        for (const auto& s : t.guest->services) {
          if (s.protocol == "tcp" && !t.domain->interfaces.empty() &&
              !net::TcpConnects(t.domain->interfaces.front().address, s.port,
                                net::Clock::now() + std::chrono::milliseconds(1000))) {
            services = false;
          }
        }
        if (services) return Presence::kRunning;
      }
      if (virDomainDestroy(d.get()) < 0) return VirError("stopping domain " + t.name);
      return Presence::kKept;
    }
    spdlog::info("domain {} differs from the plan: redefining it", t.name);
    if (IsActive(d.get()) && virDomainDestroy(d.get()) < 0) {
      return VirError("stopping domain " + t.name);
    }
    // libvirt replaces a definition only when the UUID matches.
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(d.get(), uuid) < 0) return VirError("domain " + t.name);
    b.in.uuid = uuid;
    LF_ASSIGN_OR_RETURN(xml, DomainXml(b.in));
  }
  if (!b.tmpl->diskless()) {
    std::error_code ec;
    if (!fs::exists(t.paths.disk(t.name), ec)) {
      LF_RETURN_IF_ERROR(CreateOverlay(*b.tmpl, t.paths.disk(t.name)));
    }
  }
  Dom d(virDomainDefineXML(impl_->conn.get(), xml.c_str()));
  if (!d) return VirError("defining domain " + t.name);
  return Presence::kCreated;
}

Status LibvirtProvisioner::DoStartDomain(const Target& t) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  LF_ASSIGN_OR_RETURN(Dom d, impl_->Lookup(t.name));
  if (IsActive(d.get())) return Status::Ok();
  if (virDomainCreate(d.get()) < 0) return VirError("starting domain " + t.name);
  return Status::Ok();
}

Status LibvirtProvisioner::DoWaitReady(const Target& t, Clock::time_point deadline) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  LF_ASSIGN_OR_RETURN(Dom d, impl_->Lookup(t.name));
  auto remaining = [&] {
    return static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now()).count());
  };
  // 1. The guest agent answers guest-ping.
  Status last;
  for (;;) {
    if (!IsActive(d.get())) {
      return Status::Unavailable(fmt::format("domain {} stopped while booting; console: {}", t.name,
                                             ConsoleTail(t.paths.console(t.name))));
    }
    auto r =
        impl_->Agent(d.get(), t.name, {{"execute", "guest-ping"}}, std::clamp(remaining(), 1, 5));
    if (r.ok()) break;
    last = r.status();
    if (Clock::now() >= deadline) {
      return Status::DeadlineExceeded(
          fmt::format("domain {}: the guest agent did not answer in time ({}); console: {}", t.name,
                      last.message(), ConsoleTail(t.paths.console(t.name))));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // 2. A direct-boot guest gets its secrets now, through the agent (never the
  //    command line), and starts its services once they are applied; an
  //    "agent-full" template (debian) gets every declaration that way.
  LF_ASSIGN_OR_RETURN(Built b, impl_->Build(config_, t));
  if (b.tmpl->full_agent_config()) {
    LF_RETURN_IF_ERROR(PushGuestConfig(t, FullGuestConfig(*t.domain, *t.guest), deadline));
  } else if (b.tmpl->diskless()) {
    LF_RETURN_IF_ERROR(PushGuestConfig(t, MicroGuestConfig(*t.guest), deadline));
  }
  // 3. Every declared TCP service listens, seen from the host.
  if (t.domain->interfaces.empty()) return Status::Ok();
  const std::string& addr = t.domain->interfaces.front().address;
  for (const auto& s : t.guest->services) {
    if (s.protocol != "tcp" || s.port <= 0) continue;
    while (!net::TcpConnects(addr, s.port, net::Clock::now() + std::chrono::milliseconds(500))) {
      if (Clock::now() >= deadline) {
        return Status::DeadlineExceeded(fmt::format(
            "domain {}: service {} ({}:{}/tcp) is not listening", t.name, s.kind, addr, s.port));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return Status::Ok();
}

Status LibvirtProvisioner::PushGuestConfig(const Target& t, const std::string& config,
                                           Clock::time_point deadline) {
  const std::string applied(kMicroConfigApplied);
  // Read through the agent, not `test -e` through guest-exec: a fork and
  // exec per poll costs the guest real CPU under TCG while it is busy
  // applying the configuration and starting its services.
  auto is_applied = [&]() -> Result<bool> {
    auto r = DoPullFile(t, applied);
    if (r.ok()) return true;
    if (r.status().message().find("No such file or directory") != std::string::npos) return false;
    return r.status();
  };
  // A guest restored from a snapshot applied it before the snapshot. The
  // agent may answer a moment before /init has made /run/livefire: retry.
  bool pushed = false;
  Status last;
  for (;;) {
    auto done = is_applied();
    if (done.ok() && *done) return Status::Ok();
    if (!done.ok()) last = done.status();
    if (done.ok() && !pushed) {
      // Mode -1: no mkdir or chmod. /init made the directory root-only, and
      // deletes the file as soon as it has read it.
      last = DoPushFile(t, std::string(kMicroConfigPath), config, -1);
      pushed = last.ok();
    }
    if (Clock::now() >= deadline) {
      return Status::DeadlineExceeded(fmt::format(
          "domain {}: the guest did not apply its configuration in time ({}); console: {}", t.name,
          last.ok() ? "pushed, not applied" : last.message(),
          ConsoleTail(t.paths.console(t.name))));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Status LibvirtProvisioner::DoConfigureGuest(const Target& t) {
  if (t.domain->is_router) {
    // The scenario's rules replace the boot-time baseline in one nft
    // transaction; forwarding is switched on only once they are in force.
    LF_ASSIGN_OR_RETURN(std::string ruleset, RouterRuleset(*t.domain));
    const std::string path(kRouterRulesetPath);
    LF_RETURN_IF_ERROR(DoPushFile(t, path, ruleset, 0600));
    LF_ASSIGN_OR_RETURN(ExecResult r,
                        DoExec(t, {std::string(kFirewallApply), path}, Duration::Seconds(60)));
    if (r.exit_code != 0) {
      return Status::Unavailable(fmt::format("router {}: firewall-apply {} failed ({}): {}", t.name,
                                             path, r.exit_code, r.err));
    }
  }
  if (t.guest->ip_forward || t.domain->is_router) {
    LF_RETURN_IF_ERROR(DoPushFile(t, "/proc/sys/net/ipv4/ip_forward", "1\n", -1));
  }
  for (const auto& f : t.guest->files) {
    LF_RETURN_IF_ERROR(DoPushFile(t, f.path, f.content, f.mode));
  }
  return Status::Ok();
}

Status LibvirtProvisioner::DoStopDomain(const Target& t) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  virDomainPtr raw = virDomainLookupByName(impl_->conn.get(), t.name.c_str());
  if (!raw) return Status::Ok();
  Dom d(raw);
  if (IsActive(d.get()) && virDomainDestroy(d.get()) < 0) {
    return VirError("stopping domain " + t.name);
  }
  return Status::Ok();
}

namespace {

// Domains whose livefire metadata names an exercise, with that exercise.
Result<std::vector<std::pair<Dom, std::string>>> OwnedDomains(virConnectPtr c) {
  virDomainPtr* list = nullptr;
  int n = virConnectListAllDomains(c, &list, 0);
  if (n < 0) return VirError("listing domains");
  std::vector<std::pair<Dom, std::string>> out;
  for (int i = 0; i < n; ++i) {
    Dom d(list[i]);
    CStr meta(virDomainGetMetadata(d.get(), VIR_DOMAIN_METADATA_ELEMENT,
                                   std::string(kMetadataNamespace).c_str(),
                                   VIR_DOMAIN_AFFECT_CONFIG));
    if (!meta) continue;  // not ours (no livefire metadata)
    auto m = ParseRangeMetadata(meta.get());
    if (m.ok() && !m->exercise.empty()) out.emplace_back(std::move(d), std::move(m->exercise));
  }
  std::free(list);
  return out;
}

}  // namespace

Result<DownReport> LibvirtProvisioner::DoDown(const ExerciseId& exercise) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  DownReport r;
  LF_ASSIGN_OR_RETURN(auto owned, OwnedDomains(impl_->conn.get()));
  std::vector<virDomainPtr> mine;
  for (auto& [d, ex] : owned) {
    if (ex != exercise.str()) continue;
    mine.push_back(d.get());
    const char* name = virDomainGetName(d.get());
    if (name) r.domain_names.emplace_back(name);
  }
  // Stopping a qemu process takes a while: several at once.
  std::vector<Status> results(mine.size());
  ParallelFor(mine.size(), 4, [&](size_t i) {
    virDomainPtr d = mine[i];
    const char* name = virDomainGetName(d);
    std::string n = name ? name : "?";
    if (IsActive(d) && virDomainDestroy(d) < 0) {
      results[i] = VirError("stopping domain " + n);
    } else if (virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                             VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0 &&
               virDomainUndefine(d) < 0) {
      results[i] = VirError("undefining domain " + n);
    }
  });
  for (const auto& s : results) {
    LF_RETURN_IF_ERROR(s);
    ++r.domains;
  }
  // Networks carry no metadata in this libvirt: the name prefix finds them
  // and the bridge name, a hash of the full exercise id, proves ownership.
  virNetworkPtr* nets = nullptr;
  int n = virConnectListAllNetworks(impl_->conn.get(), &nets, 0);
  if (n < 0) return VirError("listing networks");
  std::vector<Net> owned_nets;
  for (int i = 0; i < n; ++i) owned_nets.emplace_back(nets[i]);
  std::free(nets);
  const std::string prefix = "lf-" + ExerciseShort(exercise) + "-";
  for (auto& net : owned_nets) {
    const char* raw = virNetworkGetName(net.get());
    std::string name = raw ? raw : "";
    if (name.rfind(prefix, 0) != 0) continue;
    CStr desc(virNetworkGetXMLDesc(net.get(), 0));
    if (!desc) return VirError("network " + name);
    auto have = ParseNetworkXml(desc.get());
    if (!have.ok()) return have.status().WithContext("network " + name);
    if (have->bridge != BridgeName(exercise, name)) continue;  // same short id, another exercise
    if (virNetworkIsActive(net.get()) == 1 && virNetworkDestroy(net.get()) < 0) {
      return VirError("stopping network " + name);
    }
    if (virNetworkUndefine(net.get()) < 0) return VirError("undefining network " + name);
    ++r.networks;
    r.network_names.push_back(name);
  }
  return r;
}

Result<Dom> LibvirtProvisioner::Impl::Running(const std::string& name) {
  LF_RETURN_IF_ERROR(NeedConn(conn.get()));
  LF_ASSIGN_OR_RETURN(Dom d, Lookup(name));
  if (!IsActive(d.get())) {
    return Status::FailedPrecondition(fmt::format("domain {} is not running", name));
  }
  return d;
}

Result<ExecResult> LibvirtProvisioner::DoExec(const Target& t, const std::vector<std::string>& argv,
                                              Duration timeout) {
  LF_ASSIGN_OR_RETURN(Dom d, impl_->Running(t.name));
  const auto deadline = Clock::now() + std::chrono::nanoseconds(timeout.nanos());
  json args = json::array();
  for (size_t i = 1; i < argv.size(); ++i) args.push_back(argv[i]);
  const int agent_timeout =
      static_cast<int>(std::clamp<int64_t>(timeout.nanos() / 1'000'000'000, 1, 10));
  LF_ASSIGN_OR_RETURN(
      json started,
      impl_->Agent(d.get(), t.name,
                   {{"execute", "guest-exec"},
                    {"arguments", {{"path", argv[0]}, {"arg", args}, {"capture-output", true}}}},
                   agent_timeout));
  const int64_t pid = started.value("pid", -1);
  if (pid < 0) return Status::DataLoss("domain " + t.name + ": guest-exec returned no pid");
  // Poll quickly at first (short commands finish in milliseconds), then back off.
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    LF_ASSIGN_OR_RETURN(
        json st, impl_->Agent(d.get(), t.name,
                              {{"execute", "guest-exec-status"}, {"arguments", {{"pid", pid}}}},
                              agent_timeout));
    if (st.value("exited", false)) {
      ExecResult r;
      if (st.contains("signal")) {
        r.signaled = true;
        r.exit_code = 128 + st.value("signal", 0);
      } else {
        r.exit_code = st.value("exitcode", 0);
      }
      LF_ASSIGN_OR_RETURN(r.out, Base64Decode(st.value("out-data", std::string())));
      LF_ASSIGN_OR_RETURN(r.err, Base64Decode(st.value("err-data", std::string())));
      r.truncated = st.value("out-truncated", false) || st.value("err-truncated", false);
      return r;
    }
    if (Clock::now() >= deadline) {
      // Do not leave the command running in the guest.
      auto k =
          impl_->Agent(d.get(), t.name,
                       {{"execute", "guest-exec"},
                        {"arguments", {{"path", "kill"}, {"arg", {"-9", std::to_string(pid)}}}}},
                       5);
      if (!k.ok())
        spdlog::warn("cannot kill guest pid {} on {}: {}", pid, t.name, k.status().message());
      return Status::DeadlineExceeded(fmt::format("domain {}: '{}' did not finish within {}",
                                                  t.name, argv[0], FormatDuration(timeout)));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

Status LibvirtProvisioner::DoPushFile(const Target& t, const std::string& path,
                                      const std::string& content, int mode) {
  LF_ASSIGN_OR_RETURN(Dom d, impl_->Running(t.name));
  if (mode >= 0) {
    auto slash = path.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
      LF_ASSIGN_OR_RETURN(ExecResult m,
                          DoExec(t, {"mkdir", "-p", path.substr(0, slash)}, Duration::Seconds(30)));
      if (m.exit_code != 0) {
        return Status::Unavailable(
            fmt::format("domain {}: mkdir -p {}: {}", t.name, path.substr(0, slash), m.err));
      }
    }
  }
  LF_ASSIGN_OR_RETURN(json h, impl_->Agent(d.get(), t.name,
                                           {{"execute", "guest-file-open"},
                                            {"arguments", {{"path", path}, {"mode", "w"}}}},
                                           10));
  const int64_t handle = h.get<int64_t>();
  Status s;
  constexpr size_t kChunk = 48 * 1024;
  for (size_t off = 0; off < content.size() && s.ok(); off += kChunk) {
    auto w =
        impl_->Agent(d.get(), t.name,
                     {{"execute", "guest-file-write"},
                      {"arguments",
                       {{"handle", handle},
                        {"buf-b64", Base64Encode(std::string_view(content).substr(off, kChunk))}}}},
                     10);
    s = w.status();
  }
  auto c = impl_->Agent(d.get(), t.name,
                        {{"execute", "guest-file-close"}, {"arguments", {{"handle", handle}}}}, 10);
  LF_RETURN_IF_ERROR(s.WithContext("writing " + path));
  LF_RETURN_IF_ERROR(c.status().WithContext("closing " + path));
  if (mode >= 0) {
    LF_ASSIGN_OR_RETURN(
        ExecResult m, DoExec(t, {"chmod", fmt::format("{:o}", mode), path}, Duration::Seconds(30)));
    if (m.exit_code != 0) {
      return Status::Unavailable(fmt::format("domain {}: chmod {}: {}", t.name, path, m.err));
    }
  }
  return Status::Ok();
}

Result<std::string> LibvirtProvisioner::DoPullFile(const Target& t, const std::string& path) {
  LF_ASSIGN_OR_RETURN(Dom d, impl_->Running(t.name));
  LF_ASSIGN_OR_RETURN(json h, impl_->Agent(d.get(), t.name,
                                           {{"execute", "guest-file-open"},
                                            {"arguments", {{"path", path}, {"mode", "r"}}}},
                                           10));
  const int64_t handle = h.get<int64_t>();
  std::string data;
  Status s;
  constexpr size_t kMax = 64u << 20;  // a pulled file is evidence, not a disk image
  for (;;) {
    auto r = impl_->Agent(
        d.get(), t.name,
        {{"execute", "guest-file-read"}, {"arguments", {{"handle", handle}, {"count", 48 * 1024}}}},
        10);
    if (!r.ok()) {
      s = r.status();
      break;
    }
    auto bytes = Base64Decode(r->value("buf-b64", std::string()));
    if (!bytes.ok()) {
      s = bytes.status();
      break;
    }
    data += *bytes;
    if (data.size() > kMax) {
      s = Status::ResourceExhausted(fmt::format("{} is larger than {} bytes", path, kMax));
      break;
    }
    if (r->value("eof", false) || r->value("count", 0) == 0) break;
  }
  auto c = impl_->Agent(d.get(), t.name,
                        {{"execute", "guest-file-close"}, {"arguments", {{"handle", handle}}}}, 10);
  LF_RETURN_IF_ERROR(s.WithContext("reading " + path));
  LF_RETURN_IF_ERROR(c.status().WithContext("closing " + path));
  return data;
}

namespace {

// A disk template's snapshot is its saved memory state (paths.save) plus a
// copy of its overlay at that instant, beside it: restoring both together
// gives a consistent guest.
std::string SavedOverlay(const std::string& save) { return save + ".qcow2"; }

Status CopyFileDurably(const std::string& from, const std::string& to) {
  std::error_code ec;
  const std::string tmp = to + ".new";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::Internal(fmt::format("copying {} to {}: {}", from, tmp, ec.message()));
  return RenameDurably(tmp, to);
}

}  // namespace

Status LibvirtProvisioner::DoSnapshot(const Target& t) {
  LF_ASSIGN_OR_RETURN(Built b, impl_->Build(config_, t));
  LF_ASSIGN_OR_RETURN(Dom d, impl_->Running(t.name));
  const std::string file = t.paths.save(t.name);
  const std::string tmp = file + ".new";
  // Save stops the guest; restoring it at once keeps it running, from the
  // same memory state that a later Revert restores.
  if (virDomainSaveFlags(d.get(), tmp.c_str(), nullptr, VIR_DOMAIN_SAVE_RUNNING) < 0) {
    return VirError("saving domain " + t.name);
  }
  // The guest is stopped: its overlay is exactly the disk that memory state
  // saw. Copy it before the guest writes again.
  Status copied = b.tmpl->diskless()
                      ? Status::Ok()
                      : CopyFileDurably(t.paths.disk(t.name), SavedOverlay(file));
  Status renamed = copied.ok() ? RenameDurably(tmp, file) : copied;
  if (virDomainRestoreFlags(impl_->conn.get(), (renamed.ok() ? file : tmp).c_str(), nullptr,
                            VIR_DOMAIN_SAVE_RUNNING) < 0) {
    return VirError("restoring domain " + t.name + " after its snapshot");
  }
  if (!renamed.ok()) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return renamed.WithContext("snapshot of " + t.name);
  }
  return Status::Ok();
}

Result<std::string> LibvirtProvisioner::DoRevert(const Target& t, Clock::time_point deadline) {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  LF_ASSIGN_OR_RETURN(Built b, impl_->Build(config_, t));
  LF_ASSIGN_OR_RETURN(Dom d, impl_->Lookup(t.name));
  if (IsActive(d.get()) && virDomainDestroy(d.get()) < 0) {
    return VirError("stopping domain " + t.name);
  }
  std::error_code ec;
  const std::string save = t.paths.save(t.name);
  const bool saved = fs::exists(save, ec) &&
                     (b.tmpl->diskless() || fs::exists(SavedOverlay(save), ec));
  if (saved) {
    // Disk templates: overlay swap back to the snapshot's copy, then its memory.
    if (!b.tmpl->diskless()) {
      LF_RETURN_IF_ERROR(CopyFileDurably(SavedOverlay(save), t.paths.disk(t.name)));
    }
    if (virDomainRestoreFlags(impl_->conn.get(), save.c_str(), nullptr, VIR_DOMAIN_SAVE_RUNNING) <
        0) {
      return VirError("restoring domain " + t.name + " from " + save);
    }
    LF_RETURN_IF_ERROR(DoWaitReady(t, deadline));
    return std::string("restore");
  }
  // Cold boot from the pristine boot configuration: the initramfs (or a
  // fresh overlay) holds no change made since, then the files are re-planted.
  if (!b.tmpl->diskless()) LF_RETURN_IF_ERROR(CreateOverlay(*b.tmpl, t.paths.disk(t.name)));
  if (virDomainCreate(d.get()) < 0) return VirError("starting domain " + t.name);
  LF_RETURN_IF_ERROR(DoWaitReady(t, deadline));
  LF_RETURN_IF_ERROR(DoConfigureGuest(t));
  return std::string("reboot");
}

Result<std::vector<ExerciseSummary>> LibvirtProvisioner::DoList() {
  LF_RETURN_IF_ERROR(NeedConn(impl_->conn.get()));
  LF_ASSIGN_OR_RETURN(auto owned, OwnedDomains(impl_->conn.get()));
  std::map<std::string, ExerciseSummary> by;
  for (auto& [d, ex] : owned) {
    auto& s = by[ex];
    s.exercise = ex;
    ++s.domains;
    if (IsActive(d.get())) ++s.running;
  }
  virNetworkPtr* nets = nullptr;
  int n = virConnectListAllNetworks(impl_->conn.get(), &nets, 0);
  if (n < 0) return VirError("listing networks");
  std::vector<Net> all;
  for (int i = 0; i < n; ++i) all.emplace_back(nets[i]);
  std::free(nets);
  for (auto& net : all) {
    const char* raw = virNetworkGetName(net.get());
    std::string name = raw ? raw : "";
    for (auto& [ex, s] : by) {
      if (name.rfind("lf-" + ExerciseShort(ExerciseId(ex)) + "-", 0) == 0) ++s.networks;
    }
  }
  std::vector<ExerciseSummary> out;
  for (auto& [ex, s] : by) out.push_back(s);
  return out;
}

}  // namespace livefire::provision

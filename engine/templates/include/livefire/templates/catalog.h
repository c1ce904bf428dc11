#pragma once
// VM templates: each folder <dir>/NAME/ holds a manifest.json that says what
// the template boots, which services it runs and which vulnerabilities it
// can plant. The one reader of those manifests: validation checks scenarios
// against the source catalogue (vm-templates/), provisioning boots the built
// copy (<state_dir>/templates/, same manifest plus the boot artefacts).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/model/model.h"
#include "livefire/status.h"

namespace livefire::templates {

struct Service {
  std::string name;      // "http"
  int default_port = 0;  // 0 = unknown
  std::string protocol;  // "tcp"/"udp" ("" = unknown)
};

struct Vulnerability {
  std::string id;       // "cgi-cmd-injection"
  std::string cwe;      // "CWE-78"
  std::string service;  // template service it lives in ("" = local)
  std::string description;
};

enum class Boot {
  kDirectKernel,  // "direct-kernel": artifacts kernel + initrd, no disk
  kDisk,          // "disk": artifacts disk, a base qcow2 image
};
std::string_view ToString(Boot b);

struct Template {
  std::string name;           // folder name (and manifest "name")
  std::string dir;            // the template folder
  std::string manifest_path;  // dir/manifest.json
  std::string os;
  Boot boot = Boot::kDirectKernel;
  std::string kernel_cmdline;  // livefire's lf.* arguments follow it
  int vcpus = 1;
  int memory_mb = 256;
  // What qemu costs per guest beyond its RAM, when it is more than the
  // capacity rule's default (manifest "resources.qemu_overhead_mb"; 0 = default).
  int qemu_overhead_mb = 0;
  // Boot artefacts the boot type needs, as paths (relative manifest names
  // resolved against dir); the others stay empty. Whether they exist is
  // CheckBuilt's business: the source catalogue has none.
  std::string kernel;
  std::string initrd;
  std::string disk;
  // Disk templates may also name a kernel and initrd (extracted from the
  // image at build): the engine then boots them direct-kernel with the disk
  // as root instead of through a bootloader.
  // "agent-full" (manifest "guest_config"): every declaration (host,
  // addresses, routes, services, accounts, flag, weaknesses) reaches the
  // guest through its agent at first boot. Diskless templates get only their
  // secrets that way ("agent"), the rest on the kernel command line.
  std::string guest_config;
  std::vector<Service> services;
  std::vector<Vulnerability> vulnerabilities;

  bool diskless() const { return boot == Boot::kDirectKernel; }
  bool direct_kernel() const { return !kernel.empty(); }
  bool full_agent_config() const { return guest_config == "agent-full"; }
  const Service* FindService(std::string_view name) const;
  // The template service a scenario service runs as: the one it is named
  // after, else the one its check's kind names (a "portal" checked as http
  // runs http). nullptr when the template runs neither. Provisioning maps
  // services by the same rule (docs/scenario-language.md, "Services").
  const Service* RunsAs(std::string_view name, std::string_view check_kind) const;
  // What the template runs, for error messages: "http (tcp/80), dns (udp/53)".
  std::string OfferedServices() const;
  const Vulnerability* FindVulnerability(std::string_view id) const;
  // Ok when every boot artefact is a file; NotFound naming the missing one.
  Status CheckBuilt() const;
};

// Reads one folder's manifest.json. NotFound when it has none; any other
// problem is InvalidArgument naming the file.
Result<Template> ReadManifest(const std::string& folder);

// A built template <dir>/<name>: its manifest and every boot artefact it
// names. NotFound (saying how to build it) when it is not built or is
// incomplete.
Result<Template> LoadBuilt(const std::string& dir, std::string_view name);

class Catalog {
 public:
  // Reads every dir/*/manifest.json (folders without one are skipped). Any
  // unreadable or malformed manifest is an error naming the file.
  static Result<Catalog> Load(const std::string& dir);

  const Template* Find(std::string_view name) const;
  const std::vector<Template>& templates() const { return templates_; }
  const std::string& dir() const { return dir_; }
  // Each template's resources, for topology::PlanOptions::template_resources.
  std::map<std::string, model::Resources, std::less<>> Resources() const;
  // Templates' "qemu_overhead_mb" where set, by name (topology::CapacityRule).
  std::map<std::string, int64_t, std::less<>> QemuOverheads() const;

 private:
  std::string dir_;
  std::vector<Template> templates_;  // sorted by name
};

// Where templates are looked for when no folder is given, first hit wins:
//  1. $LIVEFIRE_TEMPLATES_DIR
//  2. $LIVEFIRE_SOURCE_DIR/vm-templates
//  3. a `vm-templates` or `share/livefire/vm-templates` folder in the
//     executable's folder or any folder above it (build trees, installs)
//  4. a `vm-templates` folder in the current directory or any above it
// NotFound (listing what was tried) when none exists.
Result<std::string> DefaultTemplatesDir();

}  // namespace livefire::templates

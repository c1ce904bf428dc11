#pragma once
// The libvirt backend of Provisioner. libvirt's headers stay in the .cc files.
//
// Networks are isolated (no forward element; the host keeps an address on each
// bridge so that it can check the guests' services). Domains are type='qemu'
// (TCG), booted direct-kernel for diskless templates (micro) or from a qcow2
// overlay of the template's disk, with virtio NICs carrying the plan's MACs,
// the serial console in a log file, the qemu-guest-agent channel and a
// <metadata> element in the livefire namespace naming exercise, team and node.

#include <memory>
#include <string>

#include "livefire/provision/provisioner.h"

namespace livefire::provision {

// XML namespace of livefire's <metadata> element in domain definitions.
// (the one vm-templates/micro/domain.xml.example uses).
inline constexpr std::string_view kMetadataNamespace = "https://livefire.dev/xmlns/range/1";
inline constexpr std::string_view kMetadataPrefix = "livefire";

// $LIVEFIRE_LIBVIRT_URI, else qemu:///system: the connection a range uses
// when none is given.
std::string DefaultLibvirtUri();

struct LibvirtConfig {
  std::string uri = "qemu:///system";
  std::string state_dir;      // exercises live in <state_dir>/exercises/<id>
  std::string templates_dir;  // "" = <state_dir>/templates
  // `bash <build_script> NAME` builds a missing template ("" = never build).
  std::string build_script;
};

// A built template: <templates_dir>/<name>/ with manifest.json ("boot":
// "direct-kernel" with artifacts kernel + initrd, or "disk" with a base qcow2).
struct TemplateInfo {
  std::string name;
  std::string dir;
  std::string kernel;  // absolute paths; empty for disk templates
  std::string initrd;
  std::string disk;            // base qcow2 image; empty for diskless templates
  std::string kernel_cmdline;  // manifest kernel_cmdline; lf.* arguments follow it
  int vcpus = 1;
  int memory_mb = 128;
  bool diskless() const { return disk.empty(); }
};

// Reads <dir>/manifest.json (when present) and finds the boot artefacts.
Result<TemplateInfo> LoadTemplate(const std::string& templates_dir, const std::string& name);

// Definitions, as given to virNetworkDefineXML / virDomainDefineXML.
std::string NetworkXml(const ExerciseId& exercise, const topology::PlannedNetwork& net);
struct DomainXmlInput {
  ExerciseId exercise;
  std::string scenario;
  const topology::PlannedDomain* domain = nullptr;
  const GuestSpec* guest = nullptr;
  const TemplateInfo* tmpl = nullptr;
  std::string name;         // DomainName()
  std::string console_log;  // serial console file
  std::string overlay;      // qcow2 overlay (disk templates)
  // Network libvirt name for each PlannedInterface::network_key.
  std::map<std::string, std::string> network_names;
};
std::string DomainXml(const DomainXmlInput& in);

class LibvirtProvisioner : public Provisioner {
 public:
  // Constructs and connects; Unavailable (with libvirt's message) on failure.
  static Result<std::unique_ptr<LibvirtProvisioner>> Open(LibvirtConfig config);

  // Subclasses (fault-injecting tests) construct, then Connect().
  explicit LibvirtProvisioner(LibvirtConfig config);
  ~LibvirtProvisioner() override;
  Status Connect();

  const LibvirtConfig& config() const { return config_; }

 protected:
  Status DoPrepare(const topology::RangePlan& plan, const ExerciseId& exercise) override;
  Result<Presence> DoEnsureNetwork(const ExerciseId& exercise,
                                   const topology::PlannedNetwork& net) override;
  Result<Presence> DoEnsureDomain(const Target& t, bool check_ready) override;
  Status DoStartDomain(const Target& t) override;
  Status DoWaitReady(const Target& t, std::chrono::steady_clock::time_point deadline) override;
  Status DoConfigureGuest(const Target& t) override;
  Status DoStopDomain(const Target& t) override;
  Result<DownReport> DoDown(const ExerciseId& exercise) override;
  Result<ExecResult> DoExec(const Target& t, const std::vector<std::string>& argv,
                            Duration timeout) override;
  Status DoPushFile(const Target& t, const std::string& path, const std::string& content,
                    int mode) override;
  Result<std::string> DoPullFile(const Target& t, const std::string& path) override;
  Status DoSnapshot(const Target& t) override;
  Result<std::string> DoRevert(const Target& t,
                               std::chrono::steady_clock::time_point deadline) override;
  Result<std::vector<ExerciseSummary>> DoList() override;

 private:
  struct Impl;
  LibvirtConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::provision

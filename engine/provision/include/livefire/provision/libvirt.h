#pragma once
// The libvirt backend of Provisioner. libvirt's headers stay in the .cc files.
//
// Networks are isolated (no forward element; the host keeps an address on each
// bridge so that it can check the guests' services). Domains are type='qemu'
// (TCG), booted direct-kernel for diskless templates (micro) or from a qcow2
// overlay of the template's disk, with virtio NICs carrying the plan's MACs,
// the serial console in a log file, the qemu-guest-agent channel and a
// <metadata> element in the livefire namespace naming exercise, team and node.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/provision/provisioner.h"
#include "livefire/templates/catalog.h"

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
  std::string state_dir;  // exercises live in <state_dir>/exercises/<id>
  // Built templates (templates::LoadBuilt); "" = <state_dir>/templates.
  std::string templates_dir;
  // `bash <build_script> NAME` builds a missing template ("" = never build).
  std::string build_script;
  // What libvirt leaves behind and Down removes for the exercise's own
  // domains and networks (matched by name): <qemu_log_dir>/<domain>.log*
  // and <network_run_dir>/<network>{,.*} when a file or an empty folder.
  std::string qemu_log_dir = "/var/log/libvirt/qemu";
  std::string network_run_dir = "/run/libvirt/network";
};

// Definitions, as given to virNetworkDefineXML / virDomainDefineXML, built
// with an XML library. InvalidArgument (naming the field) when a value holds
// what XML 1.0 cannot carry: control characters other than tab, newline and
// carriage return, invalid UTF-8, or a carriage return in element text
// (parsers read it back as a newline; attribute values encode it).
Result<std::string> NetworkXml(const ExerciseId& exercise, const topology::PlannedNetwork& net);
struct DomainXmlInput {
  ExerciseId exercise;
  std::string scenario;
  const topology::PlannedDomain* domain = nullptr;
  const GuestSpec* guest = nullptr;
  const templates::Template* tmpl = nullptr;  // a built template (templates::LoadBuilt)
  std::string name;                           // DomainName()
  std::string console_log;                    // serial console file
  std::string overlay;                        // qcow2 overlay (disk templates)
  // Network libvirt name for each PlannedInterface::network_key.
  std::map<std::string, std::string> network_names;
  // The existing definition's UUID when replacing it ("" = libvirt picks
  // one). Not part of the spec fingerprint.
  std::string uuid;
};
Result<std::string> DomainXml(const DomainXmlInput& in);

// Ok when `text` can be an XML 1.0 text or attribute value; else
// InvalidArgument naming `what` and the offending byte.
Status CheckXmlText(std::string_view what, std::string_view text);

// What livefire's <range> metadata element (kMetadataNamespace) says.
struct RangeMetadata {
  std::string exercise;
  std::string scenario;
  std::string team;
  std::string node;
  std::string key;
  std::string template_name;
  std::string spec;  // fingerprint of the definition it was written with
  bool operator==(const RangeMetadata&) const = default;
};
// Reads it from a whole <domain> definition (matched by namespace URI, not
// prefix) or from the element alone: virDomainGetMetadata selects it by
// namespace and returns it without one.
// NotFound when there is none; DataLoss when the XML is malformed.
Result<RangeMetadata> ParseRangeMetadata(std::string_view xml);

// The parts of libvirt's network and domain XML (virsh dumpxml) that
// livefire checks or tests look at.
struct NetworkXmlInfo {
  std::string name;
  std::string bridge;
  std::string host_address;  // <ip address>
  int prefix = 0;            // <ip prefix> (or the bits of its netmask)
  bool forward = false;      // has a <forward> element (not isolated)
  bool dns_enabled = true;
};
Result<NetworkXmlInfo> ParseNetworkXml(std::string_view xml);

struct DomainXmlInfo {
  std::string type;  // "qemu"
  std::string name;
  std::string uuid;
  std::string title;
  RangeMetadata metadata;
  int memory_mb = 0;
  int vcpus = 0;
  std::string kernel;
  std::string initrd;
  std::string cmdline;
  std::string disk;  // source file of the first disk device
  struct Interface {
    std::string network;
    std::string mac;
    bool operator==(const Interface&) const = default;
  };
  std::vector<Interface> interfaces;
  std::string console_log;  // serial source path
  bool agent_channel = false;
};
Result<DomainXmlInfo> ParseDomainXml(std::string_view xml);

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
  // virDomainOpenConsole on a non-blocking virStream of a connection of its
  // own, fed by libvirt's default event loop (one thread for the process).
  Result<std::unique_ptr<Console>> DoOpenConsole(const Target& t) override;
  Status DoSnapshot(const Target& t) override;
  Result<std::string> DoRevert(const Target& t,
                               std::chrono::steady_clock::time_point deadline) override;
  Result<std::vector<ExerciseSummary>> DoList() override;
  void DoRemoveLeftovers(DownReport& report) override;  // libvirt_leftovers.cc

 private:
  // Writes a guest's agent configuration (MicroGuestConfig for micro,
  // FullGuestConfig for "agent-full" templates) and waits until the guest
  // has applied it (kMicroConfigApplied).
  Status PushGuestConfig(const Target& t, const std::string& config,
                         std::chrono::steady_clock::time_point deadline);

  struct Impl;
  LibvirtConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::provision

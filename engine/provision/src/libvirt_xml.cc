// Libvirt definitions and template manifests (no libvirt calls here).

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "livefire/provision/libvirt.h"
#include "util.h"

namespace livefire::provision {

namespace fs = std::filesystem;

Result<TemplateInfo> LoadTemplate(const std::string& templates_dir, const std::string& name) {
  LF_RETURN_IF_ERROR(CheckName("template", name));
  TemplateInfo t;
  t.name = name;
  t.dir = templates_dir + "/" + name;
  const std::string manifest = t.dir + "/manifest.json";
  std::ifstream in(manifest);
  if (!in) {
    return Status::NotFound(fmt::format(
        "template '{}' is not built (no {}; run vm-templates/build.sh {})", name, manifest, name));
  }
  std::string boot = "direct-kernel";
  std::string kernel = "vmlinuz", initrd = "initrd.img", disk = "base.qcow2";
  try {
    auto j = nlohmann::json::parse(in);
    boot = j.value("boot", boot);
    if (j.contains("resources") && j["resources"].is_object()) {
      t.vcpus = j["resources"].value("vcpus", t.vcpus);
      t.memory_mb = j["resources"].value("memory_mb", t.memory_mb);
    }
    if (j.contains("artifacts") && j["artifacts"].is_object()) {
      const auto& a = j["artifacts"];
      kernel = a.value("kernel", kernel);
      initrd = a.value("initrd", initrd);
      disk = a.value("disk", disk);
    }
    t.kernel_cmdline = j.value("kernel_cmdline", std::string());
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", manifest, e.what()));
  }
  auto need = [&](const std::string& file) -> Result<std::string> {
    std::string p = fs::path(file).is_absolute() ? file : t.dir + "/" + file;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      return Status::NotFound(fmt::format(
          "template '{}' is incomplete: {} is missing (rebuild: vm-templates/build.sh --force {})",
          name, p, name));
    }
    return p;
  };
  if (boot == "direct-kernel") {
    LF_ASSIGN_OR_RETURN(t.kernel, need(kernel));
    LF_ASSIGN_OR_RETURN(t.initrd, need(initrd));
  } else if (boot == "disk") {
    LF_ASSIGN_OR_RETURN(t.disk, need(disk));
  } else {
    return Status::InvalidArgument(
        fmt::format("{}: unknown boot type '{}' (direct-kernel or disk)", manifest, boot));
  }
  return t;
}

std::string NetworkXml(const ExerciseId& exercise, const topology::PlannedNetwork& net) {
  const std::string name = NetworkName(exercise, net);
  // No forward element: isolated. No DHCP and no DNS, so libvirt starts no dnsmasq;
  // the host keeps host_address to reach the guests' services.
  return fmt::format(
      "<network>\n"
      "  <name>{}</name>\n"
      "  <bridge name='{}' stp='off' delay='0'/>\n"
      "  <dns enable='no'/>\n"
      "  <ip address='{}' prefix='{}'/>\n"
      "</network>\n",
      XmlEscape(name), BridgeName(exercise, name), XmlEscape(net.host_address), net.prefix);
}

std::string DomainXml(const DomainXmlInput& in) {
  const auto& d = *in.domain;
  const auto& t = *in.tmpl;
  static const GuestSpec kBare;
  const GuestSpec& g = in.guest ? *in.guest : kBare;
  const int vcpus = d.resources.vcpus > 0 ? d.resources.vcpus : t.vcpus;
  const int memory = d.resources.memory_mb > 0 ? d.resources.memory_mb : t.memory_mb;

  std::string os;
  if (t.diskless()) {
    std::string cmdline = t.kernel_cmdline;
    std::string lf = MicroKernelCommandLine(d, g);
    if (!cmdline.empty() && !lf.empty()) cmdline += " ";
    cmdline += lf;
    os = fmt::format(
        "    <kernel>{}</kernel>\n"
        "    <initrd>{}</initrd>\n"
        "    <cmdline>{}</cmdline>\n",
        XmlEscape(t.kernel), XmlEscape(t.initrd), XmlEscape(cmdline));
  } else {
    os = "    <boot dev='hd'/>\n";
  }
  std::string devices;
  if (!t.diskless()) {
    devices += fmt::format(
        "    <disk type='file' device='disk'>\n"
        "      <driver name='qemu' type='qcow2'/>\n"
        "      <source file='{}'/>\n"
        "      <target dev='vda' bus='virtio'/>\n"
        "    </disk>\n",
        XmlEscape(in.overlay));
  }
  devices += "    <controller type='usb' model='none'/>\n";
  for (const auto& i : d.interfaces) {
    auto it = in.network_names.find(i.network_key);
    const std::string net = it == in.network_names.end() ? i.network_key : it->second;
    devices += fmt::format(
        "    <interface type='network'>\n"
        "      <source network='{}'/>\n"
        "      <mac address='{}'/>\n"
        "      <model type='virtio'/>\n"
        "      <rom enabled='no'/>\n"
        "    </interface>\n",
        XmlEscape(net), XmlEscape(i.mac));
  }
  // append='on': the log keeps every boot of the node, reverts included.
  devices += fmt::format(
      "    <serial type='file'>\n"
      "      <source path='{0}' append='on'/>\n"
      "      <target port='0'/>\n"
      "    </serial>\n"
      "    <console type='file'>\n"
      "      <source path='{0}' append='on'/>\n"
      "      <target type='serial' port='0'/>\n"
      "    </console>\n"
      "    <channel type='unix'>\n"
      "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
      "    </channel>\n"
      "    <video>\n"
      "      <model type='none'/>\n"
      "    </video>\n"
      "    <memballoon model='none'/>\n",
      XmlEscape(in.console_log));

  auto body = [&](std::string_view spec) {
    return fmt::format(
        "<domain type='qemu'>\n"
        "  <name>{name}</name>\n"
        "  <title>livefire {ex} {team}/{node}</title>\n"
        "  <metadata>\n"
        "    <{p}:range xmlns:{p}=\"{ns}\">\n"
        "      <{p}:exercise>{ex}</{p}:exercise>\n"
        "      <{p}:scenario>{scenario}</{p}:scenario>\n"
        "      <{p}:team>{team}</{p}:team>\n"
        "      <{p}:node>{node}</{p}:node>\n"
        "      <{p}:key>{key}</{p}:key>\n"
        "      <{p}:template>{tmpl}</{p}:template>\n"
        "      <{p}:spec>{spec}</{p}:spec>\n"
        "    </{p}:range>\n"
        "  </metadata>\n"
        "  <memory unit='MiB'>{mem}</memory>\n"
        "  <currentMemory unit='MiB'>{mem}</currentMemory>\n"
        "  <vcpu placement='static'>{vcpus}</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='pc'>hvm</type>\n"
        "{os}"
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "  </features>\n"
        "  <clock offset='utc'/>\n"
        "  <on_poweroff>destroy</on_poweroff>\n"
        "  <on_reboot>restart</on_reboot>\n"
        "  <on_crash>destroy</on_crash>\n"
        "  <devices>\n"
        "{devices}"
        "  </devices>\n"
        "</domain>\n",
        fmt::arg("name", XmlEscape(in.name)), fmt::arg("ex", XmlEscape(in.exercise.str())),
        fmt::arg("team", XmlEscape(d.team.empty() ? std::string(kSharedTeam) : d.team)),
        fmt::arg("node", XmlEscape(d.node)), fmt::arg("p", kMetadataPrefix),
        fmt::arg("ns", kMetadataNamespace), fmt::arg("scenario", XmlEscape(in.scenario)),
        fmt::arg("key", XmlEscape(d.key)), fmt::arg("tmpl", XmlEscape(t.name)),
        fmt::arg("spec", spec), fmt::arg("mem", memory), fmt::arg("vcpus", vcpus),
        fmt::arg("os", os), fmt::arg("devices", devices));
  };
  // The spec fingerprint lets a second Up tell a correct definition from a
  // stale one without comparing libvirt's normalised XML.
  return body(fmt::format("{:016x}", Fnv1a(body(""))));
}

}  // namespace livefire::provision

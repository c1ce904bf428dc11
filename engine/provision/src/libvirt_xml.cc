// Libvirt definitions, built and read with pugixml (no libvirt calls here).
//
// Every value goes into the document as text or an attribute value, and
// pugixml escapes it; what XML 1.0 cannot carry at all (C0 control
// characters other than tab, newline and carriage return, invalid UTF-8)
// is refused with the field named, rather than written as a character
// reference that libvirt's parser would reject.

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <pugixml.hpp>

#include "fnv1a.h"
#include "livefire/provision/libvirt.h"

namespace livefire::provision {

Status CheckXmlText(std::string_view what, std::string_view s) {
  auto refuse = [&](size_t at, std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("{}: {} at byte {} cannot be carried in XML", what, why, at));
  };
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return refuse(i, fmt::format("control character 0x{:02x}", c));
      }
      ++i;
      continue;
    }
    // Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0 || c >= 0xf5 || c == 0xc0 || c == 0xc1 || i + len > s.size()) {
      return refuse(i, "invalid UTF-8");
    }
    uint32_t cp = c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return refuse(i, "invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3f);
    }
    const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return refuse(i, "invalid UTF-8");
    }
    if (cp == 0xfffe || cp == 0xffff) return refuse(i, fmt::format("U+{:04X}", cp));
    i += len;
  }
  return Status::Ok();
}

namespace {

// Builds a document, remembering the first value XML cannot carry.
class Builder {
 public:
  pugi::xml_node Element(pugi::xml_node parent, const char* name) {
    return parent.append_child(name);
  }
  pugi::xml_node Text(pugi::xml_node parent, const char* name, std::string_view value) {
    pugi::xml_node n = parent.append_child(name);
    Set(n, name, value);
    return n;
  }
  void Set(pugi::xml_node n, std::string_view what, std::string_view value) {
    Check(what, value);
    // An XML parser turns a literal carriage return in text into a newline,
    // and pugixml writes it literally (attributes get &#13;): refused.
    if (status_.ok() && value.find('\r') != std::string_view::npos) {
      status_ = Status::InvalidArgument(
          fmt::format("{}: a carriage return at byte {} cannot be carried in XML text", what,
                      value.find('\r')));
    }
    n.text().set(std::string(value).c_str());
  }
  void Attr(pugi::xml_node n, const char* name, std::string_view value) {
    Check(fmt::format("{} {}", n.name(), name), value);
    n.append_attribute(name).set_value(std::string(value).c_str());
  }
  Status status() const { return status_; }

 private:
  void Check(std::string_view what, std::string_view value) {
    if (status_.ok()) status_ = CheckXmlText(what, value);
  }
  Status status_;
};

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

// libvirt's own layout: two-space indent, single-quoted attributes.
std::string Serialise(const pugi::xml_document& doc) {
  StringWriter w;
  doc.save(w, "  ",
           pugi::format_indent | pugi::format_no_declaration | pugi::format_attribute_single_quote,
           pugi::encoding_utf8);
  return w.out;
}

Status Parse(pugi::xml_document& doc, std::string_view xml, std::string_view what) {
  // parse_ws_pcdata_single keeps a value made only of blanks.
  pugi::xml_parse_result r =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                      pugi::encoding_utf8);
  if (!r) {
    return Status::DataLoss(
        fmt::format("{}: malformed XML at byte {}: {}", what, r.offset, r.description()));
  }
  return Status::Ok();
}

std::string_view LocalName(std::string_view qname) {
  auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// The namespace URI of an element, from the xmlns declarations in scope
// (pugixml keeps prefixes as written; libvirt may pick another prefix).
std::string_view NamespaceOf(pugi::xml_node n) {
  std::string_view q = n.name();
  auto colon = q.find(':');
  const std::string decl =
      colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(q.substr(0, colon));
  for (pugi::xml_node x = n; x; x = x.parent()) {
    if (pugi::xml_attribute a = x.attribute(decl.c_str())) return a.value();
  }
  return "";
}

bool IsRange(pugi::xml_node n) {
  return n.type() == pugi::node_element && LocalName(n.name()) == "range" &&
         NamespaceOf(n) == kMetadataNamespace;
}

std::string RangeField(pugi::xml_node range, std::string_view local) {
  const std::string_view ns = NamespaceOf(range);
  for (pugi::xml_node c : range.children()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == local && NamespaceOf(c) == ns) {
      return c.text().get();
    }
  }
  return "";
}

RangeMetadata ReadRange(pugi::xml_node range) {
  RangeMetadata m;
  m.exercise = RangeField(range, "exercise");
  m.scenario = RangeField(range, "scenario");
  m.team = RangeField(range, "team");
  m.node = RangeField(range, "node");
  m.key = RangeField(range, "key");
  m.template_name = RangeField(range, "template");
  m.spec = RangeField(range, "spec");
  return m;
}

pugi::xml_node FindRange(const pugi::xml_document& doc) {
  pugi::xml_node root = doc.document_element();
  if (IsRange(root)) return root;
  // virDomainGetMetadata selects the element by namespace URI and returns
  // it without any namespace: an undeclared root <range> is that answer.
  if (LocalName(root.name()) == "range" && NamespaceOf(root).empty()) return root;
  for (pugi::xml_node c : root.child("metadata").children()) {
    if (IsRange(c)) return c;
  }
  return {};
}

// Memory as libvirt writes it (unit attribute, KiB by default), in MiB.
int MemoryMib(pugi::xml_node n) {
  const long long v = n.text().as_llong();
  std::string_view unit = n.attribute("unit").as_string("KiB");
  if (unit == "b" || unit == "bytes") return static_cast<int>(v >> 20);
  if (unit == "KiB" || unit == "k") return static_cast<int>(v >> 10);
  if (unit == "MiB" || unit == "M") return static_cast<int>(v);
  if (unit == "GiB" || unit == "G") return static_cast<int>(v << 10);
  return 0;
}

int PrefixOf(pugi::xml_node ip) {
  if (pugi::xml_attribute p = ip.attribute("prefix")) return p.as_int();
  // A dotted netmask: count its bits.
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (std::sscanf(ip.attribute("netmask").as_string(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) {
    return 0;
  }
  return __builtin_popcount((a << 24) | (b << 16) | (c << 8) | d);
}

}  // namespace

Result<std::string> NetworkXml(const ExerciseId& exercise, const topology::PlannedNetwork& net) {
  const std::string name = NetworkName(exercise, net);
  Builder b;
  pugi::xml_document doc;
  pugi::xml_node root = b.Element(doc, "network");
  b.Text(root, "name", name);
  pugi::xml_node bridge = b.Element(root, "bridge");
  b.Attr(bridge, "name", BridgeName(exercise, name));
  b.Attr(bridge, "stp", "off");
  b.Attr(bridge, "delay", "0");
  // No forward element: isolated. No DHCP and no DNS, so libvirt starts no
  // dnsmasq; the host keeps host_address to reach the guests' services.
  b.Attr(b.Element(root, "dns"), "enable", "no");
  pugi::xml_node ip = b.Element(root, "ip");
  b.Attr(ip, "address", net.host_address);
  b.Attr(ip, "prefix", std::to_string(net.prefix));
  LF_RETURN_IF_ERROR(b.status().WithContext("network " + name));
  return Serialise(doc);
}

Result<NetworkXmlInfo> ParseNetworkXml(std::string_view xml) {
  pugi::xml_document doc;
  LF_RETURN_IF_ERROR(Parse(doc, xml, "network definition"));
  pugi::xml_node net = doc.child("network");
  if (!net) return Status::DataLoss("network definition: no <network> element");
  NetworkXmlInfo info;
  info.name = net.child("name").text().get();
  info.bridge = net.child("bridge").attribute("name").value();
  info.forward = static_cast<bool>(net.child("forward"));
  info.dns_enabled = std::string_view(net.child("dns").attribute("enable").value()) != "no";
  if (pugi::xml_node ip = net.child("ip")) {
    info.host_address = ip.attribute("address").value();
    info.prefix = PrefixOf(ip);
  }
  return info;
}

Result<std::string> DomainXml(const DomainXmlInput& in) {
  const auto& d = *in.domain;
  const auto& t = *in.tmpl;
  static const GuestSpec kBare;
  const GuestSpec& g = in.guest ? *in.guest : kBare;
  const int vcpus = d.resources.vcpus > 0 ? d.resources.vcpus : t.vcpus;
  const int memory = d.resources.memory_mb > 0 ? d.resources.memory_mb : t.memory_mb;
  const std::string team = d.team.empty() ? std::string(kSharedTeam) : d.team;
  const std::string p = std::string(kMetadataPrefix) + ":";

  Builder b;
  pugi::xml_document doc;
  pugi::xml_node dom = b.Element(doc, "domain");
  b.Attr(dom, "type", "qemu");
  pugi::xml_node name = b.Text(dom, "name", in.name);
  b.Text(dom, "title", fmt::format("livefire {} {}/{}", in.exercise.str(), team, d.node));
  pugi::xml_node range = b.Element(b.Element(dom, "metadata"), (p + "range").c_str());
  b.Attr(range, ("xmlns:" + std::string(kMetadataPrefix)).c_str(), kMetadataNamespace);
  b.Text(range, (p + "exercise").c_str(), in.exercise.str());
  b.Text(range, (p + "scenario").c_str(), in.scenario);
  b.Text(range, (p + "team").c_str(), team);
  b.Text(range, (p + "node").c_str(), d.node);
  b.Text(range, (p + "key").c_str(), d.key);
  b.Text(range, (p + "template").c_str(), t.name);
  pugi::xml_node spec = b.Element(range, (p + "spec").c_str());
  for (const char* tag : {"memory", "currentMemory"}) {
    pugi::xml_node m = b.Text(dom, tag, std::to_string(memory));
    b.Attr(m, "unit", "MiB");
  }
  b.Attr(b.Text(dom, "vcpu", std::to_string(vcpus)), "placement", "static");

  pugi::xml_node os = b.Element(dom, "os");
  pugi::xml_node type = b.Text(os, "type", "hvm");
  b.Attr(type, "arch", "x86_64");
  b.Attr(type, "machine", "pc");
  if (t.diskless()) {
    std::string cmdline = t.kernel_cmdline;
    std::string lf = MicroKernelCommandLine(d, g);
    if (!cmdline.empty() && !lf.empty()) cmdline += " ";
    cmdline += lf;
    b.Text(os, "kernel", t.kernel);
    b.Text(os, "initrd", t.initrd);
    b.Text(os, "cmdline", cmdline);
  } else if (t.direct_kernel()) {
    // The image's own kernel and initrd, root on the overlay (vda). Only the
    // manifest's fixed arguments: the node's declarations go through the agent.
    b.Text(os, "kernel", t.kernel);
    b.Text(os, "initrd", t.initrd);
    b.Text(os, "cmdline", t.kernel_cmdline);
  } else {
    b.Attr(b.Element(os, "boot"), "dev", "hd");
  }
  b.Element(b.Element(dom, "features"), "acpi");
  b.Attr(b.Element(dom, "clock"), "offset", "utc");
  b.Text(dom, "on_poweroff", "destroy");
  b.Text(dom, "on_reboot", "restart");
  b.Text(dom, "on_crash", "destroy");

  pugi::xml_node devices = b.Element(dom, "devices");
  if (!t.diskless()) {
    pugi::xml_node disk = b.Element(devices, "disk");
    b.Attr(disk, "type", "file");
    b.Attr(disk, "device", "disk");
    pugi::xml_node driver = b.Element(disk, "driver");
    b.Attr(driver, "name", "qemu");
    b.Attr(driver, "type", "qcow2");
    b.Attr(b.Element(disk, "source"), "file", in.overlay);
    pugi::xml_node target = b.Element(disk, "target");
    b.Attr(target, "dev", "vda");
    b.Attr(target, "bus", "virtio");
  }
  pugi::xml_node usb = b.Element(devices, "controller");
  b.Attr(usb, "type", "usb");
  b.Attr(usb, "model", "none");
  for (const auto& i : d.interfaces) {
    auto it = in.network_names.find(i.network_key);
    const std::string& net = it == in.network_names.end() ? i.network_key : it->second;
    pugi::xml_node nic = b.Element(devices, "interface");
    b.Attr(nic, "type", "network");
    b.Attr(b.Element(nic, "source"), "network", net);
    b.Attr(b.Element(nic, "mac"), "address", i.mac);
    b.Attr(b.Element(nic, "model"), "type", "virtio");
    b.Attr(b.Element(nic, "rom"), "enabled", "no");
  }
  // A pty, so that virDomainOpenConsole can stream it (the portal's
  // console), with qemu also copying the output into the log file that
  // readiness checks and `ConsoleTail` read. append='on': the log keeps every
  // boot of the node, reverts included. The <console> is the same device.
  pugi::xml_node serial = b.Element(devices, "serial");
  b.Attr(serial, "type", "pty");
  pugi::xml_node log = b.Element(serial, "log");
  b.Attr(log, "file", in.console_log);
  b.Attr(log, "append", "on");
  b.Attr(b.Element(serial, "target"), "port", "0");
  pugi::xml_node console = b.Element(devices, "console");
  b.Attr(console, "type", "pty");
  pugi::xml_node ctarget = b.Element(console, "target");
  b.Attr(ctarget, "type", "serial");
  b.Attr(ctarget, "port", "0");
  pugi::xml_node channel = b.Element(devices, "channel");
  b.Attr(channel, "type", "unix");
  pugi::xml_node agent = b.Element(channel, "target");
  b.Attr(agent, "type", "virtio");
  b.Attr(agent, "name", "org.qemu.guest_agent.0");
  b.Attr(b.Element(b.Element(devices, "video"), "model"), "type", "none");
  b.Attr(b.Element(devices, "memballoon"), "model", "none");
  LF_RETURN_IF_ERROR(b.status().WithContext("domain " + in.name));

  // The spec fingerprint lets a second Up tell a correct definition from a
  // stale one without comparing libvirt's normalised XML. It covers the
  // definition without the UUID, which only says which object to replace,
  // plus the secrets a direct-boot guest gets through its agent at boot (not
  // in the XML), so that changing them restarts the guest.
  std::string fingerprinted = Serialise(doc);
  if (t.full_agent_config()) {
    fingerprinted += FullGuestConfig(d, g);
  } else if (t.diskless()) {
    fingerprinted += MicroGuestConfig(g);
  }
  b.Set(spec, "spec", fmt::format("{:016x}", Fnv1a(fingerprinted)));
  if (!in.uuid.empty()) {
    pugi::xml_node uuid = dom.insert_child_after("uuid", name);
    b.Set(uuid, "uuid", in.uuid);
  }
  LF_RETURN_IF_ERROR(b.status().WithContext("domain " + in.name));
  return Serialise(doc);
}

Result<RangeMetadata> ParseRangeMetadata(std::string_view xml) {
  pugi::xml_document doc;
  LF_RETURN_IF_ERROR(Parse(doc, xml, "domain metadata"));
  pugi::xml_node range = FindRange(doc);
  if (!range) {
    return Status::NotFound(fmt::format("no <range> element in namespace {}", kMetadataNamespace));
  }
  return ReadRange(range);
}

Result<DomainXmlInfo> ParseDomainXml(std::string_view xml) {
  pugi::xml_document doc;
  LF_RETURN_IF_ERROR(Parse(doc, xml, "domain definition"));
  pugi::xml_node dom = doc.child("domain");
  if (!dom) return Status::DataLoss("domain definition: no <domain> element");
  DomainXmlInfo info;
  info.type = dom.attribute("type").value();
  info.name = dom.child("name").text().get();
  info.uuid = dom.child("uuid").text().get();
  info.title = dom.child("title").text().get();
  if (pugi::xml_node range = FindRange(doc)) info.metadata = ReadRange(range);
  info.memory_mb = MemoryMib(dom.child("memory"));
  info.vcpus = dom.child("vcpu").text().as_int();
  pugi::xml_node os = dom.child("os");
  info.kernel = os.child("kernel").text().get();
  info.initrd = os.child("initrd").text().get();
  info.cmdline = os.child("cmdline").text().get();
  pugi::xml_node devices = dom.child("devices");
  for (pugi::xml_node disk : devices.children("disk")) {
    if (std::string_view(disk.attribute("device").value()) == "disk") {
      info.disk = disk.child("source").attribute("file").value();
      break;
    }
  }
  for (pugi::xml_node nic : devices.children("interface")) {
    info.interfaces.push_back({nic.child("source").attribute("network").value(),
                               nic.child("mac").attribute("address").value()});
  }
  // The pty's <log> (older definitions: a type='file' serial's source).
  pugi::xml_node serial = devices.child("serial");
  info.console_log = serial.child("log").attribute("file").value();
  if (info.console_log.empty()) info.console_log = serial.child("source").attribute("path").value();
  for (pugi::xml_node ch : devices.children("channel")) {
    info.agent_channel |=
        std::string_view(ch.child("target").attribute("name").value()) == "org.qemu.guest_agent.0";
  }
  return info;
}

}  // namespace livefire::provision

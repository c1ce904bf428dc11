// Domain and network definitions: built with pugixml, read back by the
// provisioner's own reader, by an independent parser and by libvirt's test
// driver, with every character that XML must escape.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <cstdlib>
#include <sstream>
#include <string>

#include "livefire/provision/guest.h"
#include "livefire/provision/libvirt.h"

namespace livefire::provision {
namespace {

namespace pt = boost::property_tree;

// Everything XML escapes, plus multi-byte UTF-8.
const std::string kNasty =
    "Sở Thông tin & Truyền thông <Hà Nội> \"Cổng\" 'dịch vụ' &amp; &#39; ]]>";

struct Fixture {
  topology::PlannedDomain domain;
  templates::Template tmpl;
  DomainXmlInput in;

  Fixture() {
    domain.key = "blue1.web & <db>";
    domain.node = "web \"Cổng\"";
    domain.team = "đội 'xanh'";
    domain.template_name = "micro";
    domain.interfaces = {{"blue1.dmz", "10.64.5.10", 24, "52:54:00:00:00:01"},
                         {"blue1.lan", "10.64.6.10", 24, "52:54:00:00:00:02"}};
    tmpl.name = "micro <α & β>";
    tmpl.boot = templates::Boot::kDirectKernel;
    tmpl.kernel = "/var/lib/livefire/templates/micro/vmlinuz 'a' & \"b\"";
    tmpl.initrd = "/var/lib/livefire/templates/micro/initrd <x>.img";
    tmpl.kernel_cmdline = "console=ttyS0 lf.note=\"Hà Nội\" a<b&c>'d'";
    tmpl.vcpus = 2;
    tmpl.memory_mb = 192;
    in.exercise = ExerciseId("lf-20261121-093000-3fa2c1");
    in.scenario = kNasty;
    in.domain = &domain;
    in.tmpl = &tmpl;
    in.name = "lf-3fa2c1-blue1-web";
    in.console_log = "/tmp/console & <log> \"Sở\" 'x'.log";
    in.overlay = "/tmp/disk 'ổ' & <d>.qcow2";
    in.network_names = {{"blue1.dmz", "lf-3fa2c1-dmz&'\""}, {"blue1.lan", "lf-3fa2c1-<lan>"}};
  }
  std::string Cmdline() const {
    static const GuestSpec kBare;
    return tmpl.kernel_cmdline + " " + MicroKernelCommandLine(domain, kBare);
  }
};

TEST(LibvirtXml, DomainRoundTripsEveryCharacterThatNeedsEscaping) {
  Fixture f;
  auto xml = DomainXml(f.in);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  auto got = ParseDomainXml(*xml);
  ASSERT_TRUE(got.ok()) << got.status().ToString() << "\n" << *xml;
  EXPECT_EQ(got->type, "qemu");
  EXPECT_EQ(got->name, f.in.name);
  EXPECT_EQ(got->uuid, "");
  EXPECT_EQ(got->title,
            fmt::format("livefire {} {}/{}", f.in.exercise.str(), f.domain.team, f.domain.node));
  EXPECT_EQ(got->metadata.exercise, f.in.exercise.str());
  EXPECT_EQ(got->metadata.scenario, kNasty);
  EXPECT_EQ(got->metadata.team, f.domain.team);
  EXPECT_EQ(got->metadata.node, f.domain.node);
  EXPECT_EQ(got->metadata.key, f.domain.key);
  EXPECT_EQ(got->metadata.template_name, f.tmpl.name);
  EXPECT_EQ(got->metadata.spec.size(), 16u);
  EXPECT_EQ(got->memory_mb, 192);
  EXPECT_EQ(got->vcpus, 2);
  EXPECT_EQ(got->kernel, f.tmpl.kernel);
  EXPECT_EQ(got->initrd, f.tmpl.initrd);
  EXPECT_EQ(got->cmdline, f.Cmdline());
  EXPECT_EQ(got->disk, "");  // diskless
  EXPECT_EQ(got->console_log, f.in.console_log);
  EXPECT_TRUE(got->agent_channel);
  const std::vector<DomainXmlInfo::Interface> nics = {{"lf-3fa2c1-dmz&'\"", "52:54:00:00:00:01"},
                                                      {"lf-3fa2c1-<lan>", "52:54:00:00:00:02"}};
  EXPECT_EQ(got->interfaces, nics);
  // The metadata element alone, as virDomainGetMetadata returns it, reads the same.
  auto at = xml->find("<livefire:range");
  auto end = xml->find("</livefire:range>");
  ASSERT_NE(at, std::string::npos);
  auto alone = ParseRangeMetadata(xml->substr(at, end + 17 - at));
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  EXPECT_EQ(*alone, got->metadata);
}

TEST(LibvirtXml, DomainCarriesNoAccountFlagOrVulnerability) {
  Fixture f;
  GuestSpec g;
  g.services = {{"ftp", "tcp", 21}};
  g.vulnerabilities = {"world-readable-secret", "ftp-anonymous"};
  g.accounts = {{"operator", "Winter2026!"}};
  g.flag = "FLAG{never-in-the-xml}";
  f.in.guest = &g;
  auto xml = DomainXml(f.in);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  auto got = ParseDomainXml(*xml);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_NE(got->cmdline.find("lf.svc=ftp:21"), std::string::npos) << got->cmdline;
  EXPECT_NE(got->cmdline.find("lf.config=agent"), std::string::npos) << got->cmdline;
  // Percent-encoded or not, anywhere in the definition (cmdline, metadata).
  for (const std::string& secret :
       {std::string("operator"), std::string("Winter2026"), std::string("never-in-the-xml"),
        std::string("world-readable-secret"), std::string("ftp-anonymous"), std::string("lf.pw"),
        std::string("lf.flag"), std::string("lf.vuln"), PercentEncode(g.flag)}) {
    EXPECT_EQ(xml->find(secret), std::string::npos) << secret << " in\n" << *xml;
  }
  // Yet a new flag makes a different definition, so a second Up reboots the guest.
  g.flag = "FLAG{rotated}";
  auto rotated = DomainXml(f.in);
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(ParseDomainXml(*rotated)->metadata.spec, got->metadata.spec);
}

TEST(LibvirtXml, AnIndependentParserReadsTheSameValues) {
  Fixture f;
  f.tmpl.boot = templates::Boot::kDisk;
  f.tmpl.kernel.clear();
  f.tmpl.initrd.clear();
  f.tmpl.disk = "/base.qcow2";
  auto xml = DomainXml(f.in);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  std::istringstream s(*xml);
  pt::ptree t;
  ASSERT_NO_THROW(pt::read_xml(s, t)) << *xml;
  const pt::ptree& dom = t.get_child("domain");
  EXPECT_EQ(dom.get<std::string>("<xmlattr>.type"), "qemu");
  EXPECT_EQ(dom.get<std::string>("metadata.livefire:range.<xmlattr>.xmlns:livefire"),
            kMetadataNamespace);
  EXPECT_EQ(dom.get<std::string>("metadata.livefire:range.livefire:scenario"), kNasty);
  EXPECT_EQ(dom.get<std::string>("metadata.livefire:range.livefire:key"), f.domain.key);
  EXPECT_EQ(dom.get<std::string>("devices.disk.source.<xmlattr>.file"), f.in.overlay);
  EXPECT_EQ(dom.get<std::string>("devices.serial.<xmlattr>.type"), "pty");
  EXPECT_EQ(dom.get<std::string>("devices.serial.log.<xmlattr>.file"), f.in.console_log);
  EXPECT_EQ(dom.get<std::string>("devices.serial.log.<xmlattr>.append"), "on");
  EXPECT_EQ(dom.get<std::string>("devices.console.<xmlattr>.type"), "pty");
  EXPECT_EQ(dom.get<std::string>("os.boot.<xmlattr>.dev"), "hd");
  EXPECT_EQ(dom.get_child("os").count("kernel"), 0u);
  auto got = ParseDomainXml(*xml);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->disk, f.in.overlay);
  EXPECT_EQ(got->kernel, "");
}

TEST(LibvirtXml, NetworksAreIsolatedAndRoundTrip) {
  topology::PlannedNetwork n{"blue1.dmz", "dmz", "blue1", "10.64.5.0/24", "10.64.5.1", 24, "", ""};
  ExerciseId ex("lf-20261121-093000-3fa2c1");
  auto xml = NetworkXml(ex, n);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  auto got = ParseNetworkXml(*xml);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, NetworkName(ex, n));
  EXPECT_EQ(got->bridge, BridgeName(ex, got->name));
  EXPECT_EQ(got->host_address, "10.64.5.1");
  EXPECT_EQ(got->prefix, 24);
  EXPECT_FALSE(got->forward);
  EXPECT_FALSE(got->dns_enabled);
  // libvirt may write a netmask instead of a prefix. A network found with a <forward>
  // (made by hand, never by livefire) must be recognised, so that Up replaces it with an
  // isolated one instead of keeping it.
  auto nat = ParseNetworkXml(
      "<network><name>x</name><forward mode='nat'/><ip address='10.0.0.1' "
      "netmask='255.255.240.0'/></network>");
  ASSERT_TRUE(nat.ok());
  EXPECT_TRUE(nat->forward);
  EXPECT_EQ(nat->prefix, 20);
  EXPECT_TRUE(nat->dns_enabled);
}

TEST(LibvirtXml, WhatXmlCannotCarryIsRefusedNamingTheField) {
  for (std::string bad :
       {std::string("a\x01z"), std::string("nul\0byte", 8), std::string("\x1f"),
        std::string("\x7f\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("\xef\xbf\xbe"), std::string("cut \xe1\xbb")}) {
    Fixture f;
    f.in.scenario = bad;
    auto xml = DomainXml(f.in);
    ASSERT_EQ(xml.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(xml.status().message().find("scenario"), std::string::npos) << xml.status().message();
    EXPECT_NE(xml.status().message().find(f.in.name), std::string::npos);
    Fixture g;
    g.in.console_log = "/tmp/" + bad;
    auto attr = DomainXml(g.in);
    ASSERT_EQ(attr.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(attr.status().message().find("log file"), std::string::npos)
        << attr.status().message();
  }
  topology::PlannedNetwork n{"lan", "lan", "", "10.0.0.0/24", "10.0.0.1\x02", 24, "", ""};
  EXPECT_EQ(NetworkXml(ExerciseId("lf-20261121-093000-3fa2c1"), n).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(LibvirtXml, TabsAndNewlinesSurviveAndCarriageReturnsOnlyInAttributes) {
  Fixture f;
  f.in.scenario = "line one\nline two\ttabbed\n";
  f.in.console_log = "/tmp/a\tb\nc\rd.log";  // attributes encode all three
  f.domain.node = "  ";                      // blanks only
  auto xml = DomainXml(f.in);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  auto got = ParseDomainXml(*xml);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->metadata.scenario, f.in.scenario);
  EXPECT_EQ(got->console_log, f.in.console_log);
  EXPECT_EQ(got->metadata.node, "  ");
  // Text would come back with a newline instead: refused, not corrupted.
  f.in.scenario = "line one\r\nline two";
  auto cr = DomainXml(f.in);
  EXPECT_EQ(cr.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(cr.status().message().find("carriage return"), std::string::npos)
      << cr.status().message();
}

TEST(LibvirtXml, MetadataIsFoundByNamespaceNotPrefix) {
  const std::string ns(kMetadataNamespace);
  auto other = ParseRangeMetadata("<lf:range xmlns:lf='" + ns +
                                  "'><lf:exercise>ex&apos;1&#39;</lf:exercise>"
                                  "<lf:spec>00ff</lf:spec></lf:range>");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->exercise, "ex'1'");  // both spellings of the apostrophe
  EXPECT_EQ(other->spec, "00ff");
  // What virDomainGetMetadata returns: the element without its namespace.
  auto bare = ParseRangeMetadata("<range><exercise>ex</exercise><node>n</node></range>");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->exercise, "ex");
  EXPECT_EQ(bare->node, "n");
  auto dflt = ParseRangeMetadata("<range xmlns='" + ns + "'><team>b&lt;1&gt;</team></range>");
  ASSERT_TRUE(dflt.ok()) << dflt.status().ToString();
  EXPECT_EQ(dflt->team, "b<1>");
  // Same prefix, someone else's namespace: not ours.
  EXPECT_EQ(ParseRangeMetadata("<livefire:range xmlns:livefire='urn:other'>"
                               "<livefire:exercise>x</livefire:exercise></livefire:range>")
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ParseRangeMetadata("<domain><name>x</name></domain>").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ParseRangeMetadata("<range xmlns='" + ns + "'><team>").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ParseDomainXml("not xml").status().code(), StatusCode::kDataLoss);
}

TEST(LibvirtXml, SpecFollowsTheDefinitionButNotTheUuid) {
  Fixture f;
  auto a = ParseDomainXml(DomainXml(f.in).value());
  f.in.uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";
  auto b = ParseDomainXml(DomainXml(f.in).value());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->uuid, f.in.uuid);
  EXPECT_EQ(a->metadata.spec, b->metadata.spec);
  f.domain.resources.memory_mb = 512;
  auto c = ParseDomainXml(DomainXml(f.in).value());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->memory_mb, 512);
  EXPECT_NE(c->metadata.spec, a->metadata.spec);
}

// libvirt's own parser takes the definition and gives the same values back.
TEST(LibvirtXml, LibvirtKeepsEscapedValues) {
  virConnectPtr conn = virConnectOpen("test:///default");
  ASSERT_NE(conn, nullptr);
  Fixture f;
  f.in.name = "lf-xmltest-escape";
  f.in.network_names.clear();  // the test driver checks networks only when started
  auto xml = DomainXml(f.in);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  virDomainPtr d = virDomainDefineXML(conn, xml->c_str());
  ASSERT_NE(d, nullptr) << virGetLastErrorMessage();
  char* meta =
      virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, std::string(kMetadataNamespace).c_str(),
                           VIR_DOMAIN_AFFECT_CONFIG);
  char* desc = virDomainGetXMLDesc(d, 0);
  std::string meta_s = meta ? meta : "", desc_s = desc ? desc : "";
  std::free(meta);
  std::free(desc);
  virDomainUndefine(d);
  virDomainFree(d);
  virConnectClose(conn);
  auto m = ParseRangeMetadata(meta_s);
  ASSERT_TRUE(m.ok()) << m.status().ToString() << "\n" << meta_s;
  auto mine = ParseDomainXml(*xml);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(*m, mine->metadata);
  EXPECT_EQ(m->scenario, kNasty);
  auto dumped = ParseDomainXml(desc_s);
  ASSERT_TRUE(dumped.ok()) << dumped.status().ToString();
  EXPECT_EQ(dumped->metadata, mine->metadata);
  EXPECT_EQ(dumped->title, mine->title);
  EXPECT_EQ(dumped->cmdline, f.Cmdline());
  EXPECT_EQ(dumped->console_log, f.in.console_log);
  EXPECT_EQ(dumped->memory_mb, 192);
}

}  // namespace
}  // namespace livefire::provision

#include "livefire/templates/catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace livefire::templates {
namespace {

namespace fs = std::filesystem;

// A scratch templates folder, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/lf-templates-test-XXXXXX";
    path_ = mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& manifest) const {
    fs::create_directories(path_ + "/" + name);
    const std::string file = path_ + "/" + name + "/manifest.json";
    std::ofstream(file) << manifest;
    return file;
  }
  void Touch(const std::string& rel) const { std::ofstream(path_ + "/" + rel) << "x"; }

 private:
  std::string path_;
};

constexpr const char* kFull = R"({
  "name": "full",
  "os": "busybox linux",
  "boot": "direct-kernel",
  "resources": {"vcpus": 2, "memory_mb": 384},
  "artifacts": {"kernel": "k.img", "initrd": "/abs/initrd.cpio"},
  "kernel_cmdline": "console=ttyS0 panic=-1",
  "services": ["http", {"name": "ssh", "port": 2222, "protocol": "tcp"}],
  "service_details": {"http": {"default_port": 8080, "proto": "tcp"}},
  "vulnerabilities": [
    {"id": "cgi-cmd-injection", "cwe": "CWE-78", "service": "http", "description": "sh -c"},
    {"id": "world-readable-secret", "cwe": "CWE-732", "service": null}
  ]
})";

TEST(Catalog, ManifestWithEveryFieldIsRead) {
  TempDir d;
  d.Write("full", kFull);
  auto c = Catalog::Load(d.path());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->templates().size(), 1u);
  const Template* t = c->Find("full");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dir, d.path() + "/full");
  EXPECT_EQ(t->manifest_path, d.path() + "/full/manifest.json");
  EXPECT_EQ(t->os, "busybox linux");
  EXPECT_EQ(t->boot, Boot::kDirectKernel);
  EXPECT_TRUE(t->diskless());
  EXPECT_EQ(t->kernel_cmdline, "console=ttyS0 panic=-1");
  EXPECT_EQ(t->vcpus, 2);
  EXPECT_EQ(t->memory_mb, 384);
  // Relative artefacts live in the template folder; absolute ones stay.
  EXPECT_EQ(t->kernel, d.path() + "/full/k.img");
  EXPECT_EQ(t->initrd, "/abs/initrd.cpio");
  EXPECT_EQ(t->disk, "");
  ASSERT_EQ(t->services.size(), 2u);
  ASSERT_NE(t->FindService("http"), nullptr);
  EXPECT_EQ(t->FindService("http")->default_port, 8080);
  EXPECT_EQ(t->FindService("http")->protocol, "tcp");
  EXPECT_EQ(t->FindService("ssh")->default_port, 2222);
  EXPECT_EQ(t->FindService("telnet"), nullptr);
  ASSERT_EQ(t->vulnerabilities.size(), 2u);
  EXPECT_EQ(t->FindVulnerability("cgi-cmd-injection")->cwe, "CWE-78");
  EXPECT_EQ(t->FindVulnerability("cgi-cmd-injection")->service, "http");
  EXPECT_EQ(t->FindVulnerability("cgi-cmd-injection")->description, "sh -c");
  EXPECT_EQ(t->FindVulnerability("world-readable-secret")->service, "");
  EXPECT_EQ(c->Find("nope"), nullptr);
  auto res = c->Resources();
  ASSERT_EQ(res.count("full"), 1u);
  EXPECT_EQ(res.at("full").vcpus, 2);
  EXPECT_EQ(res.at("full").memory_mb, 384);
}

TEST(Catalog, DefaultsFillWhatAManifestLeavesOut) {
  TempDir d;
  d.Write("disky", R"({"name":"disky","boot":"disk"})");
  d.Write("bare", R"({"name":"bare"})");
  fs::create_directories(d.path() + "/no-manifest");  // skipped, not an error
  auto c = Catalog::Load(d.path());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->templates().size(), 2u);
  EXPECT_EQ(c->templates()[0].name, "bare");  // sorted by name
  const Template* bare = c->Find("bare");
  EXPECT_EQ(bare->boot, Boot::kDirectKernel);
  EXPECT_EQ(bare->kernel, d.path() + "/bare/vmlinuz");
  EXPECT_EQ(bare->initrd, d.path() + "/bare/initrd.img");
  EXPECT_EQ(bare->vcpus, 1);
  EXPECT_EQ(bare->memory_mb, 256);
  const Template* disky = c->Find("disky");
  EXPECT_FALSE(disky->diskless());
  EXPECT_EQ(disky->disk, d.path() + "/disky/base.qcow2");
  EXPECT_EQ(disky->kernel, "");
}

TEST(Catalog, ShippedMicroManifestIsRead) {
  auto c = Catalog::Load(std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const Template* micro = c->Find("micro");
  ASSERT_NE(micro, nullptr);
  EXPECT_EQ(micro->memory_mb, 256);
  EXPECT_EQ(micro->boot, Boot::kDirectKernel);
  ASSERT_NE(micro->FindService("http"), nullptr);
  EXPECT_EQ(micro->FindService("http")->default_port, 80);
  EXPECT_EQ(micro->FindService("dns")->protocol, "udp");
  ASSERT_NE(micro->FindVulnerability("cgi-cmd-injection"), nullptr);
  EXPECT_EQ(micro->FindVulnerability("cgi-cmd-injection")->cwe, "CWE-78");
  // The capacity check's per-guest qemu cost: micro keeps the rule's
  // default, debian declares its measured one.
  EXPECT_EQ(micro->qemu_overhead_mb, 0);
  EXPECT_EQ(c->QemuOverheads().count("micro"), 0u);
  EXPECT_EQ(c->QemuOverheads().at("debian"), 640);
}

TEST(Catalog, ANegativeQemuOverheadIsRefused) {
  TempDir d;
  d.Write("bad", R"({"name":"bad","resources":{"vcpus":1,"memory_mb":256,"qemu_overhead_mb":-1}})");
  auto c = Catalog::Load(d.path());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("qemu_overhead_mb must be >= 0"), std::string::npos)
      << c.status().message();
}

TEST(Catalog, GarbageManifestIsAnErrorNamingTheFile) {
  for (const char* garbage : {"{ \"name\": \"broken\", ", "[1, 2]", "{\"os\": \"no name\"}",
                              "{\"name\": \"other\"}", "{\"name\": \"broken\", \"boot\": \"pxe\"}",
                              "{\"name\": \"broken\", \"resources\": {\"vcpus\": \"two\"}}",
                              "{\"name\": \"broken\", \"resources\": {\"vcpus\": 0}}",
                              "{\"name\": \"broken\", \"services\": \"http\"}",
                              "{\"name\": \"broken\", \"vulnerabilities\": [\"x\"]}"}) {
    TempDir d;
    const std::string file = d.Write("broken", garbage);
    auto c = Catalog::Load(d.path());
    ASSERT_FALSE(c.ok()) << garbage;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << garbage;
    EXPECT_NE(c.status().message().find(file), std::string::npos) << c.status().message();
    auto one = ReadManifest(d.path() + "/broken");
    EXPECT_EQ(one.status().code(), StatusCode::kInvalidArgument) << garbage;
  }
}

TEST(Catalog, MissingManifestOrFolderIsNotFoundNamingIt) {
  TempDir d;
  auto one = ReadManifest(d.path() + "/ghost");
  EXPECT_EQ(one.status().code(), StatusCode::kNotFound);
  EXPECT_NE(one.status().message().find(d.path() + "/ghost/manifest.json"), std::string::npos);
  auto c = Catalog::Load("/nonexistent/vm-templates");
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("/nonexistent/vm-templates"), std::string::npos);
}

TEST(Catalog, BuiltTemplatesNeedEveryBootArtefact) {
  TempDir d;
  d.Write("micro", R"({"name":"micro","artifacts":{"kernel":"vmlinuz","initrd":"initrd.img"}})");
  auto missing = LoadBuilt(d.path(), "absent");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("build.sh absent"), std::string::npos)
      << missing.status().message();
  d.Touch("micro/vmlinuz");
  auto half = LoadBuilt(d.path(), "micro");
  EXPECT_EQ(half.status().code(), StatusCode::kNotFound);
  EXPECT_NE(half.status().message().find(d.path() + "/micro/initrd.img"), std::string::npos)
      << half.status().message();
  d.Touch("micro/initrd.img");
  auto ok = LoadBuilt(d.path(), "micro");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->kernel, d.path() + "/micro/vmlinuz");
  // Template names become libvirt object names and paths: checked.
  EXPECT_EQ(LoadBuilt(d.path(), "../micro").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace livefire::templates

#include "livefire/templates/catalog.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "livefire/ids.h"

namespace livefire::templates {

namespace fs = std::filesystem;

std::string_view ToString(Boot b) {
  switch (b) {
    case Boot::kDirectKernel:
      return "direct-kernel";
    case Boot::kDisk:
      return "disk";
  }
  return "?";
}

const Service* Template::FindService(std::string_view n) const {
  for (const auto& s : services) {
    if (s.name == n) return &s;
  }
  return nullptr;
}

const Service* Template::RunsAs(std::string_view name, std::string_view check_kind) const {
  if (const Service* s = FindService(name)) return s;
  return check_kind.empty() ? nullptr : FindService(check_kind);
}

std::string Template::OfferedServices() const {
  std::vector<std::string> parts;
  for (const auto& s : services) {
    if (s.default_port == 0) {
      parts.push_back(s.name);
    } else {
      parts.push_back(fmt::format("{} ({}/{})", s.name, s.protocol.empty() ? "tcp" : s.protocol,
                                  s.default_port));
    }
  }
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

const Vulnerability* Template::FindVulnerability(std::string_view id) const {
  for (const auto& v : vulnerabilities) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

Status Template::CheckBuilt() const {
  for (const std::string* p : {&kernel, &initrd, &disk}) {
    if (p->empty()) continue;
    std::error_code ec;
    if (!fs::is_regular_file(*p, ec)) {
      return Status::NotFound(fmt::format(
          "template '{}' is incomplete: {} is missing (rebuild: vm-templates/build.sh --force {})",
          name, *p, name));
    }
  }
  return Status::Ok();
}

namespace {

std::string StrOr(const nlohmann::json& j, const char* key, std::string fallback = {}) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

Result<Template> ReadManifest(const std::string& folder_text) {
  const fs::path folder(folder_text);
  Template t;
  t.dir = folder.string();
  t.manifest_path = (folder / "manifest.json").string();
  std::ifstream in(t.manifest_path);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open", t.manifest_path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(
        fmt::format("{}: malformed JSON: {}", t.manifest_path, e.what()));
  }
  auto bad = [&](std::string_view what) {
    return Status::InvalidArgument(fmt::format("{}: {}", t.manifest_path, what));
  };
  if (!j.is_object()) return bad("the manifest must be a JSON object");
  t.name = StrOr(j, "name");
  if (t.name.empty()) return bad("\"name\" (a string) is required");
  if (t.name != folder.filename().string()) {
    return bad(
        fmt::format("\"name\" is '{}' but the folder is '{}'", t.name, folder.filename().string()));
  }
  t.os = StrOr(j, "os");
  const std::string boot = StrOr(j, "boot", "direct-kernel");
  if (boot == "direct-kernel") {
    t.boot = Boot::kDirectKernel;
  } else if (boot == "disk") {
    t.boot = Boot::kDisk;
  } else {
    return bad(fmt::format("unknown boot type '{}' (direct-kernel or disk)", boot));
  }
  t.kernel_cmdline = StrOr(j, "kernel_cmdline");
  t.guest_config = StrOr(j, "guest_config", t.boot == Boot::kDirectKernel ? "agent" : "");
  if (t.guest_config != "" && t.guest_config != "agent" && t.guest_config != "agent-full") {
    return bad(fmt::format("unknown guest_config '{}' (agent or agent-full)", t.guest_config));
  }
  try {
    if (auto r = j.find("resources"); r != j.end() && r->is_object()) {
      t.vcpus = r->value("vcpus", t.vcpus);
      t.memory_mb = r->value("memory_mb", t.memory_mb);
      t.qemu_overhead_mb = r->value("qemu_overhead_mb", t.qemu_overhead_mb);
      if (t.vcpus < 1 || t.memory_mb < 1) {
        return bad("\"resources\": vcpus and memory_mb must be positive");
      }
      if (t.qemu_overhead_mb < 0) return bad("\"resources\": qemu_overhead_mb must be >= 0");
    }
    nlohmann::json artifacts = nlohmann::json::object();
    if (auto a = j.find("artifacts"); a != j.end() && a->is_object()) artifacts = *a;
    auto artifact = [&](const char* key, const char* fallback) {
      fs::path p(StrOr(artifacts, key, fallback));
      return (p.is_absolute() ? p : folder / p).string();
    };
    if (t.boot == Boot::kDirectKernel) {
      t.kernel = artifact("kernel", "vmlinuz");
      t.initrd = artifact("initrd", "initrd.img");
    } else {
      t.disk = artifact("disk", "base.qcow2");
      if (artifacts.contains("kernel") != artifacts.contains("initrd")) {
        return bad("\"artifacts\": a disk template names both \"kernel\" and \"initrd\" or neither");
      }
      if (artifacts.contains("kernel")) {
        t.kernel = artifact("kernel", "vmlinuz");
        t.initrd = artifact("initrd", "initrd.img");
      }
    }
    const nlohmann::json* details = nullptr;
    if (auto d = j.find("service_details"); d != j.end() && d->is_object()) details = &*d;
    if (auto s = j.find("services"); s != j.end()) {
      if (!s->is_array()) return bad("\"services\" must be an array");
      for (const auto& e : *s) {
        Service svc;
        if (e.is_string()) {
          svc.name = e.get<std::string>();
        } else if (e.is_object()) {
          svc.name = StrOr(e, "name");
          svc.default_port = e.value("port", 0);
          svc.protocol = StrOr(e, "protocol");
        }
        if (svc.name.empty()) return bad("every entry of \"services\" needs a name");
        if (details) {
          if (auto d = details->find(svc.name); d != details->end() && d->is_object()) {
            svc.default_port = d->value("default_port", svc.default_port);
            if (svc.protocol.empty()) svc.protocol = StrOr(*d, "proto");
          }
        }
        t.services.push_back(std::move(svc));
      }
    }
    if (auto v = j.find("vulnerabilities"); v != j.end()) {
      if (!v->is_array()) return bad("\"vulnerabilities\" must be an array");
      for (const auto& e : *v) {
        if (!e.is_object()) return bad("every entry of \"vulnerabilities\" must be an object");
        Vulnerability tv;
        tv.id = StrOr(e, "id");
        if (tv.id.empty()) return bad("every vulnerability needs an \"id\"");
        tv.cwe = StrOr(e, "cwe");
        tv.service = StrOr(e, "service");
        tv.description = StrOr(e, "description");
        t.vulnerabilities.push_back(std::move(tv));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(fmt::format("unexpected value type: {}", e.what()));
  }
  return t;
}

Result<Template> LoadBuilt(const std::string& dir, std::string_view name) {
  LF_RETURN_IF_ERROR(CheckName("template", name));
  const std::string folder = dir + "/" + std::string(name);
  auto t = ReadManifest(folder);
  if (t.status().code() == StatusCode::kNotFound) {
    return Status::NotFound(fmt::format(
        "template '{}' is not built (no {}/manifest.json; run vm-templates/build.sh {})", name,
        folder, name));
  }
  if (!t.ok()) return t.status();
  LF_RETURN_IF_ERROR(t->CheckBuilt());
  return t;
}

Result<Catalog> Catalog::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound(fmt::format("templates folder {} does not exist", dir));
  }
  Catalog c;
  c.dir_ = dir;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "manifest.json")) continue;
    LF_ASSIGN_OR_RETURN(Template t, ReadManifest(entry.path().string()));
    c.templates_.push_back(std::move(t));
  }
  if (ec) return Status::Unavailable(fmt::format("cannot list {}: {}", dir, ec.message()));
  std::sort(c.templates_.begin(), c.templates_.end(),
            [](const Template& a, const Template& b) { return a.name < b.name; });
  return c;
}

const Template* Catalog::Find(std::string_view name) const {
  for (const auto& t : templates_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::map<std::string, model::Resources, std::less<>> Catalog::Resources() const {
  std::map<std::string, model::Resources, std::less<>> out;
  for (const auto& t : templates_) out[t.name] = model::Resources{t.vcpus, t.memory_mb, 0};
  return out;
}

std::map<std::string, int64_t, std::less<>> Catalog::QemuOverheads() const {
  std::map<std::string, int64_t, std::less<>> out;
  for (const auto& t : templates_) {
    if (t.qemu_overhead_mb > 0) out[t.name] = t.qemu_overhead_mb;
  }
  return out;
}

Result<std::string> DefaultTemplatesDir() {
  std::vector<std::string> tried;
  auto usable = [&](const fs::path& p) {
    tried.push_back(p.string());
    std::error_code ec;
    return fs::is_directory(p, ec);
  };
  if (const char* e = std::getenv("LIVEFIRE_TEMPLATES_DIR"); e && *e) {
    if (usable(e)) return std::string(e);
  }
  if (const char* e = std::getenv("LIVEFIRE_SOURCE_DIR"); e && *e) {
    if (usable(fs::path(e) / "vm-templates")) return (fs::path(e) / "vm-templates").string();
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path p = exe.parent_path(); !p.empty(); p = p.parent_path()) {
      if (usable(p / "vm-templates")) return (p / "vm-templates").string();
      if (usable(p / "share/livefire/vm-templates")) {
        return (p / "share/livefire/vm-templates").string();
      }
      if (p == p.root_path()) break;
    }
  }
  fs::path cwd = fs::current_path(ec);
  if (!ec) {
    for (fs::path p = cwd; !p.empty(); p = p.parent_path()) {
      if (usable(p / "vm-templates")) return (p / "vm-templates").string();
      if (p == p.root_path()) break;
    }
  }
  return Status::NotFound(fmt::format(
      "no vm-templates folder found (set LIVEFIRE_TEMPLATES_DIR or pass --templates); tried {}",
      fmt::join(tried, ", ")));
}

}  // namespace livefire::templates

#include "livefire/scenario/templates.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace livefire::scenario {

namespace fs = std::filesystem;

const TemplateService* TemplateInfo::FindService(std::string_view n) const {
  for (const auto& s : services) {
    if (s.name == n) return &s;
  }
  return nullptr;
}

const TemplateVulnerability* TemplateInfo::FindVulnerability(std::string_view id) const {
  for (const auto& v : vulnerabilities) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

namespace {

std::string StrOr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<TemplateInfo> ParseManifest(const fs::path& folder) {
  TemplateInfo t;
  t.dir = folder.string();
  t.manifest_path = (folder / "manifest.json").string();
  std::ifstream in(t.manifest_path);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open", t.manifest_path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: malformed JSON: {}", t.manifest_path, e.what()));
  }
  auto bad = [&](std::string_view what) {
    return Status::InvalidArgument(fmt::format("{}: {}", t.manifest_path, what));
  };
  if (!j.is_object()) return bad("the manifest must be a JSON object");
  t.name = StrOr(j, "name");
  if (t.name.empty()) return bad("\"name\" (a string) is required");
  if (t.name != folder.filename().string()) {
    return bad(fmt::format("\"name\" is '{}' but the folder is '{}'", t.name,
                           folder.filename().string()));
  }
  t.os = StrOr(j, "os");
  t.boot = StrOr(j, "boot");
  t.kernel_cmdline = StrOr(j, "kernel_cmdline");
  try {
    if (auto r = j.find("resources"); r != j.end() && r->is_object()) {
      t.vcpus = r->value("vcpus", t.vcpus);
      t.memory_mb = r->value("memory_mb", t.memory_mb);
    }
    const nlohmann::json* details = nullptr;
    if (auto d = j.find("service_details"); d != j.end() && d->is_object()) details = &*d;
    if (auto s = j.find("services"); s != j.end()) {
      if (!s->is_array()) return bad("\"services\" must be an array");
      for (const auto& e : *s) {
        TemplateService svc;
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
        TemplateVulnerability tv;
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

}  // namespace

Result<TemplateCatalog> TemplateCatalog::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound(fmt::format("templates folder {} does not exist", dir));
  }
  TemplateCatalog c;
  c.dir_ = dir;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "manifest.json")) continue;
    LF_ASSIGN_OR_RETURN(TemplateInfo t, ParseManifest(entry.path()));
    c.templates_.push_back(std::move(t));
  }
  if (ec) return Status::Unavailable(fmt::format("cannot list {}: {}", dir, ec.message()));
  std::sort(c.templates_.begin(), c.templates_.end(),
            [](const TemplateInfo& a, const TemplateInfo& b) { return a.name < b.name; });
  return c;
}

const TemplateInfo* TemplateCatalog::Find(std::string_view name) const {
  for (const auto& t : templates_) {
    if (t.name == name) return &t;
  }
  return nullptr;
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

}  // namespace livefire::scenario

#pragma once
// VM templates: each folder vm-templates/NAME/ holds a manifest.json that
// says what the template boots, which services it runs and which
// vulnerabilities it can plant. Scenarios name templates; validation checks
// that every node's template exists and can plant what the node asks for.

#include <string>
#include <string_view>
#include <vector>

#include "livefire/status.h"

namespace livefire::scenario {

struct TemplateService {
  std::string name;      // "http"
  int default_port = 0;  // 0 = unknown
  std::string protocol;  // "tcp"/"udp" ("" = unknown)
};

struct TemplateVulnerability {
  std::string id;       // "cgi-cmd-injection"
  std::string cwe;      // "CWE-78"
  std::string service;  // template service it lives in ("" = local)
  std::string description;
};

struct TemplateInfo {
  std::string name;           // folder name (and manifest "name")
  std::string dir;            // the template folder
  std::string manifest_path;  // dir/manifest.json
  std::string os;
  std::string boot;
  std::string kernel_cmdline;
  int vcpus = 1;
  int memory_mb = 256;
  std::vector<TemplateService> services;
  std::vector<TemplateVulnerability> vulnerabilities;

  const TemplateService* FindService(std::string_view name) const;
  const TemplateVulnerability* FindVulnerability(std::string_view id) const;
};

class TemplateCatalog {
 public:
  // Reads every dir/*/manifest.json (folders without one are skipped). Any
  // unreadable or malformed manifest is an error naming the file.
  static Result<TemplateCatalog> Load(const std::string& dir);

  const TemplateInfo* Find(std::string_view name) const;
  const std::vector<TemplateInfo>& templates() const { return templates_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<TemplateInfo> templates_;  // sorted by name
};

// Where templates are looked for when no folder is given, first hit wins:
//  1. $LIVEFIRE_TEMPLATES_DIR
//  2. $LIVEFIRE_SOURCE_DIR/vm-templates
//  3. a `vm-templates` or `share/livefire/vm-templates` folder in the
//     executable's folder or any folder above it (build trees, installs)
//  4. a `vm-templates` folder in the current directory or any above it
// NotFound (listing what was tried) when none exists.
Result<std::string> DefaultTemplatesDir();

}  // namespace livefire::scenario

// What libvirt leaves on the host after a domain or network is undefined:
// the qemu log of each domain (/var/log/libvirt/qemu/<domain>.log, rotated
// copies <domain>.log.N) and the status files / folders of each network in
// /run/libvirt/network (a folder with an empty ports/ inside). Down removes
// those of the exercise's own objects only, matched by their full libvirt
// names.

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/provision/libvirt.h"

namespace livefire::provision {

namespace {

namespace fs = std::filesystem;

// `entry` is `name` itself or `name` followed by a dot suffix: lf-x-web.log
// belongs to lf-x-web, lf-x-web2.log does not.
bool Belongs(std::string_view entry, std::string_view name, std::string_view suffix) {
  if (entry.substr(0, name.size()) != name) return false;
  std::string_view rest = entry.substr(name.size());
  if (rest.substr(0, suffix.size()) != suffix) return false;
  rest.remove_prefix(suffix.size());
  return rest.empty() || rest.front() == '.';
}

// Whether anything but folders is under `dir`: libvirt leaves a network's
// folder holding an empty ports/ folder, which is still nothing of value.
bool HoldsAFile(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) return true;
  }
  return static_cast<bool>(ec);  // unreadable: not ours to judge
}

// Removes the files (and folders holding no file) in `dir` that belong to one of
// `names`; a folder holding a file is left alone (not ours to empty).
void RemoveMatching(const std::string& dir, const std::vector<std::string>& names,
                    std::string_view suffix, DownReport& r) {
  std::error_code ec;
  if (dir.empty() || names.empty() || !fs::is_directory(dir, ec)) return;
  std::vector<fs::path> doomed;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    for (const auto& n : names) {
      if (Belongs(file, n, suffix)) {
        doomed.push_back(entry.path());
        break;
      }
    }
  }
  if (ec) r.warnings.push_back(fmt::format("cannot list {}: {}", dir, ec.message()));
  for (const auto& p : doomed) {
    std::error_code rec;
    const bool is_dir = fs::is_directory(fs::symlink_status(p, rec));
    if (is_dir && HoldsAFile(p)) {
      r.warnings.push_back(fmt::format("left {} in place: the folder is not empty", p.string()));
      continue;
    }
    if (is_dir ? fs::remove_all(p, rec) > 0 : fs::remove(p, rec)) {
      ++r.leftovers;
    } else if (rec) {
      r.warnings.push_back(fmt::format("cannot remove {}: {}", p.string(), rec.message()));
    }
  }
}

}  // namespace

void LibvirtProvisioner::DoRemoveLeftovers(DownReport& report) {
  RemoveMatching(config().qemu_log_dir, report.domain_names, ".log", report);
  RemoveMatching(config().network_run_dir, report.network_names, "", report);
}

}  // namespace livefire::provision

#include "livefire/store/private_files.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace livefire::store {

namespace fs = std::filesystem;

namespace {

Status Chmod(const fs::path& p, mode_t mode) {
  if (::chmod(p.c_str(), mode) != 0) {
    return Status::Unavailable(
        fmt::format("cannot chmod {:o} {}: {}", mode, p.string(), std::strerror(errno)));
  }
  return Status::Ok();
}

// The mode a file or folder at `p` (below `root`, or root itself) should have.
mode_t WantedMode(const fs::path& root, const fs::path& p, const struct stat& st) {
  if (S_ISDIR(st.st_mode)) {
    bool traversable = p == root || (p.parent_path() == root &&
                                     (p.filename() == "disks" || p.filename() == "console"));
    return traversable ? kTraversableDirMode : kPrivateDirMode;
  }
  return kPrivateFileMode | (st.st_mode & S_IXUSR);  // scripts stay executable
}

Status Restrict(const fs::path& root, const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();  // removed meanwhile
    return Status::Unavailable(fmt::format("cannot stat {}: {}", p.string(), std::strerror(errno)));
  }
  if (S_ISLNK(st.st_mode)) return Status::Ok();
  mode_t want = WantedMode(root, p, st);
  if ((st.st_mode & 07777) == want) return Status::Ok();
  return Chmod(p, want);
}

}  // namespace

Status RestrictExerciseFolder(const std::string& dir) {
  fs::path root = fs::path(dir).lexically_normal();
  if (root.has_parent_path() && root.filename().empty()) root = root.parent_path();  // "x/"
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Status::NotFound(fmt::format("no exercise folder {}", root.string()));
  }
  LF_RETURN_IF_ERROR(Restrict(root, root));
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    LF_RETURN_IF_ERROR(Restrict(root, it->path()));
  }
  if (ec) {
    return Status::Unavailable(fmt::format("cannot walk {}: {}", root.string(), ec.message()));
  }
  return Status::Ok();
}

ScopedUmask::ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
ScopedUmask::~ScopedUmask() { ::umask(old_); }

}  // namespace livefire::store

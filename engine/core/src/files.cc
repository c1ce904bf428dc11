#include "livefire/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace livefire {

namespace fs = std::filesystem;

namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes the descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // close() reports write-back errors on some file systems: checked once.
  int Close() {
    int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

fs::path FolderOf(const fs::path& path) {
  fs::path dir = path.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

Status FsyncPath(const fs::path& p, bool folder) {
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | (folder ? O_DIRECTORY : 0)));
  if (fd.get() < 0) {
    return Status::Internal(
        fmt::format("cannot open {} to sync it: {}", p.string(), ErrnoText(errno)));
  }
  if (::fsync(fd.get()) != 0) {
    return Status::Internal(fmt::format("cannot sync {}: {}", p.string(), ErrnoText(errno)));
  }
  return Status::Ok();
}

bool IsFolderProblem(int err) {
  return err == ENOENT || err == ENOTDIR || err == EACCES || err == EPERM || err == EROFS;
}

}  // namespace

Status WriteFileAtomic(const fs::path& path, std::string_view content, mode_t mode) {
  // Unique per call: two writers of the same path never share a temp file.
  std::string tmpl = path.string() + ".tmp.XXXXXX";
  Fd fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0) {
    const int err = errno;
    std::string msg = fmt::format("cannot write {}: {}", path.string(), ErrnoText(err));
    return IsFolderProblem(err) ? Status::InvalidArgument(std::move(msg))
                                : Status::Internal(std::move(msg));
  }
  const std::string tmp = tmpl;
  auto fail = [&](std::string what) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::Internal(
        fmt::format("cannot write {}: {}: {}", path.string(), what, ErrnoText(err)));
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("writing " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), mode) != 0) return fail("setting the mode of " + tmp);
  if (::fsync(fd.get()) != 0) return fail("syncing " + tmp);
  if (fd.Close() != 0) return fail("closing " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("renaming " + tmp);
  return FsyncPath(FolderOf(path), true);
}

Status RenameDurably(const fs::path& written, const fs::path& path) {
  std::error_code ec;
  const bool folder = fs::is_directory(written, ec);
  LF_RETURN_IF_ERROR(FsyncPath(written, folder));
  if (::rename(written.c_str(), path.c_str()) != 0) {
    return Status::Internal(fmt::format("cannot rename {} to {}: {}", written.string(),
                                        path.string(), ErrnoText(errno)));
  }
  return FsyncPath(FolderOf(path), true);
}

}  // namespace livefire

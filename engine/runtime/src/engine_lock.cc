#include "livefire/runtime/engine_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace livefire::runtime {

namespace fs = std::filesystem;

namespace {

// "pid N, since T" from the holder's file, or what is known of it.
std::string DescribeHolder(int fd) {
  char buf[256] = {};
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  long long pid = 0;
  long long since = 0;
  if (n <= 0 || std::sscanf(buf, "pid %lld since %lld", &pid, &since) != 2) {
    return "pid unknown";  // the holder has not written its line yet
  }
  std::time_t t = static_cast<std::time_t>(since);
  std::tm tm{};
  char when[32] = "?";
  if (::gmtime_r(&t, &tm)) std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return fmt::format("pid {}, since {}", pid, when);
}

}  // namespace

std::string EngineLock::PathFor(const std::string& state_dir, const ExerciseId& id) {
  return (fs::path(state_dir) / "exercises" / id.str() / "engine.lock").string();
}

Result<EngineLock> EngineLock::Acquire(const std::string& state_dir, const ExerciseId& id) {
  std::string path = PathFor(state_dir, id);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) {
    return Status::Unavailable(
        fmt::format("cannot create {}: {}", fs::path(path).parent_path().string(), ec.message()));
  }
  // O_CLOEXEC: a child the engine starts must not keep the lock after it dies.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Unavailable(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EWOULDBLOCK) {
      std::string holder = DescribeHolder(fd);
      ::close(fd);
      return Status::FailedPrecondition(fmt::format(
          "exercise {} already has a running engine ({}); stop it with `livefire stop {}`",
          id.str(), holder, id.str()));
    }
    ::close(fd);
    return Status::Unavailable(fmt::format("cannot lock {}: {}", path, std::strerror(err)));
  }
  // Ours now: replace whatever a dead holder left.
  std::string line = fmt::format("pid {} since {}\n", static_cast<long long>(::getpid()),
                                 static_cast<long long>(std::time(nullptr)));
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    int err = errno;
    ::close(fd);
    return Status::Unavailable(fmt::format("cannot write {}: {}", path, std::strerror(err)));
  }
  ::fchmod(fd, 0600);  // an older file may have been made with a looser mode
  return EngineLock(fd, std::move(path));
}

EngineLock::EngineLock(EngineLock&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

EngineLock& EngineLock::operator=(EngineLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

EngineLock::~EngineLock() {
  // Closing the last descriptor releases the lock. The file stays: removing
  // it would race with an engine that has just opened it.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace livefire::runtime

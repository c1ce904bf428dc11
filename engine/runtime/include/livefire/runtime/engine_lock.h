#pragma once
// One engine per exercise. Two engines on one exercise would both append to
// its log (the second fails on every insert) and take each other's control
// sockets, so `livefire run` holds an exclusive flock(2) on
// <state_dir>/exercises/<id>/engine.lock for the engine's whole life. The
// kernel frees the lock when the process dies, however it dies, so a crash
// never leaves an exercise locked. The file holds the holder's pid and start
// time for the refusal message; its content is advisory, the lock is not.

#include <cstdint>
#include <string>

#include "livefire/ids.h"
#include "livefire/status.h"

namespace livefire::runtime {

class EngineLock {
 public:
  // <state_dir>/exercises/<id>/engine.lock
  static std::string PathFor(const std::string& state_dir, const ExerciseId& id);

  // Takes the lock without waiting (creates the folder and the file as
  // needed). FailedPrecondition naming the holder when another engine holds it.
  static Result<EngineLock> Acquire(const std::string& state_dir, const ExerciseId& id);

  EngineLock(EngineLock&& other) noexcept;
  EngineLock& operator=(EngineLock&& other) noexcept;
  EngineLock(const EngineLock&) = delete;
  EngineLock& operator=(const EngineLock&) = delete;
  ~EngineLock();

  const std::string& path() const { return path_; }

 private:
  EngineLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace livefire::runtime

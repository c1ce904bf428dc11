#pragma once
// A SQLite VFS that forwards to the default one and fails writes or fsyncs
// while the test flips a StoreFaults flag: the store's real error paths
// (rollback, retry on a fresh connection) run as on a failing disk, without
// chattr or a full filesystem.

#include <memory>
#include <string>

#include "livefire/status.h"
#include "livefire/store/event_store.h"

namespace livefire::store {

class FaultVfs {
 public:
  // Registers a VFS with a unique name; unregistered on destruction, which
  // must come after every connection that uses it is closed.
  static Result<std::unique_ptr<FaultVfs>> Register(std::shared_ptr<StoreFaults> faults);
  ~FaultVfs();
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  const std::string& name() const;

  struct Impl;

 private:
  explicit FaultVfs(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::store

#pragma once
// An exercise's folder is its record: the event log (reports, findings,
// grades), the scenario copy (flags, credentials), the range's plan, disks,
// memory saves and console logs. Only its owner (root, who runs livefire)
// may read any of it:
//   files    0600 (0700 when the owner may execute them)
//   folders  0700, except the exercise folder itself and its disks/ and
//            console/ folders, 0711: under qemu:///system qemu runs as
//            libvirt-qemu and opens the overlays and console logs libvirt
//            hands it by path, so it must traverse them; 0711 lets no one
//            list them, and the files in them stay 0600.
// Anything else (the engine's ipc sockets) is treated as a file: 0600, so
// only root connects.

#include <sys/types.h>

#include <string>

#include "livefire/status.h"

namespace livefire::store {

inline constexpr mode_t kPrivateFileMode = 0600;
inline constexpr mode_t kPrivateDirMode = 0700;
inline constexpr mode_t kTraversableDirMode = 0711;

// Brings every file and folder under an exercise folder (and the folder) to
// the modes above; also fixes folders made before livefire restricted them.
// Symbolic links are neither followed nor changed.
Status RestrictExerciseFolder(const std::string& dir);

// Restricts the process umask (e.g. to 077) until destroyed. The umask is
// process-wide: hold it only where no other thread creates files.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask);
  ~ScopedUmask();
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

}  // namespace livefire::store

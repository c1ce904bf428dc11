#pragma once
// The portal's serial consoles: one libvirt console stream per node, shared
// by every WebSocket viewer of it (they see the same output and may all
// type). The engine records who opens and leaves (console request); this
// class only carries the bytes.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "livefire/ids.h"
#include "livefire/provision/libvirt.h"
#include "livefire/status.h"

namespace livefire::portal {

class ConsoleHub {
 public:
  // One WebSocket's view: output not yet sent, and why it ended.
  struct Viewer {
    std::string account;
    std::mutex mu;
    std::string out;
    bool ended = false;
    std::string reason;
  };

  // uri "" = no consoles (every Join fails with FailedPrecondition).
  ConsoleHub(std::string uri, std::string state_dir, ExerciseId id);
  ~ConsoleHub();  // closes every console
  ConsoleHub(const ConsoleHub&) = delete;
  ConsoleHub& operator=(const ConsoleHub&) = delete;

  // Attaches a viewer to the node's console (copy "" = the shared zone),
  // opening it for the first viewer. The viewer's first output is what the
  // console showed lately (so a late viewer sees the same screen).
  Result<std::shared_ptr<Viewer>> Join(const std::string& copy, const std::string& node,
                                       const std::string& account);
  // Detaches; the console closes with its last viewer.
  void Leave(const std::string& copy, const std::string& node, const std::shared_ptr<Viewer>& v);
  Status Write(const std::string& copy, const std::string& node, std::string_view bytes);
  // Closes the console for everyone; the accounts that were viewing it.
  std::vector<std::string> End(const std::string& copy, const std::string& node,
                               const std::string& reason);

 private:
  struct Shared {
    std::unique_ptr<provision::Console> console;
    std::thread pump;
    std::mutex mu;  // viewers, screen
    std::vector<std::shared_ptr<Viewer>> viewers;
    std::string screen;  // the latest output (bounded)
    std::atomic<bool> done{false};
  };
  using Key = std::pair<std::string, std::string>;
  static void Pump(Shared& s);
  static void Finish(std::shared_ptr<Shared> s, const std::string& reason);

  std::string uri_;
  std::string state_dir_;
  ExerciseId id_;
  std::mutex mu_;
  std::unique_ptr<provision::LibvirtProvisioner> prov_;
  std::map<Key, std::shared_ptr<Shared>> open_;
};

}  // namespace livefire::portal

#pragma once
// Asynchronous guest operations for injects. The engine loop submits a
// request and goes on; a worker thread does the slow part (the guest agent, a
// TCP connection) and the reply comes back through a queue that the loop
// drains (Zeek's OnLoop). The loop never blocks on a guest.
//
// Backends: provision::ProvisionerGuestIo acts on a live range through the
// provisioner; ScriptedGuestIo is the test double at the agent boundary
// (golden tests, simulation), answering from a function. This interface is
// its own component so that the runtime needs neither libvirt nor the
// provisioner.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::guest {

struct GuestRequest {
  enum class Op { kExec, kHttp, kPut, kGet };
  uint64_t id = 0;  // set by the runtime; echoed in the reply
  Op op = Op::kExec;
  std::string team;  // blue team whose copy ("" or "shared" for shared nodes)
  std::string node;
  std::string command;  // kExec: run with /bin/sh -c
  std::string path;     // kHttp: request path; kPut/kGet: guest file path
  std::string content;  // kPut
  int mode = 0644;      // kPut
  Duration timeout = Duration::Seconds(30);
};
std::string_view ToString(GuestRequest::Op op);

struct GuestReply {
  uint64_t id = 0;
  Status status;         // transport/agent error; a command that ran is ok whatever its code
  int exit_code = 0;     // kExec
  std::string out;       // kExec: stdout; kHttp: body; kGet: content
  std::string err;       // kExec: stderr
  int http_status = 0;   // kHttp
};

class GuestIo {
 public:
  virtual ~GuestIo() = default;
  // Never blocks on the guest.
  virtual void Submit(GuestRequest request) = 0;
  // Replies that arrived, in arrival order (non-blocking).
  std::vector<GuestReply> Drain();
  // Blocks until a reply is available or `wall_timeout` passes.
  bool WaitForReply(std::chrono::milliseconds wall_timeout);
  // Submitted and not yet drained (replies waiting in the queue count).
  size_t in_flight() const;

 protected:
  void Deliver(GuestReply reply);  // from any thread
  void Started();                  // a request is accepted

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<GuestReply> replies_;
  size_t in_flight_ = 0;
};

// Answers every request with `answer`, synchronously at Submit time but
// delivered through the queue like a real backend.
class ScriptedGuestIo : public GuestIo {
 public:
  using Answer = std::function<GuestReply(const GuestRequest&)>;
  explicit ScriptedGuestIo(Answer answer) : answer_(std::move(answer)) {}
  void Submit(GuestRequest request) override;

 private:
  Answer answer_;
};

}  // namespace livefire::guest

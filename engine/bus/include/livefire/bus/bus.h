#pragma once
// The exercise's ZeroMQ bus.
//   EventPublisher  PUB   every stored event as [topic, canonical JSON]
//   Subscriber      SUB   the GUI, scoreboards and tests listening to it
//   ControlServer   ROUTER requests (pause, speed, submissions, grades) on
//                          its own I/O thread; the engine loop drains them
//                          with Poll() and never blocks on the network
//   ControlClient   DEALER the CLI and GUI side, with timeouts
// Endpoints default to ipc:// sockets in the exercise's state folder;
// tcp://127.0.0.1:PORT works too. Messages: see protocol.h, docs/protocol.md.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "livefire/bus/protocol.h"
#include "livefire/event.h"
#include "livefire/ids.h"
#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::bus {

// A ZeroMQ context (I/O threads). inproc:// endpoints only connect sockets of
// the same Context. Outlive every socket made from it.
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct Endpoints {
  std::string events;   // ipc://<state_dir>/exercises/<id>/events.sock
  std::string control;  // ipc://<state_dir>/exercises/<id>/control.sock
};
// Fails when a socket path would exceed the OS limit for ipc:// (107 bytes).
Result<Endpoints> DefaultEndpoints(const std::string& state_dir, const ExerciseId& id);

class EventPublisher {
 public:
  // Binds a PUB socket for `exercise` at endpoint.
  static Result<std::unique_ptr<EventPublisher>> Bind(Context& ctx, const std::string& endpoint,
                                                      const ExerciseId& exercise);
  ~EventPublisher();
  // The bound endpoint (with the real port for tcp://127.0.0.1:0).
  const std::string& endpoint() const;
  // Sends [Topic(exercise, e.team, e.kind), CanonicalJson(e)]. Never blocks:
  // PUB drops for subscribers that are too slow (their high-water mark).
  // Thread-safe.
  Status Publish(const Event& e);
  uint64_t published() const;

 private:
  struct Impl;
  explicit EventPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct BusMessage {
  std::string topic;
  Event event;
};

class Subscriber {
 public:
  // Connects to a publisher; subscribe to prefixes before receiving ("" = all).
  static Result<std::unique_ptr<Subscriber>> Connect(Context& ctx, const std::string& endpoint);
  ~Subscriber();
  Status Subscribe(const std::string& topic_prefix);
  // Next message, or nullopt after timeout. A message that does not decode
  // is an InvalidArgument error (and is consumed).
  Result<std::optional<BusMessage>> Receive(Duration timeout);

 private:
  struct Impl;
  explicit Subscriber(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ControlServerOptions {
  size_t max_pending = 1024;  // requests waiting for Poll(); more get "busy"
};

// Largest frame the server reads whole to answer "too_large"; ZeroMQ cuts a
// peer that sends more (so memory stays bounded) and that peer gets no reply.
inline constexpr size_t kMaxFrameBytes = 64u << 20;

// A decoded request and where its reply goes.
struct PendingRequest {
  Request request;
  std::string route;  // ZeroMQ routing envelope (opaque)
  bool delimited = false;
};

struct ControlCounters {
  uint64_t received = 0;    // messages of any kind
  uint64_t accepted = 0;    // queued for the engine
  uint64_t malformed = 0;   // bad JSON, bad fields, unknown type or version
  uint64_t oversized = 0;   // over kMaxMessageBytes
  uint64_t busy = 0;        // refused because the queue was full
  uint64_t replies = 0;     // replies sent (engine and error replies)
  // Requests the engine refused (ReplyError), by error code.
  std::map<std::string, uint64_t> refused;
  nlohmann::json ToJson() const;
};

class ControlServer {
 public:
  static Result<std::unique_ptr<ControlServer>> Bind(Context& ctx, const std::string& endpoint,
                                                     ControlServerOptions options = {});
  ~ControlServer();  // stops the I/O thread
  const std::string& endpoint() const;

  // Takes up to max pending requests. Never blocks.
  std::vector<PendingRequest> Poll(size_t max = SIZE_MAX);
  // Replies go out through the I/O thread; these never block either. The
  // reply to a "status" request also carries {"bus": counters}.
  void Reply(const PendingRequest& to, nlohmann::json result = nlohmann::json::object());
  void ReplyError(const PendingRequest& to, std::string_view code, std::string_view message);
  ControlCounters counters() const;

 private:
  struct Impl;
  explicit ControlServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class ControlClient {
 public:
  static Result<std::unique_ptr<ControlClient>> Connect(Context& ctx, const std::string& endpoint,
                                                        std::string client_name = "cli");
  ~ControlClient();
  // Sends the request (an empty id gets a fresh one) and waits for its
  // reply. DeadlineExceeded when none came within timeout. A reply with
  // "ok":false is returned as a Reply, not as an error.
  Result<bus::Reply> Call(Request request, Duration timeout);
  // Sends raw bytes and returns the first reply (for tests and tools).
  Result<bus::Reply> CallRaw(std::string_view bytes, Duration timeout);

 private:
  struct Impl;
  explicit ControlClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::bus

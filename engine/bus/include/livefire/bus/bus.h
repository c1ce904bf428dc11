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
#include <functional>
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

// Remote clients (docs/protocol.md, "Remote clients"): a tcp:// endpoint
// with CurveZMQ. The ZAP handler (on the ControlServer's I/O thread, which
// must be bound first in the same Context) asks `authenticate` for every
// handshake on either socket; the account it names becomes the connection's
// ZeroMQ User-Id.
struct CurveListen {
  std::string endpoint;    // tcp://ADDR:PORT (port 0: any free one)
  std::string secret_key;  // the server's Z85 secret key
};
// Client public key (Z85) -> account name; "" refuses the handshake.
// Called on the control server's I/O thread.
using Authenticator = std::function<std::string(std::string_view public_key)>;
// What one remote account receives of an event: nothing, the event, or the
// event with another payload (a scoreboard frozen at an earlier time).
struct FeedView {
  bool send = false;
  std::optional<nlohmann::json> payload;  // replaces e.payload when set
};
// Asked for every event and every account that subscribed on the remote
// endpoint, under the publisher's lock (so on the publishing thread).
// Consulted per message, so a revoked account stops receiving at once.
using FeedFilter = std::function<FeedView(std::string_view account, const Event& e)>;
// Remote feeds are per account: the engine sends each account its own copy
// of what it may see, under the topic "<account>|<topic>"; the account's
// subscriptions (prefixes of <topic>) only ever match its own copies.
inline constexpr char kAccountTopicSeparator = '|';

class EventPublisher {
 public:
  // Binds a publisher socket for `exercise` at endpoint (the host's own
  // channel: every subscription applied as asked).
  static Result<std::unique_ptr<EventPublisher>> Bind(Context& ctx, const std::string& endpoint,
                                                      const ExerciseId& exercise);
  ~EventPublisher();
  // The bound endpoint (with the real port for tcp://127.0.0.1:0).
  const std::string& endpoint() const;
  // Also listens on a CURVE tcp endpoint (a second XPUB, of per-account
  // feeds filtered by `filter`); returns the bound address.
  Result<std::string> Listen(const CurveListen& listen, FeedFilter filter);
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

// A remote client's CURVE keys (from its credential file), Z85.
struct CurveClientKeys {
  std::string server_public_key;
  std::string public_key;
  std::string secret_key;
};

class Subscriber {
 public:
  // Connects to a publisher; subscribe to prefixes before receiving ("" =
  // all). With keys: a remote account's CURVE feed (topics come back without
  // the account part).
  static Result<std::unique_ptr<Subscriber>> Connect(Context& ctx, const std::string& endpoint,
                                                     std::optional<CurveClientKeys> keys = {});
  static Result<std::unique_ptr<Subscriber>> ConnectCurve(Context& ctx,
                                                          const std::string& endpoint,
                                                          const CurveClientKeys& keys) {
    return Connect(ctx, endpoint, keys);
  }
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
  // The authenticated account (ZeroMQ User-Id of a CURVE connection); ""
  // for the host's ipc channel.
  std::string account;
};

struct ControlCounters {
  uint64_t received = 0;    // messages of any kind
  uint64_t accepted = 0;    // queued for the engine
  uint64_t malformed = 0;   // bad JSON, bad fields, unknown type or version
  uint64_t oversized = 0;   // over kMaxMessageBytes
  uint64_t busy = 0;        // refused because the queue was full
  uint64_t replies = 0;     // replies sent (engine and error replies)
  uint64_t handshakes_refused = 0;   // CURVE clients the ZAP handler refused
  uint64_t handshakes_accepted = 0;  // CURVE clients it let in
  // Requests the engine refused (ReplyError), by error code.
  std::map<std::string, uint64_t> refused;
  nlohmann::json ToJson() const;
};

class ControlServer {
 public:
  static Result<std::unique_ptr<ControlServer>> Bind(Context& ctx, const std::string& endpoint,
                                                     ControlServerOptions options = {});
  // Bind and also listen on a CURVE tcp endpoint; serves the Context's ZAP
  // handler (inproc://zeromq.zap.01), which refuses keys `authenticate`
  // does not know. At most one such server per Context.
  static Result<std::unique_ptr<ControlServer>> Bind(Context& ctx, const std::string& endpoint,
                                                     const CurveListen& listen,
                                                     Authenticator authenticate,
                                                     ControlServerOptions options = {});
  ~ControlServer();  // stops the I/O thread
  const std::string& endpoint() const;
  const std::string& tcp_endpoint() const;  // "" when not listening

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
  // With keys: a CURVE client (a remote account), keys in Z85.
  static Result<std::unique_ptr<ControlClient>> Connect(Context& ctx, const std::string& endpoint,
                                                        std::string client_name = "cli",
                                                        std::optional<CurveClientKeys> keys = {});
  static Result<std::unique_ptr<ControlClient>> ConnectCurve(Context& ctx,
                                                             const std::string& endpoint,
                                                             const CurveClientKeys& keys,
                                                             std::string client_name = "cli") {
    return Connect(ctx, endpoint, std::move(client_name), keys);
  }
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

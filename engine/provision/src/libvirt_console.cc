// The serial console of a domain as a stream (LibvirtProvisioner::
// DoOpenConsole). libvirt delivers a non-blocking stream's data through its
// event loop, which must be registered before the connection opens: each
// console therefore opens a connection of its own after the default event
// loop is running (one thread, for the life of the process, as libvirt wants).

#include <fmt/format.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "livefire/provision/libvirt.h"

namespace livefire::provision {

namespace {

Status ConsoleError(std::string_view what) {
  const char* msg = virGetLastErrorMessage();
  return Status::Unavailable(fmt::format("{}: {}", what, msg ? msg : "unknown libvirt error"));
}

Status EnsureEventLoop() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] {
    rc = virEventRegisterDefaultImpl();
    if (rc == 0) {
      std::thread([] {
        for (;;) {
          if (virEventRunDefaultImpl() < 0) std::this_thread::sleep_for(std::chrono::seconds(1));
        }
      }).detach();
    }
  });
  return rc == 0 ? Status::Ok() : ConsoleError("cannot start libvirt's event loop");
}

// What the stream's event callback (on the event thread) and the Console's
// callers share; the callback holds a reference until libvirt frees it.
struct ConsoleState {
  std::mutex mu;
  std::condition_variable cv;
  std::string in;  // received, not yet Read
  bool ended = false;
  std::string why;
  virStreamPtr stream = nullptr;  // null once closed
};

void OnStream(virStreamPtr st, int events, void* opaque) {
  auto& s = **static_cast<std::shared_ptr<ConsoleState>*>(opaque);
  std::lock_guard lock(s.mu);
  if (s.stream == nullptr || s.ended) return;
  char buf[4096];
  for (;;) {
    const int n = virStreamRecv(st, buf, sizeof buf);
    if (n > 0) {
      s.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == -2) break;  // nothing more for now
    s.ended = true;
    s.why = n == 0 ? "the console closed (the domain stopped?)" : "the console stream failed";
    break;
  }
  if (!s.ended && (events & (VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR))) {
    s.ended = true;
    s.why = "the console hung up";
  }
  s.cv.notify_all();
}

void FreeState(void* opaque) { delete static_cast<std::shared_ptr<ConsoleState>*>(opaque); }

struct ConnClose {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
struct DomFree {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
struct StreamFree {
  void operator()(virStreamPtr s) const { virStreamFree(s); }
};
using Conn = std::unique_ptr<virConnect, ConnClose>;
using Dom = std::unique_ptr<virDomain, DomFree>;
using Stream = std::unique_ptr<virStream, StreamFree>;

class LibvirtConsole final : public Console {
 public:
  LibvirtConsole(std::string name, Conn conn, Dom dom, std::shared_ptr<ConsoleState> s)
      : name_(std::move(name)), conn_(std::move(conn)), dom_(std::move(dom)), s_(std::move(s)) {}
  ~LibvirtConsole() override { Close(); }  // the stream before its domain and connection

  Result<std::string> Read(Duration wait) override {
    std::unique_lock lock(s_->mu);
    s_->cv.wait_for(lock, std::chrono::nanoseconds(wait.nanos()),
                    [&] { return !s_->in.empty() || s_->ended; });
    if (!s_->in.empty()) return std::exchange(s_->in, std::string());
    if (s_->ended) return Status::Unavailable("domain " + name_ + ": " + s_->why);
    return std::string();
  }

  Status Write(std::string_view bytes) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!bytes.empty()) {
      int n = 0;
      {
        std::lock_guard lock(s_->mu);
        if (s_->ended || s_->stream == nullptr)
          return Status::Unavailable("domain " + name_ + ": " + s_->why);
        n = virStreamSend(s_->stream, bytes.data(), bytes.size());
      }
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
      } else if (n == -2) {  // the stream's buffer is full: give it a moment
        if (std::chrono::steady_clock::now() > deadline)
          return Status::Unavailable("domain " + name_ + ": the console does not take input");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } else {
        return ConsoleError("domain " + name_ + ": writing to the console");
      }
    }
    return Status::Ok();
  }

  void Close() override {
    std::lock_guard lock(s_->mu);
    if (s_->stream == nullptr) return;
    virStreamEventRemoveCallback(s_->stream);
    virStreamAbort(s_->stream);
    virStreamFree(s_->stream);
    s_->stream = nullptr;
    if (!s_->ended) {
      s_->ended = true;
      s_->why = "the console was closed";
    }
    s_->cv.notify_all();
  }

 private:
  std::string name_;
  Conn conn_;
  Dom dom_;
  std::shared_ptr<ConsoleState> s_;  // owns the stream until Close()
};

}  // namespace

Result<std::unique_ptr<Console>> LibvirtProvisioner::DoOpenConsole(const Target& t) {
  LF_RETURN_IF_ERROR(EnsureEventLoop());
  Conn conn(virConnectOpen(config().uri.c_str()));
  if (!conn) return ConsoleError("cannot connect to libvirt at " + config().uri);
  Dom dom(virDomainLookupByName(conn.get(), t.name.c_str()));
  if (!dom) return ConsoleError("domain " + t.name);
  if (virDomainIsActive(dom.get()) != 1) {
    return Status::Unavailable("domain " + t.name + " is not running");
  }
  Stream st(virStreamNew(conn.get(), VIR_STREAM_NONBLOCK));
  if (!st) return ConsoleError("domain " + t.name + ": cannot make a stream");
  // SAFE: refuse (rather than steal) a console another client holds.
  if (virDomainOpenConsole(dom.get(), nullptr, st.get(), VIR_DOMAIN_CONSOLE_SAFE) < 0) {
    return ConsoleError("domain " + t.name + ": cannot open its console");
  }
  auto state = std::make_shared<ConsoleState>();
  state->stream = st.get();  // before the first event can come
  auto opaque = std::make_unique<std::shared_ptr<ConsoleState>>(state);
  if (virStreamEventAddCallback(
          st.get(), VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR,
          OnStream, opaque.get(), FreeState) < 0) {
    Status err = ConsoleError("domain " + t.name + ": cannot watch its console");
    state->stream = nullptr;
    virStreamAbort(st.get());
    return err;
  }
  (void)opaque.release();  // libvirt's now: FreeState deletes it
  (void)st.release();      // state->stream: closed and freed by LibvirtConsole::Close
  return std::unique_ptr<Console>(
      new LibvirtConsole(t.name, std::move(conn), std::move(dom), std::move(state)));
}

}  // namespace livefire::provision

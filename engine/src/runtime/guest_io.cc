#include "livefire/runtime/guest_io.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "livefire/provision/provisioner.h"

namespace livefire::runtime {

std::string_view ToString(GuestRequest::Op op) {
  switch (op) {
    case GuestRequest::Op::kExec: return "exec";
    case GuestRequest::Op::kHttp: return "http";
    case GuestRequest::Op::kPut: return "put";
    case GuestRequest::Op::kGet: return "get";
  }
  return "exec";
}

// ---- GuestIo -----------------------------------------------------------------

std::vector<GuestReply> GuestIo::Drain() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GuestReply> out(std::make_move_iterator(replies_.begin()),
                              std::make_move_iterator(replies_.end()));
  replies_.clear();
  // A request counts as in flight until the loop has taken its reply.
  in_flight_ -= std::min(in_flight_, out.size());
  return out;
}

bool GuestIo::WaitForReply(std::chrono::milliseconds wall_timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, wall_timeout, [&] { return !replies_.empty(); });
}

size_t GuestIo::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

void GuestIo::Started() {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_;
}

void GuestIo::Deliver(GuestReply reply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    replies_.push_back(std::move(reply));
  }
  cv_.notify_all();
}

void ScriptedGuestIo::Submit(GuestRequest request) {
  Started();
  GuestReply r = answer_(request);
  r.id = request.id;
  Deliver(std::move(r));
}

// ---- ProvisionerGuestIo --------------------------------------------------------

ProvisionerGuestIo::ProvisionerGuestIo(provision::Provisioner& provisioner, ExerciseId exercise,
                                       const topology::RangePlan& plan, int workers)
    : prov_(provisioner), exercise_(std::move(exercise)), plan_(plan) {
  if (workers < 1) workers = 1;
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

ProvisionerGuestIo::~ProvisionerGuestIo() {
  {
    std::lock_guard<std::mutex> lock(qmu_);
    stop_ = true;
  }
  qcv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ProvisionerGuestIo::Submit(GuestRequest request) {
  Started();
  {
    std::lock_guard<std::mutex> lock(qmu_);
    queue_.push_back(std::move(request));
  }
  qcv_.notify_one();
}

void ProvisionerGuestIo::Work() {
  while (true) {
    GuestRequest r;
    {
      std::unique_lock<std::mutex> lock(qmu_);
      qcv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_ && queue_.empty()) return;
      r = std::move(queue_.front());
      queue_.pop_front();
    }
    GuestReply reply = Handle(r);
    reply.id = r.id;
    Deliver(std::move(reply));
  }
}

GuestReply ProvisionerGuestIo::Handle(const GuestRequest& r) {
  GuestReply reply;
  TeamId team(r.team);
  NodeId node(r.node);
  switch (r.op) {
    case GuestRequest::Op::kExec: {
      auto res = prov_.Exec(exercise_, team, node, {"/bin/sh", "-c", r.command}, r.timeout);
      if (!res.ok()) {
        reply.status = res.status();
        break;
      }
      reply.exit_code = res->exit_code;
      reply.out = std::move(res->out);
      reply.err = std::move(res->err);
      break;
    }
    case GuestRequest::Op::kPut:
      reply.status = prov_.PushFile(exercise_, team, node, r.path, r.content, r.mode);
      break;
    case GuestRequest::Op::kGet: {
      auto res = prov_.PullFile(exercise_, team, node, r.path);
      if (res.ok()) {
        reply.out = std::move(*res);
      } else {
        reply.status = res.status();
      }
      break;
    }
    case GuestRequest::Op::kHttp: {
      std::string team_key = r.team == provision::kSharedTeam ? std::string() : r.team;
      const topology::PlannedDomain* d = plan_.FindDomain(team_key, r.node);
      if (!d || d->interfaces.empty()) {
        reply.status = Status::NotFound(
            fmt::format("no node '{}' in the range of team '{}'", r.node, r.team));
        break;
      }
      auto res = HttpGet(d->interfaces.front().address, 80, r.path, r.timeout);
      if (!res.ok()) {
        reply.status = res.status();
        break;
      }
      reply.http_status = res->status;
      reply.out = std::move(res->body);
      break;
    }
  }
  return reply;
}

// ---- HttpGet -----------------------------------------------------------------------

namespace {
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};
}  // namespace

Result<HttpResponse> HttpGet(const std::string& address, int port, const std::string& path,
                             Duration timeout) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::nanoseconds(timeout.nanos());
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  std::string where = fmt::format("http://{}:{}{}", address, port, path);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
    return Status::InvalidArgument(fmt::format("{}: not an IPv4 address", where));
  }
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::Internal(fmt::format("socket: {}", std::strerror(errno)));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 &&
      errno != EINPROGRESS) {
    return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(errno)));
  }
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, remaining_ms()) <= 0) {
    return Status::DeadlineExceeded(fmt::format("{}: connect timed out", where));
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(err)));
  std::string req = fmt::format("GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: livefire\r\n\r\n",
                                path.empty() ? "/" : path, address);
  size_t sent = 0;
  while (sent < req.size()) {
    p = {fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms()) <= 0) {
      return Status::DeadlineExceeded(fmt::format("{}: send timed out", where));
    }
    ssize_t n = ::send(fd.get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) {
      return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(errno)));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }
  constexpr size_t kMax = size_t{1} << 20;
  std::string data;
  char buf[16384];
  while (data.size() < kMax + 4096) {
    p = {fd.get(), POLLIN, 0};
    int pr = ::poll(&p, 1, remaining_ms());
    if (pr <= 0) return Status::DeadlineExceeded(fmt::format("{}: no complete answer in time", where));
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(errno)));
    }
    data.append(buf, static_cast<size_t>(n));
  }
  // Status line: HTTP/1.x NNN ...
  if (data.rfind("HTTP/1.", 0) != 0 || data.size() < 12) {
    return Status::Unavailable(fmt::format("{}: not an HTTP response", where));
  }
  HttpResponse out;
  out.status = std::atoi(data.substr(9, 3).c_str());
  if (out.status < 100 || out.status > 599) {
    return Status::Unavailable(fmt::format("{}: bad status line", where));
  }
  size_t body = data.find("\r\n\r\n");
  if (body != std::string::npos) out.body = data.substr(body + 4, kMax);
  return out;
}

}  // namespace livefire::runtime

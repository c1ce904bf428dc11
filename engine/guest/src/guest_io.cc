#include "livefire/guest/guest_io.h"

#include <algorithm>
#include <iterator>

namespace livefire::guest {

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

}  // namespace livefire::guest

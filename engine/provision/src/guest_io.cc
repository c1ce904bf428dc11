#include "livefire/provision/guest_io.h"

#include <fmt/format.h>

#include "livefire/net/http.h"
#include "livefire/provision/provisioner.h"

namespace livefire::provision {

using guest::GuestReply;
using guest::GuestRequest;

// ---- ProvisionerGuestIo --------------------------------------------------------

ProvisionerGuestIo::ProvisionerGuestIo(Provisioner& provisioner, ExerciseId exercise,
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
      std::string team_key = r.team == kSharedTeam ? std::string() : r.team;
      const topology::PlannedDomain* d = plan_.FindDomain(team_key, r.node);
      if (!d || d->interfaces.empty()) {
        reply.status = Status::NotFound(
            fmt::format("no node '{}' in the range of team '{}'", r.node, r.team));
        break;
      }
      auto res = net::HttpGet(d->interfaces.front().address, 80, r.path, r.timeout);
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

}  // namespace livefire::provision

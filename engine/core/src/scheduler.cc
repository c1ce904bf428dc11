#include "livefire/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace livefire {

Status ValidateSpeed(double speed) {
  // Written so that NaN fails too.
  if (speed >= kMinSpeed && speed <= kMaxSpeed) return Status::Ok();
  // {:g}: six significant digits, never a 300-digit expansion.
  return Status::InvalidArgument(
      fmt::format("speed {:g} is outside {:g}..{:g} (exercise seconds per wall second)", speed,
                  kMinSpeed, kMaxSpeed));
}

TimerId Scheduler::At(SimTime t, Callback cb, std::string label) {
  if (t < now_) t = now_;
  uint64_t seq = next_seq_++;
  queue_.push(Entry{t.nanos(), seq});
  callbacks_.emplace(seq, Slot{t, std::move(cb), std::move(label)});
  return seq;
}

TimerId Scheduler::After(Duration d, Callback cb, std::string label) {
  return At(now_ + d, std::move(cb), std::move(label));
}

bool Scheduler::Cancel(TimerId id) { return callbacks_.erase(id) > 0; }

void Scheduler::DropCancelled() {
  while (!queue_.empty() && !callbacks_.contains(queue_.top().seq)) queue_.pop();
}

std::optional<SimTime> Scheduler::NextTime() {
  DropCancelled();
  if (queue_.empty()) return std::nullopt;
  return SimTime::FromNanos(queue_.top().at);
}

bool Scheduler::Step() {
  DropCancelled();
  if (queue_.empty()) return false;
  Entry e = queue_.top();
  queue_.pop();
  auto it = callbacks_.find(e.seq);
  Callback cb = std::move(it->second.cb);
  callbacks_.erase(it);
  if (SimTime::FromNanos(e.at) > now_) now_ = SimTime::FromNanos(e.at);
  cb(now_);
  return true;
}

size_t Scheduler::RunUntil(SimTime t) {
  size_t ran = 0;
  while (true) {
    auto next = NextTime();
    if (!next || *next > t) break;
    Step();
    ++ran;
  }
  if (t > now_) now_ = t;
  return ran;
}

std::vector<Scheduler::Pending> Scheduler::PendingTimers() const {
  std::vector<Pending> out;
  out.reserve(callbacks_.size());
  for (const auto& [seq, slot] : callbacks_) out.push_back(Pending{seq, slot.at, slot.label});
  std::sort(out.begin(), out.end(), [](const Pending& a, const Pending& b) {
    return a.at != b.at ? a.at < b.at : a.id < b.id;
  });
  return out;
}

Pacer::Pacer(SimTime start, double speed, WallClock::time_point wall_now)
    : anchor_sim_(start), anchor_wall_(wall_now), speed_(speed > 0 ? speed : 1.0) {}

SimTime Pacer::SimAt(WallClock::time_point wall) const {
  if (paused_ || wall <= anchor_wall_) return anchor_sim_;
  auto wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wall - anchor_wall_).count();
  return anchor_sim_ + Duration::Nanos(static_cast<int64_t>(static_cast<double>(wall_ns) * speed_));
}

Pacer::WallClock::time_point Pacer::WallAt(SimTime t) const {
  if (paused_) return WallClock::time_point::max();
  if (t <= anchor_sim_) return anchor_wall_;
  double wall_ns = static_cast<double>((t - anchor_sim_).nanos()) / speed_;
  return anchor_wall_ + std::chrono::nanoseconds(static_cast<int64_t>(std::ceil(wall_ns)));
}

Status Pacer::SetSpeed(double speed, WallClock::time_point wall_now) {
  LF_RETURN_IF_ERROR(ValidateSpeed(speed));
  anchor_sim_ = SimAt(wall_now);
  anchor_wall_ = wall_now;
  speed_ = speed;
  return Status::Ok();
}

void Pacer::Pause(WallClock::time_point wall_now) {
  if (paused_) return;
  anchor_sim_ = SimAt(wall_now);
  anchor_wall_ = wall_now;
  paused_ = true;
}

void Pacer::Resume(WallClock::time_point wall_now) {
  if (!paused_) return;
  anchor_wall_ = wall_now;
  paused_ = false;
}

}  // namespace livefire

#include "livefire/checks/schedule.h"

namespace livefire::checks {

namespace {

uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

SimTime CheckTime(uint64_t seed, std::string_view team, std::string_view node,
                  std::string_view service, int64_t round, const model::ScoringParams& p,
                  SimTime start) {
  uint64_t key = Fnv1a(service, Fnv1a("/", Fnv1a(node, Fnv1a("/", Fnv1a(team)))));
  uint64_t r = SplitMix64(SplitMix64(seed ^ key) + static_cast<uint64_t>(round));
  int64_t j = p.check_jitter.nanos();
  int64_t jitter = 0;
  if (j > 0) {
    // Uniform over [-j, +j]; the modulo bias is below 2^-30 for any jitter under a day.
    jitter = static_cast<int64_t>(r % (2 * static_cast<uint64_t>(j) + 1)) - j;
  }
  return start + p.check_interval * (round + 1) + Duration::Nanos(jitter);
}

int64_t RoundAfter(uint64_t seed, const CheckTarget& t, SimTime now,
                   const model::ScoringParams& p, SimTime start) {
  int64_t interval = p.check_interval.nanos();
  int64_t k = std::max<int64_t>(0, (now - start).nanos() / interval - 1);
  // Jitter is under half an interval, so at most a couple of steps from the estimate.
  while (k > 0 && CheckTime(seed, t.team, t.node, t.service, k - 1, p, start) > now) --k;
  while (CheckTime(seed, t.team, t.node, t.service, k, p, start) <= now) ++k;
  return k;
}

CheckScheduler::CheckScheduler(Scheduler& scheduler, uint64_t seed, model::ScoringParams params,
                               std::vector<CheckTarget> targets, DueFn due, SimTime start)
    : scheduler_(scheduler),
      seed_(seed),
      params_(std::move(params)),
      targets_(std::move(targets)),
      due_(std::move(due)),
      start_(start),
      timers_(targets_.size(), 0) {}

CheckScheduler::~CheckScheduler() { Stop(); }

void CheckScheduler::Start() {
  for (size_t i = 0; i < targets_.size(); ++i) {
    Arm(i, RoundAfter(seed_, targets_[i], scheduler_.Now(), params_, start_));
  }
}

void CheckScheduler::Stop() {
  for (auto& id : timers_) {
    if (id != 0) scheduler_.Cancel(id);
    id = 0;
  }
}

void CheckScheduler::Arm(size_t index, int64_t round) {
  const CheckTarget& t = targets_[index];
  SimTime at = CheckTime(seed_, t.team, t.node, t.service, round, params_, start_);
  timers_[index] = scheduler_.At(
      at,
      [this, index, round, at](SimTime) {
        timers_[index] = 0;
        due_(targets_[index], round, at);
        Arm(index, round + 1);
      },
      "check " + t.team + "/" + t.node + "/" + t.service);
}

}  // namespace livefire::checks

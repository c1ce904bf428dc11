#include "livefire/portal/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

namespace livefire::portal {

std::string RandomToken(size_t n) {
  std::string bytes(n, '\0');
  // RAND_bytes fails only without an entropy source; abort rather than hand
  // out a guessable session.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1)
    std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool SameToken(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Session SessionStore::Create(std::string account, int64_t now_ns) {
  Session s{RandomToken(), RandomToken(), std::move(account), now_ns, now_ns};
  std::lock_guard lock(mu_);
  sessions_[s.token] = s;
  return s;
}

std::optional<Session> SessionStore::Find(std::string_view token, int64_t now_ns) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  if (now_ns - it->second.last_used_ns > idle_ns_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used_ns = now_ns;
  return it->second;
}

void SessionStore::Erase(std::string_view token) {
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(token); it != sessions_.end()) sessions_.erase(it);
}

void SessionStore::EraseAccount(std::string_view account) {
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.account == account; });
}

size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

namespace {

// Drops failures older than the window; returns when the oldest remaining
// one leaves it once `limit` are held (0 when below the limit).
int64_t Wait(std::vector<int64_t>& failures, int limit, int64_t window_ns, int64_t now_ns) {
  std::erase_if(failures, [&](int64_t t) { return now_ns - t >= window_ns; });
  if (limit <= 0 || static_cast<int>(failures.size()) < limit) return 0;
  // Sorted by insertion; the one that must expire is the (size - limit + 1)th oldest.
  const int64_t t = failures[failures.size() - static_cast<size_t>(limit)];
  return std::max<int64_t>(1, t + window_ns - now_ns);
}

}  // namespace

int64_t LoginLimiter::RetryAfterNs(std::string_view account, std::string_view address,
                                   int64_t now_ns) {
  std::lock_guard lock(mu_);
  int64_t wait = 0;
  if (auto it = by_account_.find(account); it != by_account_.end())
    wait = std::max(wait, Wait(it->second, o_.per_account, o_.window_ns, now_ns));
  if (auto it = by_address_.find(address); it != by_address_.end())
    wait = std::max(wait, Wait(it->second, o_.per_address, o_.window_ns, now_ns));
  return wait;
}

void LoginLimiter::Failure(std::string_view account, std::string_view address, int64_t now_ns) {
  std::lock_guard lock(mu_);
  by_account_[std::string(account)].push_back(now_ns);
  by_address_[std::string(address)].push_back(now_ns);
}

void LoginLimiter::Success(std::string_view account) {
  std::lock_guard lock(mu_);
  if (auto it = by_account_.find(account); it != by_account_.end()) by_account_.erase(it);
}

}  // namespace livefire::portal

#pragma once
// Portal sessions and the login rate limit. Pure bookkeeping with the time
// passed in (wall ns), so tests drive it without waiting.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livefire::portal {

struct Session {
  std::string token;  // the cookie's value: 32 random bytes, hex
  std::string csrf;   // required in X-CSRF-Token on state-changing requests
  std::string account;
  int64_t created_ns = 0;
  int64_t last_used_ns = 0;
};

class SessionStore {
 public:
  explicit SessionStore(int64_t idle_ns) : idle_ns_(idle_ns) {}
  Session Create(std::string account, int64_t now_ns);
  // The session holding this token, touched; nullopt when unknown or idle
  // for longer than idle_ns (then forgotten).
  std::optional<Session> Find(std::string_view token, int64_t now_ns);
  void Erase(std::string_view token);
  // Ends every session of the account (revoked).
  void EraseAccount(std::string_view account);
  size_t size() const;

 private:
  int64_t idle_ns_;
  mutable std::mutex mu_;
  std::map<std::string, Session, std::less<>> sessions_;
};

// Lowercase hex of n random bytes (OpenSSL's RAND_bytes).
std::string RandomToken(size_t n = 32);
// Constant-time string equality (tokens).
bool SameToken(std::string_view a, std::string_view b);

struct LimiterOptions {
  int per_account = 5;    // failures of one account name within the window
  int per_address = 20;   // failures from one client address within the window
  int64_t window_ns = 0;  // how long a failure counts
};

// Failed logins, per account name and per client address: once either has
// reached its limit within the window, further attempts are refused (429)
// until the oldest failure leaves the window, whatever the password.
class LoginLimiter {
 public:
  explicit LoginLimiter(LimiterOptions o) : o_(o) {}
  // 0: may try now; else wall ns until it may.
  int64_t RetryAfterNs(std::string_view account, std::string_view address, int64_t now_ns);
  void Failure(std::string_view account, std::string_view address, int64_t now_ns);
  // A successful login clears the account's failures (not the address's).
  void Success(std::string_view account);

 private:
  LimiterOptions o_;
  std::mutex mu_;
  std::map<std::string, std::vector<int64_t>, std::less<>> by_account_, by_address_;
};

}  // namespace livefire::portal

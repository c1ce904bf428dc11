#pragma once
// Errors as values at module edges (after LevelDB's status.h): no exception
// crosses a module boundary. A Status is cheap when ok (no allocation).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace livefire {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad user input: a scenario, a flag, a message
  kNotFound,            // a named thing does not exist
  kAlreadyExists,
  kFailedPrecondition,  // the system is not in a state that allows the call
  kUnavailable,         // a dependency (libvirt, a guest, a socket) did not answer
  kDeadlineExceeded,
  kResourceExhausted,   // a budget (memory, instructions, queue) was exceeded
  kDataLoss,            // stored data is corrupt or was tampered with
  kInternal,            // a bug or an unexpected environment failure
  kCancelled,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: message" (or "OK").
  std::string ToString() const;

  // Same code, message prefixed with where it happened: "ctx: message".
  Status WithContext(std::string_view context) const;

  // Process exit code for the CLI: 0 ok, 1 user/input error, 2 internal or
  // environment error (see README, "Exit codes").
  int ExitCode() const;

  // True for errors caused by what the user gave us rather than the machine.
  bool IsUserError() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T>: a value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) {
      v_ = Status::Internal("Result constructed from an ok Status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error, or Ok when there is a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace livefire

#define LF_CONCAT_INNER_(a, b) a##b
#define LF_CONCAT_(a, b) LF_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when expr is not ok.
#define LF_RETURN_IF_ERROR(expr)                          \
  do {                                                    \
    ::livefire::Status lf_status_ = (expr);               \
    if (!lf_status_.ok()) return lf_status_;              \
  } while (0)

// LF_ASSIGN_OR_RETURN(auto x, MakeX()): binds the value or returns the error.
#define LF_ASSIGN_OR_RETURN(lhs, expr) \
  LF_ASSIGN_OR_RETURN_IMPL_(LF_CONCAT_(lf_result_, __LINE__), lhs, expr)
#define LF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// Status and Result<T>: how every fallible call in HomeVisit reports failure.
// No exceptions cross a module boundary; a call returns a Status (ok or an error with a
// code and a plain message) or a Result<T> (a value or a Status).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace homevisit {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the input is malformed; retrying the same input fails again
  kNotFound,           // the thing asked for does not exist
  kAlreadyExists,      // creating something that is already there
  kPermissionDenied,   // the caller may not do this
  kUnauthenticated,    // the caller is not known (bad or revoked token, bad password)
  kFailedPrecondition, // the state does not allow this now (e.g. a forbidden status move)
  kResourceExhausted,  // too big or too many (batch limits, login throttling)
  kUnavailable,        // try again later (network, busy database)
  kDeadlineExceeded,   // the call ran out of time
  kCancelled,          // the caller cancelled
  kInternal,           // a bug or a broken invariant
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "a Result built from a Status must hold an error");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace homevisit

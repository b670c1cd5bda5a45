// Status and Result<T>: how every fallible core function reports failure.
//
// A Status is a code plus a one-line message that says what went wrong and where
// (format, field, byte offset, expected vs found). Core never throws and never aborts
// on bad input; callers propagate with RETURN_IF_ERROR / ASSIGN_OR_RETURN.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_STATUS_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_STATUS_H_

#include <cstdarg>
#include <optional>
#include <string>
#include <utility>

namespace pyrolens {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // a caller-supplied option or query is wrong
  kCorruption,         // input bytes do not follow their format
  kNotSupported,       // a recognised format or feature that is not implemented
  kResourceExhausted,  // a size limit was reached
  kNotFound,
  kCancelled,          // the caller stopped the work before it ended
};

class Status {
 public:
  Status() = default;
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, msg}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, msg}; }
  static Status NotSupported(std::string msg) { return {StatusCode::kNotSupported, msg}; }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, msg};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, msg}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, msg}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "prefix: message" (adds the file name, for example).
  Status WithPrefix(const std::string& prefix) const {
    return ok() ? *this : Status(code_, prefix + ": " + message_);
  }

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// printf-style message builder for Status factories.
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace pyrolens

#define PYROLENS_CONCAT_INNER(a, b) a##b
#define PYROLENS_CONCAT(a, b) PYROLENS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                   \
  do {                                          \
    ::pyrolens::Status status_tmp_ = (expr);    \
    if (!status_tmp_.ok()) return status_tmp_;  \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(PYROLENS_CONCAT(result_tmp_, __LINE__), lhs, expr)

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_STATUS_H_

// Where the store and server read the time: the system clock in production, a manual
// clock in tests (retention and downsampling are functions of "now").
#ifndef PYROLENS_NATIVE_STORE_CLOCK_H_
#define PYROLENS_NATIVE_STORE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace pyrolens {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch. Thread-safe.
  virtual int64_t NowNanos() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t now_nanos) : now_(now_nanos) {}
  int64_t NowNanos() const override { return now_.load(); }
  void Set(int64_t now_nanos) { now_.store(now_nanos); }
  void Advance(int64_t nanos) { now_.fetch_add(nanos); }

 private:
  std::atomic<int64_t> now_;
};

constexpr int64_t kNanosPerSecond = 1000000000;
constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_STORE_CLOCK_H_

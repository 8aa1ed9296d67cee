#pragma once

#include <condition_variable>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nvsx::core {

// Time as a dependency: code that reads the time takes a Clock, so tests can
// substitute a clock they advance by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// A clock that can also wait: sleeping and waiting on a condition variable go
// through it, so tests can substitute a fake and never sleep for real.
class WaitableClock : public Clock {
 public:
  // Blocks the calling thread for `duration` of this clock's time.
  virtual void SleepFor(absl::Duration duration) = 0;

  // Waits on `cv` (with `lock` held on entry and on return) until it is
  // notified or this clock reaches `deadline`. It may return early, so the
  // caller re-checks its condition and Now() in a loop.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         absl::Time deadline) = 0;
};

// The real wall clock.
class SystemClock final : public WaitableClock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration duration) override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 absl::Time deadline) override;
};

}  // namespace nvsx::core

#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::test {

// A clock for tests: time moves only when the test calls Advance() or when a
// thread calls SleepFor(), which moves the time forward by the slept duration
// at once and records it. Thread-safe.
class FakeClock final : public core::WaitableClock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}

  absl::Time Now() const override;
  void SleepFor(absl::Duration duration) override;
  // Returns after at most about a millisecond of real time, so waiters
  // notice Advance() promptly without the clock knowing about them.
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 absl::Time deadline) override;

  void Advance(absl::Duration duration);
  // Every duration passed to SleepFor, in order.
  std::vector<absl::Duration> sleeps() const;

 private:
  mutable std::mutex mu_;
  absl::Time now_;
  std::vector<absl::Duration> sleeps_;
};

}  // namespace nvsx::test

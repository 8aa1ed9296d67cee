#pragma once

#include <mutex>

#include "core/clock.h"

namespace nvsx::test {

// A clock that moves only when the test says so.
class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1767225600)) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

}  // namespace nvsx::test

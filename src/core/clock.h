#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nvsx::core {

// Time as a dependency: code that reads the time or waits takes a Clock, so
// tests can substitute a clock they advance by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace nvsx::core

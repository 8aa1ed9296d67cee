#pragma once

#include <functional>

#include "absl/time/time.h"

namespace nvsx::kube {

// A source of uniform random numbers in [0, 1), passed in so tests can fix it.
using UniformRandom = std::function<double()>;

// Jittered exponential backoff: attempt n (0-based) waits
// min(cap, base * factor^n) * (1 + jitter * r), r uniform in [0, 1), then
// capped again at `cap` so the jitter never breaks the ceiling.
struct Backoff {
  absl::Duration base = absl::Milliseconds(500);
  double factor = 2.0;
  double jitter = 0.2;
  absl::Duration cap = absl::Seconds(30);

  absl::Duration Delay(int attempt, const UniformRandom& random) const;
};

}  // namespace nvsx::kube

#include "kube/backoff.h"

#include <algorithm>
#include <cmath>

namespace nvsx::kube {

absl::Duration Backoff::Delay(int attempt, const UniformRandom& random) const {
  double seconds = absl::ToDoubleSeconds(base) * std::pow(factor, std::max(0, attempt));
  double cap_seconds = absl::ToDoubleSeconds(cap);
  seconds = std::min(seconds, cap_seconds);
  if (jitter > 0 && random) seconds *= 1.0 + jitter * random();
  return absl::Seconds(std::min(seconds, cap_seconds));
}

}  // namespace nvsx::kube

#include "kube/token_bucket.h"

#include <algorithm>

namespace nvsx::kube {

TokenBucket::TokenBucket(double qps, int burst, core::WaitableClock* clock)
    : qps_(qps), burst_(std::max(1, burst)), clock_(clock), tokens_(burst_), last_(clock->Now()) {}

void TokenBucket::Refill(absl::Time now) {
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * qps_);
    last_ = now;
  }
}

bool TokenBucket::TryAccept() {
  if (qps_ <= 0) return true;
  std::lock_guard<std::mutex> guard(mu_);
  Refill(clock_->Now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

absl::Duration TokenBucket::Reserve() {
  if (qps_ <= 0) return absl::ZeroDuration();
  std::lock_guard<std::mutex> guard(mu_);
  Refill(clock_->Now());
  tokens_ -= 1;  // may go negative: a debt that later callers queue behind
  if (tokens_ >= 0) return absl::ZeroDuration();
  return absl::Seconds(-tokens_ / qps_);
}

void TokenBucket::Accept() {
  absl::Duration wait = Reserve();
  if (wait > absl::ZeroDuration()) clock_->SleepFor(wait);
}

}  // namespace nvsx::kube

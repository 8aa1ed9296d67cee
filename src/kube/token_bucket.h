#pragma once

#include <mutex>

#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::kube {

// A token-bucket rate limiter like client-go's default (QPS 5, burst 10):
// tokens accrue at `qps` per second up to `burst`; each request takes one.
// qps <= 0 means no limit. Thread-safe; `clock` must outlive it.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, core::WaitableClock* clock);

  // Takes a token if one is available now.
  bool TryAccept();
  // Takes a token, sleeping on the clock until it is due. Waiters are served
  // in the order they called (each reserves its slot before sleeping).
  void Accept();
  // Reserves a token and returns how long the caller must wait before using it.
  absl::Duration Reserve();

 private:
  void Refill(absl::Time now);  // mu_ held

  const double qps_;
  const double burst_;
  core::WaitableClock* clock_;
  std::mutex mu_;
  double tokens_;
  absl::Time last_;
};

}  // namespace nvsx::kube

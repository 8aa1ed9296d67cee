#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "kube/backoff.h"

namespace nvsx::kube {

// How RetryOnConflict retries; the defaults are client-go's retry.DefaultRetry
// (5 attempts, 10 ms apart, 10% jitter).
struct ConflictRetry {
  int attempts = 5;
  Backoff backoff{absl::Milliseconds(10), 1.0, 0.1, absl::Seconds(10)};
  UniformRandom random;  // jitter source; empty: no jitter
};

// Runs `read_modify_write` until it returns anything but a 409 Conflict, at
// most retry.attempts times, sleeping the backoff on `clock` between
// attempts (client-go's retry.RetryOnConflict). `read_modify_write` must read
// the object afresh each time, change it and write it with the
// resourceVersion it read, so a conflicting writer's change is never lost.
// Returns its last status: OK, another error, or the Conflict when attempts
// ran out.
absl::Status RetryOnConflict(const ConflictRetry& retry, core::WaitableClock* clock,
                             const std::function<absl::Status()>& read_modify_write);

}  // namespace nvsx::kube

#pragma once

#include <atomic>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::device {

// Holds consumers back until the node's GPUs are known: List and Watch answer
// UNAVAILABLE until a provider registered a GPU, or until `timeout` passed since
// start, after which they serve what is known and readiness says so.
class ReadinessGate {
 public:
  ReadinessGate(const core::Clock* clock, absl::Duration timeout);

  void MarkProviderRegistered() { provider_registered_.store(true); }

  // OK when consumers may be served; UNAVAILABLE with the reason otherwise.
  absl::Status CheckServing() const;
  // For /readyz: OK only when a provider registered; after the timeout the
  // server serves but is still not "ready", so operators see the gap.
  absl::Status CheckReady() const;

 private:
  const core::Clock* clock_;
  const absl::Time started_;
  const absl::Duration timeout_;
  std::atomic<bool> provider_registered_{false};
};

}  // namespace nvsx::device

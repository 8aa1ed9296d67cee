#include "device/readiness_gate.h"

#include "core/str_cat.h"

namespace nvsx::device {

ReadinessGate::ReadinessGate(const core::Clock* clock, absl::Duration timeout)
    : clock_(clock), started_(clock->Now()), timeout_(timeout) {}

absl::Status ReadinessGate::CheckServing() const {
  if (provider_registered_.load()) return absl::OkStatus();
  const absl::Duration waited = clock_->Now() - started_;
  if (waited >= timeout_) return absl::OkStatus();
  return absl::UnavailableError(
      core::StrCat("device API not ready: no provider has registered GPUs yet (waited ",
                   absl::FormatDuration(absl::Trunc(waited, absl::Milliseconds(1))), " of ",
                   absl::FormatDuration(timeout_), "); retry shortly"));
}

absl::Status ReadinessGate::CheckReady() const {
  if (provider_registered_.load()) return absl::OkStatus();
  absl::Status serving = CheckServing();
  if (!serving.ok()) return serving;
  return absl::UnavailableError(core::StrCat("no provider registered within ",
                                             absl::FormatDuration(timeout_),
                                             "; serving an empty or partial GPU list"));
}

}  // namespace nvsx::device

#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/types/health_event.h"

namespace nvsx::op {

// One step of a HealthEvent's way through the controllers.
struct PhaseStep {
  std::string phase;  // "detected", then the phases in the order reached
  absl::Time at;
  absl::Duration step;         // since the step before
  absl::Duration since_fault;  // since detection
};

// The event's detection (spec.generatedTimestamp, else its creation) and
// every status.phaseTimes entry after it, in time order: MTTR per stage, as
// the controllers recorded it.
std::vector<PhaseStep> PhaseBreakdown(const kube::HealthEvent& event);

// A table: one line per step with the step's duration and the running total.
std::string FormatPhaseBreakdown(const std::vector<PhaseStep>& steps);

}  // namespace nvsx::op

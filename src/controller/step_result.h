#pragma once

#include <optional>

#include "controller/reconcile_loop.h"
#include "kube/types/health_event.h"

namespace nvsx::controller {

// What one phase's controller did with an event: moved it on (the event as
// written, so the next phase's controller can go on at once), or stopped
// with what the loop should do next.
struct StepResult {
  std::optional<kube::HealthEvent> advanced;
  ReconcileResult next;

  static StepResult Advanced(kube::HealthEvent event) { return {std::move(event), {}}; }
  static StepResult Stop(ReconcileResult next = ReconcileResult::Done()) {
    return {std::nullopt, next};
  }
};

}  // namespace nvsx::controller

#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/circuit_breaker.h"
#include "controller/event_writer.h"
#include "controller/quarantine_decision.h"
#include "controller/step_result.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/indexed_cache.h"
#include "kube/rest_client.h"

namespace nvsx::controller {

// Takes New HealthEvents to Quarantined: cordons the node, taints it, sets a
// node condition named after the check (status True), and records on the
// node what it did (quarantine_record.h), then moves the event on. Events
// that must not quarantine stay New with a condition saying why, or end
// Cancelled; while the circuit breaker is tripped they wait, and are decided
// afresh (DecideQuarantine) when it resets. Every step checks before it
// writes, so running it again after a crash finishes the job.
class QuarantineController {
 public:
  // All pointers must outlive the controller; `nodes` is indexed by BreakerIndexers().
  QuarantineController(kube::RestClient* client, core::WaitableClock* clock, EventWriter* writer,
                       CircuitBreaker* breaker, const kube::IndexedCache* nodes,
                       QuarantineOptions options, core::Logger logger);

  // `event` is New.
  absl::StatusOr<StepResult> Reconcile(const kube::HealthEvent& event);

  // Events parked by the breaker, to wake when it may have reset.
  std::vector<std::string> WaitingEvents() const;
  void Forget(const std::string& event);

 private:
  absl::StatusOr<StepResult> Quarantine(const kube::HealthEvent& event, const kube::Node& node);
  // Ends `event` without a quarantine: Cancelled or Resolved, as `decision` says why.
  absl::StatusOr<StepResult> Finish(const kube::HealthEvent& event,
                                    const QuarantineDecision& decision,
                                    kube::HealthEventPhase phase);
  absl::StatusOr<StepResult> WaitForBreaker(const kube::HealthEvent& event,
                                            const BreakerVerdict& verdict);
  absl::StatusOr<StepResult> DryRun(const kube::HealthEvent& event, const kube::Node& node);
  // Cordon, taint and record in one write; returns the node as written.
  absl::StatusOr<kube::Node> QuarantineNode(const kube::HealthEvent& event,
                                            const kube::Node& cached_node);
  absl::Status SetNodeCondition(const kube::HealthEvent& event, const kube::Node& node);

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  EventWriter* const writer_;
  CircuitBreaker* const breaker_;
  const kube::IndexedCache* const nodes_;
  const QuarantineOptions options_;
  core::Logger logger_;
  mutable std::mutex mu_;
  std::set<std::string> waiting_;
};

}  // namespace nvsx::controller

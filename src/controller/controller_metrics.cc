#include "controller/controller_metrics.h"

#include "core/status_macros.h"

namespace nvsx::controller {
namespace {

// 10 ms .. 3 h: a quarantine takes milliseconds, a drain may take hours.
std::vector<double> PhaseBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 10800};
}

template <typename Family>
auto* Child(Family* family, const std::vector<std::string>& labels) {
  auto child = family->WithLabels(labels);
  return child.ok() ? *child : nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ControllerMetrics>> ControllerMetrics::Create(
    core::MetricsRegistry* registry) {
  std::unique_ptr<ControllerMetrics> metrics(new ControllerMetrics());
  NVSX_ASSIGN_OR_RETURN(metrics->events_by_phase_,
                        registry->AddGauge("nvsentinel_health_events",
                                           "HealthEvents in the cache, by phase", {"phase"}));
  NVSX_ASSIGN_OR_RETURN(
      metrics->transitions_,
      registry->AddCounter("nvsentinel_health_event_transitions_total",
                           "HealthEvent phase transitions this controller made", {"phase"}));
  NVSX_ASSIGN_OR_RETURN(
      metrics->detect_to_quarantine_,
      registry->AddHistogram("nvsentinel_detect_to_quarantine_seconds",
                             "From the event's generatedTimestamp (else New) to Quarantined", {},
                             PhaseBuckets()));
  NVSX_ASSIGN_OR_RETURN(metrics->quarantine_to_drained_,
                        registry->AddHistogram("nvsentinel_quarantine_to_drained_seconds",
                                               "From Quarantined to Drained", {}, PhaseBuckets()));
  NVSX_ASSIGN_OR_RETURN(metrics->drained_to_remediated_,
                        registry->AddHistogram("nvsentinel_drained_to_remediated_seconds",
                                               "From Drained to Remediated", {}, PhaseBuckets()));
  NVSX_ASSIGN_OR_RETURN(
      metrics->detect_to_resolved_,
      registry->AddHistogram("nvsentinel_detect_to_resolved_seconds",
                             "Time to repair (MTTR): from the event's generatedTimestamp (else "
                             "New) to Resolved",
                             {}, PhaseBuckets()));
  NVSX_ASSIGN_OR_RETURN(
      metrics->remediations_,
      registry->AddCounter("nvsentinel_remediation_objects_created_total",
                           "Remediation objects this controller created, by kind", {"kind"}));
  NVSX_ASSIGN_OR_RETURN(
      metrics->escalations_,
      registry->AddCounter("nvsentinel_remediation_escalations_total",
                           "Repeat faults on one GPU escalated to manual remediation"));
  NVSX_ASSIGN_OR_RETURN(
      metrics->ttl_deletions_,
      registry->AddCounter("nvsentinel_ttl_deletions_total",
                           "HealthEvents deleted by the TTL policy, by phase", {"phase"}));
  NVSX_ASSIGN_OR_RETURN(
      metrics->breaker_tripped_,
      registry->AddGauge("nvsentinel_circuit_breaker_tripped",
                         "1 while the quarantine circuit breaker holds new quarantines"));
  NVSX_ASSIGN_OR_RETURN(metrics->breaker_quarantined_,
                        registry->AddGauge("nvsentinel_circuit_breaker_quarantined_nodes",
                                           "GPU nodes quarantined within the breaker's window"));
  NVSX_ASSIGN_OR_RETURN(metrics->breaker_waiting_,
                        registry->AddGauge("nvsentinel_circuit_breaker_waiting_events",
                                           "HealthEvents waiting for the breaker to reset"));
  NVSX_ASSIGN_OR_RETURN(
      metrics->evictions_,
      registry->AddCounter("nvsentinel_pod_evictions_total",
                           "Pod evictions by outcome: evicted, blocked (PDB), deleted, failed",
                           {"outcome"}));
  return metrics;
}

void ControllerMetrics::PhaseEntered(kube::HealthEventPhase phase) {
  if (auto* counter = Child(transitions_, {std::string(kube::HealthEventPhaseName(phase))})) {
    counter->Increment();
  }
}

void ControllerMetrics::ObserveDetectToQuarantine(absl::Duration duration) {
  if (auto* histogram = Child(detect_to_quarantine_, {})) {
    histogram->Observe(absl::ToDoubleSeconds(duration));
  }
}

void ControllerMetrics::ObserveQuarantineToDrained(absl::Duration duration) {
  if (auto* histogram = Child(quarantine_to_drained_, {})) {
    histogram->Observe(absl::ToDoubleSeconds(duration));
  }
}

void ControllerMetrics::ObserveDrainedToRemediated(absl::Duration duration) {
  if (auto* histogram = Child(drained_to_remediated_, {})) {
    histogram->Observe(absl::ToDoubleSeconds(duration));
  }
}

void ControllerMetrics::ObserveDetectToResolved(absl::Duration duration) {
  if (auto* histogram = Child(detect_to_resolved_, {})) {
    histogram->Observe(absl::ToDoubleSeconds(duration));
  }
}

void ControllerMetrics::RemediationCreated(const std::string& kind) {
  if (auto* counter = Child(remediations_, {kind})) counter->Increment();
}

void ControllerMetrics::Escalation() {
  if (auto* counter = Child(escalations_, {})) counter->Increment();
}

void ControllerMetrics::TtlDeletion(kube::HealthEventPhase phase) {
  if (auto* counter = Child(ttl_deletions_, {std::string(kube::HealthEventPhaseName(phase))})) {
    counter->Increment();
  }
}

void ControllerMetrics::SetBreaker(bool tripped, int quarantined_nodes, int waiting_events) {
  if (auto* gauge = Child(breaker_tripped_, {})) gauge->Set(tripped ? 1 : 0);
  if (auto* gauge = Child(breaker_quarantined_, {})) gauge->Set(quarantined_nodes);
  if (auto* gauge = Child(breaker_waiting_, {})) gauge->Set(waiting_events);
}

void ControllerMetrics::Eviction(const std::string& outcome) {
  if (auto* counter = Child(evictions_, {outcome})) counter->Increment();
}

void ControllerMetrics::SetEventsByPhase(const std::map<kube::HealthEventPhase, int>& counts) {
  for (const auto& [phase, count] : counts) {
    if (auto* gauge = Child(events_by_phase_, {std::string(kube::HealthEventPhaseName(phase))})) {
      gauge->Set(count);
    }
  }
}

}  // namespace nvsx::controller

#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/metrics.h"
#include "kube/types/health_event_enums.h"

namespace nvsx::controller {

// The controller's Prometheus metrics. Thread-safe.
//   nvsentinel_health_events{phase}                      gauge, from the cache at scrape
//   nvsentinel_health_event_transitions_total{phase}     counter
//   nvsentinel_detect_to_quarantine_seconds              histogram
//   nvsentinel_quarantine_to_drained_seconds             histogram
//   nvsentinel_drained_to_remediated_seconds             histogram
//   nvsentinel_detect_to_resolved_seconds                histogram (MTTR)
//   nvsentinel_circuit_breaker_tripped                   gauge 0/1
//   nvsentinel_circuit_breaker_quarantined_nodes         gauge
//   nvsentinel_circuit_breaker_waiting_events            gauge
//   nvsentinel_pod_evictions_total{outcome}              counter: evicted, blocked, deleted, failed
//   nvsentinel_remediation_objects_created_total{kind}   counter: RebootNode, GPUReset
//   nvsentinel_remediation_escalations_total             counter
//   nvsentinel_ttl_deletions_total{phase}                counter
class ControllerMetrics {
 public:
  // Registers the families on `registry`, which must outlive this.
  static absl::StatusOr<std::unique_ptr<ControllerMetrics>> Create(core::MetricsRegistry* registry);

  void PhaseEntered(kube::HealthEventPhase phase);
  void ObserveDetectToQuarantine(absl::Duration duration);
  void ObserveQuarantineToDrained(absl::Duration duration);
  void ObserveDrainedToRemediated(absl::Duration duration);
  void ObserveDetectToResolved(absl::Duration duration);
  void RemediationCreated(const std::string& kind);
  void Escalation();
  void TtlDeletion(kube::HealthEventPhase phase);
  void SetBreaker(bool tripped, int quarantined_nodes, int waiting_events);
  void Eviction(const std::string& outcome);
  void SetEventsByPhase(const std::map<kube::HealthEventPhase, int>& counts);

 private:
  ControllerMetrics() = default;

  core::GaugeFamily* events_by_phase_ = nullptr;
  core::CounterFamily* transitions_ = nullptr;
  core::HistogramFamily* detect_to_quarantine_ = nullptr;
  core::HistogramFamily* quarantine_to_drained_ = nullptr;
  core::HistogramFamily* drained_to_remediated_ = nullptr;
  core::HistogramFamily* detect_to_resolved_ = nullptr;
  core::CounterFamily* remediations_ = nullptr;
  core::CounterFamily* escalations_ = nullptr;
  core::CounterFamily* ttl_deletions_ = nullptr;
  core::GaugeFamily* breaker_tripped_ = nullptr;
  core::GaugeFamily* breaker_quarantined_ = nullptr;
  core::GaugeFamily* breaker_waiting_ = nullptr;
  core::CounterFamily* evictions_ = nullptr;
};

}  // namespace nvsx::controller

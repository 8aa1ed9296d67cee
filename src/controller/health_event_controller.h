#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/circuit_breaker.h"
#include "controller/drain_controller.h"
#include "controller/drain_policy.h"
#include "controller/event_writer.h"
#include "controller/fresh_events_first.h"
#include "controller/quarantine_controller.h"
#include "controller/quarantine_decision.h"
#include "controller/reconcile_loop.h"
#include "controller/recovery_controller.h"
#include "controller/remediation_controller.h"
#include "controller/shared_informers.h"
#include "controller/ttl_controller.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"

namespace nvsx::controller {

class ControllerMetrics;

struct HealthEventControllerOptions {
  ReconcileLoopOptions loop;
  // informers.ttl_config_*: where the TTL policy is read from.
  SharedInformersOptions informers;
  // quarantine.dry_run: the whole chain decides and records, and changes
  // nothing (no node, pod, remediation object or deletion).
  QuarantineOptions quarantine;
  CircuitBreakerOptions breaker;
  DrainOptions drain;
  EscalationOptions escalation;
  absl::Duration cache_sync_timeout = absl::Minutes(2);
};

// The HealthEvent controller chain: one work queue of HealthEvent names fed
// by shared informers (events, and the nodes, pods, remediation objects and
// TTL ConfigMap they concern), and a Reconcile that reads the event from the
// cache and hands it to its phase's controller:
//   New         -> QuarantineController  -> Quarantined
//   Quarantined -> DrainController       -> Drained
//   Drained     -> RemediationController -> Remediated
//   Remediated  -> RecoveryController    -> Resolved
//   Resolved, Failed, Cancelled -> TtlController -> deleted when the policy says
// An event that moves on is handed to the next phase's controller in the
// same pass. In a burst, events not looked at yet go first
// (FreshEventsFirst): every failing node's quarantine begins before any
// node is drained.
class HealthEventController {
 public:
  // `client` and `clock` must outlive the controller; `recorder` and
  // `metrics` may be null (no Events, no metrics).
  HealthEventController(kube::RestClient* client, core::WaitableClock* clock,
                        kube::EventRecorder* recorder, ControllerMetrics* metrics,
                        HealthEventControllerOptions options, core::Logger logger);
  ~HealthEventController();  // Stop()
  HealthEventController(const HealthEventController&) = delete;
  HealthEventController& operator=(const HealthEventController&) = delete;

  // Starts the informers, waits for their caches (DeadlineExceeded when they
  // do not fill within cache_sync_timeout), then starts the workers. Once.
  absl::Status Start();
  // Stops workers and informers; work left is for the next start. Idempotent.
  void Stop();

  // One level-triggered pass over the event `name`, as a worker runs it.
  absl::StatusOr<ReconcileResult> Reconcile(const std::string& name);

  // Updates the gauges computed from the caches (events by phase, breaker).
  void RefreshMetrics();

  uint64_t evictions() const { return drain_.evictions(); }
  uint64_t remediations_created() const { return remediation_.created(); }
  // Why the last TTL ConfigMap update was refused (OK when it was not).
  absl::Status ttl_policy_error() const { return ttl_.policy_error(); }
  ReconcileLoopStats loop_stats() const { return loop_.stats(); }

 private:
  void Enqueue(const kube::HealthEvent& event);
  void EnqueueEventsOn(const std::string& node);
  void WakeBreakerWaiters();
  void OnNodeUpdate(const nlohmann::json& old_node, const nlohmann::json& new_node);
  void OnEvent(const nlohmann::json& event);
  void OnTtlConfig(const nlohmann::json* config_map);

  core::WaitableClock* const clock_;
  ControllerMetrics* const metrics_;
  const HealthEventControllerOptions options_;
  core::Logger logger_;
  SharedInformers informers_;
  EventWriter writer_;
  CircuitBreaker breaker_;
  QuarantineController quarantine_;
  DrainController drain_;
  RemediationController remediation_;
  RecoveryController recovery_;
  TtlController ttl_;
  ReconcileLoop loop_;
  FreshEventsFirst fresh_first_;
  bool started_ = false;
};

}  // namespace nvsx::controller

#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "controller/health_event_controller.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/event_recorder.h"
#include "kube/leader_runner.h"
#include "kube/rest_client.h"

namespace nvsx::controller {

// The Lease `nvsx doctor` checks for a running controller.
inline constexpr char kLeaseNamespace[] = "nvsentinel";
inline constexpr char kLeaseName[] = "nvsentinel-controller";

struct ControllerManagerOptions {
  // Off: run at once, alone (a single replica, or a test).
  bool leader_elect = true;
  // lease_namespace and lease_name default to kLeaseNamespace / kLeaseName;
  // identity is required when electing.
  kube::LeaderElectionConfig election{.lease_namespace = kLeaseNamespace, .lease_name = kLeaseName};
  HealthEventControllerOptions controller;
};

// Runs the HealthEventController on the replica that holds the Lease (a
// kube::LeaderRunner whose task is the controller): each term of leadership
// starts a fresh controller (its caches list everything again, so it picks up
// exactly where the last leader stopped); a replica that loses the Lease
// stops its controller and Run returns, so the process exits and restarts as
// a standby, as client-go controllers do.
class ControllerManager {
 public:
  // All pointers must outlive the manager; `recorder` and `metrics` may be null.
  ControllerManager(kube::RestClient* client, core::WaitableClock* clock,
                    kube::EventRecorder* recorder, ControllerMetrics* metrics,
                    ControllerManagerOptions options, core::Logger logger);
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;

  // Blocks until Stop() (OK), leadership is lost (Aborted), or the controller
  // cannot start (its error).
  absl::Status Run() { return runner_.Run(); }
  // Makes Run return; the Lease is released when held. Thread-safe, idempotent.
  void Stop() { runner_.Stop(); }

  bool Leading() const { return runner_.Leading(); }
  // The running controller's gauges (no-op on a standby).
  void RefreshMetrics();
  // Pods evicted by this replica's current controller (0 when not leading).
  uint64_t evictions() const;

 private:
  kube::LeaderRunner runner_;
};

}  // namespace nvsx::controller

#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "controller/health_event_controller.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/event_recorder.h"
#include "kube/leader_elector.h"
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

// Runs the HealthEventController on the replica that holds the Lease. Each
// term of leadership starts a fresh controller (its caches list everything
// again, so it picks up exactly where the last leader stopped); a replica
// that loses the Lease stops its controller and Run returns, so the process
// exits and restarts as a standby, as client-go controllers do.
class ControllerManager {
 public:
  // All pointers must outlive the manager; `recorder` and `metrics` may be null.
  ControllerManager(kube::RestClient* client, core::WaitableClock* clock,
                    kube::EventRecorder* recorder, ControllerMetrics* metrics,
                    ControllerManagerOptions options, core::Logger logger);
  ~ControllerManager();  // Stop()
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;

  // Blocks until Stop() (OK), leadership is lost (Aborted), or the controller
  // cannot start (its error).
  absl::Status Run();
  // Makes Run return; the Lease is released when held. Thread-safe, idempotent.
  void Stop();

  bool Leading() const;
  // The running controller's gauges (no-op on a standby).
  void RefreshMetrics();
  // Pods evicted by this replica's current controller (0 when not leading).
  uint64_t evictions() const;

 private:
  absl::Status Lead();

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  kube::EventRecorder* const recorder_;
  ControllerMetrics* const metrics_;
  const ControllerManagerOptions options_;
  core::Logger logger_;
  std::unique_ptr<kube::LeaderElector> elector_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool leading_ = false;
  bool lost_ = false;
  std::unique_ptr<HealthEventController> controller_;
};

}  // namespace nvsx::controller

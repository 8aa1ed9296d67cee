#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "controller/drain_plan.h"
#include "controller/drain_policy.h"
#include "controller/event_writer.h"
#include "controller/step_result.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/indexed_cache.h"
#include "kube/rest_client.h"

namespace nvsx::controller {

class ControllerMetrics;

// Takes Quarantined HealthEvents to Drained: evicts the node's pods through
// the Eviction API (a PodDisruptionBudget's 429 retries with backoff), by the
// policy of each pod (drain_policy.h), skipping DaemonSet, mirror, finished
// and system pods, and on a partial drain the pods that cannot be using the
// failing GPU. Evicted pods are recorded in status.evictedPods and never
// evicted again; pods already terminating are waited for, not evicted. The
// event is Drained once no pod it must drain remains, and Failed, naming the
// blocking pods, when one is stuck past the drain timeout.
class DrainController {
 public:
  // All pointers must outlive the controller; `metrics` may be null. `pods`
  // is indexed by kube::kNodeNameIndex.
  DrainController(kube::RestClient* client, core::WaitableClock* clock, EventWriter* writer,
                  ControllerMetrics* metrics, const kube::IndexedCache* pods, DrainOptions options,
                  core::Logger logger);

  // `event` is Quarantined.
  absl::StatusOr<StepResult> Reconcile(const kube::HealthEvent& event);

  // Pods this controller evicted or deleted (successful requests), for tests.
  uint64_t evictions() const { return evictions_.load(); }

 private:
  struct Evicted {
    kube::PodRef pod;
    absl::Time at;
  };
  struct Outcome {
    std::vector<kube::PodRef> evicted;           // this pass
    std::map<std::string, std::string> blocked;  // uid -> why
    absl::Status error;
  };

  absl::StatusOr<StepResult> Finish(const kube::HealthEvent& event, kube::HealthEventPhase phase,
                                    std::string_view reason, const std::string& message);
  Outcome Act(const kube::HealthEvent& event, const DrainPlan& plan);
  std::string Describe(const PodStep& step) const;
  std::mutex& NodeLock(const std::string& node);
  EvictedBefore EvictedFor(const kube::HealthEvent& event);

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  EventWriter* const writer_;
  ControllerMetrics* const metrics_;
  const kube::IndexedCache* const pods_;
  const DrainOptions options_;
  core::Logger logger_;
  // Drains of one node (several events on it) run one at a time.
  std::array<std::mutex, 64> node_locks_;
  mutable std::mutex mu_;
  std::map<std::string, Evicted> ledger_;       // uid -> what this process evicted
  std::map<std::string, std::string> blocked_;  // uid -> why its last eviction was refused
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace nvsx::controller

#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/reconcile_loop.h"
#include "core/clock.h"
#include "core/logger.h"
#include "janitor/janitor_backend.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/leader_runner.h"
#include "kube/rest_client.h"
#include "kube/types/condition.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/reboot_node.h"

namespace nvsx::janitor {

class JanitorMetrics;
struct JanitorDecision;
struct RequestKind;  // what differs between RebootNode and GPUReset (janitor.cc)

struct JanitorOptions {
  controller::ReconcileLoopOptions loop;
  // A rebooted node must be Ready again within this long of the request's start.
  absl::Duration reboot_timeout = absl::Minutes(10);
  // A GPU reset started by a janitor that stopped is failed this long after its start.
  absl::Duration reset_timeout = absl::Minutes(5);
  // Every cached object is looked at again this often.
  absl::Duration resync_period = absl::Minutes(5);
  absl::Duration cache_sync_timeout = absl::Minutes(2);
};

// Carries out RebootNode and GPUReset objects (janitor.dgxc.nvidia.com,
// cluster-scoped) with a JanitorBackend. One work queue holds both kinds
// ("RebootNode/NAME", "GPUReset/NAME"), fed by informers on them and on Nodes;
// each Reconcile reads the object and its node from the caches and acts on
// JanitorDecision:
//   - pending: claim it (status.startTime, with the resourceVersion read, so
//     two janitors never both start it), ask the backend, record the outcome;
//   - a reboot in progress completes when its node is Ready again after the
//     start, or fails at reboot_timeout;
//   - completed objects are left alone.
// A backend that does not act (none) leaves every object untouched.
class Janitor final : public kube::LeaderTask {
 public:
  // `client`, `clock` and `backend` must outlive the janitor; `recorder` and
  // `metrics` may be null (no Events, no metrics).
  Janitor(kube::RestClient* client, core::WaitableClock* clock, JanitorBackend* backend,
          kube::EventRecorder* recorder, JanitorMetrics* metrics, JanitorOptions options,
          core::Logger logger);
  ~Janitor() override;  // Stop()
  Janitor(const Janitor&) = delete;
  Janitor& operator=(const Janitor&) = delete;

  // Starts the informers, waits for their caches (DeadlineExceeded when they
  // do not fill within cache_sync_timeout), then starts the workers. Once.
  absl::Status Start() override;
  // Stops workers and informers; a request in progress is picked up by the
  // next start. Idempotent.
  void Stop() override;

  // One level-triggered pass over `key`, as a worker runs it.
  absl::StatusOr<controller::ReconcileResult> Reconcile(const std::string& key);

  // Reconciles finished so far (a test's barrier: every object listed before
  // Start has been looked at once this reaches their number).
  uint64_t reconciles() const { return loop_.stats().reconciles; }

 private:
  absl::StatusOr<controller::ReconcileResult> ReconcileReboot(const std::string& name);
  absl::StatusOr<controller::ReconcileResult> ReconcileReset(const std::string& name);
  // What `decision` asks for: nothing, a wait, `start`, or the outcome written.
  absl::StatusOr<controller::ReconcileResult> Act(
      const RequestKind& kind, const kube::JanitorRequest& request, const JanitorDecision& decision,
      const std::function<absl::StatusOr<controller::ReconcileResult>()>& start);
  absl::StatusOr<controller::ReconcileResult> StartReboot(const kube::RebootNode& request);
  absl::StatusOr<controller::ReconcileResult> StartReset(const kube::GpuReset& request);
  // Writes status.startTime and `condition`; returns the object as written.
  absl::StatusOr<nlohmann::json> Claim(const RequestKind& kind, const kube::JanitorRequest& request,
                                       kube::Condition condition);
  // Writes status.completionTime and the success condition.
  absl::StatusOr<controller::ReconcileResult> Finish(const RequestKind& kind,
                                                     const kube::JanitorRequest& request,
                                                     bool succeeded, std::string reason,
                                                     std::string message);
  void Record(const RequestKind& kind, const kube::JanitorRequest& request, bool warning,
              std::string_view reason, std::string_view note);
  void EnqueueRebootsOn(const std::string& node);

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  JanitorBackend* const backend_;
  kube::EventRecorder* const recorder_;
  JanitorMetrics* const metrics_;
  const JanitorOptions options_;
  core::Logger logger_;
  std::unique_ptr<kube::Informer> reboots_;
  std::unique_ptr<kube::Informer> resets_;
  std::unique_ptr<kube::Informer> nodes_;
  controller::ReconcileLoop loop_;
  bool started_ = false;
};

}  // namespace nvsx::janitor

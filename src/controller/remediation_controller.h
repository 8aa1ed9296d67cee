#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "controller/event_writer.h"
#include "controller/remediation_decision.h"
#include "controller/step_result.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/indexed_cache.h"
#include "kube/rest_client.h"
#include "kube/types/janitor_request.h"

namespace nvsx::controller {

class ControllerMetrics;

struct RemediationOptions {
  EscalationOptions escalation;
  // Decide and record, create nothing.
  bool dry_run = false;
};

// Takes Drained HealthEvents to Remediated by their recommendedAction
// (RemediationFor): creates a janitor RebootNode or GPUReset named after
// the event (RemediationObjectName; a 409 AlreadyExists adopts the one a
// previous run made), owned by and labelled with the event, names it in
// status.remediation, and moves the event on when the janitor marks it
// succeeded (Failed, naming the object, when it failed). Manual actions and
// escalated repeat faults wait, visibly in the Remediated condition, for the
// approval annotation (names.h). One reboot serves every event on its node:
// a RebootNode supersedes a GPUReset on the node that has not started
// (deleted, and the reboot adopted for its event), and an event finds a
// reboot already pending for its node and adopts it rather than make another.
class RemediationController {
 public:
  // All pointers must outlive the controller; `metrics` may be null. The
  // caches are indexed by kube::kNodeNameIndex.
  RemediationController(kube::RestClient* client, core::WaitableClock* clock, EventWriter* writer,
                        ControllerMetrics* metrics, const kube::IndexedCache* events,
                        const kube::IndexedCache* reboot_nodes,
                        const kube::IndexedCache* gpu_resets, RemediationOptions options,
                        core::Logger logger);

  // `event` is Drained.
  absl::StatusOr<StepResult> Reconcile(const kube::HealthEvent& event);

  // Remediation objects this controller created (not adopted), for tests.
  uint64_t created() const { return created_.load(); }

 private:
  absl::StatusOr<StepResult> Manual(const kube::HealthEvent& event, RemediationKind planned,
                                    const std::optional<EscalationVerdict>& escalation);
  absl::StatusOr<StepResult> Automatic(const kube::HealthEvent& event, RemediationKind kind);
  absl::StatusOr<StepResult> Chosen(const kube::HealthEvent& event,
                                    const kube::RemediationRef& ref);
  // Moves the event onto `reboot` (a GPUReset superseded, or a reboot another
  // event made), then follows it.
  absl::StatusOr<StepResult> Adopt(const kube::HealthEvent& event, const nlohmann::json& reboot,
                                   std::string_view reason, const std::string& message);
  // Records `ref` and waits for it, or moves the event on when it completed.
  // `reason` and `note`, when given, say why the event waits on this object.
  absl::StatusOr<StepResult> Follow(const kube::HealthEvent& event, const kube::RemediationRef& ref,
                                    const nlohmann::json& object, std::string_view reason,
                                    const std::string& note);
  absl::StatusOr<StepResult> Advance(const kube::HealthEvent& event, std::string_view reason,
                                     const std::string& message,
                                     const std::optional<kube::RemediationRef>& ref);
  // Creates the event's own object, or adopts one of that name already there.
  absl::StatusOr<nlohmann::json> Ensure(const kube::HealthEvent& event, RemediationKind kind);
  // The object, from the cache, else from the API server (the cache may not
  // show one just made); nullopt when it does not exist.
  absl::StatusOr<std::optional<nlohmann::json>> Lookup(const kube::RemediationRef& ref);
  // A RebootNode on `node` that still reboots it after `since` (not started,
  // or started since then); the caller holds the node lock.
  absl::StatusOr<std::optional<nlohmann::json>> UsableReboot(const std::string& node,
                                                             absl::Time since);
  // Deletes the GPUResets on `node` that have not started; the events that
  // named them adopt `reboot` on their next pass.
  void SupersedeResets(const std::string& node, const std::string& reboot);
  std::mutex& NodeLock(const std::string& node);

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  EventWriter* const writer_;
  ControllerMetrics* const metrics_;
  const kube::IndexedCache* const events_;
  const kube::IndexedCache* const reboot_nodes_;
  const kube::IndexedCache* const gpu_resets_;
  const RemediationOptions options_;
  core::Logger logger_;
  std::array<std::mutex, 64> node_locks_;
  std::mutex mu_;
  // node -> the RebootNode this process made for it and when (the cache may
  // not show it yet when the next event on the node comes).
  std::map<std::string, std::pair<std::string, absl::Time>> recent_reboots_;
  std::atomic<uint64_t> created_{0};
};

// The state of a RebootNode or GPUReset object.
kube::JanitorState RemediationState(const nlohmann::json& object, std::string_view kind);

}  // namespace nvsx::controller

#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "controller/event_writer.h"
#include "controller/recovery_decision.h"
#include "controller/step_result.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/indexed_cache.h"
#include "kube/rest_client.h"
#include "kube/types/node.h"

namespace nvsx::controller {

struct RecoveryOptions {
  // Decide and record, change no node.
  bool dry_run = false;
};

// Takes Remediated HealthEvents to Resolved (DecideRecovery): once the node
// is Ready and the GPU healthy, lifts the event's part of the quarantine
// (ReleasePatch: our taints, our cordon, our annotations, and the node
// condition quarantine set for the check) when no other open fault holds the
// node, else only takes the event off the node's record, and sets Resolved.
// The node is written before the event, so a restart in between finds the
// node released and only the phase left to write.
class RecoveryController {
 public:
  // All pointers must outlive the controller. `events` and `reboot_nodes`
  // are indexed by kube::kNodeNameIndex.
  RecoveryController(kube::RestClient* client, core::WaitableClock* clock, EventWriter* writer,
                     const kube::IndexedCache* nodes, const kube::IndexedCache* events,
                     const kube::IndexedCache* reboot_nodes, RecoveryOptions options,
                     core::Logger logger);

  // `event` is Remediated.
  absl::StatusOr<StepResult> Reconcile(const kube::HealthEvent& event);

 private:
  // Applies ReleasePatch and removes the check's node condition when ours
  // and no holder shares the check; returns the node as written.
  absl::StatusOr<kube::Node> ReleaseNode(const kube::HealthEvent& event,
                                         const RecoveryDecision& decision);
  std::optional<absl::Time> RebootStarted(const kube::HealthEvent& event);

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  EventWriter* const writer_;
  const kube::IndexedCache* const nodes_;
  const kube::IndexedCache* const events_;
  const kube::IndexedCache* const reboot_nodes_;
  const RecoveryOptions options_;
  core::Logger logger_;
};

}  // namespace nvsx::controller

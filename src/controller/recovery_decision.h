#pragma once

// The recovery controller's decision for a Remediated HealthEvent, as a pure
// function of the event, its node and the node's other events, so tests can
// call it without a cluster.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/indexed_cache.h"
#include "kube/types/health_event.h"
#include "kube/types/node.h"

namespace nvsx::controller {

struct RecoveryInputs {
  const kube::Node* node = nullptr;  // null: the node no longer exists
  // When the reboot that remediated the event started; nullopt when the
  // remediation was no reboot.
  std::optional<absl::Time> reboot_started;
  // The HealthEvents on the node (the event itself may be among them).
  std::vector<kube::ObjectPtr> node_events;
};

struct RecoveryDecision {
  bool resolve = false;
  std::string reason;   // names.h: AwaitingRecovery, Recovered, NodeHeldByNewerFault
  std::string message;  // what it waits for, or how it recovered
  // Resolve: no other fault holds the node, so its quarantine is lifted.
  bool release_node = false;
  std::vector<std::string> holders;  // the other open faults on the node
};

// Resolved when the node is Ready (since the reboot started, when it was
// one) and the GPU is healthy: the event itself was marked isHealthy (the
// publisher does when the GPU recovers), a newer event of the same node
// and check is healthy, or, for an event remediated without an object (NONE
// or manual), the node condition of the check is gone or not True. The
// node's other open faults (Quarantined, Drained, Remediated, or New and
// fatal) hold its quarantine: the event is still resolved, the node is not
// released, so an older recovery never cancels a newer fault.
RecoveryDecision DecideRecovery(const kube::HealthEvent& event, const RecoveryInputs& inputs);

// Whether `other` holds its node's quarantine (an open fault).
bool HoldsNode(const kube::HealthEvent& other);

}  // namespace nvsx::controller
